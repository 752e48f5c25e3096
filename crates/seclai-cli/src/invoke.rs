//! A parsed command of an operation, turned into the JSON arguments of `seclai::dynamic` (path
//! and query parameters by their spec names, the body under `"body"`) and sent.

use std::io::Read;

use clap::ArgMatches;
use serde_json::{Map, Value};

use crate::table::{Location, Operation, Value as Kind};
use crate::tree::{BODY_PREFIX, to_json};

/// A failure before anything was sent: exit code 2 with this message.
#[derive(Debug)]
pub struct Usage(pub String);

fn values(m: &ArgMatches, id: &str) -> Option<Vec<String>> {
    m.try_get_many::<String>(id).ok().flatten().map(|v| v.cloned().collect())
}

fn one(kind: &Kind, raw: Vec<String>) -> Value {
    match kind {
        Kind::TextList { .. } => Value::Array(raw.into_iter().map(Value::String).collect()),
        _ => raw.into_iter().next().map(|r| to_json(kind, &r)).unwrap_or(Value::Null),
    }
}

/// Reads `--json`, `--json-file` (`-`: stdin) into an object.
pub fn json_body(m: &ArgMatches) -> Result<Option<Value>, Usage> {
    let text = match (values(m, "json"), values(m, "json-file")) {
        (Some(j), _) if j[0] == "-" => Some(read_stdin()?),
        (Some(j), _) => Some(j[0].clone()),
        (None, Some(f)) if f[0] == "-" => Some(read_stdin()?),
        (None, Some(f)) => {
            Some(std::fs::read_to_string(&f[0]).map_err(|e| Usage(format!("cannot read --json-file {}: {e}", f[0])))?)
        }
        (None, None) => None,
    };
    let Some(text) = text else { return Ok(None) };
    let value: Value = serde_json::from_str(&text).map_err(|e| Usage(format!("the request body is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(Usage("the request body must be a JSON object".into()));
    }
    Ok(Some(value))
}

fn read_stdin() -> Result<String, Usage> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(|e| Usage(format!("cannot read the body from stdin: {e}")))?;
    Ok(s)
}

/// The arguments of `op` as `seclai::dynamic` reads them.
pub fn arguments(op: &Operation, m: &ArgMatches) -> Result<Value, Usage> {
    let mut args = Map::new();
    for p in op.params {
        if let Some(raw) = values(m, p.name) {
            args.insert(p.name.to_string(), one(&p.value, raw));
        } else if p.location == Location::Path {
            return Err(Usage(format!("{} is missing", p.name.to_uppercase())));
        }
    }
    if let Some(body) = op.body {
        let mut object = json_body(m)?;
        for f in body.fields {
            if let Some(raw) = values(m, &format!("{BODY_PREFIX}{}", f.name)) {
                let o = object.get_or_insert_with(|| Value::Object(Map::new()));
                o[f.name] = one(&f.value, raw);
            }
        }
        // Without --json or a field flag the SDK sends `{}`, which a required body's own
        // checks then refuse by field name.
        if let Some(o) = object {
            args.insert("body".into(), o);
        }
    }
    Ok(Value::Object(args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::OPERATIONS;

    fn parse(command: &[&str], argv: &[&str]) -> (Operation, ArgMatches) {
        let op = *OPERATIONS.iter().find(|o| o.command == command).expect("a command");
        let m = crate::tree::leaf(&op).try_get_matches_from(argv).unwrap_or_else(|e| panic!("{e}"));
        (op, m)
    }

    #[test]
    fn parameters_and_body_flags_become_the_arguments_of_the_operation() {
        let (op, m) = parse(&["agents", "list"], &["list", "--page", "2", "--limit", "5"]);
        assert_eq!(arguments(&op, &m).unwrap(), serde_json::json!({"page": 2, "limit": 5}));
        let (op, m) = parse(
            &["knowledge-bases", "create"],
            &[
                "create",
                "--json",
                r#"{"name": "Old", "keep": 1}"#,
                "--name",
                "Docs",
                "--source-id",
                "s1",
                "--source-id",
                "s2",
            ],
        );
        assert_eq!(
            arguments(&op, &m).unwrap(),
            serde_json::json!({"body": {"name": "Docs", "keep": 1, "source_ids": ["s1", "s2"]}})
        );
    }

    #[test]
    fn limits_are_checked_by_clap_before_sending() {
        let op = *OPERATIONS.iter().find(|o| o.command == ["agents", "list"]).unwrap();
        let e = crate::tree::leaf(&op).try_get_matches_from(["list", "--limit", "0"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(e.to_string().contains("must be at least 1"), "{e}");
    }
}
