//! The project's tasks: code generation with snapshot checks, the spec fidelity check,
//! recording cassettes and checking them against the contract.

pub mod codegen;
pub mod contract;
pub mod fidelity;
pub mod record;

use std::path::PathBuf;

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits inside the workspace").to_path_buf()
}

/// The spec's path inside the workspace.
pub fn spec_path() -> PathBuf {
    workspace_root().join("openapi/seclai.yaml")
}
