//! The state every operation builder carries, and the checks made before anything is sent.
//!
//! The generated builders (one per operation) are thin: they record arguments here, and
//! [`Call`] validates them against the limits of the spec, percent-encodes path segments,
//! serializes the body (with explicit nulls where asked) and hands the request to the client.

use std::fmt::Display;

use bytes::Bytes;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::{Body, Client, Request, RequestOptions};
use crate::error::{Error, Result};
use crate::paginate::Pagination;

/// What the spec says of an operation, as the runtime needs it.
#[derive(Debug)]
pub(crate) struct Operation {
    pub(crate) id: &'static str,
    pub(crate) method: Method,
    pub(crate) pagination: Option<Pagination>,
}

/// Characters left as they are in a path segment: RFC 3986 unreserved.
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// One operation call being built.
#[derive(Clone)]
pub(crate) struct Call {
    pub(crate) client: Client,
    pub(crate) op: &'static Operation,
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Bytes>,
    pub(crate) options: RequestOptions,
    /// The first argument that failed a check: reported by `send` before anything is sent.
    pub(crate) invalid: Option<String>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.op.id)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("has_body", &self.body.is_some())
            .finish_non_exhaustive()
    }
}

impl Call {
    pub(crate) fn new(client: Client, op: &'static Operation) -> Self {
        Self {
            client,
            op,
            path: String::new(),
            query: Vec::new(),
            body: None,
            options: RequestOptions::default(),
            invalid: None,
        }
    }

    fn fail(&mut self, msg: String) {
        if self.invalid.is_none() {
            self.invalid = Some(format!("{}: {msg}", self.op.id));
        }
    }

    /// A path parameter, checked and percent-encoded. An empty value would silently address
    /// another endpoint (`/agents/` lists agents), so it is refused.
    pub(crate) fn segment(&mut self, name: &str, value: &str, uuid: bool) -> String {
        let mut out = String::with_capacity(value.len());
        self.push_segment(&mut out, name, value, uuid);
        out
    }

    /// Appends a checked, percent-encoded path parameter to `path`.
    pub(crate) fn push_segment(&mut self, path: &mut String, name: &str, value: &str, uuid: bool) {
        if value.trim().is_empty() {
            self.fail(format!("`{name}` must not be empty"));
        } else if value == "." || value == ".." {
            // URL parsing resolves dot segments: `..` would reach another endpoint.
            self.fail(format!("`{name}` must not be `.` or `..`"));
        } else if uuid && uuid::Uuid::parse_str(value).is_err() {
            self.fail(format!("`{name}` must be a UUID, got `{value}`"));
        }
        // Ids are almost always plain: skip the encoder then.
        if value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')) {
            path.push_str(value);
        } else {
            path.extend(percent_encoding::utf8_percent_encode(value, SEGMENT));
        }
    }

    fn set_query(&mut self, name: &'static str, value: String) {
        match self.query.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.query.push((name, value)),
        }
    }

    /// A string query parameter with optional length limits and UUID format.
    pub(crate) fn query_str(
        &mut self,
        name: &'static str,
        value: String,
        min_len: Option<usize>,
        max_len: Option<usize>,
        uuid: bool,
    ) {
        let len = value.chars().count();
        if let Some(min) = min_len.filter(|m| len < *m) {
            self.fail(format!("`{name}` must have at least {min} characters"));
        }
        if let Some(max) = max_len.filter(|m| len > *m) {
            self.fail(format!("`{name}` must have at most {max} characters, got {len}"));
        }
        if uuid && uuid::Uuid::parse_str(&value).is_err() {
            self.fail(format!("`{name}` must be a UUID, got `{value}`"));
        }
        self.set_query(name, value);
    }

    /// A list query parameter, sent repeated (`?id=a&id=b`), with the spec's item limit and
    /// format. Setting it again replaces the list.
    pub(crate) fn query_list(&mut self, name: &'static str, values: Vec<String>, max_items: Option<usize>, uuid: bool) {
        if let Some(max) = max_items.filter(|m| values.len() > *m) {
            self.fail(format!("`{name}` takes at most {max} values, got {}", values.len()));
        }
        if uuid && let Some(bad) = values.iter().find(|v| uuid::Uuid::parse_str(v).is_err()) {
            self.fail(format!("`{name}` values must be UUIDs, got `{bad}`"));
        }
        self.query.retain(|(k, _)| *k != name);
        self.query.extend(values.into_iter().map(|v| (name, v)));
    }

    /// An integer query parameter within the spec's bounds (`exclusive` for `> min`).
    pub(crate) fn query_int(
        &mut self,
        name: &'static str,
        value: i64,
        min: Option<i64>,
        exclusive_min: bool,
        max: Option<i64>,
    ) {
        if let Some(min) = min {
            if exclusive_min && value <= min {
                self.fail(format!("`{name}` must be greater than {min}, got {value}"));
            } else if value < min {
                self.fail(format!("`{name}` must be at least {min}, got {value}"));
            }
        }
        if let Some(max) = max.filter(|m| value > *m) {
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

    /// The JSON body. `nulls` are optional fields to send as an explicit `null` (to clear them),
    /// distinct from leaving them out.
    pub(crate) fn json_body<B: Serialize>(&mut self, body: std::result::Result<B, String>, nulls: &[&'static str]) {
        let body = match body {
            Ok(b) => b,
            Err(e) => return self.fail(format!("invalid body: {e}")),
        };
        let bytes = if nulls.is_empty() {
            serde_json::to_vec(&body)
        } else {
            serde_json::to_value(&body).and_then(|mut v| {
                if let Some(map) = v.as_object_mut() {
                    for n in nulls {
                        map.insert((*n).to_string(), serde_json::Value::Null);
                    }
                }
                serde_json::to_vec(&v)
            })
        };
        match bytes {
            Ok(b) => self.body = Some(Bytes::from(b)),
            Err(e) => self.fail(format!("cannot serialize the body: {e}")),
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        match &self.invalid {
            Some(msg) => Err(Error::invalid(msg.clone())),
            None => Ok(()),
        }
    }

    pub(crate) fn request(&self) -> Request<'_> {
        Request {
            operation: self.op.id,
            method: self.op.method.clone(),
            path: &self.path,
            query: &self.query,
            body: match &self.body {
                Some(b) => Body::Json(b.clone()),
                None => Body::Empty,
            },
            options: &self.options,
            total_timeout: true,
            accept: None,
            expect: crate::transport::Expect::Json,
            url: None,
        }
    }

    /// Sends and decodes the JSON answer.
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

/// Per-request settings, on every operation builder.
macro_rules! request_options {
    () => {
        /// Overrides the client's timeout for this request.
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.call.options.timeout = Some(timeout);
            self
        }

        crate::call::retries_and_headers!();
    };
}
pub(crate) use request_options;

/// The retry and header settings, on builders whose timeout means something else (streams and
/// downloads have an idle timeout instead).
macro_rules! retries_and_headers {
    () => {
        /// Overrides the client's retry budget for this request (0: no retries).
        pub fn max_retries(mut self, retries: u32) -> Self {
            self.call.options.max_retries = Some(retries);
            self
        }

        /// Adds a header to this request. An invalid name or value is reported by `send`.
        pub fn header(mut self, name: &str, value: &str) -> Self {
            if let Err(e) = self.call.options.header(name, value) {
                self.call.invalid.get_or_insert(e);
            }
            self
        }
    };
}
pub(crate) use retries_and_headers;

#[cfg(test)]
mod tests {
    use super::*;

    static OP: Operation = Operation { id: "get_thing", method: Method::GET, pagination: None };

    fn call() -> Call {
        Call::new(Client::new("k").unwrap(), &OP)
    }

    #[test]
    fn path_segments_are_encoded_and_checked() {
        let mut c = call();
        assert_eq!(c.segment("id", "a/b c?", false), "a%2Fb%20c%3F");
        assert!(c.check().is_ok());
        c.segment("id", "", false);
        assert_eq!(c.check().unwrap_err().to_string(), "invalid argument: get_thing: `id` must not be empty");
        let mut c = call();
        c.segment("export_id", "not-a-uuid", true);
        assert!(c.check().unwrap_err().to_string().contains("must be a UUID"));
    }

    #[test]
    fn dot_segments_are_refused_rather_than_resolved() {
        for value in [".", ".."] {
            let mut c = call();
            c.segment("agent_id", value, false);
            assert_eq!(
                c.check().unwrap_err().to_string(),
                "invalid argument: get_thing: `agent_id` must not be `.` or `..`"
            );
        }
        let mut c = call();
        assert_eq!(c.segment("agent_id", "...", false), "...");
        assert!(c.check().is_ok());
    }

    #[test]
    fn urls_keep_the_base_path_the_encoded_segments_and_the_query() {
        let client = Client::builder().api_key("k").base_url("https://host/seclai/").build().unwrap();
        let mut c = call();
        let path = format!("/agents/{}", c.segment("agent_id", "a/b c", false));
        let url = client.url(&path, &[("q", "x y&z".to_string())]);
        assert_eq!(url.as_str(), "https://host/seclai/agents/a%2Fb%20c?q=x+y%26z");
        let root = Client::builder().api_key("k").base_url("http://127.0.0.1:9").build().unwrap();
        assert_eq!(root.url("/agents", &[]).as_str(), "http://127.0.0.1:9/agents");
    }

    #[test]
    fn query_limits_come_from_the_spec() {
        let mut c = call();
        c.query_int("limit", 0, Some(1), false, Some(100));
        assert!(c.check().unwrap_err().to_string().contains("`limit` must be at least 1, got 0"));
        let mut c = call();
        c.query_int("limit", 101, Some(1), false, Some(100));
        assert!(c.check().unwrap_err().to_string().contains("at most 100"));
        let mut c = call();
        c.query_int("days", 0, Some(0), true, None);
        assert!(c.check().unwrap_err().to_string().contains("greater than 0"));
        let mut c = call();
        c.query_int("limit", 5, Some(1), false, Some(100));
        c.query_int("limit", 6, Some(1), false, Some(100));
        assert_eq!(c.query, vec![("limit", "6".to_string())], "setting twice replaces");
    }

    #[test]
    fn explicit_nulls_are_sent_and_absent_fields_are_not() {
        #[derive(Serialize)]
        struct Update {
            #[serde(skip_serializing_if = "Option::is_none")]
            name: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            description: Option<String>,
        }
        let mut c = call();
        c.json_body(Ok(Update { name: Some("n".into()), description: None }), &["description"]);
        let v: serde_json::Value = serde_json::from_slice(c.body.as_ref().unwrap()).unwrap();
        assert_eq!(v, serde_json::json!({"name": "n", "description": null}));
        let mut c = call();
        c.json_body(Ok(Update { name: None, description: None }), &[]);
        assert_eq!(c.body.as_deref(), Some(&b"{}"[..]));
        let mut c = call();
        c.json_body::<Update>(Err("no value supplied for name".into()), &[]);
        assert!(c.check().unwrap_err().to_string().contains("invalid body: no value supplied for name"));
    }
}
