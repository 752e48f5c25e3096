//! `cargo xtask fidelity <published.json>`: does `openapi/seclai.yaml` say what the published
//! spec says?
//!
//! Both documents are reduced to *facts*: a flat map from a readable location
//! (`GET /agents param query.limit maximum`, `schema AgentRunResponse.credits nullable`) to a
//! canonical value. 3.1 and 3.0 spellings of the same fact (`anyOf [X, null]` vs
//! `nullable: true`, `const` vs a one-value `enum`, numeric vs boolean `exclusiveMinimum`,
//! `allOf [$ref]` wrappers) normalize to the same entry, and prose (descriptions, titles,
//! examples) is not a fact. Every difference is then reported by location, minus the
//! commented allow-list in [`allow`].

pub mod allow;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// The published spec of the API version the SDK targets, where the project keeps it (beside
/// the repository, as on the CI machine).
pub fn default_reference() -> std::path::PathBuf {
    crate::workspace_root().join("../shared/reference/seclai-openapi-3.1-2026-10-03.json")
}

/// One difference between the published spec and ours.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    /// Where: e.g. `schema AgentRunResponse.credits nullable`.
    pub location: String,
    /// The published value (`None`: absent there).
    pub published: Option<String>,
    /// Our value (`None`: absent here).
    pub ours: Option<String>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.published, &self.ours) {
            (Some(p), None) => write!(f, "missing here: {} (published: {p})", self.location),
            (None, Some(o)) => write!(f, "extra here:   {} (ours: {o})", self.location),
            (Some(p), Some(o)) => write!(f, "mismatch:     {}: published {p}, ours {o}", self.location),
            (None, None) => write!(f, "?            {}", self.location),
        }
    }
}

/// The outcome of a comparison.
#[derive(Debug, Default)]
pub struct Report {
    /// Operations present in both documents.
    pub operations: usize,
    /// Parameters present in both documents.
    pub parameters: usize,
    /// Schemas present in both documents.
    pub schemas: usize,
    /// Schema fields (properties of component schemas) present in both documents.
    pub schema_fields: usize,
    /// Facts compared in all.
    pub facts: usize,
    /// Differences not covered by the allow-list.
    pub differences: Vec<Difference>,
    /// Differences the allow-list explains, with the reason.
    pub allowed: Vec<(Difference, &'static str)>,
    /// Allow-list entries that matched nothing (stale entries are errors too).
    pub unused_allowances: Vec<&'static str>,
}

impl Report {
    /// Whether the documents agree (outside the allow-list, with no stale allowances).
    pub fn is_clean(&self) -> bool {
        self.differences.is_empty() && self.unused_allowances.is_empty()
    }
}

/// Schema name mapping: published name -> our name (`x-seclai-published-name`, else identity).
fn name_map(ours: &Value) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (name, s) in ours["components"]["schemas"].as_object().into_iter().flatten() {
        let published = s.get("x-seclai-published-name").and_then(Value::as_str).unwrap_or(name);
        map.insert(published.to_string(), name.clone());
    }
    map
}

struct Facts<'a> {
    doc: &'a Value,
    /// Maps a `$ref` target to the canonical (our) schema name.
    rename: &'a dyn Fn(&str) -> String,
    out: BTreeMap<String, String>,
}

fn canonical_number(v: &Value) -> String {
    match v.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        Some(f) => format!("{f}"),
        None => v.to_string(),
    }
}

impl Facts<'_> {
    fn put(&mut self, key: String, value: String) {
        self.out.insert(key, value);
    }

    /// Records the facts of one schema at `at`.
    fn schema(&mut self, at: &str, s: &Value) {
        let Some(m) = s.as_object() else { return };
        let mut nullable = m.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        // 3.1: anyOf [X, {type: null}] is X, nullable.
        let mut alts: Vec<&Value> = Vec::new();
        let mut body = m.clone();
        if let Some(any) = m.get("anyOf").and_then(Value::as_array) {
            for a in any {
                if a.get("type").and_then(Value::as_str) == Some("null") {
                    nullable = true;
                } else {
                    alts.push(a);
                }
            }
            body.remove("anyOf");
            if alts.len() == 1 {
                for (k, v) in alts[0].as_object().into_iter().flatten() {
                    body.entry(k.clone()).or_insert_with(|| v.clone());
                }
                alts.clear();
            }
        }
        // 3.0: allOf [$ref] is the reference itself.
        if let Some(all) = m.get("allOf").and_then(Value::as_array)
            && all.len() == 1
        {
            body.remove("allOf");
            for (k, v) in all[0].as_object().into_iter().flatten() {
                body.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        if let Some(t) = body.get("type") {
            // 3.1 type arrays: ["string", "null"].
            if let Some(ts) = t.as_array() {
                let non_null: Vec<&str> = ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect();
                nullable |= non_null.len() < ts.len();
                self.put(format!("{at} type"), non_null.join("|"));
            } else if let Some(t) = t.as_str() {
                if t == "null" {
                    nullable = true;
                } else {
                    self.put(format!("{at} type"), t.to_string());
                }
            }
        }
        if nullable {
            self.put(format!("{at} nullable"), "true".into());
        }
        if let Some(r) = body.get("$ref").and_then(Value::as_str) {
            let target = r.rsplit('/').next().unwrap_or(r);
            self.put(format!("{at} $ref"), (self.rename)(target));
        }
        if let Some(c) = body.get("const") {
            self.put(format!("{at} enum"), serde_json::to_string(&[c]).unwrap_or_default());
        }
        if let Some(e) = body.get("enum") {
            self.put(format!("{at} enum"), e.to_string());
        }
        for key in ["format", "pattern"] {
            if let Some(v) = body.get(key).and_then(Value::as_str) {
                self.put(format!("{at} {key}"), v.to_string());
            }
        }
        if let Some(v) = body.get("default") {
            let s = if v.is_number() { canonical_number(v) } else { v.to_string() };
            self.put(format!("{at} default"), s);
        }
        for key in ["minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum", "multipleOf"] {
            if let Some(v) = body.get(key) {
                self.put(format!("{at} {key}"), canonical_number(v));
            }
        }
        for (key, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
            match body.get(key) {
                Some(Value::Bool(true)) => self.put(format!("{at} {key}"), "true".into()),
                Some(v) if v.is_number() => {
                    self.put(format!("{at} {key}"), "true".into());
                    self.put(format!("{at} {bound}"), canonical_number(v));
                }
                _ => {}
            }
        }
        if let Some(u) = body.get("uniqueItems").and_then(Value::as_bool)
            && u
        {
            self.put(format!("{at} uniqueItems"), "true".into());
        }
        if let Some(req) = body.get("required").and_then(Value::as_array) {
            let mut r: Vec<&str> = req.iter().filter_map(Value::as_str).collect();
            r.sort();
            if !r.is_empty() {
                self.put(format!("{at} required"), r.join(","));
            }
        }
        if let Some(props) = body.get("properties").and_then(Value::as_object) {
            for (name, p) in props {
                let pat = format!("{at}.{name}");
                self.put(format!("{pat} (field)"), "present".into());
                self.schema(&pat, p);
            }
        }
        if let Some(items) = body.get("items") {
            self.schema(&format!("{at}[]"), items);
        }
        match body.get("additionalProperties") {
            Some(Value::Bool(b)) => self.put(format!("{at} additionalProperties"), b.to_string()),
            Some(ap @ Value::Object(_)) => {
                self.put(format!("{at} additionalProperties"), "schema".into());
                self.schema(&format!("{at}{{*}}"), ap);
            }
            _ => {}
        }
        for (i, a) in alts.iter().enumerate() {
            self.schema(&format!("{at} anyOf#{i}"), a);
        }
        if let Some(one) = body.get("oneOf").and_then(Value::as_array) {
            for (i, a) in one.iter().enumerate() {
                self.schema(&format!("{at} oneOf#{i}"), a);
            }
        }
    }
}

/// Resolves a `$ref` to a component (parameters, responses) within `doc`.
fn resolve<'v>(doc: &'v Value, v: &'v Value) -> &'v Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) if r.starts_with("#/components/parameters/") || r.starts_with("#/components/responses/") => {
            doc.pointer(&r[1..]).unwrap_or(v)
        }
        _ => v,
    }
}

/// Reduces a document to facts, and counts what it holds.
fn facts(doc: &Value, rename: &dyn Fn(&str) -> String) -> BTreeMap<String, String> {
    let mut f = Facts { doc, rename, out: BTreeMap::new() };
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let at = format!("{} {path}", method.to_uppercase());
            f.put(format!("{at} (operation)"), "present".into());
            for p in op["parameters"].as_array().into_iter().flatten() {
                let p = resolve(f.doc, p);
                let name = p["name"].as_str().unwrap_or("?");
                let pat = format!("{at} param {}.{name}", p["in"].as_str().unwrap_or("?"));
                f.put(format!("{pat} (parameter)"), "present".into());
                f.put(format!("{pat} required"), p["required"].as_bool().unwrap_or(false).to_string());
                f.schema(&pat, &p["schema"]);
            }
            if let Some(body) = op.get("requestBody") {
                f.put(format!("{at} body required"), body["required"].as_bool().unwrap_or(false).to_string());
                for (media, m) in body["content"].as_object().into_iter().flatten() {
                    f.put(format!("{at} body {media} (media)"), "present".into());
                    f.schema(&format!("{at} body {media}"), &m["schema"]);
                }
            }
            for (status, r) in op["responses"].as_object().into_iter().flatten() {
                let r = resolve(f.doc, r);
                let rat = format!("{at} response {status}");
                f.put(format!("{rat} (status)"), "present".into());
                for (media, m) in r["content"].as_object().into_iter().flatten() {
                    f.put(format!("{rat} {media} (media)"), "present".into());
                    f.schema(&format!("{rat} {media}"), &m["schema"]);
                }
                for (name, h) in r["headers"].as_object().into_iter().flatten() {
                    let hat = format!("{rat} header {}", name.to_ascii_lowercase());
                    f.put(format!("{hat} (header)"), "present".into());
                    f.schema(&hat, &h["schema"]);
                }
            }
        }
    }
    for (name, s) in doc["components"]["schemas"].as_object().into_iter().flatten() {
        let canonical = (f.rename)(name);
        f.put(format!("schema {canonical} (schema)"), "present".into());
        f.schema(&format!("schema {canonical}"), s);
    }
    if let Some(v) = doc.get("x-seclai-versions") {
        f.put("x-seclai-versions".into(), v.to_string());
    }
    for (name, s) in doc["components"]["securitySchemes"].as_object().into_iter().flatten() {
        for key in ["type", "in", "name", "scheme", "bearerFormat"] {
            if let Some(v) = s.get(key).and_then(Value::as_str) {
                f.put(format!("security {name} {key}"), v.to_string());
            }
        }
    }
    f.out
}

/// Compares `ours` (our YAML, parsed) with `published` (the published 3.1 JSON).
pub fn compare(published: &Value, ours: &Value) -> Report {
    let names = name_map(ours);
    let rename_published = |n: &str| names.get(n).cloned().unwrap_or_else(|| n.to_string());
    let rename_ours = |n: &str| n.to_string();
    let p = facts(published, &rename_published);
    let o = facts(ours, &rename_ours);

    let mut report = Report::default();
    let mut raw = Vec::new();
    // A missing or extra container (operation, parameter, field, schema, status, media) is
    // reported once; the facts under it are not repeated.
    let containers = |m: &BTreeMap<String, String>| -> BTreeSet<String> {
        m.keys().filter(|k| k.ends_with(')')).map(|k| k[..k.rfind(" (").unwrap_or(k.len())].to_string()).collect()
    };
    let (pc, oc) = (containers(&p), containers(&o));
    let absent: BTreeSet<&String> = pc.symmetric_difference(&oc).collect();
    let under_absent = |key: &str| {
        absent.iter().any(|c| {
            key.strip_prefix(c.as_str())
                .is_some_and(|rest| rest.starts_with(['.', ' ', '[', '{']) && !rest.starts_with(" ("))
        })
    };
    let keys: BTreeSet<&String> = p.keys().chain(o.keys()).collect();
    for k in keys {
        let (pv, ov) = (p.get(k), o.get(k));
        if pv == ov {
            continue;
        }
        if under_absent(k) {
            continue;
        }
        raw.push(Difference { location: k.clone(), published: pv.cloned(), ours: ov.cloned() });
    }
    // Counts over what both hold.
    for k in p.keys().filter(|k| o.contains_key(*k)) {
        report.facts += 1;
        if k.ends_with("(operation)") {
            report.operations += 1;
        } else if k.ends_with("(parameter)") {
            report.parameters += 1;
        } else if k.ends_with("(schema)") {
            report.schemas += 1;
        } else if k.starts_with("schema ") && k.ends_with("(field)") {
            report.schema_fields += 1;
        }
    }
    let mut used = BTreeSet::new();
    for d in raw {
        match allow::ALLOWED.iter().find(|a| a.matches(&d.location)) {
            Some(a) => {
                used.insert(a.location);
                report.allowed.push((d, a.reason));
            }
            None => report.differences.push(d),
        }
    }
    report.unused_allowances =
        allow::ALLOWED.iter().filter(|a| !used.contains(a.location)).map(|a| a.location).collect();
    report
}

/// A printable summary of the report.
pub fn render(report: &Report) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "compared: {} operations, {} parameters, {} schemas, {} schema fields ({} facts)\n",
        report.operations, report.parameters, report.schemas, report.schema_fields, report.facts
    ));
    s.push_str(&format!("allowed deviations: {}\n", report.allowed.len()));
    for (d, why) in &report.allowed {
        s.push_str(&format!("  allowed  {d}\n           because {why}\n"));
    }
    for a in &report.unused_allowances {
        s.push_str(&format!("stale allow-list entry (matches nothing): {a}\n"));
    }
    s.push_str(&format!("differences: {}\n", report.differences.len()));
    for d in &report.differences {
        s.push_str(&format!("  {d}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn published() -> Value {
        json!({"openapi": "3.1.0", "paths": {"/agents": {"get": {"parameters": [
            {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "maximum": 100, "title": "Limit"}}],
            "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/routers__api__X"}}}}}}}},
            "components": {"schemas": {"routers__api__X": {"type": "object", "required": ["a"], "properties": {
                "a": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "published prose"},
                "k": {"type": "string", "const": "kind"},
                "n": {"type": "integer", "exclusiveMinimum": 0}}}}}})
    }

    fn ours() -> Value {
        json!({"openapi": "3.0.3", "paths": {"/agents": {"get": {"operationId": "list_agents", "parameters": [
            {"name": "limit", "in": "query", "required": false, "description": "ours", "schema": {"type": "integer", "maximum": 100}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}}}}}}},
            "components": {"schemas": {"X": {"x-seclai-published-name": "routers__api__X", "type": "object", "required": ["a"], "properties": {
                "a": {"type": "string", "nullable": true, "description": "our prose"},
                "k": {"type": "string", "enum": ["kind"]},
                "n": {"type": "integer", "minimum": 0, "exclusiveMinimum": true}}}}}})
    }

    fn clean_without_allow_list(r: &Report) -> bool {
        r.differences.is_empty()
    }

    #[test]
    fn equivalent_31_and_30_spellings_agree() {
        let r = compare(&published(), &ours());
        assert!(clean_without_allow_list(&r), "{}", render(&r));
        assert_eq!((r.operations, r.parameters, r.schemas, r.schema_fields), (1, 1, 1, 3));
    }

    #[test]
    fn each_kind_of_difference_is_reported_by_name() {
        let mut o = ours();
        o["components"]["schemas"]["X"]["properties"]["a"]["nullable"] = json!(false);
        o["components"]["schemas"]["X"]["properties"]["extra"] = json!({"type": "string"});
        o["components"]["schemas"]["X"]["properties"].as_object_mut().unwrap().remove("n");
        o["components"]["schemas"]["X"]["required"] = json!([]);
        o["paths"]["/agents"]["get"]["parameters"][0]["schema"]["maximum"] = json!(50);
        o["paths"]["/agents"]["get"]["parameters"][0]["schema"]["format"] = json!("int32");
        o["paths"]["/agents"]["get"]["responses"]["201"] = o["paths"]["/agents"]["get"]["responses"]["200"].clone();
        o["paths"]["/agents"]["post"] = json!({"responses": {}});
        let r = compare(&published(), &o);
        let text: Vec<String> = r.differences.iter().map(|d| d.to_string()).collect();
        let expect = [
            "mismatch:     GET /agents param query.limit maximum: published 100, ours 50",
            "extra here:   GET /agents param query.limit format (ours: int32)",
            "extra here:   GET /agents response 201 (status) (ours: present)",
            "extra here:   POST /agents (operation) (ours: present)",
            "missing here: schema X required (published: a)",
            "missing here: schema X.a nullable (published: true)",
            "extra here:   schema X.extra (field) (ours: present)",
            "missing here: schema X.n (field) (published: present)",
        ];
        for e in expect {
            assert!(text.iter().any(|t| t == e), "expected {e:?} in\n{}", text.join("\n"));
        }
        // Facts under a missing field or an extra status are not repeated.
        assert!(
            !text.iter().any(|t| t.contains("X.n minimum") || t.contains("response 201 application/json")),
            "{}",
            text.join("\n")
        );
        assert_eq!(text.len(), expect.len(), "{}", text.join("\n"));
    }

    #[test]
    fn enum_values_and_types_are_compared() {
        let mut o = ours();
        o["components"]["schemas"]["X"]["properties"]["k"]["enum"] = json!(["kind", "other"]);
        o["components"]["schemas"]["X"]["properties"]["a"]["type"] = json!("integer");
        let r = compare(&published(), &o);
        let text: Vec<String> = r.differences.iter().map(|d| d.to_string()).collect();
        assert!(
            text.contains(
                &"mismatch:     schema X.k enum: published [\"kind\"], ours [\"kind\",\"other\"]".to_string()
            ),
            "{text:?}"
        );
        assert!(
            text.contains(&"mismatch:     schema X.a type: published string, ours integer".to_string()),
            "{text:?}"
        );
    }
}
