//! The naming rule of the `x-seclai-sdk` table, checked on every build: a name that breaks it
//! fails the generation, naming the operation and the rule (see `docs/spec.md`, "The
//! x-seclai-sdk table").
//!
//! 1. Every segment is snake case (`[a-z][a-z0-9_]*`).
//! 2. Resources are nouns, grouped in sub-resources for families (`sources.exports.create`,
//!    `sources.embedding_migration.start`), and a method does not repeat its resource
//!    (`search.search`).
//! 3. One place for an AI assistant: no method starts with `ai_` (use an `ai_assistant`
//!    sub-resource), except on the top-level `ai_assistant` resource itself.
//! 4. A list that pages (`page` or `offset` style) is called `list`, `list_<what>`, or the plural
//!    of what it lists (`providers`, `rejections`).
//! 5. Every path names one operation, a method is not also a sub-resource of the same resource,
//!    and every resource is described in `x-seclai-resources`.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToSnakeCase;
use serde_json::Value;

use super::model::Operation;
use crate::Error;

/// Where the table and its rule are explained.
pub const DOCS: &str = "docs/spec.md, section \"The x-seclai-sdk table\"";

fn broken(op: &Operation, rule: &str) -> Error {
    Error(format!(
        "x-seclai-sdk `{}` of `{}` ({} {}) breaks the naming rule: {rule} (see {DOCS})",
        op.sdk.join("."),
        op.id,
        op.method,
        op.path
    ))
}

fn snake(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks every operation (and its deprecated aliases) against the rule.
pub fn check(ops: &[Operation], resources_doc: &serde_json::Map<String, Value>) -> Result<(), Error> {
    let mut seen: BTreeMap<Vec<String>, &str> = BTreeMap::new();
    let resources: BTreeSet<Vec<String>> =
        ops.iter().flat_map(|o| (1..=o.resource().len()).map(|i| o.resource()[..i].to_vec())).collect();
    for op in ops {
        if let Some(seg) = op.sdk.iter().find(|s| !snake(s)) {
            return Err(broken(op, &format!("segment `{seg}` is not snake case")));
        }
        let method = op.sdk.last().expect("a method");
        let resource = op.resource();
        if resource.iter().any(|r| r == method) {
            return Err(broken(op, "the method repeats its resource"));
        }
        if method.starts_with("ai_") && resource != ["ai_assistant"] {
            return Err(broken(op, "a method starting with `ai_` belongs in an `ai_assistant` sub-resource"));
        }
        if let Some(p) = &op.pagination
            && matches!(p.style.as_str(), "page" | "offset")
            && !(method == "list" || method.starts_with("list_") || method.ends_with('s'))
        {
            return Err(broken(op, "a list that pages is named `list`, `list_<what>` or the plural of what it lists"));
        }
        let mut child = resource.to_vec();
        child.push(method.clone());
        if resources.contains(&child) {
            return Err(broken(op, "the method has the name of a sub-resource of the same resource"));
        }
        if let Some(other) = seen.insert(op.sdk.clone(), &op.id) {
            return Err(broken(op, &format!("`{other}` has the same name")));
        }
    }
    for r in &resources {
        if !resources_doc.contains_key(&r.join(".")) {
            return Err(Error(format!(
                "resource `{}` has no description in x-seclai-resources (see {DOCS})",
                r.join(".")
            )));
        }
    }
    Ok(())
}

/// The error for an operation without `x-seclai-sdk`, with a suggested name.
pub fn missing(id: &str, method: &str, path: &str) -> String {
    format!(
        "operation `{id}` ({method} {path}) has no x-seclai-sdk; add one, for example `x-seclai-sdk: {}` (see {DOCS})",
        suggest(method, path)
    )
}

/// A name for an operation, from its method and path: the first literal segment is the
/// resource; the method is `list`/`create` on a collection, `get`/`update`/`delete` on an item,
/// or the last literal segment for an action (`POST /alerts/{id}/subscribe` -> `alerts.subscribe`).
pub fn suggest(method: &str, path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty() && *s != "v2").collect();
    let literal: Vec<String> = segments.iter().filter(|s| !s.starts_with('{')).map(|s| s.to_snake_case()).collect();
    let resource = literal.first().cloned().unwrap_or_else(|| "api".into());
    let on_item = segments.last().is_some_and(|s| s.starts_with('{'));
    let action = if literal.len() > 1 { literal.last().cloned() } else { None };
    let verb = match (method, on_item, action) {
        (_, false, Some(action)) => action,
        ("GET", true, _) => "get".into(),
        ("GET", false, _) => "list".into(),
        ("POST", _, _) => "create".into(),
        ("PUT" | "PATCH", _, _) => "update".into(),
        ("DELETE", _, _) => "delete".into(),
        (other, _, _) => other.to_lowercase(),
    };
    format!("{resource}.{verb}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_read_like_the_table() {
        assert_eq!(suggest("GET", "/cloud-drives"), "cloud_drives.list");
        assert_eq!(suggest("GET", "/cloud-drives/{connection_id}"), "cloud_drives.get");
        assert_eq!(suggest("PATCH", "/cloud-drives/{connection_id}"), "cloud_drives.update");
        assert_eq!(suggest("GET", "/cloud-drives/{connection_id}/rejections"), "cloud_drives.rejections");
        assert_eq!(suggest("POST", "/alerts/{alert_id}/subscribe"), "alerts.subscribe");
        assert_eq!(suggest("DELETE", "/knowledge_bases/{knowledge_base_id}"), "knowledge_bases.delete");
        let msg = missing("x", "GET", "/email-domains");
        assert!(msg.contains("email_domains.list") && msg.contains(DOCS), "{msg}");
    }
}
