//! The state every operation builder carries, and the checks made before anything is sent.
//!
//! The generated builders (one per operation) are thin: they record arguments here, and
//! [`Call`] validates them against the limits of the spec, percent-encodes path segments,
//! serializes the body (with explicit nulls where asked) and hands the request to the client.

use std::borrow::Cow;
use std::fmt::Display;

use bytes::Bytes;
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

use crate::client::{Body, Client, Request, RequestOptions};
use crate::error::{Error, RequestContext, Result};
use crate::paginate::Pagination;
use crate::transport::Expect;
use crate::types::BuildError;

/// What the spec says of an operation, as the runtime needs it.
#[derive(Debug)]
pub(crate) struct Operation {
    pub(crate) id: &'static str,
    pub(crate) method: Method,
    pub(crate) pagination: Option<Pagination>,
    /// What a successful answer is: JSON (read whole), an event stream or a file (handed over
    /// open, with an idle timeout).
    pub(crate) expect: Expect,
}

/// Characters left as they are in a path segment: RFC 3986 unreserved.
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// The text format a parameter must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Text,
    Uuid,
}

/// The spec's limits on a string parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StrLimits {
    pub(crate) min_len: Option<usize>,
    pub(crate) max_len: Option<usize>,
    pub(crate) format: Format,
}

/// The spec's limits on an integer parameter (`exclusive_min`: greater than `min`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct IntLimits {
    pub(crate) min: Option<i64>,
    pub(crate) exclusive_min: bool,
    pub(crate) max: Option<i64>,
}

/// The spec's limits on a list parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListLimits {
    pub(crate) max_items: Option<usize>,
    pub(crate) format: Format,
}

/// One operation call being built: everything the request will be, for every kind of
/// operation (JSON, upload, stream, download) and for the escape hatch.
#[derive(Clone)]
pub(crate) struct Call {
    pub(crate) client: Client,
    pub(crate) op: &'static Operation,
    /// The operation's method; the escape hatch sets its own.
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(Cow<'static, str>, String)>,
    pub(crate) body: Body,
    pub(crate) options: RequestOptions,
    /// An absolute URL the API handed out, instead of `path` under the base URL.
    pub(crate) url: Option<Url>,
    /// The operation's answer; the escape hatch's `send_raw` takes any file.
    pub(crate) expect: Expect,
    /// The first argument that failed a check: reported by `send` before anything is sent.
    pub(crate) invalid: Option<String>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.op.id)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("has_body", &!matches!(self.body, Body::Empty))
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

fn check_format(value: &str, format: Format) -> Option<String> {
    match format {
        Format::Uuid if uuid::Uuid::parse_str(value).is_err() => Some(format!("must be a UUID, got `{value}`")),
        _ => None,
    }
}

impl Call {
    pub(crate) fn new(client: Client, op: &'static Operation) -> Self {
        Self {
            client,
            op,
            method: op.method.clone(),
            path: String::new(),
            query: Vec::new(),
            body: Body::Empty,
            options: RequestOptions::default(),
            url: None,
            expect: op.expect,
            invalid: None,
        }
    }

    pub(crate) fn fail(&mut self, msg: String) {
        if self.invalid.is_none() {
            self.invalid = Some(format!("{}: {msg}", self.op.id));
        }
    }

    /// Appends a checked, percent-encoded path parameter to `path`. An empty value would
    /// silently address another endpoint (`/agents/` lists agents), and `.` or `..` would be
    /// resolved by URL parsing into another one: all are refused.
    pub(crate) fn push_segment(&mut self, path: &mut String, name: &str, value: &str, format: Format) {
        if value.trim().is_empty() {
            self.fail(format!("`{name}` must not be empty"));
        } else if value == "." || value == ".." {
            self.fail(format!("`{name}` must not be `.` or `..`"));
        } else if let Some(problem) = check_format(value, format) {
            self.fail(format!("`{name}` {problem}"));
        }
        // Ids are almost always plain: skip the encoder then.
        if value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')) {
            path.push_str(value);
        } else {
            path.extend(percent_encoding::utf8_percent_encode(value, SEGMENT));
        }
    }

    fn set_query(&mut self, name: &'static str, value: String) {
        match self.query.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.query.push((Cow::Borrowed(name), value)),
        }
    }

    /// A string query parameter within the spec's limits.
    pub(crate) fn query_str(&mut self, name: &'static str, value: String, limits: StrLimits) {
        let len = value.chars().count();
        if let Some(min) = limits.min_len.filter(|m| len < *m) {
            self.fail(format!("`{name}` must have at least {min} characters"));
        }
        if let Some(max) = limits.max_len.filter(|m| len > *m) {
            self.fail(format!("`{name}` must have at most {max} characters, got {len}"));
        }
        if let Some(problem) = check_format(&value, limits.format) {
            self.fail(format!("`{name}` {problem}"));
        }
        self.set_query(name, value);
    }

    /// A list query parameter, sent repeated (`?id=a&id=b`), within the spec's limits. Setting
    /// it again replaces the list.
    pub(crate) fn query_list(&mut self, name: &'static str, values: Vec<String>, limits: ListLimits) {
        if let Some(max) = limits.max_items.filter(|m| values.len() > *m) {
            self.fail(format!("`{name}` takes at most {max} values, got {}", values.len()));
        }
        if let Some(problem) = values.iter().find_map(|v| check_format(v, limits.format)) {
            self.fail(format!("`{name}` values {problem}"));
        }
        self.query.retain(|(k, _)| k != name);
        self.query.extend(values.into_iter().map(|v| (Cow::Borrowed(name), v)));
    }

    /// An integer query parameter within the spec's bounds.
    pub(crate) fn query_int(&mut self, name: &'static str, value: i64, limits: IntLimits) {
        if let Some(min) = limits.min {
            if limits.exclusive_min && value <= min {
                self.fail(format!("`{name}` must be greater than {min}, got {value}"));
            } else if value < min {
                self.fail(format!("`{name}` must be at least {min}, got {value}"));
            }
        }
        if let Some(max) = limits.max.filter(|m| value > *m) {
            self.fail(format!("`{name}` must be at most {max}, got {value}"));
        }
        self.set_query(name, value.to_string());
    }

    /// A query parameter sent as its `Display` form (booleans, enums, dates).
    pub(crate) fn query_display(&mut self, name: &'static str, value: impl Display) {
        self.set_query(name, value.to_string());
    }

    /// A date-time query parameter, sent in RFC 3339.
    pub(crate) fn query_datetime(&mut self, name: &'static str, value: chrono::DateTime<chrono::Utc>) {
        self.set_query(name, value.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
    }

    /// The JSON body, as a body builder made it (explicit nulls included), or why it could not.
    pub(crate) fn json_body(&mut self, body: std::result::Result<serde_json::Value, BuildError>) {
        match body
            .and_then(|v| serde_json::to_vec(&v).map_err(|e| BuildError::new("request body", vec![e.to_string()])))
        {
            Ok(bytes) => self.body = Body::Json(Bytes::from(bytes)),
            Err(e) => self.fail(format!("invalid body: {e}")),
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        match &self.invalid {
            Some(msg) => Err(Error::invalid(msg.clone())),
            None => Ok(()),
        }
    }

    /// The request: the one place a [`Request`] is made.
    pub(crate) fn request(&self) -> Request<'_> {
        Request {
            operation: self.op.id,
            method: self.method.clone(),
            path: &self.path,
            query: &self.query,
            body: self.body.clone(),
            options: &self.options,
            expect: self.expect,
            url: self.url.as_ref(),
        }
    }

    /// Operation, method and path, for errors.
    pub(crate) fn context(&self) -> RequestContext {
        RequestContext::new(self.op.id, self.method.clone(), &self.path)
    }

    pub(crate) async fn send_json<T: DeserializeOwned>(self) -> Result<T> {
        self.check()?;
        self.client.execute_json(self.request()).await
    }

    /// Sends an operation whose success has no body.
    pub(crate) async fn send_empty(self) -> Result<()> {
        self.check()?;
        self.client.execute_empty(self.request()).await
    }
}

/// The settings every builder has, given the builder's `call`.
macro_rules! retries_and_headers {
    () => {
        /// Overrides the client's retry budget for this request (0: no retries).
        pub fn max_retries(mut self, retries: u32) -> Self {
            self.call.options.max_retries = Some(retries);
            self
        }

        /// Adds a header to this request. An invalid name or value is reported by `send`; a
        /// header named like a credential (`Authorization`, `X-API-Key`, `Cookie`) is treated
        /// as one (never sent to another origin, redacted).
        pub fn header(mut self, name: &str, value: &str) -> Self {
            if let Err(e) = self.call.options.header(name, value) {
                self.call.invalid.get_or_insert(e);
            }
            self
        }
    };
}
pub(crate) use retries_and_headers;

/// Per-request settings of a request answered whole.
macro_rules! request_options {
    () => {
        /// Overrides the client's timeout of the whole request, answer included.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.call.options.timeout = Some(timeout);
            self
        }

        crate::call::retries_and_headers!();
    };
}
pub(crate) use request_options;

/// Per-request settings of a stream or a download, which has no total timeout: it lasts as
/// long as data flows.
macro_rules! stream_options {
    () => {
        /// The longest wait for the answer to start (its status and headers; default: the idle
        /// timeout); what follows is bounded by [`idle_timeout`](Self::idle_timeout) instead,
        /// since a long stream or a large file may take any time.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.call.options.timeout = Some(timeout);
            self
        }

        /// Fails when no byte (not even a keep-alive) arrives for this long (default: the
        /// client's `stream_idle_timeout`, 60 s).
        pub fn idle_timeout(mut self, idle: ::std::time::Duration) -> Self {
            self.call.options.idle_timeout = Some(idle);
            self
        }

        crate::call::retries_and_headers!();
    };
}
pub(crate) use stream_options;

#[cfg(test)]
mod tests {
    use super::*;

    static OP: Operation = Operation { id: "get_thing", method: Method::GET, pagination: None, expect: Expect::Json };

    fn call() -> Call {
        Call::new(Client::new("k").unwrap(), &OP)
    }

    fn segment(c: &mut Call, name: &str, value: &str, format: Format) -> String {
        let mut path = String::new();
        c.push_segment(&mut path, name, value, format);
        path
    }

    const INT: IntLimits = IntLimits { min: Some(1), exclusive_min: false, max: Some(100) };

    #[test]
    fn path_segments_are_encoded_and_checked() {
        let mut c = call();
        assert_eq!(segment(&mut c, "id", "a/b c?", Format::Text), "a%2Fb%20c%3F");
        assert!(c.check().is_ok());
        segment(&mut c, "id", "", Format::Text);
        assert_eq!(c.check().unwrap_err().to_string(), "invalid argument: get_thing: `id` must not be empty");
        let mut c = call();
        segment(&mut c, "export_id", "not-a-uuid", Format::Uuid);
        assert!(c.check().unwrap_err().to_string().contains("must be a UUID"));
    }

    #[test]
    fn dot_segments_are_refused_rather_than_resolved() {
        for value in [".", ".."] {
            let mut c = call();
            segment(&mut c, "agent_id", value, Format::Text);
            assert_eq!(
                c.check().unwrap_err().to_string(),
                "invalid argument: get_thing: `agent_id` must not be `.` or `..`"
            );
        }
        let mut c = call();
        assert_eq!(segment(&mut c, "agent_id", "...", Format::Text), "...");
        assert!(c.check().is_ok());
    }

    #[test]
    fn urls_keep_the_base_path_the_encoded_segments_and_the_query() {
        let client = Client::builder().api_key("k").base_url("https://host/seclai/").build().unwrap();
        let mut c = call();
        let path = format!("/agents/{}", segment(&mut c, "agent_id", "a/b c", Format::Text));
        let url = client.url(&path, &[("q".into(), "x y&z".to_string())]);
        assert_eq!(url.as_str(), "https://host/seclai/agents/a%2Fb%20c?q=x+y%26z");
        let root = Client::builder().api_key("k").base_url("http://127.0.0.1:9").build().unwrap();
        assert_eq!(root.url("/agents", &[]).as_str(), "http://127.0.0.1:9/agents");
    }

    #[test]
    fn query_limits_come_from_the_spec() {
        let mut c = call();
        c.query_int("limit", 0, INT);
        assert!(c.check().unwrap_err().to_string().contains("`limit` must be at least 1, got 0"));
        let mut c = call();
        c.query_int("limit", 101, INT);
        assert!(c.check().unwrap_err().to_string().contains("at most 100"));
        let mut c = call();
        c.query_int("days", 0, IntLimits { min: Some(0), exclusive_min: true, max: None });
        assert!(c.check().unwrap_err().to_string().contains("greater than 0"));
        let mut c = call();
        c.query_int("limit", 5, INT);
        c.query_int("limit", 6, INT);
        assert_eq!(c.query, vec![("limit".into(), "6".to_string())], "setting twice replaces");
        let mut c = call();
        c.query_str("q", "abc".into(), StrLimits { min_len: Some(4), max_len: None, format: Format::Text });
        assert!(c.check().unwrap_err().to_string().contains("at least 4 characters"));
        let mut c = call();
        let ids: Vec<String> = (0..3).map(|i| format!("00000000-0000-4000-8000-00000000000{i}")).collect();
        c.query_list("id", ids.clone(), ListLimits { max_items: Some(2), format: Format::Uuid });
        assert!(c.check().unwrap_err().to_string().contains("at most 2 values, got 3"));
        let mut c = call();
        c.query_list("id", ids, ListLimits { max_items: None, format: Format::Uuid });
        assert_eq!(c.query.len(), 3, "one pair per value");
    }

    #[test]
    fn bodies_come_as_json_and_their_errors_are_reported_by_send() {
        let mut c = call();
        c.json_body(Ok(serde_json::json!({"name": "n", "description": null})));
        let Body::Json(bytes) = &c.body else { panic!("a JSON body") };
        assert_eq!(&bytes[..], br#"{"description":null,"name":"n"}"#);
        let mut c = call();
        c.json_body(Err(BuildError::new("CreateThing", vec!["`name` is required".into()])));
        assert_eq!(
            c.check().unwrap_err().to_string(),
            "invalid argument: get_thing: invalid body: CreateThing: `name` is required"
        );
    }
}
