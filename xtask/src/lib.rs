//! The project's tasks: code generation with snapshot checks and the spec fidelity check.
//! Recording cassettes and checking them are `seclai-mock`'s, which `cargo xtask record` and
//! `cargo xtask contract` call, so that code generation never depends on the generated code.

pub mod codegen;
pub mod fidelity;
pub mod public_api;

use std::path::PathBuf;

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits inside the workspace").to_path_buf()
}

/// The spec's path inside the workspace.
pub fn spec_path() -> PathBuf {
    workspace_root().join("openapi/seclai.yaml")
}
