//! The clap command tree, built from the generated table at start-up: a group per resource, a
//! command per operation, arguments from its parameters and body fields, the global options on
//! the root and on every command, and the official tool's names as aliases.

use std::collections::BTreeMap;

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, Command};

use crate::table::{Group, Kind, Location, Operation, Paging, Value};
use crate::{aliases, globals, values};

/// The argument id of a body field's flag: `body.<field>` (never a parameter's name).
pub const BODY_PREFIX: &str = "body.";

/// Names a command may not give a flag of its own: the options every command has.
fn reserved() -> Vec<String> {
    let mut names: Vec<String> = globals::args().iter().map(|a| a.get_id().to_string()).collect();
    names.extend(["json", "json-file", "all", "help", "version"].map(String::from));
    names
}

/// A flag's long name: kebab case, and singular for a list given once per value
/// (`source_ids` is `--source-id a --source-id b`).
pub fn flag_name(name: &str, value: &Value) -> String {
    let kebab = name.replace('_', "-");
    match value {
        Value::TextList { .. } if kebab.ends_with("ies") => format!("{}y", &kebab[..kebab.len() - 3]),
        Value::TextList { .. } if kebab.ends_with('s') && kebab.len() > 2 => kebab[..kebab.len() - 1].to_string(),
        _ => kebab,
    }
}

/// `agent_id` -> `AGENT_ID`.
fn value_name(name: &str) -> String {
    name.to_uppercase()
}

fn value_arg(arg: Arg, value: &Value) -> Arg {
    match *value {
        Value::Text { min_len, max_len } => arg.value_parser(values::text(min_len, max_len)),
        Value::Uuid => arg.value_parser(values::uuid()),
        Value::TextList { uuid, .. } => {
            let arg = arg.action(ArgAction::Append);
            if uuid { arg.value_parser(values::uuid()) } else { arg }
        }
        Value::Int { min, max } => arg.value_parser(values::int(min, max)),
        Value::Number { min, max, exclusive_min } => arg.value_parser(values::number(min, max, exclusive_min)),
        // `--flag` alone is `true`; `--flag=false` sends false.
        Value::Bool => arg
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .value_parser(PossibleValuesParser::new(["true", "false"])),
        Value::DateTime => arg.value_parser(values::date_time()),
        Value::Date => arg.value_parser(values::date()),
        Value::Enum(options) => arg.value_parser(PossibleValuesParser::new(options.iter().copied())),
        Value::Json => arg.value_parser(values::json()),
    }
}

fn limits(value: &Value) -> Option<String> {
    match *value {
        Value::Int { min: Some(a), max: Some(b) } => Some(format!("{a} to {b}")),
        Value::Int { min: Some(a), max: None } => Some(format!("at least {a}")),
        Value::Int { min: None, max: Some(b) } => Some(format!("at most {b}")),
        Value::Text { min_len: Some(a), max_len: Some(b) } if a > 0 => Some(format!("{a} to {b} characters")),
        Value::Text { max_len: Some(b), .. } => Some(format!("at most {b} characters")),
        Value::TextList { max_items: Some(n), .. } => Some(format!("repeatable, at most {n} times")),
        Value::TextList { .. } => Some("repeatable".into()),
        Value::Json => Some("JSON".into()),
        Value::DateTime => Some("RFC 3339 date-time".into()),
        Value::Date => Some("YYYY-MM-DD".into()),
        _ => None,
    }
}

fn help_text(help: &str, value: &Value) -> String {
    match limits(value) {
        Some(l) if help.is_empty() => format!("[{l}]"),
        Some(l) => format!("{help} [{l}]"),
        None => help.to_string(),
    }
}

/// The command of one operation.
pub fn leaf(op: &Operation) -> Command {
    let name = op.command.last().copied().unwrap_or(op.id);
    let mut long = vec![op.summary.to_string()];
    if !op.description.is_empty() {
        long.push(op.description.to_string());
    }
    long.push(format!("{} {} (operation `{}`)", op.method, op.path, op.id));
    let mut cmd = Command::new(name).about(op.summary).long_about(long.join("\n\n"));
    // Long names of this command's own flags (globals with the same name give way), and the
    // names a body field's flag may not take.
    let mut own: Vec<String> = Vec::new();
    let reserved = reserved();

    // Path parameters, positional, in the order of the path.
    let mut path_params: Vec<_> = op.params.iter().filter(|p| p.location == Location::Path).collect();
    path_params.sort_by_key(|p| op.path.find(&format!("{{{}}}", p.name)).unwrap_or(usize::MAX));
    for p in path_params {
        let arg = Arg::new(p.name).value_name(value_name(p.name)).required(true).help(help_text(p.help, &p.value));
        cmd = cmd.arg(value_arg(arg, &p.value));
    }
    for p in op.params.iter().filter(|p| p.location == Location::Query) {
        let long = flag_name(p.name, &p.value);
        let arg = Arg::new(p.name)
            .long(long.clone())
            .value_name(value_name(&long.replace('-', "_")))
            .required(p.required)
            .help(help_text(p.help, &p.value));
        let arg = match p.value {
            Value::TextList { .. } if long != p.name.replace('_', "-") => arg.visible_alias(p.name.replace('_', "-")),
            _ => arg,
        };
        cmd = cmd.arg(value_arg(arg, &p.value));
        own.push(long);
    }
    if let Some(body) = op.body {
        cmd = cmd
            .arg(Arg::new("json").long("json").value_name("JSON").help(format!(
                "The request body ({}{}), as JSON; `-` reads it from stdin",
                body.schema,
                if body.required { ", required" } else { "" }
            )))
            .arg(
                Arg::new("json-file")
                    .long("json-file")
                    .value_name("PATH")
                    .conflicts_with("json")
                    .help("The request body, from a JSON file; `-` reads it from stdin"),
            );
        for f in body.fields {
            let long = flag_name(f.name, &f.value);
            if own.contains(&long) || reserved.contains(&long) {
                continue; // set through --json
            }
            let mut help = help_text(f.help, &f.value);
            if f.required {
                help = format!("{help} (required, here or in --json)");
            }
            let plural = f.name.replace('_', "-");
            let arg = Arg::new(format!("{BODY_PREFIX}{}", f.name))
                .long(long.clone())
                .visible_aliases(if plural != long && !own.contains(&plural) { vec![plural] } else { vec![] })
                .value_name(value_name(&long.replace('-', "_")))
                .help(help)
                .help_heading("Body fields (override --json)");
            cmd = cmd.arg(value_arg(arg, &f.value));
            own.push(long);
        }
    }
    if op.paging.is_some_and(|p| p != Paging::Limit) {
        cmd = cmd.arg(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Walk every page from the one asked for, printing items as they arrive"),
        );
    }
    if op.kind != Kind::Json {
        cmd = crate::files::args(op, cmd);
    }
    if op.id == "create_source_export" {
        cmd = crate::files::export_args(cmd);
    }
    globals::add_to(cmd, &own)
}

/// Inserts `leaf` at `path` under `root`, creating groups on the way.
fn insert(root: &mut Node, path: &[&str], leaf: Command) {
    match path {
        [] => {}
        [last] => {
            root.children.entry(last.to_string()).or_default().command = Some(leaf);
        }
        [head, rest @ ..] => insert(root.children.entry(head.to_string()).or_default(), rest, leaf),
    }
}

#[derive(Default)]
struct Node {
    command: Option<Command>,
    children: BTreeMap<String, Node>,
}

impl Node {
    fn build(self, name: &str, path: &[String], groups: &[Group]) -> Command {
        if let Some(cmd) = self.command {
            return cmd;
        }
        let about = groups
            .iter()
            .find(|g| g.command.iter().copied().eq(path.iter().map(String::as_str)))
            .map(|g| g.about)
            .unwrap_or_default();
        let mut cmd =
            Command::new(name.to_string()).about(about).subcommand_required(true).arg_required_else_help(true);
        for (child, node) in self.children {
            let mut p = path.to_vec();
            p.push(child.clone());
            cmd = cmd.subcommand(node.build(&child, &p, groups));
        }
        cmd
    }
}

/// The tree a command line needs: when its first word is one of our groups (`seclai agents
/// ...`), that group alone, since clap builds every command it is given and start-up would pay
/// for all 176; else (an official name, `help`, `completion`, no command) the whole tree.
pub fn root_for(ops: &[Operation], groups: &[Group], first_word: Option<&str>) -> Command {
    match first_word {
        Some(word) if ops.iter().any(|o| o.command[0] == word) => {
            let mine: Vec<Operation> = ops.iter().filter(|o| o.command[0] == word).copied().collect();
            root(&mine, groups)
        }
        // No command: only help or the version can follow, which need the groups' names and
        // descriptions, not their commands.
        None => {
            let mut cmd = crate::cli_root();
            let mut names: Vec<&str> = ops.iter().map(|o| o.command[0]).collect();
            names.dedup();
            for name in names {
                let about = groups.iter().find(|g| g.command == [name]).map(|g| g.about).unwrap_or_default();
                cmd = cmd.subcommand(Command::new(name).about(about));
            }
            for extra in crate::extra::commands() {
                cmd = cmd.subcommand(extra);
            }
            aliases::apply(cmd, ops)
        }
        _ => root(ops, groups),
    }
}

/// The first word of a command line that is not an option or an option's value.
pub fn first_word(args: &[std::ffi::OsString]) -> Option<String> {
    let with_value: Vec<String> = globals::args()
        .iter()
        .filter(|a| {
            a.get_num_args().is_none_or(|n| n.takes_values())
                && !matches!(a.get_action(), ArgAction::SetTrue | ArgAction::Count)
        })
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect();
    let mut it = args.iter().skip(1).filter_map(|a| a.to_str());
    while let Some(arg) = it.next() {
        if with_value.iter().any(|w| w == arg) {
            it.next();
        } else if !arg.starts_with('-') {
            return Some(arg.to_string());
        }
    }
    None
}

/// The whole command tree: the generated commands, the hand-written ones, the aliases.
pub fn root(ops: &[Operation], groups: &[Group]) -> Command {
    let mut tree = Node::default();
    for op in ops {
        insert(&mut tree, op.command, leaf(op));
    }
    // The SDK's former names of an operation work here too, hidden from help
    for op in ops {
        for former in op.former {
            // (Not where a command or a group lives now: `sources embedding-migration` was a
            // command and is a group.)
            if !ops.iter().any(|o| o.command.starts_with(former)) {
                let name = former.last().copied().unwrap_or(op.id);
                insert(&mut tree, former, leaf(op).name(name).hide(true));
            }
        }
    }
    let mut cmd = crate::cli_root();
    for (name, node) in tree.children {
        let mut built = node.build(&name, std::slice::from_ref(&name), groups);
        if name == "agents" {
            built = built.subcommand(crate::agent_run::command());
        }
        cmd = cmd.subcommand(built);
    }
    for extra in crate::extra::commands() {
        cmd = cmd.subcommand(extra);
    }
    aliases::apply(cmd, ops)
}

/// The JSON the SDK reads for a value clap checked (every parser here yields text).
pub fn to_json(value: &Value, raw: &str) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Int { .. } => raw.parse::<i64>().map(J::from).unwrap_or_else(|_| J::String(raw.into())),
        Value::Number { .. } => raw.parse::<f64>().map(J::from).unwrap_or_else(|_| J::String(raw.into())),
        Value::Bool => J::Bool(raw == "true"),
        Value::Json => serde_json::from_str(raw).unwrap_or_else(|_| J::String(raw.into())),
        _ => J::String(raw.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_flag_is_singular() {
        let list = Value::TextList { max_items: None, uuid: false };
        assert_eq!(flag_name("source_ids", &list), "source-id");
        assert_eq!(flag_name("sample_entries", &list), "sample-entry");
        assert_eq!(flag_name("ids", &list), "id");
        assert_eq!(flag_name("content_version_id", &list), "content-version-id");
        assert_eq!(flag_name("source_ids", &Value::Json), "source-ids");
    }

    #[test]
    fn the_first_word_skips_options_and_their_values() {
        let w = |args: &[&str]| first_word(&args.iter().map(std::ffi::OsString::from).collect::<Vec<_>>());
        assert_eq!(w(&["seclai", "--api-key", "k", "--compact", "agents", "list"]).as_deref(), Some("agents"));
        assert_eq!(w(&["seclai", "-v", "--format", "table", "kb", "list"]).as_deref(), Some("kb"));
        assert_eq!(w(&["seclai", "--version"]), None);
    }

    #[test]
    fn a_partial_tree_has_the_same_group_as_the_whole_one() {
        let ops = crate::table::OPERATIONS;
        let whole = root(ops, crate::table::GROUPS);
        for name in ["agents", "sources", "models"] {
            let part = root_for(ops, crate::table::GROUPS, Some(name));
            let leaves = |c: &Command| {
                let mut out = Vec::new();
                fn walk(c: &Command, path: String, out: &mut Vec<String>) {
                    for s in c.get_subcommands() {
                        walk(s, format!("{path} {}", s.get_name()), out);
                    }
                    out.push(path);
                }
                walk(c.find_subcommand(name).unwrap(), name.to_string(), &mut out);
                out
            };
            assert_eq!(leaves(&part), leaves(&whole), "{name}");
        }
    }
}
