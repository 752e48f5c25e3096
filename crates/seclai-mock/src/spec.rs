//! The operations of the spec, found by method and path, and the checks of a request.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::validate::{Strictness, Validator, Violation};

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// One operation of the spec.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The operation id.
    pub id: String,
    /// The HTTP method, upper case.
    pub method: String,
    /// The path template (`/agents/{agent_id}`).
    pub template: String,
    segments: Vec<Segment>,
    /// The operation, as in the spec.
    pub spec: Value,
}

impl Operation {
    /// The parameters, with `$ref`s resolved.
    pub fn parameters<'a>(&'a self, api: &'a Api) -> Vec<&'a Value> {
        self.spec["parameters"].as_array().into_iter().flatten().map(|p| api.resolve(p)).collect()
    }

    /// The success status and its JSON schema, if the success has a JSON body.
    pub fn success(&self) -> (u16, Option<&Value>) {
        let responses = self.spec["responses"].as_object();
        for (status, r) in responses.into_iter().flatten() {
            if status.starts_with('2') {
                let code = status.parse().unwrap_or(200);
                return (code, r.pointer("/content/application~1json/schema"));
            }
        }
        (200, None)
    }

    /// How the operation pages (`x-seclai-pagination`), if it is a list.
    pub fn pagination(&self) -> Option<&Value> {
        self.spec.get("x-seclai-pagination")
    }
}

/// The spec, indexed.
pub struct Api {
    /// The parsed spec.
    pub spec: Value,
    /// Every operation.
    pub operations: Vec<Operation>,
}

/// A request that does not fit the spec: the FastAPI-style `detail` entries.
pub type Problems = Vec<Value>;

fn loc_of(prefix: &[&str], path: &str) -> Value {
    let mut loc: Vec<Value> = prefix.iter().map(|s| json!(s)).collect();
    if path != "." {
        for part in path.split('.') {
            // `tags[0]` -> "tags", 0
            let mut rest = part;
            if let Some(i) = rest.find('[') {
                if i > 0 {
                    loc.push(json!(&rest[..i]));
                }
                rest = &rest[i..];
                while let Some(end) = rest.find(']') {
                    if let Ok(n) = rest[1..end].parse::<u64>() {
                        loc.push(json!(n));
                    }
                    rest = &rest[end + 1..];
                }
            } else {
                loc.push(json!(rest));
            }
        }
    }
    Value::Array(loc)
}

fn problem(loc: Value, v: &Violation) -> Value {
    let kind = match v.kind {
        "type" => "type_error",
        k => k,
    };
    json!({"type": kind, "loc": loc, "msg": v.message})
}

impl Api {
    /// Indexes a parsed spec.
    pub fn new(spec: Value) -> Self {
        let mut operations = Vec::new();
        for (template, item) in spec["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                let Some(id) = op["operationId"].as_str() else { continue };
                let segments = template
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(p) => Segment::Param(p.to_string()),
                        None => Segment::Literal(s.to_string()),
                    })
                    .collect();
                operations.push(Operation {
                    id: id.to_string(),
                    method: method.to_uppercase(),
                    template: template.clone(),
                    segments,
                    spec: op.clone(),
                });
            }
        }
        Self { spec, operations }
    }

    /// The spec the server embeds.
    pub fn embedded() -> Self {
        Self::new(serde_yaml::from_str(crate::embedded::SPEC).expect("the embedded spec is valid YAML"))
    }

    /// The embedded spec, parsed once per process.
    pub fn shared() -> std::sync::Arc<Api> {
        static API: std::sync::OnceLock<std::sync::Arc<Api>> = std::sync::OnceLock::new();
        API.get_or_init(|| std::sync::Arc::new(Api::embedded())).clone()
    }

    /// A `$ref` to a component, resolved.
    pub fn resolve<'a>(&'a self, v: &'a Value) -> &'a Value {
        match v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => self.spec.pointer(pointer).unwrap_or(v),
            None => v,
        }
    }

    /// The operation with this id.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// The operation a request addresses, with its path parameters (percent-decoded). Literal
    /// segments win over parameters (`/agents/runs/search` is not `/agents/{agent_id}/...`).
    pub fn find(&self, method: &str, path: &str) -> Option<(&Operation, BTreeMap<String, String>)> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut best: Option<(&Operation, BTreeMap<String, String>, usize)> = None;
        for op in self.operations.iter().filter(|o| o.method.eq_ignore_ascii_case(method)) {
            if op.segments.len() != parts.len() {
                continue;
            }
            let mut params = BTreeMap::new();
            let mut literals = 0;
            let fits = op.segments.iter().zip(&parts).all(|(seg, part)| match seg {
                Segment::Literal(l) => {
                    literals += 1;
                    l == part
                }
                Segment::Param(name) => {
                    let decoded = percent_decode(part);
                    params.insert(name.clone(), decoded);
                    !part.is_empty()
                }
            });
            if fits && best.as_ref().is_none_or(|(_, _, l)| literals > *l) {
                best = Some((op, params, literals));
            }
        }
        best.map(|(op, params, _)| (op, params))
    }

    /// A validator for responses (new enum values tolerated) or requests (not).
    pub fn validator(&self, requests: bool) -> Validator<'_> {
        Validator::new(&self.spec, Strictness { unknown_enum_values: requests })
    }

    /// Checks path and query parameters, and the JSON body, of a request. `strict_query`
    /// refuses undeclared query parameters (as `Seclai-Version: 2026-07-27` does).
    pub fn check_request(
        &self,
        op: &Operation,
        path_params: &BTreeMap<String, String>,
        query: &[(String, String)],
        body: Option<&[u8]>,
        strict_query: bool,
    ) -> Problems {
        let mut problems = Vec::new();
        let v = self.validator(true);
        let params = op.parameters(self);
        for p in &params {
            let name = p["name"].as_str().unwrap_or_default();
            let location = p["in"].as_str().unwrap_or_default();
            let schema = &p["schema"];
            let value = match location {
                "path" => path_params.get(name).map(|raw| typed_param(raw, schema, self)),
                // An array parameter is the query parameter repeated: all its values, in order.
                "query" if self.resolve(schema)["type"] == "array" => {
                    let values: Vec<Value> = query
                        .iter()
                        .filter(|(k, _)| k == name)
                        .map(|(_, raw)| typed_param(raw, &schema["items"], self))
                        .collect();
                    (!values.is_empty()).then_some(Value::Array(values))
                }
                "query" => query.iter().find(|(k, _)| k == name).map(|(_, raw)| typed_param(raw, schema, self)),
                _ => continue,
            };
            let Some(value) = value else {
                if p["required"].as_bool() == Some(true) {
                    problems.push(json!({"type": "missing", "loc": [location, name], "msg": "Field required"}));
                }
                continue;
            };
            for violation in v.validate(&value, schema) {
                problems.push(problem(loc_of(&[location, name], &violation.path), &violation));
            }
        }
        if strict_query {
            for (k, _) in query {
                if !params.iter().any(|p| p["in"] == "query" && p["name"] == k.as_str()) {
                    problems.push(json!({"type": "extra_forbidden", "loc": ["query", k], "msg": "Extra inputs are not permitted"}));
                }
            }
        }
        if let Some(schema) = op.spec.pointer("/requestBody/content/application~1json/schema") {
            match body.filter(|b| !b.iter().all(u8::is_ascii_whitespace)) {
                None if op.spec["requestBody"]["required"] == true => {
                    problems.push(json!({"type": "missing", "loc": ["body"], "msg": "Field required"}));
                }
                None => {}
                Some(bytes) => match serde_json::from_slice::<Value>(bytes) {
                    Ok(value) => {
                        for violation in v.validate(&value, schema) {
                            problems.push(problem(loc_of(&["body"], &violation.path), &violation));
                        }
                    }
                    Err(e) => problems.push(json!({"type": "json_invalid", "loc": ["body", e.column()], "msg": format!("JSON decode error: {e}")})),
                },
            }
        }
        problems
    }
}

/// A query or path value as the JSON type its schema wants (for validation).
fn typed_param(raw: &str, schema: &Value, api: &Api) -> Value {
    let mut s = api.resolve(schema);
    if let Some(first) = s.get("allOf").and_then(|a| a.get(0)) {
        s = api.resolve(first);
    }
    match s["type"].as_str() {
        Some("integer") => raw.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(raw)),
        Some("number") => raw.parse::<f64>().map(Value::from).unwrap_or_else(|_| json!(raw)),
        Some("boolean") => match raw {
            "true" => json!(true),
            "false" => json!(false),
            _ => json!(raw),
        },
        _ => json!(raw),
    }
}

/// Decodes `%XX` escapes of a path segment.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_win_and_parameters_are_decoded() {
        let api = Api::embedded();
        let (op, params) = api.find("POST", "/agents/runs/search").unwrap();
        assert_eq!(op.id, "search_agent_runs");
        assert!(params.is_empty());
        let (op, params) = api.find("GET", "/agents/a%2Fb").unwrap();
        assert_eq!(op.id, "get_agent");
        assert_eq!(params["agent_id"], "a/b");
        assert!(api.find("GET", "/nowhere").is_none());
        // Every (method, path) of the spec is an operation, counted from the spec itself.
        let in_spec: usize =
            api.spec["paths"].as_object().unwrap().values().map(|item| item.as_object().unwrap().len()).sum();
        assert_eq!(api.operations.len(), in_spec);
    }

    #[test]
    fn request_problems_come_in_the_api_shape() {
        let api = Api::embedded();
        let op = api.operation("list_agents").unwrap();
        let p = api.check_request(
            op,
            &BTreeMap::new(),
            &[("limit".into(), "500".into()), ("extra".into(), "1".into())],
            None,
            true,
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0]["loc"], json!(["query", "limit"]));
        assert_eq!(p[1]["type"], "extra_forbidden");
        let op = api.operation("create_knowledge_base").unwrap();
        let p = api.check_request(op, &BTreeMap::new(), &[], Some(br#"{"name": "", "source_ids": []}"#), false);
        let locs: Vec<&Value> = p.iter().map(|x| &x["loc"]).collect();
        assert!(locs.contains(&&json!(["body", "name"])) && locs.contains(&&json!(["body", "source_ids"])), "{p:?}");
        let p = api.check_request(op, &BTreeMap::new(), &[], Some(b"{not json"), false);
        assert_eq!(p[0]["type"], "json_invalid");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb%20c"), "a/b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
