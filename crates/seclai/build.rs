//! Generates the operation layer (resource handles and operation builders) from `seclai.yaml`
//! (a link to `openapi/seclai.yaml`), with the same function `cargo xtask codegen` uses.

fn main() {
    seclai_codegen::build_script("sdk", |yaml| seclai_codegen::generate_sdk(yaml).map(|sdk| sdk.file));
}
