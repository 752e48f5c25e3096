//! Generates the command table (one command per operation) from `seclai.yaml` (a link to
//! `openapi/seclai.yaml`), with the same function `cargo xtask codegen` snapshots.

fn main() {
    seclai_codegen::build_script("cli", seclai_codegen::cli::generate_cli);
}
