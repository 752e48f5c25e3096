//! Embeds the spec and the cassettes, so the server works wherever the crate is used.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let manifest =
        std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let spec = manifest.join("seclai.yaml");
    let cassettes = manifest.join("cassettes");
    println!("cargo:rerun-if-changed={}", spec.display());
    println!("cargo:rerun-if-changed={}", cassettes.display());
    let mut out = String::new();
    writeln!(out, "/// The OpenAPI description the server follows.").unwrap();
    writeln!(
        out,
        "pub static SPEC: &str = include_str!({:?});",
        spec.canonicalize().expect("seclai.yaml").display().to_string()
    )
    .unwrap();
    writeln!(out, "/// Every cassette: (path relative to the cassette directory, YAML text).").unwrap();
    writeln!(out, "pub static CASSETTES: &[(&str, &str)] = &[").unwrap();
    let mut files = Vec::new();
    collect(&cassettes, &mut files);
    files.sort();
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(&cassettes).expect("under the cassette dir").display().to_string();
        let abs = f.canonicalize().expect("cassette path").display().to_string();
        writeln!(out, "    ({rel:?}, include_str!({abs:?})),").unwrap();
    }
    writeln!(out, "];").unwrap();
    let dest = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    std::fs::write(dest, out).expect("write embedded.rs");
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}
