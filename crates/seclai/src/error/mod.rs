//! Errors: one type for everything a call can fail with.
//!
//! API errors keep everything a support ticket needs (status, request id, operation, method,
//! path, the raw body) and a parsed view of the body in every shape the API and the proxies in
//! front of it send.
//!
//! - `api`: error statuses and their bodies;
//! - `answer`: successful answers that are not what the operation returns (undecodable JSON,
//!   another content type, a refused redirect, a body that broke off);
//! - `http`: turning what reqwest reports into these errors, and reading bodies.

mod answer;
mod api;
mod http;

use std::fmt;
use std::time::Duration;

pub(crate) use answer::summarize;
pub use answer::{BodyError, ContentError, DecodeError, RedirectError};
pub use api::{ApiError, ApiErrorKind, DefinitionError, ErrorBody, FieldError};
pub(crate) use api::{bounded, html_to_text};
pub(crate) use http::{api_error, body_error, decode_json, decode_with, read_body, request_id, transport_error};

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a Seclai call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The connection failed (DNS, refused, reset, TLS) or broke while the body was read.
    /// `Display` gives the whole chain of causes on one line ("error decoding response body:
    /// Invalid gzip header"), not only the outermost.
    #[error("connection failed ({context}): {}", causes(source))]
    Connection {
        /// Operation, method and path.
        context: RequestContext,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The body of a successful answer broke off (the connection closed before the announced
    /// length, a broken chunked encoding) or could not be decoded (a corrupt gzip stream).
    /// `Display` says which, with the byte counts.
    #[error(transparent)]
    Body(Box<BodyError>),
    /// The request (or an idle stream) took longer than its timeout.
    #[error("timed out after {after:?} ({context})")]
    Timeout {
        /// Operation, method and path.
        context: RequestContext,
        /// The timeout that expired.
        after: Duration,
    },
    /// A success response whose body is not what the spec says.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// A success response that is not what the operation returns at all: another content type
    /// (an HTML login page instead of JSON) or a `Content-Encoding` this build cannot decode.
    #[error(transparent)]
    Content(Box<ContentError>),
    /// The server redirected the request to another origin (scheme, host or port), and the
    /// client did not follow: credentials are only ever sent to the API's own origin.
    #[error(transparent)]
    Redirect(Box<RedirectError>),
    /// The client is misconfigured (no credentials, bad base URL, unknown API version, ...).
    #[error("configuration error: {0}")]
    Config(String),
    /// An argument was rejected before anything was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A local file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The server broke the protocol: a list that repeats a page, a list without items, a
    /// stream that ends mid-event.
    #[error("protocol error in {operation}: {message}")]
    Protocol {
        /// The operation id.
        operation: &'static str,
        /// What went wrong.
        message: String,
    },
    /// A job (an upload, an export) ended without succeeding.
    #[error("{what} failed: {message}")]
    OperationFailed {
        /// What failed.
        what: String,
        /// The server's message, or the final status.
        message: String,
    },
    /// A long-running wait passed its deadline; the last state seen is kept.
    #[error("gave up waiting after {waited:?}: {what} (last state: {last_state})")]
    WaitTimeout {
        /// What was awaited.
        what: String,
        /// How long we waited.
        waited: Duration,
        /// The last state observed, as JSON.
        last_state: String,
    },
}

/// An error and its sources on one line, each message once (a cause often repeats the text of
/// the error that wraps it).
pub(crate) fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

impl Error {
    /// The HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::Content(e) => Some(e.status),
            Error::Redirect(e) => Some(e.status),
            Error::Body(e) => Some(e.status),
            _ => None,
        }
    }

    /// The API error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The kind of API error, if this is one.
    pub fn api_kind(&self) -> Option<ApiErrorKind> {
        self.as_api().map(|e| e.kind)
    }

    /// The request id the server gave the failed request, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            Error::Content(e) => e.request_id.as_deref(),
            Error::Body(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The machine-readable code of an API error's body (`database_unavailable`,
    /// `vector_store_unavailable`, `permission_denied`, ...), when it has one.
    pub fn code(&self) -> Option<&str> {
        self.as_api().and_then(|e| e.body.code())
    }

    /// How long the server asked us to wait before retrying (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.as_api().and_then(|e| e.retry_after)
    }

    /// Whether trying the same call again later may succeed: rate limits, server errors,
    /// timeouts, connection failures and bodies that broke off. (The client already retried
    /// within its budget.)
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.kind.is_retryable() && !e.needs_an_operator(),
            Error::Connection { .. } | Error::Timeout { .. } => true,
            Error::Body(e) => e.is_cut(),
            _ => false,
        }
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }

    pub(crate) fn config(msg: impl Into<String>) -> Self {
        Error::Config(msg.into())
    }
}

/// Operation, method and path of a request: enough to find it in logs, with no secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The operation id from the spec (`list_agents`), or `request` for the escape hatch.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: reqwest::Method,
    /// The path, without the base URL and without the query string.
    pub path: String,
}

impl RequestContext {
    pub(crate) fn new(operation: &'static str, method: reqwest::Method, path: &str) -> Self {
        RequestContext { operation, method, path: path.to_string() }
    }
}

impl fmt::Display for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.operation, self.method, self.path)
    }
}
