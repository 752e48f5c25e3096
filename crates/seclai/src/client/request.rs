//! One request as the client sends it, made by [`crate::call::Call::request`] for every
//! operation: its body, its per-request settings, and what is made of its answer.

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use crate::error::{Error, RequestContext, Result, decode_json, read_body, request_id};
use crate::redact::Secrets;
use crate::transport::{self, Expect};

/// Per-request settings that override the client's (every builder's `timeout`, `max_retries`,
/// `header`, and for streams and downloads `idle_timeout`).
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestOptions {
    /// Timeout of the whole request; for streams and downloads, of the wait for the answer
    /// to start.
    pub(crate) timeout: Option<Duration>,
    /// The longest pause between two chunks of a stream or download.
    pub(crate) idle_timeout: Option<Duration>,
    /// Retries after the first attempt.
    pub(crate) max_retries: Option<u32>,
    /// Extra headers.
    pub(crate) headers: HeaderMap,
}

impl RequestOptions {
    pub(crate) fn header(&mut self, name: &str, value: &str) -> std::result::Result<(), String> {
        let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("`{name}` is not a valid header name"))?;
        let mut v = HeaderValue::from_str(value).map_err(|_| format!("the value of header `{name}` is not valid"))?;
        // A credential set per request is hidden from `Debug` like the client's own.
        if transport::is_credential_header(&n) {
            v.set_sensitive(true);
        }
        self.headers.insert(n, v);
        Ok(())
    }
}

/// A request body and the headers that describe it (content type, length).
pub(crate) type BuiltBody = (reqwest::Body, BodyHeaders);

/// The headers describing a body.
pub(crate) type BodyHeaders = Vec<(HeaderName, HeaderValue)>;

/// The body of a request, as something that can be sent more than once when it is retried.
#[derive(Clone)]
pub(crate) enum Body {
    Empty,
    Json(Bytes),
    /// A multipart form (an upload).
    Form(Arc<Form>),
}

/// A multipart form: how to build it for an attempt, and how a recording writes it.
pub(crate) struct Form {
    pub(crate) source: FormSource,
    /// The parts as a cassette writes them, when the client records.
    #[cfg(feature = "record")]
    pub(crate) recorded: Option<Vec<crate::cassette::MultipartPart>>,
}

pub(crate) enum FormSource {
    /// Rebuilt for every attempt (an upload re-opens its file).
    Rebuild(Box<dyn Fn() -> Result<BuiltBody> + Send + Sync>),
    /// Sent once only (a reader): never retried.
    Once(std::sync::Mutex<Option<BuiltBody>>),
}

impl Body {
    pub(crate) fn replayable(&self) -> bool {
        !matches!(self, Body::Form(f) if matches!(f.source, FormSource::Once(_)))
    }

    pub(crate) fn take(&self) -> Result<(Option<reqwest::Body>, BodyHeaders)> {
        static JSON: HeaderValue = HeaderValue::from_static("application/json");
        Ok(match self {
            Body::Empty => (None, Vec::new()),
            Body::Json(b) => (Some(reqwest::Body::from(b.clone())), vec![(CONTENT_TYPE, JSON.clone())]),
            Body::Form(form) => {
                let (b, headers) = match &form.source {
                    FormSource::Rebuild(build) => build()?,
                    FormSource::Once(cell) => cell
                        .lock()
                        .map_err(|_| Error::invalid("a request body lock was poisoned"))?
                        .take()
                        .ok_or_else(|| Error::invalid("a one-shot request body was already sent"))?,
                };
                (Some(b), headers)
            }
        })
    }
}

/// One request, ready to go through [`Client::execute`]: made by [`crate::call::Call::request`]
/// for every operation, generated or hand-written, and for the escape hatch.
#[derive(Clone)]
pub(crate) struct Request<'a> {
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    pub(crate) path: &'a str,
    pub(crate) query: &'a [(Cow<'static, str>, String)],
    pub(crate) body: Body,
    pub(crate) options: &'a RequestOptions,
    /// What a successful answer must be. JSON is read whole under the total timeout; an event
    /// stream or a file is handed over open, with the timeout bounding only the wait for its
    /// headers; for a file, a redirect to another origin is followed without credentials
    /// instead of being an error.
    pub(crate) expect: Expect,
    /// An absolute URL the API handed out, instead of `path` under the base URL: requested with
    /// the client's credentials only when its origin is the API's.
    pub(crate) url: Option<&'a Url>,
}

impl Request<'_> {
    /// Operation, method and path, for errors and traces.
    pub(crate) fn context(&self) -> RequestContext {
        RequestContext::new(self.operation, self.method.clone(), self.path)
    }
}

/// What the retry loop makes of a successful answer: the response left open (streams and
/// downloads read it themselves) or its body read whole, inside the loop, so that a body that
/// breaks off is retried like a connection that fails.
pub(crate) trait Finish: Sized + Send {
    fn finish(
        response: reqwest::Response,
        timeout: Option<Duration>,
        context: &(dyn Fn() -> RequestContext + Sync),
        secrets: &Secrets,
    ) -> impl Future<Output = Result<Self>> + Send;
}

impl Finish for reqwest::Response {
    async fn finish(
        response: reqwest::Response,
        _: Option<Duration>,
        _: &(dyn Fn() -> RequestContext + Sync),
        _: &Secrets,
    ) -> Result<Self> {
        Ok(response)
    }
}

/// A successful answer read whole.
pub(crate) struct Whole {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) bytes: Bytes,
}

impl Finish for Whole {
    async fn finish(
        mut response: reqwest::Response,
        timeout: Option<Duration>,
        context: &(dyn Fn() -> RequestContext + Sync),
        secrets: &Secrets,
    ) -> Result<Self> {
        let bytes = read_body(&mut response, context, timeout, secrets).await?;
        // Moved out, not copied: the request id is read only when something goes wrong.
        Ok(Whole { status: response.status(), headers: std::mem::take(response.headers_mut()), bytes })
    }
}

/// A successful answer, read whole.
pub(crate) struct Fetched<'a> {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) bytes: Bytes,
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    pub(crate) path: &'a str,
    pub(crate) secrets: &'a Secrets,
}

impl Fetched<'_> {
    /// Where it came from (for errors).
    pub(crate) fn context(&self) -> RequestContext {
        RequestContext::new(self.operation, self.method.clone(), self.path)
    }

    /// The request id the server gave, if any.
    pub(crate) fn request_id(&self) -> Option<String> {
        request_id(&self.headers, self.secrets)
    }

    /// The client's secrets, to redact from errors made of this answer.
    pub(crate) fn secrets(&self) -> &Secrets {
        self.secrets
    }

    /// The body decoded as JSON.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json(&self.bytes, self.status, self.secrets, || (self.context(), self.request_id()))
    }
}
