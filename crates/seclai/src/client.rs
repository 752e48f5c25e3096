//! The client and the one path every request takes: credentials, headers, timeout, retries,
//! tracing, and the mapping of failures to [`Error`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::auth::Credential;
use crate::config::ClientBuilder;
use crate::error::{ApiError, ApiErrorKind, DecodeError, Error, ErrorBody, RequestContext, Result, snippet};
use crate::retry::{self, Decision, RetryPolicy};

/// A client for the Seclai API.
///
/// Cheap to clone (clones share one connection pool and configuration), `Send` and `Sync`.
/// Every operation of the API is reachable from it, grouped by resource:
///
/// ```no_run
/// # async fn demo() -> seclai::Result<()> {
/// use futures::TryStreamExt;
///
/// let client = seclai::Client::from_env()?;
/// let agents: Vec<_> = client.agents().list().items().try_collect().await?;
/// let run = client.agents().runs().get("run_123").send().await?;
/// println!("{} agents; run {} is {}", agents.len(), run.run_id, run.status);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    /// `base_url` parsed once: each request's URL is this with its path set, so the scheme and
    /// host are not parsed again per request (a fifth of a loopback call's client CPU).
    pub(crate) base: reqwest::Url,
    pub(crate) credential: Credential,
    /// User agent, account, version, default headers and a static credential (API key, bearer
    /// token): computed once, the start of every request.
    pub(crate) request_headers: HeaderMap,
    pub(crate) timeout: Option<Duration>,
    pub(crate) stream_idle_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    /// Writes every interaction as a cassette (feature `record`).
    #[cfg(feature = "record")]
    pub(crate) recorder: Option<Arc<crate::cassette::Recorder>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credential", &self.inner.credential)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with this API key and every other setting at its default. Never reads the
    /// environment.
    pub fn new(api_key: impl Into<crate::auth::Secret>) -> Result<Self> {
        ClientBuilder::new().api_key(api_key).build()
    }

    /// A client configured from the environment (`SECLAI_API_KEY`, `SECLAI_API_URL`, the SSO
    /// profile, ...): see [`ClientBuilder::from_env`].
    pub fn from_env() -> Result<Self> {
        ClientBuilder::from_env().build()
    }

    /// A builder with every setting at its default.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self { inner: Arc::new(inner) }
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The headers sent on every request (user agent, account, version, defaults).
    #[cfg(feature = "record")]
    pub(crate) fn client_headers(&self) -> &HeaderMap {
        // Recording keeps only a few named headers of these, never the credential.
        &self.inner.request_headers
    }

    pub(crate) fn stream_idle_timeout(&self) -> Duration {
        self.inner.stream_idle_timeout
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }
}

/// Per-request settings that override the client's.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Timeout of the whole request (for streams: of each idle period).
    pub timeout: Option<Duration>,
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// Extra headers.
    pub headers: HeaderMap,
}

impl RequestOptions {
    pub(crate) fn header(&mut self, name: &str, value: &str) -> std::result::Result<(), String> {
        let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("`{name}` is not a valid header name"))?;
        let v = HeaderValue::from_str(value).map_err(|_| format!("the value of header `{name}` is not valid"))?;
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
    /// A body rebuilt for every attempt (an upload re-opens its file).
    Rebuild(Arc<dyn Fn() -> Result<BuiltBody> + Send + Sync>),
    /// A body that can be sent once only: never retried.
    Once(Arc<std::sync::Mutex<Option<BuiltBody>>>),
}

impl Body {
    fn replayable(&self) -> bool {
        !matches!(self, Body::Once(_))
    }

    fn take(&self) -> Result<(Option<reqwest::Body>, BodyHeaders)> {
        static JSON: HeaderValue = HeaderValue::from_static("application/json");
        Ok(match self {
            Body::Empty => (None, Vec::new()),
            Body::Json(b) => (Some(reqwest::Body::from(b.clone())), vec![(CONTENT_TYPE, JSON.clone())]),
            Body::Rebuild(build) => {
                let (b, headers) = build()?;
                (Some(b), headers)
            }
            Body::Once(cell) => {
                let taken = cell.lock().map_err(|_| Error::invalid("a request body lock was poisoned"))?.take();
                let (b, headers) = taken.ok_or_else(|| Error::invalid("a one-shot request body was already sent"))?;
                (Some(b), headers)
            }
        })
    }
}

/// One request, ready to go through [`Client::execute`].
#[derive(Clone)]
pub(crate) struct Request<'a> {
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    pub(crate) path: &'a str,
    pub(crate) query: &'a [(&'a str, String)],
    pub(crate) body: Body,
    pub(crate) options: &'a RequestOptions,
    /// Whether the total timeout applies (false for streams, which use an idle timeout).
    pub(crate) total_timeout: bool,
    pub(crate) accept: Option<&'static str>,
}

/// The request id headers that servers and gateways commonly send, in order of preference.
const REQUEST_ID_HEADERS: [&str; 6] =
    ["x-request-id", "request-id", "x-amzn-requestid", "x-amz-request-id", "x-correlation-id", "cf-ray"];

pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    // One pass over the (few) response headers: cheaper than a hashed lookup per candidate.
    let mut best: Option<(usize, &HeaderValue)> = None;
    for (name, value) in headers {
        if let Some(rank) = REQUEST_ID_HEADERS.iter().position(|h| name.as_str() == *h)
            && best.is_none_or(|(r, _)| rank < r)
        {
            best = Some((rank, value));
        }
    }
    best.and_then(|(_, v)| v.to_str().ok()).map(String::from)
}

/// The most of an error body we keep.
const MAX_ERROR_BODY: usize = 64 * 1024;

impl Client {
    /// The URL of `path` (which starts with `/` and has no `?` or `#`: builders encode path
    /// segments, `request` rejects both) plus the query.
    pub(crate) fn url(&self, path: &str, query: &[(&str, String)]) -> reqwest::Url {
        let mut url = self.inner.base.clone();
        let full = format!("{}{path}", url.path().trim_end_matches('/'));
        url.set_path(&full);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        url
    }

    /// Sends a request, retrying as the policy allows, and returns the successful response;
    /// an error status becomes [`Error::Api`].
    pub(crate) async fn execute(&self, req: Request<'_>) -> Result<reqwest::Response> {
        let url = self.url(req.path, req.query);
        let span = tracing::debug_span!(
            "seclai.request",
            operation = req.operation,
            method = %req.method,
            path = req.path,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        // Boxed: the request future is large, and every enclosing future would otherwise copy it.
        Box::pin(self.execute_url(req, url)).instrument(span).await
    }

    async fn execute_url(&self, req: Request<'_>, url: reqwest::Url) -> Result<reqwest::Response> {
        let inner = &*self.inner;
        let policy = match req.options.max_retries {
            Some(n) => inner.retry.clone().with_max_retries(n),
            None => inner.retry.clone(),
        };
        let timeout = if req.total_timeout { req.options.timeout.or(inner.timeout) } else { None };
        let idempotent = retry::is_idempotent(&req.method);
        let replayable = req.body.replayable();
        let context =
            || RequestContext { operation: req.operation, method: req.method.clone(), path: req.path.to_string() };
        let started = Instant::now();
        let span = tracing::Span::current();
        let mut retries = 0u32;
        loop {
            span.record("attempt", retries + 1);
            let mut request = reqwest::Request::new(req.method.clone(), url.clone());
            let headers = request.headers_mut();
            headers.clone_from(&inner.request_headers);
            if inner.credential.is_dynamic() {
                inner.credential.apply(headers).await?;
            }
            for (k, v) in &req.options.headers {
                headers.insert(k.clone(), v.clone());
            }
            if let Some(accept) = req.accept {
                headers.insert(reqwest::header::ACCEPT, HeaderValue::from_static(accept));
            }
            let (body, body_headers) = req.body.take()?;
            for (name, value) in body_headers {
                request.headers_mut().insert(name, value);
            }
            *request.body_mut() = body;
            if timeout.is_some() {
                *request.timeout_mut() = timeout;
            }

            let decision = match inner.http.execute(request).await {
                Ok(response) => {
                    let status = response.status();
                    span.record("status", status.as_u16());
                    if !span.is_disabled()
                        && let Some(id) = request_id(response.headers())
                    {
                        span.record("request_id", id.as_str());
                    }
                    if status.is_success() {
                        span.record("duration_ms", started.elapsed().as_millis() as u64);
                        return Ok(response);
                    }
                    let after = retry::retry_after(response.headers(), SystemTime::now());
                    match retry::after_status(&policy, retries, idempotent, replayable, status.as_u16(), after) {
                        Decision::Stop => {
                            span.record("duration_ms", started.elapsed().as_millis() as u64);
                            let headers = response.headers().clone();
                            let error = api_error(response, context()).await;
                            if let Error::Api(api) = &error {
                                self.record(&req, api.status, &headers, &api.raw_body);
                            }
                            return Err(error);
                        }
                        retry => retry,
                    }
                }
                Err(e) => {
                    let never_sent = e.is_connect();
                    match retry::after_error(&policy, retries, idempotent, replayable, never_sent) {
                        Decision::Stop => return Err(transport_error(e, context(), timeout)),
                        retry => retry,
                    }
                }
            };
            if let Decision::Retry(delay, reason) = decision {
                retries += 1;
                tracing::info!(
                    operation = req.operation,
                    retry = retries,
                    reason = %reason,
                    delay_ms = delay.as_millis() as u64,
                    "retrying the Seclai request"
                );
                tokio::time::sleep(delay).await;
            }
        }
    }

    /// Sends a request and returns its whole successful answer.
    pub(crate) async fn execute_bytes<'a>(&self, req: Request<'a>) -> Result<Fetched<'a>> {
        let timeout = req.options.timeout.or(self.inner.timeout);
        let kept = self.is_recording().then(|| req.clone());
        let (operation, method, path) = (req.operation, req.method.clone(), req.path);
        let mut response = self.execute(req).await?;
        let status = response.status();
        // Moved out, not copied: the request id is read only when something goes wrong.
        let headers = std::mem::take(response.headers_mut());
        let bytes = response.bytes().await.map_err(|e| {
            transport_error(e, RequestContext { operation, method: method.clone(), path: path.to_string() }, timeout)
        })?;
        if let Some(req) = kept {
            self.record(&req, status.as_u16(), &headers, &bytes);
        }
        Ok(Fetched { status, headers, bytes, operation, method, path })
    }

    /// Sends a request and decodes its JSON body.
    pub(crate) async fn execute_json<T: DeserializeOwned>(&self, req: Request<'_>) -> Result<T> {
        let fetched = self.execute_bytes(req).await?;
        fetched.json()
    }

    /// Sends a request whose success has no body (204).
    pub(crate) async fn execute_empty(&self, req: Request<'_>) -> Result<()> {
        // Reading the body returns the connection to the pool.
        self.execute_bytes(req).await.map(|_| ())
    }

    /// Whether interactions are being recorded as cassettes.
    pub(crate) fn is_recording(&self) -> bool {
        #[cfg(feature = "record")]
        {
            self.inner.recorder.is_some()
        }
        #[cfg(not(feature = "record"))]
        {
            false
        }
    }

    /// Writes a finished cassette, when recording.
    #[cfg(feature = "record")]
    pub(crate) fn write_cassette(&self, cassette: crate::cassette::Cassette) {
        if let Some(recorder) = &self.inner.recorder {
            match recorder.write(cassette) {
                Ok(path) => tracing::debug!(path = %path.display(), "recorded a cassette"),
                Err(e) => tracing::warn!(error = %e, "could not write a cassette"),
            }
        }
    }

    /// Records one interaction as a cassette, when recording.
    #[cfg_attr(not(feature = "record"), allow(unused_variables))]
    pub(crate) fn record(&self, req: &Request<'_>, status: u16, headers: &HeaderMap, body: &[u8]) {
        #[cfg(feature = "record")]
        if self.inner.recorder.is_some() {
            self.write_cassette(crate::cassette::from_exchange(req, self.client_headers(), status, headers, body));
        }
    }
}

/// A successful answer, read whole.
pub(crate) struct Fetched<'a> {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) bytes: Bytes,
    operation: &'static str,
    method: Method,
    path: &'a str,
}

impl Fetched<'_> {
    /// Where it came from (for errors).
    pub(crate) fn context(&self) -> RequestContext {
        RequestContext { operation: self.operation, method: self.method.clone(), path: self.path.to_string() }
    }

    /// The request id the server gave, if any.
    pub(crate) fn request_id(&self) -> Option<String> {
        request_id(&self.headers)
    }

    /// The body decoded as JSON.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json(&self.bytes, self.status, || (self.context(), self.request_id()))
    }
}

/// Decodes JSON; on failure, decodes again while tracking the path, to say where it broke.
/// (The tracking costs nothing on the happy path because it only runs after a failure.)
/// `origin` gives the context and request id, and is called only on failure.
pub(crate) fn decode_json<T: DeserializeOwned>(
    bytes: &[u8],
    status: StatusCode,
    origin: impl FnOnce() -> (RequestContext, Option<String>),
) -> Result<T> {
    match serde_json::from_slice(bytes) {
        Ok(v) => Ok(v),
        Err(first) => {
            let (context, request_id) = origin();
            let de = &mut serde_json::Deserializer::from_slice(bytes);
            let (path, message) = match serde_path_to_error::deserialize::<_, T>(de) {
                Err(e) => (e.path().to_string(), e.into_inner().to_string()),
                Ok(_) => (".".to_string(), first.to_string()),
            };
            Err(Error::Decode(Box::new(DecodeError {
                context,
                status: status.as_u16(),
                path,
                message,
                snippet: snippet(bytes),
                request_id,
            })))
        }
    }
}

pub(crate) fn transport_error(e: reqwest::Error, context: RequestContext, timeout: Option<Duration>) -> Error {
    if e.is_timeout() {
        Error::Timeout { context, after: timeout.unwrap_or_default() }
    } else {
        Error::Connection { context, source: e }
    }
}

/// Reads (at most 64 KiB of) an error response into an [`ApiError`].
pub(crate) async fn api_error(mut response: reqwest::Response, context: RequestContext) -> Error {
    let status = response.status().as_u16();
    let request_id = request_id(response.headers());
    let retry_after = retry::retry_after(response.headers(), SystemTime::now());
    let mut raw = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_ERROR_BODY - raw.len();
        raw.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if raw.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    let body = ErrorBody::parse(&raw);
    let kind = ApiErrorKind::from_status(status, &body);
    let message = body.message();
    Error::Api(Box::new(ApiError {
        status,
        kind,
        message,
        body,
        raw_body: Bytes::from(raw),
        request_id,
        retry_after,
        context,
    }))
}
