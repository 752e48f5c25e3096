//! Validation of JSON values against the schemas of `openapi/seclai.yaml`, with OpenAPI 3.0
//! semantics: `nullable`, `required`, `enum`, formats (`uuid`, `date-time`, `date`), length and
//! range limits (boolean `exclusiveMinimum`), `additionalProperties`, `allOf`/`anyOf`/`oneOf`.
//!
//! Written here because the JSON Schema crates implement the 2019/2020 drafts, where
//! `nullable` and boolean `exclusiveMinimum` do not exist; the subset the spec uses is small.

use serde_json::{Map, Value};

/// One violation, located by a JSON path (`data[0].status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where, from the root of the validated value (`.` for the root).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// A short machine-readable kind (`missing`, `type`, `enum`, ...), as FastAPI names them.
    pub kind: &'static str,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at `{}`: {}", self.path, self.message)
    }
}

/// How strict to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strictness {
    /// Report enum values the spec does not list (responses may carry new values; requests may not).
    pub unknown_enum_values: bool,
}

/// Validates values against the schemas of one spec.
pub struct Validator<'a> {
    spec: &'a Value,
    strict: Strictness,
}

fn join(path: &str, key: &str) -> String {
    if path == "." { key.to_string() } else { format!("{path}.{key}") }
}

fn index(path: &str, i: usize) -> String {
    if path == "." { format!("[{i}]") } else { format!("{path}[{i}]") }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
}

fn is_datetime(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}

impl<'a> Validator<'a> {
    /// A validator for `spec` (the parsed YAML).
    pub fn new(spec: &'a Value, strict: Strictness) -> Self {
        Self { spec, strict }
    }

    /// The schema a `$ref` points to.
    pub fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        let mut s = schema;
        for _ in 0..32 {
            match s.get("$ref").and_then(Value::as_str) {
                Some(r) => match r.strip_prefix('#').and_then(|p| self.spec.pointer(p)) {
                    Some(target) => s = target,
                    None => return s,
                },
                None => return s,
            }
        }
        s
    }

    /// Every violation of `value` against `schema`.
    pub fn validate(&self, value: &Value, schema: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        self.check(value, schema, ".", &mut out);
        out
    }

    fn push(out: &mut Vec<Violation>, path: &str, kind: &'static str, message: String) {
        out.push(Violation { path: path.to_string(), message, kind });
    }

    fn check(&self, v: &Value, schema: &Value, path: &str, out: &mut Vec<Violation>) {
        let s = self.resolve(schema);
        let Some(m) = s.as_object() else { return };
        if v.is_null() {
            let nullable = m.get("nullable").and_then(Value::as_bool).unwrap_or(false);
            // A schema with no constraint at all (`{}`) accepts null too.
            let any = m.keys().all(|k| k == "description" || k.starts_with("x-"));
            if !nullable && !any {
                Self::push(out, path, "null", "must not be null".into());
            }
            return;
        }
        if let Some(all) = m.get("allOf").and_then(Value::as_array) {
            for sub in all {
                self.check(v, sub, path, out);
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(alts) = m.get(key).and_then(Value::as_array) {
                let fits = alts.iter().any(|sub| self.validate_at(v, sub, path).is_empty());
                if !fits {
                    Self::push(out, path, "union", format!("matches none of the {} alternatives", alts.len()));
                }
            }
        }
        if let Some(t) = m.get("type").and_then(Value::as_str) {
            let actual = type_name(v);
            let ok = actual == t || (t == "number" && actual == "integer");
            if !ok {
                Self::push(out, path, "type", format!("expected {t}, got {actual} {}", short(v)));
                return;
            }
        }
        if let Some(e) = m.get("enum").and_then(Value::as_array) {
            let single = e.len() == 1;
            if !e.contains(v) && (self.strict.unknown_enum_values || single) {
                Self::push(out, path, "enum", format!("{} is not one of {}", short(v), Value::Array(e.clone())));
            }
        }
        match v {
            Value::String(s) => self.check_string(s, m, path, out),
            Value::Number(n) => self.check_number(n.as_f64().unwrap_or(f64::NAN), m, path, out),
            Value::Array(items) => {
                if let Some(min) = m.get("minItems").and_then(Value::as_u64)
                    && (items.len() as u64) < min
                {
                    Self::push(out, path, "too_short", format!("needs at least {min} items, has {}", items.len()));
                }
                if let Some(max) = m.get("maxItems").and_then(Value::as_u64)
                    && items.len() as u64 > max
                {
                    Self::push(out, path, "too_long", format!("allows at most {max} items, has {}", items.len()));
                }
                if let Some(item) = m.get("items") {
                    for (i, x) in items.iter().enumerate() {
                        self.check(x, item, &index(path, i), out);
                    }
                }
            }
            Value::Object(obj) => self.check_object(obj, m, path, out),
            _ => {}
        }
    }

    fn validate_at(&self, v: &Value, schema: &Value, path: &str) -> Vec<Violation> {
        let mut out = Vec::new();
        self.check(v, schema, path, &mut out);
        out
    }

    fn check_string(&self, s: &str, m: &Map<String, Value>, path: &str, out: &mut Vec<Violation>) {
        let len = s.chars().count() as u64;
        if let Some(min) = m.get("minLength").and_then(Value::as_u64)
            && len < min
        {
            Self::push(out, path, "string_too_short", format!("needs at least {min} characters, has {len}"));
        }
        if let Some(max) = m.get("maxLength").and_then(Value::as_u64)
            && len > max
        {
            Self::push(out, path, "string_too_long", format!("allows at most {max} characters, has {len}"));
        }
        let bad_format = match m.get("format").and_then(Value::as_str) {
            Some("uuid") => !is_uuid(s),
            Some("date-time") => !is_datetime(s),
            Some("date") => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_err(),
            _ => false,
        };
        if bad_format {
            let format = m.get("format").and_then(Value::as_str).unwrap_or_default();
            Self::push(out, path, "format", format!("{s:?} is not a valid {format}"));
        }
    }

    fn check_number(&self, n: f64, m: &Map<String, Value>, path: &str, out: &mut Vec<Violation>) {
        if let Some(min) = m.get("minimum").and_then(Value::as_f64) {
            let exclusive = m.get("exclusiveMinimum").and_then(Value::as_bool).unwrap_or(false);
            if n < min || (exclusive && n == min) {
                let rel = if exclusive { "greater than" } else { "at least" };
                Self::push(out, path, "greater_than", format!("must be {rel} {min}, is {n}"));
            }
        }
        if let Some(max) = m.get("maximum").and_then(Value::as_f64) {
            let exclusive = m.get("exclusiveMaximum").and_then(Value::as_bool).unwrap_or(false);
            if n > max || (exclusive && n == max) {
                let rel = if exclusive { "less than" } else { "at most" };
                Self::push(out, path, "less_than", format!("must be {rel} {max}, is {n}"));
            }
        }
    }

    fn check_object(&self, obj: &Map<String, Value>, m: &Map<String, Value>, path: &str, out: &mut Vec<Violation>) {
        let props = m.get("properties").and_then(Value::as_object);
        for r in m.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !obj.contains_key(r) {
                Self::push(out, &join(path, r), "missing", "is required but missing".into());
            }
        }
        for (k, x) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => self.check(x, sub, &join(path, k), out),
                None => match m.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        Self::push(out, &join(path, k), "extra_forbidden", "is not allowed".into())
                    }
                    Some(ap @ Value::Object(_)) => self.check(x, ap, &join(path, k), out),
                    _ => {} // unknown fields are tolerated
                },
            }
        }
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 { format!("{}...", &s[..s.char_indices().nth(57).map_or(s.len(), |(i, _)| i)]) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({"components": {"schemas": {
            "Status": {"type": "string", "enum": ["pending", "done"]},
            "Run": {"type": "object", "required": ["id", "status"], "properties": {
                "id": {"type": "string", "format": "uuid"},
                "status": {"$ref": "#/components/schemas/Status"},
                "credits": {"type": "number", "nullable": true, "minimum": 0},
                "tags": {"type": "array", "maxItems": 2, "items": {"type": "string", "minLength": 1}},
                "top_k": {"type": "integer", "minimum": 0, "exclusiveMinimum": true},
                "meta": {"type": "object", "additionalProperties": {"type": "integer"}},
                "when": {"type": "string", "format": "date-time"},
                "kind": {"type": "string", "enum": ["run"]},
                "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}
            }}
        }}})
    }

    fn run_schema() -> Value {
        json!({"$ref": "#/components/schemas/Run"})
    }

    #[test]
    fn a_valid_value_with_extra_fields_passes() {
        let s = spec();
        let v = Validator::new(&s, Strictness { unknown_enum_values: true });
        let ok = json!({"id": "0f8c3b9e-3a1d-4c7e-9b2a-5d6e7f8a9b0c", "status": "done", "credits": null, "tags": ["a"],
            "top_k": 1, "meta": {"x": 1}, "when": "2026-07-30T10:00:00Z", "kind": "run", "loc": ["body", 0], "new": {"field": true}});
        assert_eq!(v.validate(&ok, &run_schema()), vec![]);
    }

    #[test]
    fn each_violation_names_its_path() {
        let s = spec();
        let v = Validator::new(&s, Strictness { unknown_enum_values: true });
        let bad = json!({"id": "not-a-uuid", "status": "archived", "credits": -1, "tags": ["", "b", "c"], "top_k": 0,
            "meta": {"x": "one"}, "when": "yesterday", "kind": "other", "loc": [true]});
        let got: Vec<String> = v.validate(&bad, &run_schema()).iter().map(|x| x.to_string()).collect();
        for expected in [
            "at `id`: \"not-a-uuid\" is not a valid uuid",
            "at `status`: \"archived\" is not one of [\"pending\",\"done\"]",
            "at `credits`: must be at least 0, is -1",
            "at `tags`: allows at most 2 items, has 3",
            "at `tags[0]`: needs at least 1 characters, has 0",
            "at `top_k`: must be greater than 0, is 0",
            "at `meta.x`: expected integer, got string \"one\"",
            "at `when`: \"yesterday\" is not a valid date-time",
            "at `kind`: \"other\" is not one of [\"run\"]",
            "at `loc[0]`: matches none of the 2 alternatives",
        ] {
            assert!(got.iter().any(|g| g == expected), "missing {expected:?} in {got:#?}");
        }
        let missing = v.validate(&json!({"status": "done"}), &run_schema());
        assert_eq!(missing[0].to_string(), "at `id`: is required but missing");
        assert_eq!(missing[0].kind, "missing");
        let null = v.validate(&json!(null), &run_schema());
        assert_eq!(null[0].to_string(), "at `.`: must not be null");
    }

    #[test]
    fn unknown_enum_values_pass_when_tolerated_but_constants_never_do() {
        let s = spec();
        let v = Validator::new(&s, Strictness { unknown_enum_values: false });
        let r = json!({"id": "0f8c3b9e-3a1d-4c7e-9b2a-5d6e7f8a9b0c", "status": "archived", "kind": "other"});
        let got = v.validate(&r, &run_schema());
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].path, "kind");
    }
}
