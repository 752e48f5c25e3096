//! `seclai-mock`: the local Seclai API server, and the tools around recorded interactions.
//!
//!     seclai-mock [serve] [--port N] [--api-key KEY] [--token-delay-ms N]
//!     seclai-mock record [--out DIR] [--base-url URL] [--api-key KEY]
//!     seclai-mock contract DIR

use std::path::PathBuf;
use std::time::Duration;

const USAGE: &str = "\
seclai-mock [serve] [--port N] [--api-key KEY] [--token-delay-ms N]
    run the local Seclai server (default port 8080)
seclai-mock record [--out DIR] [--base-url URL] [--api-key KEY]
    record cassettes with a read-only tour of the API (key and URL default to SECLAI_API_KEY and
    SECLAI_API_URL), then check them against the contract
seclai-mock contract DIR
    check the cassettes under DIR against the spec and the seclai crate";

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("{problem}\n");
    }
    eprintln!("{USAGE}");
    std::process::exit(if problem.is_empty() { 0 } else { 2 })
}

/// `--name value` pairs of the arguments.
fn options(args: &[String], known: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "-h" || arg == "--help" {
            usage("");
        }
        if !known.contains(&arg.as_str()) {
            usage(&format!("unknown argument {arg}"));
        }
        let value = it.next().cloned().unwrap_or_else(|| usage(&format!("{arg} needs a value")));
        out.push((arg.clone(), value));
    }
    out
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("record") => record(&args[1..]).await,
        Some("contract") => match args.get(1) {
            Some(dir) if args.len() == 2 => contract(&PathBuf::from(dir)).await,
            _ => usage("contract takes one directory"),
        },
        Some("serve") => serve(&args[1..]).await,
        _ => serve(&args).await,
    };
    std::process::exit(code);
}

async fn serve(args: &[String]) -> i32 {
    let mut o = seclai_mock::Options::default().port(8080);
    for (k, v) in options(args, &["--port", "--api-key", "--token-delay-ms"]) {
        let number = |v: &str| v.parse::<u64>().unwrap_or_else(|_| usage(&format!("{k} takes a number")));
        o = match k.as_str() {
            "--port" => o.port(number(&v) as u16),
            "--api-key" => o.api_key(v),
            _ => o.token_delay(Duration::from_millis(number(&v))),
        };
    }
    let server = match seclai_mock::Server::start_with(o).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return 1;
        }
    };
    println!("Seclai local server on {}", server.base_url());
    println!("  SECLAI_API_URL={} SECLAI_API_KEY={}", server.base_url(), server.api_key());
    let _ = tokio::signal::ctrl_c().await;
    0
}

async fn contract(dir: &std::path::Path) -> i32 {
    let started = std::time::Instant::now();
    match seclai_mock::contract::run_dir(dir).await {
        Ok((n, failures)) => {
            for f in &failures {
                println!("{f}");
            }
            println!("contract: {n} cassettes, {} failures, {:.1}s", failures.len(), started.elapsed().as_secs_f64());
            i32::from(!failures.is_empty())
        }
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}

async fn record(args: &[String]) -> i32 {
    let mut r =
        seclai_mock::record::Recording { out: PathBuf::from("cassettes-recorded"), base_url: None, api_key: None };
    for (k, v) in options(args, &["--out", "--base-url", "--api-key"]) {
        match k.as_str() {
            "--out" => r.out = v.into(),
            "--base-url" => r.base_url = Some(v),
            _ => r.api_key = Some(v),
        }
    }
    let steps = match seclai_mock::record::tour(&r).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    for s in &steps {
        match &s.outcome {
            Ok(detail) => println!("  {:<22} {detail}", s.what),
            Err(e) => println!("  {:<22} error (recorded): {e}", s.what),
        }
    }
    println!("record: {} cassettes in {}", seclai_mock::record::written(&r.out).len(), r.out.display());
    contract(&r.out).await
}
