//! Generates the client from `seclai.yaml` (a link to `openapi/seclai.yaml`) on every spec change.

fn main() {
    seclai_codegen::build_script("seclai_raw", |yaml| seclai_codegen::generate_raw(yaml).map(|raw| raw.file));
}
