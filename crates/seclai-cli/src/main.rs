//! `seclai`: every operation of the Seclai API from a terminal.
//!
//! The commands come from the spec (`build.rs` generates the table, `tree` makes clap commands
//! of it); a command runs through the `seclai` crate, so retries, errors, pagination and
//! credentials are the SDK's. The modules, by concern:
//!
//! - `table`: the generated table of operations; `tree`: the clap tree built from it;
//!   `aliases`: the official tool's names; `globals`: the options every command takes;
//! - `invoke`: a parsed command as the arguments of `seclai::dynamic`; `files`: uploads,
//!   downloads and the event stream; `agent_run`: `agents run`; `extra`: commands that are
//!   not one operation;
//! - `output`, `table_format`: stdout; `exit`: stderr and exit codes; `interrupt`: Ctrl-C.

#![deny(missing_docs)]

mod agent_run;
mod aliases;
mod auth;
mod configure;
mod exit;
mod extra;
mod files;
mod globals;
mod interrupt;
mod invoke;
mod mcp;
mod output;
mod progress;
mod table;
mod table_format;
mod tree;
mod values;

use std::process::ExitCode;

use clap::{ArgMatches, Command};

use crate::output::{Closed, Printer};

/// The root command, before the generated groups are added.
pub(crate) fn cli_root() -> Command {
    let root = Command::new("seclai")
        .version(env!("CARGO_PKG_VERSION"))
        .about("The Seclai API from a terminal: agents, runs, knowledge bases, sources, memory banks and more")
        .long_about(
            "The Seclai API from a terminal: every operation of the API as a command, generated from the same \
             spec as the Rust SDK.\n\nCredentials: --api-key or SECLAI_API_KEY, else the SSO login of the profile. \
             Output is JSON on stdout; errors go to stderr.",
        )
        .after_long_help(exit::EXIT_CODES_HELP)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .max_term_width(100);
    globals::add_to(root, &[])
}

/// The subcommand names down to the leaf, and the leaf's matches.
fn leaf_path(m: &ArgMatches) -> (Vec<String>, &ArgMatches) {
    let mut path = Vec::new();
    let mut at = m;
    while let Some((name, sub)) = at.subcommand() {
        path.push(name.to_string());
        at = sub;
    }
    (path, at)
}

fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let first = tree::first_word(&argv);
    let mut root = tree::root_for(table::OPERATIONS, table::GROUPS, first.as_deref());
    let matches = match root.try_get_matches_from_mut(&argv) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::code::USAGE } else { exit::code::OK });
        }
    };
    let (matched, leaf) = leaf_path(&matches);
    let globals = globals::Globals::read(leaf, &matches);
    globals.init_tracing();
    let printer = Printer { format: globals.format, compact: globals.compact };

    // A hand-written command, or an operation (through an official name, perhaps).
    let job = if matched == ["agents", "run"] {
        Job::AgentRun
    } else if matches!(matched.first().map(String::as_str), Some("auth" | "configure" | "mcp")) {
        Job::Local(matched.clone())
    } else {
        let (op, args) = match extra::resolve(&matched, leaf, &mut root) {
            Some(extra::Resolved::Done) => return ExitCode::SUCCESS,
            Some(extra::Resolved::Operation(id, args)) => (
                table::OPERATIONS.iter().find(|o| o.id == id).expect("a hand-written command names an operation"),
                args,
            ),
            None => {
                let path = aliases::canonical(&matched);
                let is = |c: &[&str]| c.iter().copied().eq(path.iter().map(String::as_str));
                let Some(op) = table::OPERATIONS
                    .iter()
                    .find(|o| is(o.command))
                    .or_else(|| table::OPERATIONS.iter().find(|o| o.former.iter().any(|f| is(f))))
                else {
                    eprintln!("error: no operation behind `{}`", matched.join(" "));
                    return ExitCode::from(exit::code::OTHER);
                };
                match invoke::arguments(op, leaf) {
                    Ok(args) => (op, args),
                    Err(invoke::Usage(msg)) => {
                        eprintln!("error: {msg}");
                        return ExitCode::from(exit::code::USAGE);
                    }
                }
            }
        };
        Job::Operation(op, args)
    };

    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(exit::code::OTHER);
        }
    };
    let code = runtime.block_on(async {
        tokio::select! {
            code = job.run(&globals, printer, leaf) => code,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("{}", interrupt::message());
                exit::code::INTERRUPTED
            }
        }
    });
    // Leave at once: an interrupted request is not waited for.
    runtime.shutdown_background();
    ExitCode::from(code)
}

/// What a command line asks for.
enum Job {
    /// One operation, with its arguments for `seclai::dynamic`.
    Operation(&'static table::Operation, serde_json::Value),
    /// `agents run`.
    AgentRun,
    /// `auth`, `configure`, `mcp`: the local configuration (and the SSO sign-in).
    Local(Vec<String>),
}

impl Job {
    /// Does it; the exit code.
    async fn run(&self, globals: &globals::Globals, printer: Printer, leaf: &ArgMatches) -> u8 {
        // Errors as JSON only when asked for with `--format json` (scripts read stderr then).
        let as_json = globals.json_errors;
        let client = || globals.client();
        match self {
            Job::Local(path) => local(path, globals, printer, leaf).await,
            Job::Operation(op, args) => match client() {
                Ok(c) => operation(&c, printer, op, leaf, args, as_json, globals.quiet).await,
                Err(e) => exit::report(&e, as_json),
            },
            Job::AgentRun => match client() {
                Ok(c) => agent_run::run(&c, printer, leaf).await.unwrap_or_else(|e| exit::report(&e, as_json)),
                Err(e) => exit::report(&e, as_json),
            },
        }
    }
}

/// Sends the operation and prints its answer; the exit code.
async fn operation(
    client: &seclai::Client,
    printer: Printer,
    op: &table::Operation,
    leaf: &ArgMatches,
    args: &serde_json::Value,
    as_json: bool,
    quiet: bool,
) -> u8 {
    let client = client.clone();
    let all = leaf.try_get_one::<bool>("all").ok().flatten().copied().unwrap_or(false);
    let printed = match op.kind {
        table::Kind::Json if all => match seclai::dynamic::items(&client, op.id, args) {
            Ok(items) => printer.items(items).await,
            Err(e) => Err(e),
        },
        table::Kind::Json => match seclai::dynamic::invoke(&client, op.id, args).await {
            Ok(v) if op.id == "create_source_export" && leaf.get_flag("wait") => {
                match files::export_follow(&client, leaf, v, quiet).await {
                    Ok(outcome) => return print_outcome(printer, outcome),
                    Err(e) => Err(e),
                }
            }
            Ok(v) => Ok(printer.value(&v)),
            Err(e) => Err(e),
        },
        _ => match files::run(&client, op, leaf, args, quiet).await {
            Err(invoke::Usage(msg)) => {
                eprintln!("error: {msg}");
                return exit::code::USAGE;
            }
            Ok(Ok(outcome)) => return print_outcome(printer, outcome),
            Ok(Err(e)) => Err(e),
        },
    };
    match printed {
        Ok(Ok(())) | Ok(Err(Closed)) => exit::code::OK,
        Err(e) => exit::report(&e, as_json),
    }
}

/// Prints what a file, stream or follow-up step answered; the exit code.
fn print_outcome(printer: Printer, outcome: files::Outcome) -> u8 {
    match outcome {
        files::Outcome::Json(v) => {
            let _ = printer.value(&v);
            exit::code::OK
        }
        files::Outcome::Unsuccessful(v) => {
            let _ = printer.value(&v);
            exit::code::UNSUCCESSFUL
        }
        files::Outcome::Done => exit::code::OK,
    }
}

/// `auth`, `configure` and `mcp`: the exit code.
async fn local(path: &[String], globals: &globals::Globals, printer: Printer, leaf: &ArgMatches) -> u8 {
    let sub = path.get(1).map(String::as_str).unwrap_or_default();
    let answer = match path[0].as_str() {
        "auth" => auth::run(sub, leaf, globals).await,
        "configure" => configure::run(sub, leaf, globals).map_err(seclai::Error::InvalidArgument),
        _ => mcp::run(sub, leaf, globals).map_err(seclai::Error::InvalidArgument),
    };
    match answer {
        Ok(v) => {
            let _ = printer.value(&v);
            exit::code::OK
        }
        Err(e) => exit::report(&e, globals.json_errors),
    }
}
