//! Generates the operation layer (resource handles and operation builders) from `seclai.yaml`
//! (a link to `openapi/seclai.yaml`), with the same function `cargo xtask codegen` uses.

fn main() {
    let manifest =
        std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let spec_path = manifest.join("seclai.yaml");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    let yaml =
        std::fs::read_to_string(&spec_path).unwrap_or_else(|e| panic!("cannot read {}: {e}", spec_path.display()));
    let sdk = seclai_codegen::generate_sdk(&yaml).unwrap_or_else(|e| panic!("{e}"));
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("sdk.rs");
    std::fs::write(&out, sdk.code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
