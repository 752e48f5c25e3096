//! Contract checks of cassettes against the spec and the `seclai` crate.
//!
//! For each cassette: (1) the request fits the operation's parameters and body schema and the
//! response body fits the schema declared for its status; (2) the body decodes through the
//! `seclai` types; (3) replayed on loopback, the `seclai` method called as a user would sends
//! the recorded request and returns the decoded body. Use it on your own recordings too:
//! `cargo xtask contract <dir>`.

mod replay;

use std::fmt;

use seclai::cassette::Cassette;
use serde_json::{Value, json};

use crate::spec::{Api, Operation};

pub use replay::{equivalent, replay};

/// One way a cassette breaks the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The cassette file.
    pub file: String,
    /// The operation id.
    pub operation: String,
    /// The response status of the cassette.
    pub status: u16,
    /// Where: `request.body.name`, `response.body.data[0].status`, `request.query.limit`, ...
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, HTTP {}) at `{}`: {}", self.file, self.operation, self.status, self.path, self.message)
    }
}

struct Report<'a> {
    file: &'a str,
    cassette: &'a Cassette,
    failures: Vec<Failure>,
}

impl Report<'_> {
    fn fail(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.failures.push(Failure {
            file: self.file.to_string(),
            operation: self.cassette.operation.clone(),
            status: self.cassette.response.status,
            path: path.into(),
            message: message.into(),
        });
    }
}

fn join(prefix: &str, path: &str) -> String {
    if path == "." {
        prefix.to_string()
    } else if path.starts_with('[') {
        format!("{prefix}{path}")
    } else {
        format!("{prefix}.{path}")
    }
}

fn loc_path(loc: &Value) -> String {
    let mut out = String::new();
    for (i, part) in loc.as_array().into_iter().flatten().enumerate() {
        match part {
            Value::Number(n) => out.push_str(&format!("[{n}]")),
            Value::String(s) if i == 0 => out.push_str(s),
            Value::String(s) => {
                out.push('.');
                out.push_str(s);
            }
            _ => {}
        }
    }
    out
}

/// What the operation's spec and the cassette's request headers say about the list envelope.
fn is_canonical_list(op: &Operation, c: &Cassette) -> bool {
    let v = c.request.headers.get("seclai-version").map(String::as_str);
    op.pagination().is_some()
        && v.is_some_and(|v| v >= "2026-07-27")
        && c.response.body.as_ref().is_some_and(|b| b.get("pagination").is_some() && b.get("data").is_some())
}

/// The schema of one item of a list operation.
fn list_item_schema(api: &Api, op: &Operation, success: &Value) -> Option<Value> {
    let p = op.pagination()?;
    if let Some(name) = p["item_schema"].as_str() {
        return Some(json!({"$ref": format!("#/components/schemas/{name}")}));
    }
    if p["bare_array"] == true {
        return Some(success["items"].clone());
    }
    let envelope = api.resolve(success);
    Some(envelope["properties"][p["items"].as_str()?]["items"].clone())
}

/// Checks (1) and (2): the cassette against the spec, and its body through the `seclai` types.
pub fn check(api: &Api, file: &str, c: &Cassette) -> Vec<Failure> {
    let mut r = Report { file, cassette: c, failures: Vec::new() };
    let Some(op) = api.operation(&c.operation) else {
        r.fail("operation", format!("`{}` is not an operation of the spec", c.operation));
        return r.failures;
    };
    if let Some(dir) = std::path::Path::new(file).parent().and_then(|d| d.file_name())
        && dir != c.operation.as_str()
    {
        r.fail("operation", format!("the cassette lies in `{}/` but records `{}`", dir.to_string_lossy(), c.operation));
    }
    // The request.
    match api.find(&c.request.method, &c.request.path) {
        Some((found, params)) if found.id == op.id => {
            let query: Vec<(String, String)> =
                c.request.query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let body = c.request.body.as_ref().map(|b| serde_json::to_vec(b).unwrap_or_default());
            let strict = c.request.headers.get("seclai-version").is_some_and(|v| v.as_str() >= "2026-07-27");
            for p in api.check_request(op, &params, &query, body.as_deref(), strict) {
                r.fail(format!("request.{}", loc_path(&p["loc"])), p["msg"].as_str().unwrap_or_default());
            }
            if op.spec.pointer("/requestBody/content/multipart~1form-data").is_some()
                && !c.request.multipart.as_ref().is_some_and(|parts| parts.iter().any(|p| p.name == "file"))
            {
                r.fail("request.multipart", "an upload needs a `file` part");
            }
        }
        Some((other, _)) => r.fail(
            "request.path",
            format!("{} {} is `{}`, not `{}`", c.request.method, c.request.path, other.id, op.id),
        ),
        None => r.fail("request.path", format!("{} {} matches no operation", c.request.method, c.request.path)),
    }
    // The response.
    let status = c.response.status;
    let declared = op.spec["responses"].get(status.to_string()).map(|x| api.resolve(x));
    let validator = api.validator(false);
    let bytes = c.response.body_bytes();
    match declared {
        Some(resp) => {
            let schema = resp.pointer("/content/application~1json/schema");
            match (&c.response.body, schema) {
                (Some(body), Some(schema)) => {
                    if is_canonical_list(op, c) {
                        let pagination = json!({"$ref": "#/components/schemas/PaginationResponse"});
                        for v in validator.validate(&body["pagination"], &pagination) {
                            r.fail(join("response.body.pagination", &v.path), v.message);
                        }
                        if let Some(item) = list_item_schema(api, op, schema) {
                            for (i, it) in body["data"].as_array().into_iter().flatten().enumerate() {
                                for v in validator.validate(it, &item) {
                                    r.fail(join(&format!("response.body.data[{i}]"), &v.path), v.message);
                                }
                            }
                        }
                    } else {
                        for v in validator.validate(body, schema) {
                            r.fail(join("response.body", &v.path), v.message);
                        }
                    }
                }
                (None, Some(_))
                    if resp["content"].get("application/json").is_some()
                        && resp["content"].as_object().is_some_and(|m| m.len() == 1) =>
                {
                    r.fail("response.body", "the spec declares a JSON body; the cassette has none")
                }
                // An error status declared without a body still answers in the API's error shapes.
                (Some(_), None) if status >= 400 => known_error_shape(&mut r, &bytes),
                (Some(_), None) => r.fail("response.body", "the spec declares no JSON body for this status"),
                _ => {}
            }
        }
        None if status >= 400 => {
            // Undeclared error statuses (401, 403, 404, 409, 410, 429, 5xx) are answered in the
            // API's error shapes; a JSON body must parse into one of them.
            if c.response.body.is_some() {
                known_error_shape(&mut r, &bytes);
            }
        }
        None => r.fail("response.status", format!("status {status} is not declared for `{}`", op.id)),
    }
    // Decoding through the seclai types.
    if (200..300).contains(&status) {
        decode(&mut r, op, &bytes);
    }
    r.failures
}

/// Fails unless `bytes` is an error body in one of the API's shapes.
fn known_error_shape(r: &mut Report<'_>, bytes: &[u8]) {
    if let seclai::ErrorBody::Json(_) | seclai::ErrorBody::Text(_) = seclai::ErrorBody::parse(bytes) {
        r.fail("response.body", "an error body in no known shape ({detail}, validation, credits, {error: {code}})");
    }
}

fn decode(r: &mut Report<'_>, op: &Operation, bytes: &[u8]) {
    let c = r.cassette;
    match seclai::dynamic::decode(&op.id, bytes) {
        Some(Ok(_)) => {}
        Some(Err(seclai::Error::Decode(d))) => {
            r.fail(join("response.body", &d.path), format!("does not decode: {}", d.message))
        }
        Some(Err(e)) => r.fail("response.body", format!("does not decode: {e}")),
        None if op.id == "run_streaming_agent" => {
            if c.response.content_type().is_some_and(|t| t.starts_with("application/json")) {
                if let Err(e) = serde_json::from_slice::<seclai::types::AgentRunResponse>(bytes) {
                    r.fail("response.body", format!("the JSON answer is not a run: {e}"));
                }
                return;
            }
            let mut decoder = seclai::sse::SseDecoder::new();
            decoder.push(bytes);
            let mut n = 0;
            while let Some(event) = decoder.next_event() {
                if matches!(event.event.as_str(), "init" | "done") {
                    if let Err(e) = serde_json::from_slice::<seclai::types::AgentRunResponse>(&event.data) {
                        r.fail(format!("response.text.event[{n}]({})", event.event), format!("not a run: {e}"));
                    }
                } else if serde_json::from_slice::<Value>(&event.data).is_err() {
                    r.fail(format!("response.text.event[{n}]({})", event.event), "the data is not JSON");
                }
                n += 1;
            }
            if decoder.has_partial_event() {
                r.fail("response.text", "the stream ends in the middle of an event");
            }
        }
        None => {
            let typed = match op.id.as_str() {
                "upload_file_to_source" => {
                    serde_json::from_slice::<seclai::types::SourceFileUploadResponse>(bytes).err()
                }
                "upload_file_to_content" => {
                    serde_json::from_slice::<seclai::types::ContentFileUploadResponse>(bytes).err()
                }
                "upload_agent_input" => {
                    serde_json::from_slice::<seclai::types::UploadAgentInputApiResponse>(bytes).err()
                }
                _ => None, // files: any bytes
            };
            if let Some(e) = typed {
                r.fail("response.body", format!("does not decode: {e}"));
            }
        }
    }
}

/// Checks every cassette under `dir` (its `<operation>/<variant>.yaml` files); returns how many
/// were checked and every failure.
pub async fn run_dir(dir: &std::path::Path) -> Result<(usize, Vec<Failure>), String> {
    let cassettes = Cassette::load_dir(dir).map_err(|e| e.to_string())?;
    let api = Api::shared();
    let mut failures = Vec::new();
    for (path, c) in &cassettes {
        let file = path.strip_prefix(dir).unwrap_or(path).display().to_string();
        failures.extend(check(&api, &file, c));
        failures.extend(replay(&api, &file, c).await);
    }
    Ok((cassettes.len(), failures))
}
