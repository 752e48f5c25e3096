//! Generates the typed mocks (one per operation) from `seclai.yaml` (a link to
//! `openapi/seclai.yaml`), with the same function `cargo xtask codegen` snapshots.

fn main() {
    seclai_codegen::build_script("mocks", seclai_codegen::httpmock::generate_httpmock);
}
