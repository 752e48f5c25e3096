//! `cargo xtask <command>`: see `cargo xtask help`.

use std::process::ExitCode;

use xtask::{codegen, fidelity, spec_path, workspace_root};

const HELP: &str = "\
cargo xtask <command>

  codegen [--check]              regenerate the snapshots of all generated code from openapi/seclai.yaml;
                                 with --check, fail with a diff when they are out of date
  fidelity [<published.json>]    compare openapi/seclai.yaml with a published spec (OpenAPI 3.1 JSON); without a
                                 path, the reference of the API version the SDK targets (2026-10-03):
                                 ../shared/reference/seclai-openapi-3.1-2026-10-03.json
  record [--out DIR] [--base-url URL] [--api-key KEY]
                                 record cassettes with a read-only tour of the API (key and URL default to
                                 SECLAI_API_KEY and SECLAI_API_URL); then check them against the contract
  contract [DIR]                 check cassettes (default: cassettes/) against the spec and the seclai crate
  public-api [--check]           list the public API of seclai into crates/seclai/public-api.txt; with --check,
                                 fail with a diff when the listing is out of date
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => run_codegen(false),
        ["codegen", "--check"] => run_codegen(true),
        ["fidelity", path] => run_fidelity(path),
        ["fidelity"] => run_fidelity(&fidelity::default_reference().display().to_string()),
        ["record", rest @ ..] => {
            let mut args = vec!["record"];
            args.extend_from_slice(rest);
            if !rest.contains(&"--out") {
                args.extend(["--out", "cassettes-recorded"]);
            }
            mock(&args)
        }
        ["contract"] => mock(&["contract", "cassettes"]),
        ["public-api"] => run_public_api(false),
        ["public-api", "--check"] => run_public_api(true),
        ["contract", dir] => {
            let dir = std::path::absolute(dir).map_err(|e| e.to_string());
            dir.and_then(|d| mock(&["contract", &d.display().to_string()]))
        }
        ["help" | "--help" | "-h"] | [] => {
            print!("{HELP}");
            Ok(())
        }
        _ => Err(format!("unknown arguments {args:?}\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn read_spec() -> Result<String, String> {
    let path = spec_path();
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

fn run_codegen(check: bool) -> Result<(), String> {
    let yaml = read_spec()?;
    let root = workspace_root();
    if check {
        let n = codegen::check(&root, &yaml)?;
        println!("codegen --check: {n} generated parts match their snapshots");
    } else {
        let n = codegen::write(&root, &yaml)?;
        println!("codegen: wrote {n} snapshots");
    }
    Ok(())
}

fn run_public_api(check: bool) -> Result<(), String> {
    let n = xtask::public_api::run(&workspace_root(), check)?;
    println!("public-api: {n} items{}", if check { " match the listing" } else { " listed" });
    Ok(())
}

fn run_fidelity(published_path: &str) -> Result<(), String> {
    let published: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(published_path).map_err(|e| format!("{published_path}: {e}"))?)
            .map_err(|e| format!("{published_path} is not JSON: {e}"))?;
    let ours = seclai_codegen::load_spec(&read_spec()?).map_err(|e| e.to_string())?;
    let report = fidelity::compare(&published, &ours);
    print!("{}", fidelity::render(&report));
    if report.is_clean() { Ok(()) } else { Err("fidelity: the spec differs from the published one".into()) }
}

/// Runs a `seclai-mock` subcommand (recording and contract checks need the SDK built; code
/// generation must not, as it is what repairs the SDK after a spec change).
fn mock(args: &[&str]) -> Result<(), String> {
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["run", "--quiet", "--package", "seclai-mock", "--"])
        .args(args)
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run seclai-mock: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("seclai-mock {} failed", args.first().unwrap_or(&""))) }
}
