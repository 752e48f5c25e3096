//! Commands that are not one operation each: shell completions, and the official tool's
//! `api-version get|set|clear` (the account's pinned version, over `GET`/`PUT /version`).

use clap::{Arg, Command};
use serde_json::{Value, json};

/// The hand-written commands.
pub fn commands() -> Vec<Command> {
    vec![
        crate::auth::command(),
        crate::configure::command(),
        crate::mcp::command(),
        Command::new("completion")
            .about("Print a shell completion script")
            .long_about("Print a completion script for SHELL, e.g. `seclai completion bash > ~/.local/share/bash-completion/completions/seclai`.")
            .arg(
                Arg::new("shell")
                    .value_name("SHELL")
                    .required(true)
                    .value_parser(clap::value_parser!(clap_complete::Shell)),
            ),
        crate::globals::add_to(
            Command::new("api-version")
                .about("The API version pinned for the account")
                .subcommand_required(true)
                .arg_required_else_help(true)
                .subcommand(crate::globals::add_to(Command::new("get").about("Show the pinned, effective and known versions"), &[]))
                .subcommand(crate::globals::add_to(
                    Command::new("set")
                        .about("Pin a version for the account")
                        .arg(Arg::new("version").value_name("YYYY-MM-DD").required(true).value_parser(crate::values::date())),
                    &[],
                ))
                .subcommand(crate::globals::add_to(
                    Command::new("clear").about("Remove the pin: requests without Seclai-Version get the default"),
                    &[],
                )),
            &[],
        ),
    ]
}

/// What a hand-written command resolves to: an operation with its arguments, or done locally.
pub enum Resolved {
    /// Call this operation.
    Operation(&'static str, Value),
    /// Nothing to send.
    Done,
}

/// Runs the hand-written command at `path`; `None` when `path` is not one.
pub fn resolve(path: &[String], m: &clap::ArgMatches, root: &mut Command) -> Option<Resolved> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    Some(match p.as_slice() {
        ["completion"] => {
            let shell = *m.get_one::<clap_complete::Shell>("shell")?;
            clap_complete::generate(shell, root, "seclai", &mut std::io::stdout());
            Resolved::Done
        }
        ["api-version", "get"] => Resolved::Operation("get_api_version", json!({})),
        ["api-version", "set"] => {
            let v = m.get_one::<String>("version")?;
            Resolved::Operation("update_api_version", json!({"body": {"version": v}}))
        }
        ["api-version", "clear"] => Resolved::Operation("update_api_version", json!({"body": {"version": null}})),
        _ => return None,
    })
}
