//! The generator view: a copy of the spec reshaped into what progenitor 0.15 accepts.
//!
//! `openapi/seclai.yaml` stays truthful (multipart bodies, SSE and JSON alternatives, every error
//! status, enums as the server documents them). progenitor cannot digest all of that, so every
//! workaround lives here, in one pass, each step a small function with its own test:
//!
//! | step | why |
//! |---|---|
//! | [`drop_client_wide_headers`] | `X-Account-Id` and `Seclai-Version` are client settings, not 164 per-call arguments |
//! | [`drop_multipart_operations`] | progenitor rejects `multipart/form-data`; the `seclai` crate sends those by hand |
//! | [`keep_one_raw_success_body`] | an SSE or file response must stay a byte stream, never a JSON value |
//! | [`drop_error_responses`] | progenitor accepts one error type per operation; `seclai` decodes every error from bytes |
//! | [`strip_titles`] | typify merges inline schemas that share a `title` |
//! | [`constants_to_strings`] | a one-value enum is a tag, not a choice: keep it a string |
//! | [`hoist_inline_enums`] | only component schemas can be replaced by open enums |
//! | [`allow_unknown_fields`] | `additionalProperties: false` would reject fields the server adds |
//! | [`sanitize_descriptions`] | descriptions become rustdoc: brackets and angle brackets need escaping |
//!
//! Enums are then replaced by open enums (see [`crate::open_enum`]).

use heck::ToUpperCamelCase;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Component parameters that the transport of the `seclai` crate sets on every request.
pub const CLIENT_WIDE_HEADERS: [&str; 2] = ["X-Account-Id", "Seclai-Version"];

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// What the view changed, for the generation report and for tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ViewReport {
    /// Operations removed from the generated client because their body is multipart.
    pub multipart_operations: Vec<String>,
    /// Operations whose success body is kept as a byte stream (SSE, files).
    pub byte_stream_operations: Vec<String>,
    /// Inline enums moved to components, as `(new component name, location)`.
    pub hoisted_enums: Vec<(String, String)>,
    /// String enums (all components after hoisting), with their values.
    pub enums: BTreeMap<String, EnumDef>,
}

/// A string enum of the spec, to be generated as an open enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumDef {
    /// The documented values, in spec order.
    pub values: Vec<String>,
    /// The schema description, if any.
    pub description: Option<String>,
}

/// Applies every step to a copy of `spec` and returns the view with its report.
pub fn generator_view(spec: &Value) -> (Value, ViewReport) {
    let mut view = spec.clone();
    let mut report = ViewReport::default();
    drop_client_wide_headers(&mut view);
    report.multipart_operations = drop_multipart_operations(&mut view);
    report.byte_stream_operations = keep_one_raw_success_body(&mut view);
    drop_error_responses(&mut view);
    strip_titles(&mut view);
    constants_to_strings(&mut view);
    report.hoisted_enums = hoist_inline_enums(&mut view);
    allow_unknown_fields(&mut view);
    sanitize_descriptions(&mut view);
    report.enums = collect_enums(&view);
    (view, report)
}

/// Every `(path, method, operation)` of the spec, mutable.
fn operations_mut(spec: &mut Value) -> Vec<(String, String, &mut Map<String, Value>)> {
    let mut out = Vec::new();
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            if let Some(item) = item.as_object_mut() {
                for (method, op) in item.iter_mut() {
                    if METHODS.contains(&method.as_str())
                        && let Some(op) = op.as_object_mut()
                    {
                        out.push((path.clone(), method.clone(), op));
                    }
                }
            }
        }
    }
    out
}

fn operation_id(op: &Map<String, Value>) -> String {
    op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_string()
}

/// Removes the client-wide header parameters from operations and components.
pub fn drop_client_wide_headers(spec: &mut Value) {
    let refs: Vec<String> = CLIENT_WIDE_HEADERS.iter().map(|h| format!("#/components/parameters/{h}")).collect();
    for (_, _, op) in operations_mut(spec) {
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            params.retain(|p| {
                let r = p.get("$ref").and_then(Value::as_str).unwrap_or_default();
                let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
                let is_header = p.get("in").and_then(Value::as_str) == Some("header");
                let shared = refs.iter().any(|x| x == r) || (is_header && CLIENT_WIDE_HEADERS.contains(&name));
                !shared
            });
        }
    }
    if let Some(params) = spec.pointer_mut("/components/parameters").and_then(Value::as_object_mut) {
        for h in CLIENT_WIDE_HEADERS {
            params.remove(h);
        }
    }
}

/// Removes operations with a `multipart/form-data` body, and the component schemas that only
/// those bodies used. Returns the removed operation ids.
pub fn drop_multipart_operations(spec: &mut Value) -> Vec<String> {
    let mut removed = Vec::new();
    let mut form_refs = BTreeSet::new();
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            item.retain(|method, op| {
                if !METHODS.contains(&method.as_str()) {
                    return true;
                }
                let multipart = op.pointer("/requestBody/content/multipart~1form-data");
                match multipart {
                    Some(body) => {
                        collect_refs(body, &mut form_refs);
                        removed.push(operation_id(op.as_object().unwrap_or(&Map::new())));
                        false
                    }
                    None => true,
                }
            });
        }
        paths.retain(|_, item| item.as_object().is_some_and(|i| i.keys().any(|k| METHODS.contains(&k.as_str()))));
    }
    // Drop form schemas nothing else refers to.
    let mut still_used = BTreeSet::new();
    collect_refs(spec.get("paths").unwrap_or(&Value::Null), &mut still_used);
    if let Some(schemas) = spec.pointer("/components/schemas").and_then(Value::as_object) {
        for (name, s) in schemas {
            if !form_refs.contains(name) {
                collect_refs(s, &mut still_used);
            }
        }
    }
    if let Some(schemas) = spec.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for r in &form_refs {
            if !still_used.contains(r) {
                schemas.remove(r);
            }
        }
    }
    removed.sort();
    removed
}

/// Names of the component schemas referenced anywhere under `v`.
fn collect_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str)
                && let Some(name) = r.strip_prefix("#/components/schemas/")
            {
                out.insert(name.to_string());
            }
            m.values().for_each(|x| collect_refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

fn is_json_media(media: &str) -> bool {
    media == "application/json"
        || (media.starts_with("application/") && media.ends_with("+json") && !media.contains("seclai"))
}

/// For success responses that offer a non-JSON media type (SSE, files), keeps exactly one
/// non-JSON media type so that progenitor returns a byte stream. Returns the operation ids.
pub fn keep_one_raw_success_body(spec: &mut Value) -> Vec<String> {
    let mut ids = Vec::new();
    for (_, _, op) in operations_mut(spec) {
        let id = operation_id(op);
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
        for (status, resp) in responses.iter_mut() {
            if !status.starts_with('2') {
                continue;
            }
            let Some(content) = resp.get_mut("content").and_then(Value::as_object_mut) else { continue };
            let raw = content.keys().find(|m| !is_json_media(m)).cloned();
            if let Some(raw) = raw {
                let media = content.remove(&raw).unwrap_or(Value::Null);
                content.clear();
                // The schema of a byte stream is a binary string, whatever the spec says of it.
                let mut media = media;
                if let Some(m) = media.as_object_mut() {
                    m.insert("schema".into(), serde_json::json!({"type": "string", "format": "binary"}));
                    m.remove("example");
                }
                content.insert(raw, media);
                ids.push(id.clone());
            }
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

/// Removes every non-2xx response (and `default`).
pub fn drop_error_responses(spec: &mut Value) {
    for (_, _, op) in operations_mut(spec) {
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            responses.retain(|status, _| status.starts_with('2'));
        }
    }
    if let Some(c) = spec.get_mut("components").and_then(Value::as_object_mut) {
        c.remove("responses");
    }
}

/// Calls `f` on every schema object of the spec (components, parameters, bodies, responses),
/// recursing through properties, items, additionalProperties, allOf/anyOf/oneOf and not.
fn for_each_schema(spec: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    fn walk(s: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
        let Some(m) = s.as_object_mut() else { return };
        f(m);
        if let Some(props) = m.get_mut("properties").and_then(Value::as_object_mut) {
            props.values_mut().for_each(|p| walk(p, f));
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(x) = m.get_mut(key) {
                walk(x, f);
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(xs) = m.get_mut(key).and_then(Value::as_array_mut) {
                xs.iter_mut().for_each(|x| walk(x, f));
            }
        }
    }
    if let Some(schemas) = spec.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        schemas.values_mut().for_each(|s| walk(s, f));
    }
    if let Some(params) = spec.pointer_mut("/components/parameters").and_then(Value::as_object_mut) {
        params.values_mut().filter_map(|p| p.get_mut("schema")).for_each(|s| walk(s, f));
    }
    for (_, _, op) in operations_mut(spec) {
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            params.iter_mut().filter_map(|p| p.get_mut("schema")).for_each(|s| walk(s, f));
        }
        for section in ["requestBody", "responses"] {
            let Some(sec) = op.get_mut(section) else { continue };
            let bodies: Vec<&mut Value> = if section == "requestBody" {
                vec![sec]
            } else {
                sec.as_object_mut().map(|r| r.values_mut().collect()).unwrap_or_default()
            };
            for body in bodies {
                if let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) {
                    content.values_mut().filter_map(|m| m.get_mut("schema")).for_each(|s| walk(s, f));
                }
            }
        }
    }
}

/// Removes `title` from every schema (never from a property that happens to be named `title`).
pub fn strip_titles(spec: &mut Value) {
    for_each_schema(spec, &mut |m| {
        if m.get("title").is_some_and(Value::is_string) {
            m.remove("title");
        }
    });
}

/// Turns one-value string enums into plain strings.
pub fn constants_to_strings(spec: &mut Value) {
    for_each_schema(spec, &mut |m| {
        if m.get("enum").and_then(Value::as_array).is_some_and(|e| e.len() == 1) {
            m.remove("enum");
        }
    });
}

/// Moves inline string enums (in component properties at any depth, and in operation
/// parameters) to component schemas named after their parent and field, so that they can
/// become open enums.
pub fn hoist_inline_enums(spec: &mut Value) -> Vec<(String, String)> {
    let mut h = Hoister::default();
    if let Some(schemas) = spec.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for (parent, schema) in schemas.iter_mut() {
            h.walk(schema, parent, parent);
        }
    }
    for (_, _, op) in operations_mut(spec) {
        let id = operation_id(op);
        let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else { continue };
        for p in params.iter_mut() {
            let pname = p.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            if let Some(schema) = p.get_mut("schema")
                && is_inline_enum(schema)
            {
                let name = format!("{}{}", id.to_upper_camel_case(), pname.to_upper_camel_case());
                h.take(schema, &name, format!("{id}({pname})"));
            }
        }
    }
    if let Some(schemas) = spec.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        schemas.extend(h.new_schemas);
    }
    h.hoisted
}

fn is_inline_enum(v: &Value) -> bool {
    v.get("enum").is_some() && v.get("type").and_then(Value::as_str) == Some("string")
}

/// The enums moved so far, and where they came from.
#[derive(Default)]
struct Hoister {
    new_schemas: BTreeMap<String, Value>,
    hoisted: Vec<(String, String)>,
}

impl Hoister {
    /// Replaces the inline enum `v` with a reference to the new component `name`.
    fn take(&mut self, v: &mut Value, name: &str, from: String) {
        let Some(m) = v.as_object_mut() else { return };
        let mut def = Map::new();
        for key in ["type", "enum", "description"] {
            if let Some(x) = m.remove(key) {
                def.insert(key.into(), x);
            }
        }
        let wrap = m.contains_key("description") || m.contains_key("default") || m.contains_key("nullable");
        if wrap {
            m.insert("allOf".into(), serde_json::json!([{ "$ref": format!("#/components/schemas/{name}") }]));
        } else {
            m.insert("$ref".into(), Value::String(format!("#/components/schemas/{name}")));
        }
        self.new_schemas.insert(name.to_string(), Value::Object(def));
        self.hoisted.push((name.to_string(), from));
    }

    /// The properties of `schema` (an inline object, or the items of an array), recursively:
    /// `ServiceUnavailableError.error.code` becomes `ServiceUnavailableErrorErrorCode`.
    fn walk(&mut self, schema: &mut Value, name: &str, at: &str) {
        if let Some(items) = schema.get_mut("items") {
            self.walk(items, name, &format!("{at}[]"));
        }
        let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else { return };
        for (field, p) in props.iter_mut() {
            let child = format!("{name}{}", field.to_upper_camel_case());
            if is_inline_enum(p) {
                self.take(p, &child, format!("{at}.{field}"));
            } else {
                self.walk(p, &child, &format!("{at}.{field}"));
            }
        }
    }
}

/// Removes `additionalProperties: false`, which would make the types reject new fields.
pub fn allow_unknown_fields(spec: &mut Value) {
    for_each_schema(spec, &mut |m| {
        if m.get("additionalProperties") == Some(&Value::Bool(false)) {
            m.remove("additionalProperties");
        }
    });
}

/// Escapes what rustdoc would read as links or HTML outside code spans.
pub fn rustdoc_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '[' | ']' if !in_code => {
                out.push('\\');
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// Applies [`rustdoc_safe`] to every description and summary.
pub fn sanitize_descriptions(spec: &mut Value) {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if (k == "description" || k == "summary") && x.is_string() {
                        let s = rustdoc_safe(x.as_str().unwrap_or_default());
                        *x = Value::String(s);
                    } else {
                        walk(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(spec);
}

/// Every component schema that is a string enum.
pub fn collect_enums(spec: &Value) -> BTreeMap<String, EnumDef> {
    let mut out = BTreeMap::new();
    if let Some(schemas) = spec.pointer("/components/schemas").and_then(Value::as_object) {
        for (name, s) in schemas {
            if let Some(values) = s.get("enum").and_then(Value::as_array) {
                let values = values.iter().filter_map(Value::as_str).map(String::from).collect();
                let description = s.get("description").and_then(Value::as_str).map(String::from);
                out.insert(name.clone(), EnumDef { values, description });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
