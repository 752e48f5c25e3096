//! Error statuses of the API and their bodies, in each shape the API and proxies send.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;

use super::RequestContext;

/// What kind of error status the API answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400: the request is malformed.
    BadRequest,
    /// 401: no valid credential.
    Unauthorized,
    /// 402 with an `insufficient_credits` body: the account is out of credits.
    InsufficientCredits,
    /// 402 otherwise: a plan limit was reached.
    PaymentRequired,
    /// 403: the credential may not do this.
    Forbidden,
    /// 404: no such resource.
    NotFound,
    /// 408: the server timed out waiting for the request.
    RequestTimeout,
    /// 409: conflicts with the current state (an active migration, a stale `expected_change_id`,
    /// an export that is not ready).
    Conflict,
    /// 410: gone for good (an expired export).
    Gone,
    /// 422: the request did not validate.
    Unprocessable,
    /// 429: too many requests.
    RateLimited,
    /// 5xx: the server or a gateway failed.
    ServerError,
    /// Any other status.
    Other,
}

impl ApiErrorKind {
    /// The kind for a status (and, for 402, its body).
    pub fn from_status(status: u16, body: &ErrorBody) -> Self {
        match status {
            400 => Self::BadRequest,
            401 => Self::Unauthorized,
            402 if matches!(body, ErrorBody::InsufficientCredits { .. }) => Self::InsufficientCredits,
            402 => Self::PaymentRequired,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            408 => Self::RequestTimeout,
            409 => Self::Conflict,
            410 => Self::Gone,
            422 => Self::Unprocessable,
            429 => Self::RateLimited,
            500..=599 => Self::ServerError,
            _ => Self::Other,
        }
    }

    /// Whether a later retry of the same call may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::RateLimited | Self::ServerError | Self::RequestTimeout)
    }

    fn label(self) -> &'static str {
        match self {
            Self::BadRequest => "bad request",
            Self::Unauthorized => "unauthorized",
            Self::InsufficientCredits => "insufficient credits",
            Self::PaymentRequired => "payment required",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not found",
            Self::RequestTimeout => "request timeout",
            Self::Conflict => "conflict",
            Self::Gone => "gone",
            Self::Unprocessable => "unprocessable",
            Self::RateLimited => "rate limited",
            Self::ServerError => "server error",
            Self::Other => "error",
        }
    }
}

impl fmt::Display for ApiErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// An error status from the API, with its parsed body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status code.
    pub status: u16,
    /// The kind of error.
    pub kind: ApiErrorKind,
    /// A one-line human message taken from the body.
    pub message: String,
    /// The body, parsed.
    pub body: ErrorBody,
    /// The body as received (bounded to 64 KiB).
    pub raw_body: Bytes,
    /// The request id (`x-request-id` and its usual aliases), when the server sent one.
    pub request_id: Option<String>,
    /// The `Retry-After` delay, when the server sent one.
    pub retry_after: Option<Duration>,
    /// Operation, method and path of the failed request.
    pub context: RequestContext,
}

impl ApiError {
    /// A `503` that only an operator can clear (`vector_store_unavailable`: no vector store is
    /// configured): it is never retried, and retrying later does not help either.
    pub fn needs_an_operator(&self) -> bool {
        self.status == 503 && self.body.code() == Some("vector_store_unavailable")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} {}: {}", self.status, self.kind, self.message)?;
        if self.needs_an_operator() {
            f.write_str(" (not retried: it clears only when an operator configures the vector store)")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        if let Some(after) = self.retry_after {
            write!(f, " (retry after {}s)", after.as_secs_f64())?;
        }
        write!(f, " [{}]", self.context)
    }
}

impl std::error::Error for ApiError {}

/// One problem of a 422 validation error.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct FieldError {
    /// Where: e.g. `["body", "name"]` or `["query", "limit"]`; items are strings or indexes.
    #[serde(default)]
    pub loc: Vec<Value>,
    /// What is wrong.
    #[serde(default)]
    pub msg: String,
    /// The machine-readable error type (e.g. `missing`).
    #[serde(default, rename = "type")]
    pub kind: String,
}

impl FieldError {
    /// `loc` joined with dots: `body.name`.
    pub fn location(&self) -> String {
        self.loc
            .iter()
            .map(|l| match l {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// One problem of an invalid agent definition: a position in the echoed `source`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DefinitionError {
    /// 1-based line in `source`.
    #[serde(default)]
    pub line: Option<u64>,
    /// 1-based column in `source`.
    #[serde(default)]
    pub column: Option<u64>,
    /// JSON path of the offending value.
    #[serde(default)]
    pub path: Option<String>,
    /// What is wrong.
    #[serde(default)]
    pub message: String,
}

/// The body of an API error, in each shape the API (or a proxy in front of it) sends.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorBody {
    /// 422 `{"detail": [{loc, msg, type}]}`.
    Validation(Vec<FieldError>),
    /// 422 `{"error": "invalid_agent_definition", "message", "errors", "source"}`.
    InvalidAgentDefinition {
        /// Summary message.
        message: String,
        /// Each problem with its line and column.
        errors: Vec<DefinitionError>,
        /// The pretty-printed definition the positions refer to.
        source: Option<String>,
    },
    /// 402 `{"detail": {"error": "insufficient_credits", "message", "account_id"}}`.
    InsufficientCredits {
        /// The server's message.
        message: String,
        /// The account that ran out.
        account_id: Option<String>,
    },
    /// `{"detail": "message"}`.
    Detail(String),
    /// `{"detail": {...}}` of another shape.
    DetailObject(Value),
    /// `{"error": {"code", "message"}}`: the API's own coded errors, such as the `503` of an
    /// unavailable dependency (`database_unavailable`, `vector_store_unavailable`) and the `403`
    /// of a key that may not write (`permission_denied`, `suspended_account`).
    Coded {
        /// The machine-readable code.
        code: String,
        /// The server's message.
        message: String,
    },
    /// `{"error": {"type", "message", "code"}}` (a gateway's envelope).
    Gateway {
        /// e.g. `invalid_request_error`.
        kind: Option<String>,
        /// The message.
        message: String,
        /// e.g. `missing_field`.
        code: Option<String>,
    },
    /// Other JSON.
    Json(Value),
    /// Not JSON (an HTML page from a proxy, plain text), trimmed and bounded.
    Text(String),
    /// No body.
    Empty,
}

const MAX_TEXT: usize = 500;

pub(crate) fn bounded(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Reduces an HTML page to its visible text, on one line.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let lower = html.to_ascii_lowercase();
    // Prefer the title when there is one: proxies put the status line there.
    if let (Some(a), Some(b)) = (lower.find("<title>"), lower.find("</title>"))
        && a < b
    {
        return html[a + 7..b].split_whitespace().collect::<Vec<_>>().join(" ");
    }
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl ErrorBody {
    /// Parses an error body, trying the known shapes in order.
    pub fn parse(bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(bytes);
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return ErrorBody::Empty;
        }
        let Ok(json) = serde_json::from_slice::<Value>(bytes) else {
            let looks_html = trimmed.starts_with('<');
            let t = if looks_html { html_to_text(trimmed) } else { trimmed.to_string() };
            return ErrorBody::Text(bounded(&t, MAX_TEXT));
        };
        Self::from_json(json)
    }

    fn from_json(json: Value) -> Self {
        let Value::Object(map) = &json else { return ErrorBody::Json(json) };
        if map.get("error").and_then(Value::as_str) == Some("invalid_agent_definition") {
            let errors = map
                .get("errors")
                .and_then(|e| serde_json::from_value::<Vec<DefinitionError>>(e.clone()).ok())
                .unwrap_or_default();
            return ErrorBody::InvalidAgentDefinition {
                message: map.get("message").and_then(Value::as_str).unwrap_or("invalid agent definition").to_string(),
                errors,
                source: map.get("source").and_then(Value::as_str).map(String::from),
            };
        }
        if let Some(Value::Object(err)) = map.get("error") {
            if err.get("type").is_none()
                && let Some(code) = err.get("code").and_then(Value::as_str)
            {
                return ErrorBody::Coded {
                    code: code.to_string(),
                    message: err.get("message").and_then(Value::as_str).unwrap_or_default().to_string(),
                };
            }
            return ErrorBody::Gateway {
                kind: err.get("type").and_then(Value::as_str).map(String::from),
                message: err.get("message").and_then(Value::as_str).unwrap_or_default().to_string(),
                code: err.get("code").and_then(Value::as_str).map(String::from),
            };
        }
        match map.get("detail") {
            Some(Value::String(s)) => ErrorBody::Detail(s.clone()),
            Some(Value::Array(items)) => match serde_json::from_value::<Vec<FieldError>>(Value::Array(items.clone())) {
                Ok(errors) => ErrorBody::Validation(errors),
                Err(_) => ErrorBody::DetailObject(Value::Array(items.clone())),
            },
            Some(Value::Object(d)) if d.get("error").and_then(Value::as_str) == Some("insufficient_credits") => {
                ErrorBody::InsufficientCredits {
                    message: d.get("message").and_then(Value::as_str).unwrap_or("insufficient credits").to_string(),
                    account_id: d.get("account_id").and_then(Value::as_str).map(String::from),
                }
            }
            Some(other @ Value::Object(_)) => ErrorBody::DetailObject(other.clone()),
            _ => ErrorBody::Json(json),
        }
    }

    /// A one-line message for `Display`.
    pub fn message(&self) -> String {
        match self {
            ErrorBody::Validation(errors) => {
                let parts: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.location(), e.msg)).collect();
                if parts.is_empty() { "validation failed".into() } else { parts.join("; ") }
            }
            ErrorBody::InvalidAgentDefinition { message, errors, .. } => match errors.first() {
                Some(e) => format!(
                    "{message} (first at line {}, column {}: {})",
                    e.line.map_or("?".into(), |l| l.to_string()),
                    e.column.map_or("?".into(), |c| c.to_string()),
                    e.message
                ),
                None => message.clone(),
            },
            ErrorBody::InsufficientCredits { message, .. } => message.clone(),
            ErrorBody::Detail(s) => s.clone(),
            ErrorBody::DetailObject(v) => v
                .get("message")
                .and_then(Value::as_str)
                .map(String::from)
                .unwrap_or_else(|| bounded(&v.to_string(), MAX_TEXT)),
            ErrorBody::Coded { code, message } if message.is_empty() => code.clone(),
            ErrorBody::Coded { code, message } => format!("{message} ({code})"),
            ErrorBody::Gateway { kind, message, code } => {
                let mut s = message.clone();
                if let Some(k) = kind {
                    s.push_str(&format!(" ({k}"));
                    if let Some(c) = code {
                        s.push_str(&format!(", {c}"));
                    }
                    s.push(')');
                }
                s
            }
            ErrorBody::Json(v) => bounded(&v.to_string(), MAX_TEXT),
            ErrorBody::Text(t) => t.clone(),
            ErrorBody::Empty => "no body".into(),
        }
    }

    /// The machine-readable code of a coded error (`database_unavailable`,
    /// `permission_denied`, ...) or of a gateway's error.
    pub fn code(&self) -> Option<&str> {
        match self {
            ErrorBody::Coded { code, .. } => Some(code),
            ErrorBody::Gateway { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The 422 field errors, when the body is a validation error.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            ErrorBody::Validation(e) => e,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_bodies_parse_into_field_errors() {
        let b = ErrorBody::parse(br#"{"detail":[{"loc":["body","name"],"msg":"Field required","type":"missing"},{"loc":["query","limit",0],"msg":"bad","type":"x"}]}"#);
        let errors = b.field_errors();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].location(), "body.name");
        assert_eq!(errors[1].location(), "query.limit.0");
        assert_eq!(b.message(), "body.name: Field required; query.limit.0: bad");
    }

    #[test]
    fn agent_definition_errors_keep_line_and_column() {
        let b = ErrorBody::parse(
            br#"{"error":"invalid_agent_definition","message":"Definition invalid","errors":[{"line":3,"column":7,"path":"steps[0].type","message":"unknown step"}],"source":"{\n}"}"#,
        );
        match &b {
            ErrorBody::InvalidAgentDefinition { errors, source, .. } => {
                assert_eq!(errors[0].line, Some(3));
                assert_eq!(errors[0].column, Some(7));
                assert_eq!(errors[0].path.as_deref(), Some("steps[0].type"));
                assert_eq!(source.as_deref(), Some("{\n}"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(b.message(), "Definition invalid (first at line 3, column 7: unknown step)");
    }

    #[test]
    fn credits_detail_and_gateway_shapes() {
        let b = ErrorBody::parse(
            br#"{"detail":{"error":"insufficient_credits","message":"Out of credits","account_id":"acc_1"}}"#,
        );
        assert_eq!(
            b,
            ErrorBody::InsufficientCredits { message: "Out of credits".into(), account_id: Some("acc_1".into()) }
        );
        assert_eq!(ApiErrorKind::from_status(402, &b), ApiErrorKind::InsufficientCredits);
        assert_eq!(ApiErrorKind::from_status(402, &ErrorBody::Empty), ApiErrorKind::PaymentRequired);
        assert_eq!(ErrorBody::parse(br#"{"detail":"Agent not found"}"#), ErrorBody::Detail("Agent not found".into()));
        let g = ErrorBody::parse(
            br#"{"error":{"type":"invalid_request_error","message":"name is required","code":"missing_field"}}"#,
        );
        assert_eq!(g.message(), "name is required (invalid_request_error, missing_field)");
        assert!(matches!(ErrorBody::parse(br#"{"detail":{"reason":"x"}}"#), ErrorBody::DetailObject(_)));
    }

    #[test]
    fn coded_errors_keep_their_code() {
        let b = ErrorBody::parse(br#"{"error":{"code":"database_unavailable","message":"Try again shortly."}}"#);
        assert_eq!(b, ErrorBody::Coded { code: "database_unavailable".into(), message: "Try again shortly.".into() });
        assert_eq!(b.code(), Some("database_unavailable"));
        assert_eq!(b.message(), "Try again shortly. (database_unavailable)");
        let gateway = ErrorBody::parse(br#"{"error":{"type":"invalid_request_error","message":"m","code":"c"}}"#);
        assert!(matches!(gateway, ErrorBody::Gateway { .. }) && gateway.code() == Some("c"));
    }

    #[test]
    fn html_and_text_bodies_are_kept_as_bounded_text() {
        let html = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>";
        assert_eq!(ErrorBody::parse(html), ErrorBody::Text("502 Bad Gateway".into()));
        assert_eq!(ErrorBody::parse(b"upstream connect error"), ErrorBody::Text("upstream connect error".into()));
        let long = "x".repeat(2000);
        match ErrorBody::parse(long.as_bytes()) {
            ErrorBody::Text(t) => assert!(t.len() < 520),
            other => panic!("{other:?}"),
        }
        assert_eq!(ErrorBody::parse(b"  "), ErrorBody::Empty);
    }
}
