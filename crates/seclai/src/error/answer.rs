//! Successful answers that are not what the operation returns.

use std::fmt;

use super::{Error, RequestContext, bounded, html_to_text};

/// A success response whose body did not decode into the type the spec declares.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// Operation, method and path of the request.
    pub context: RequestContext,
    /// The HTTP status of the response.
    pub status: u16,
    /// The JSON path that failed (`data[3].status`), `.` for the whole body.
    pub path: String,
    /// What serde reported.
    pub message: String,
    /// The start of the body (bounded), to see what came back.
    pub snippet: String,
    /// The request id, when the server sent one.
    pub request_id: Option<String>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode the response of {} (HTTP {}) at `{}`: {}",
            self.context, self.status, self.path, self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        write!(f, "; body starts with: {}", self.snippet)
    }
}

impl std::error::Error for DecodeError {}

impl DecodeError {
    /// The error for a body that did not decode, with the client's secrets masked in what it
    /// quotes of the body (serde's message can quote a value too).
    pub(crate) fn error(
        context: RequestContext,
        status: u16,
        path: String,
        message: String,
        body: &[u8],
        request_id: Option<String>,
        secrets: &crate::redact::Secrets,
    ) -> Error {
        Error::Decode(Box::new(DecodeError {
            context,
            status,
            path: secrets.redact(&path).into_owned(),
            message: secrets.redact(&message).into_owned(),
            snippet: snippet(&secrets.redact_bytes(body)),
            request_id,
        }))
    }
}

/// A redirect the client did not follow (see [`Error::Redirect`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedirectError {
    /// Operation, method and path of the request.
    pub context: RequestContext,
    /// The redirect status (301, 302, 303, 307, 308).
    pub status: u16,
    /// The origin the server redirected to (`scheme://host:port`, nothing more of the URL).
    pub target: String,
    /// The origin of the API (the base URL's).
    pub api_origin: String,
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "redirect not followed ({}): HTTP {} to {}, ", self.context, self.status, self.target)?;
        if self.target.starts_with("http://") && self.api_origin.starts_with("https://") {
            f.write_str("a downgrade from https to http")
        } else {
            write!(
                f,
                "another origin than the API's ({}); credentials are only sent to the API's origin",
                self.api_origin
            )
        }
    }
}

impl std::error::Error for RedirectError {}

/// A success response that is not what the operation returns (see [`Error::Content`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ContentError {
    /// Operation, method and path of the request.
    pub context: RequestContext,
    /// The HTTP status of the response.
    pub status: u16,
    /// What the operation returns: `JSON`, `an event stream`, ...
    pub expected: &'static str,
    /// The `Content-Type` the server gave.
    pub content_type: Option<String>,
    /// A `Content-Encoding` this build cannot decode, when that is the problem.
    pub content_encoding: Option<String>,
    /// A short text summary of the body: the title of an HTML page, the start of a text.
    pub summary: String,
    /// The request id, when the server sent one.
    pub request_id: Option<String>,
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unexpected answer to {} (HTTP {}): ", self.context, self.status)?;
        match &self.content_encoding {
            Some(enc) => write!(
                f,
                "the body is encoded as `{enc}`, which this build cannot decode{}",
                crate::transport::encoding_hint(enc)
            )?,
            None => write!(
                f,
                "expected {}, got `{}`",
                self.expected,
                self.content_type.as_deref().unwrap_or("no content type")
            )?,
        }
        if !self.summary.is_empty() {
            write!(f, ": {}", self.summary)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ContentError {}

/// A one-line summary of a body that is not what was expected, for [`ContentError`]: the title
/// (or visible text) of an HTML page, the start of a text, or the size of binary data.
pub(crate) fn summarize(bytes: &[u8], content_type: Option<&str>) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let Ok(text) = std::str::from_utf8(bytes).or_else(|e| std::str::from_utf8(&bytes[..e.valid_up_to()])) else {
        return format!("{} bytes of binary data", bytes.len());
    };
    let binary =
        text.len() < bytes.len().min(64) || text.chars().take(256).any(|c| c.is_control() && !c.is_whitespace());
    if binary {
        return format!("{} bytes of binary data", bytes.len());
    }
    let html =
        content_type.is_some_and(|t| t.to_ascii_lowercase().contains("html")) || text.trim_start().starts_with('<');
    let text = if html { html_to_text(text) } else { text.split_whitespace().collect::<Vec<_>>().join(" ") };
    bounded(&text, 200)
}

/// The first bytes of a body as text, for error messages.
pub(crate) fn snippet(bytes: &[u8]) -> String {
    bounded(String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).trim(), 300).replace('\n', " ")
}

/// The body of an answer broke off, or could not be decoded, while it was read (see
/// [`Error::Body`]): the connection closed before the announced length, a chunked encoding
/// was malformed, a compressed body was corrupt.
#[derive(Debug)]
#[non_exhaustive]
pub struct BodyError {
    /// Operation, method and path of the request.
    pub context: RequestContext,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The bytes received before the failure (decoded bytes, for a compressed answer).
    pub received: u64,
    /// The length the server announced (`Content-Length` of an uncompressed answer).
    pub expected: Option<u64>,
    /// The request id, when the server sent one.
    pub request_id: Option<String>,
    /// What reqwest reported, when it reported something (a body shorter than announced
    /// with no error from the transport has none).
    pub source: Option<reqwest::Error>,
    cut: bool,
}

impl BodyError {
    pub(crate) fn new(
        context: RequestContext,
        status: u16,
        received: u64,
        expected: Option<u64>,
        request_id: Option<String>,
        source: Option<reqwest::Error>,
    ) -> Self {
        // reqwest reports both as a decode error wrapping a body error when it decompresses;
        // what differs is the cause at the bottom: the decoder's `InvalidData` for a corrupt
        // stream, the transport's error (hyper's incomplete body, a reset) for a cut one.
        let cut = source.as_ref().is_none_or(|e| {
            let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
            let malformed = std::iter::from_fn(|| {
                let current = next?;
                next = current.source();
                Some(current)
            })
            .any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::InvalidData));
            !malformed
        });
        Self { context, status, received, expected, request_id, source, cut }
    }

    /// Whether the body was cut short (the connection ended early, or the transport failed)
    /// rather than malformed (a corrupt compressed stream): only a cut body is retried.
    pub fn is_cut(&self) -> bool {
        self.cut
    }
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.is_cut() { "broke off" } else { "could not be decoded" };
        write!(
            f,
            "the body of the answer to {} (HTTP {}) {what} after {} bytes",
            self.context, self.status, self.received
        )?;
        match self.expected {
            Some(n) => write!(f, " of the {n} announced")?,
            None if self.is_cut() => f.write_str(" (no length announced)")?,
            None => {}
        }
        match &self.source {
            Some(e) => write!(f, ": {}", super::causes(e))?,
            None => f.write_str(": the connection ended early")?,
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for BodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}
