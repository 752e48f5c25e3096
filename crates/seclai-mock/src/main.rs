//! `seclai-mock [--port N] [--api-key KEY] [--token-delay-ms N]`: a local Seclai API server.

use std::time::Duration;

#[tokio::main]
async fn main() {
    let mut options = seclai_mock::Options::default().port(8080);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_else(|| usage(&format!("{arg} needs a value")));
        match arg.as_str() {
            "--port" => options = options.port(value().parse().unwrap_or_else(|_| usage("--port takes a number"))),
            "--api-key" => options = options.api_key(value()),
            "--token-delay-ms" => {
                options = options.token_delay(Duration::from_millis(
                    value().parse().unwrap_or_else(|_| usage("--token-delay-ms takes a number")),
                ))
            }
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let server = seclai_mock::Server::start_with(options).await.unwrap_or_else(|e| {
        eprintln!("cannot start: {e}");
        std::process::exit(1)
    });
    println!("Seclai local server on {}", server.base_url());
    println!("  SECLAI_API_URL={} SECLAI_API_KEY={}", server.base_url(), server.api_key());
    let _ = tokio::signal::ctrl_c().await;
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("{problem}");
    }
    eprintln!("usage: seclai-mock [--port N] [--api-key KEY] [--token-delay-ms N]");
    std::process::exit(if problem.is_empty() { 0 } else { 2 })
}
