//! `cargo xtask <command>`: see `cargo xtask help`.

use std::process::ExitCode;

use xtask::{codegen, contract, fidelity, record, spec_path, workspace_root};

const HELP: &str = "\
cargo xtask <command>

  codegen [--check]              regenerate the snapshots of all generated code from openapi/seclai.yaml;
                                 with --check, fail with a diff when they are out of date
  fidelity <published.json>      compare openapi/seclai.yaml with a published spec (OpenAPI 3.1 JSON)
  record [--out DIR] [--base-url URL] [--api-key KEY]
                                 record cassettes with a read-only tour of the API (key and URL default to
                                 SECLAI_API_KEY and SECLAI_API_URL); then check them against the contract
  contract [DIR]                 check cassettes (default: cassettes/) against the spec and the seclai crate
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => run_codegen(false),
        ["codegen", "--check"] => run_codegen(true),
        ["fidelity", path] => run_fidelity(path),
        ["record", rest @ ..] => run_record(rest),
        ["contract"] => run_contract(&workspace_root().join("cassettes")),
        ["contract", dir] => run_contract(std::path::Path::new(dir)),
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

fn run_fidelity(published_path: &str) -> Result<(), String> {
    let published: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(published_path).map_err(|e| format!("{published_path}: {e}"))?)
            .map_err(|e| format!("{published_path} is not JSON: {e}"))?;
    let ours = seclai_codegen::load_spec(&read_spec()?).map_err(|e| e.to_string())?;
    let report = fidelity::compare(&published, &ours);
    print!("{}", fidelity::render(&report));
    if report.is_clean() { Ok(()) } else { Err("fidelity: the spec differs from the published one".into()) }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())
}

fn run_contract(dir: &std::path::Path) -> Result<(), String> {
    let started = std::time::Instant::now();
    let (n, failures) = runtime()?.block_on(contract::run(dir))?;
    for f in &failures {
        println!("{f}");
    }
    println!("contract: {n} cassettes, {} failures, {:.1}s", failures.len(), started.elapsed().as_secs_f64());
    if failures.is_empty() { Ok(()) } else { Err("contract: some cassettes break the contract".into()) }
}

fn run_record(args: &[&str]) -> Result<(), String> {
    let mut r = record::Recording { out: workspace_root().join("cassettes-recorded"), base_url: None, api_key: None };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().map(|v| v.to_string()).ok_or_else(|| format!("{arg} needs a value"));
        match *arg {
            "--out" => r.out = value()?.into(),
            "--base-url" => r.base_url = Some(value()?),
            "--api-key" => r.api_key = Some(value()?),
            other => return Err(format!("unknown argument {other}\n\n{HELP}")),
        }
    }
    let steps = runtime()?.block_on(record::tour(&r))?;
    for s in &steps {
        match &s.outcome {
            Ok(detail) => println!("  {:<22} {detail}", s.what),
            Err(e) => println!("  {:<22} error (recorded): {e}", s.what),
        }
    }
    let files = record::written(&r.out);
    println!("record: {} cassettes in {}", files.len(), r.out.display());
    run_contract(&r.out)
}
