//! `seclai-mock`: the local Seclai API server, and the tools around recorded interactions.
//!
//!     seclai-mock [serve] [--port N] [--api-key KEY] [--token-delay-ms N] [--fail-indexing NAME]
//!     seclai-mock record [--out DIR] [--base-url URL] [--api-key KEY]
//!     seclai-mock contract DIR

use std::path::PathBuf;
use std::time::Duration;

use clap::{Arg, ArgMatches, Command, value_parser};

fn serve_args(cmd: Command) -> Command {
    cmd.arg(
        Arg::new("port")
            .long("port")
            .value_name("N")
            .default_value("8080")
            .value_parser(value_parser!(u16))
            .help("The loopback port (0: any free port)"),
    )
    .arg(
        Arg::new("api-key")
            .long("api-key")
            .value_name("KEY")
            .default_value(seclai_mock::DEFAULT_API_KEY)
            .help("The key requests must carry"),
    )
    .arg(
        Arg::new("token-delay-ms")
            .long("token-delay-ms")
            .value_name("N")
            .default_value("0")
            .value_parser(value_parser!(u64))
            .help("The pause between the events of a streamed run, in milliseconds"),
    )
    .arg(
        Arg::new("fail-indexing")
            .long("fail-indexing")
            .value_name("FILE_NAME")
            .help("An uploaded file of this name ends its indexing `failed` (to try waiting for uploads)"),
    )
}

fn command() -> Command {
    serve_args(
        Command::new("seclai-mock")
            .version(env!("CARGO_PKG_VERSION"))
            .about("The local Seclai API server, and the tools around recorded interactions")
            .args_conflicts_with_subcommands(true),
    )
    .subcommand(serve_args(Command::new("serve").about("Run the local Seclai server (the default)")))
    .subcommand(
        Command::new("record")
            .about(
                "Record cassettes with a read-only tour of the API, then check them against the contract \
                 (key and URL default to SECLAI_API_KEY and SECLAI_API_URL)",
            )
            .arg(
                Arg::new("out")
                    .long("out")
                    .value_name("DIR")
                    .default_value("cassettes-recorded")
                    .help("Where the cassettes are written"),
            )
            .arg(
                Arg::new("base-url")
                    .long("base-url")
                    .value_name("URL")
                    .help("The API to record [default: SECLAI_API_URL]"),
            )
            .arg(Arg::new("api-key").long("api-key").value_name("KEY").help("Its key [default: SECLAI_API_KEY]")),
    )
    .subcommand(
        Command::new("contract")
            .about("Check the cassettes under DIR against the spec and the seclai crate")
            .arg(Arg::new("dir").value_name("DIR").required(true).value_parser(value_parser!(PathBuf))),
    )
}

#[tokio::main]
async fn main() {
    let matches = command().get_matches();
    let code = match matches.subcommand() {
        Some(("record", m)) => record(m).await,
        Some(("contract", m)) => contract(m.get_one::<PathBuf>("dir").expect("required")).await,
        Some(("serve", m)) => serve(m).await,
        _ => serve(&matches).await,
    };
    std::process::exit(code);
}

async fn serve(m: &ArgMatches) -> i32 {
    let mut o = seclai_mock::Options::default()
        .port(*m.get_one::<u16>("port").expect("defaulted"))
        .api_key(m.get_one::<String>("api-key").expect("defaulted"))
        .token_delay(Duration::from_millis(*m.get_one::<u64>("token-delay-ms").expect("defaulted")));
    if let Some(name) = m.get_one::<String>("fail-indexing") {
        o = o.fail_indexing(name);
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

async fn record(m: &ArgMatches) -> i32 {
    let r = seclai_mock::record::Recording {
        out: PathBuf::from(m.get_one::<String>("out").expect("defaulted")),
        base_url: m.get_one::<String>("base-url").cloned(),
        api_key: m.get_one::<String>("api-key").cloned(),
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_reads_as_documented() {
        command().debug_assert();
        let m =
            command().try_get_matches_from(["seclai-mock", "--port", "9000", "--fail-indexing", "bad.pdf"]).unwrap();
        assert_eq!(m.get_one::<u16>("port"), Some(&9000));
        assert_eq!(m.get_one::<String>("fail-indexing").map(String::as_str), Some("bad.pdf"));
        let m = command().try_get_matches_from(["seclai-mock", "serve", "--token-delay-ms", "20"]).unwrap();
        assert_eq!(m.subcommand().map(|(n, s)| (n, *s.get_one::<u64>("token-delay-ms").unwrap())), Some(("serve", 20)));
        let e = command().try_get_matches_from(["seclai-mock", "--port", "many"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(command().try_get_matches_from(["seclai-mock", "contract"]).is_err(), "contract needs DIR");
    }
}
