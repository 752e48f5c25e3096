//! The client and the one path every request takes: credentials, headers, timeout, retries,
//! tracing, and the mapping of failures to [`Error`].

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{
    ACCEPT, ACCEPT_ENCODING, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION, USER_AGENT,
};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::auth::Credential;
use crate::config::ClientBuilder;
use crate::error::{
    ContentError, Error, RedirectError, RequestContext, Result, api_error, decode_json, read_body, request_id,
    transport_error,
};
use crate::redact::Secrets;
use crate::retry::{self, Decision, RetryPolicy};
use crate::transport::{self, Expect};

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
    /// token): computed once, the start of every request to the API's origin.
    pub(crate) request_headers: HeaderMap,
    /// The only header sent to another origin (a file URL the API handed out).
    pub(crate) user_agent: HeaderValue,
    /// Every credential the client holds, to redact from what it shows.
    pub(crate) secrets: Secrets,
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

    pub(crate) fn secrets(&self) -> &Secrets {
        &self.inner.secrets
    }

    pub(crate) fn stream_idle_timeout(&self) -> Duration {
        self.inner.stream_idle_timeout
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }
}

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
    fn replayable(&self) -> bool {
        !matches!(self, Body::Form(f) if matches!(f.source, FormSource::Once(_)))
    }

    fn take(&self) -> Result<(Option<reqwest::Body>, BodyHeaders)> {
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

/// The most of an unexpected body read to summarize it.
const MAX_SUMMARY_BODY: usize = 4 * 1024;

/// Where an answer's request went: the API (with credentials) or another origin (without).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Audience {
    Api,
    Foreign,
}

impl Client {
    /// The URL of `path` (which starts with `/` and has no `?` or `#`: builders encode path
    /// segments, `request` rejects both) plus the query.
    pub(crate) fn url(&self, path: &str, query: &[(Cow<'static, str>, String)]) -> reqwest::Url {
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

    /// Whether a URL is on the API's origin (and so may carry the client's credentials).
    pub(crate) fn is_api_origin(&self, url: &Url) -> bool {
        transport::same_origin(url, &self.inner.base)
    }

    /// Sends a request, retrying as the policy allows, and returns the successful response;
    /// an error status becomes [`Error::Api`].
    pub(crate) async fn execute(&self, req: Request<'_>) -> Result<reqwest::Response> {
        self.send_request(req).await
    }

    /// Sends a request, retrying as the policy allows (a body that breaks off included), and
    /// returns its whole successful answer.
    pub(crate) async fn execute_whole(&self, req: Request<'_>) -> Result<Whole> {
        self.send_request(req).await
    }

    async fn send_request<F: Finish>(&self, req: Request<'_>) -> Result<F> {
        let url = match req.url {
            Some(url) => {
                let mut url = url.clone();
                if !req.query.is_empty() {
                    let mut pairs = url.query_pairs_mut();
                    for (k, v) in req.query {
                        pairs.append_pair(k, v);
                    }
                }
                url
            }
            None => self.url(req.path, req.query),
        };
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

    /// The headers of one attempt: the client's and the credential for the API's origin, only
    /// the user agent for another; then the request's own (credentials among them only for
    /// the API).
    async fn attempt_headers(&self, req: &Request<'_>, audience: Audience, headers: &mut HeaderMap) -> Result<()> {
        let inner = &*self.inner;
        match audience {
            Audience::Api => {
                headers.clone_from(&inner.request_headers);
                if inner.credential.is_dynamic() {
                    inner.credential.apply(headers, &inner.secrets).await?;
                }
            }
            Audience::Foreign => {
                headers.insert(USER_AGENT, inner.user_agent.clone());
            }
        }
        for (k, v) in &req.options.headers {
            let credential = v.is_sensitive() || transport::is_credential_header(k);
            if credential {
                if audience == Audience::Foreign {
                    continue;
                }
                if let Ok(text) = v.to_str() {
                    inner.secrets.remember(text);
                }
            }
            headers.insert(k.clone(), v.clone());
        }
        if req.expect == Expect::EventStream {
            headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
            // Events are small and must arrive as they are sent: a compressor buffers them.
            // (A server that compresses anyway is decoded.)
            headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        }
        Ok(())
    }

    async fn execute_url<F: Finish>(&self, req: Request<'_>, url: reqwest::Url) -> Result<F> {
        let inner = &*self.inner;
        let policy = match req.options.max_retries {
            Some(n) => inner.retry.clone().with_max_retries(n),
            None => inner.retry.clone(),
        };
        // JSON is bounded as a whole; a stream or a file only until its answer starts (then
        // its idle timeout takes over), by default as long as the idle timeout itself.
        let (timeout, start_timeout) = match req.expect {
            Expect::Json => (req.options.timeout.or(inner.timeout), None),
            Expect::EventStream | Expect::File => {
                let idle = req.options.idle_timeout.unwrap_or(inner.stream_idle_timeout);
                (None, Some(req.options.timeout.unwrap_or(idle)))
            }
        };
        let idempotent = retry::is_idempotent(&req.method);
        let replayable = req.body.replayable();
        let audience = if self.is_api_origin(&url) { Audience::Api } else { Audience::Foreign };
        let context = || req.context();
        let started = Instant::now();
        let span = tracing::Span::current();
        let mut retries = 0u32;
        loop {
            span.record("attempt", retries + 1);
            let mut request = reqwest::Request::new(req.method.clone(), url.clone());
            self.attempt_headers(&req, audience, request.headers_mut()).await?;
            let (body, body_headers) = req.body.take()?;
            for (name, value) in body_headers {
                request.headers_mut().insert(name, value);
            }
            *request.body_mut() = body;
            if timeout.is_some() {
                *request.timeout_mut() = timeout;
            }

            let send = async {
                match inner.http.execute(request).await {
                    Ok(response) if response.status().is_redirection() && req.expect == Expect::File => {
                        self.follow_without_credentials(&req, response, timeout, context).await
                    }
                    other => other.map_err(Attempt::Failed),
                }
            };
            let sent = match start_timeout {
                Some(limit) => tokio::time::timeout(limit, send).await.unwrap_or(Err(Attempt::NoAnswer(limit))),
                None => send.await,
            };
            let decision = match sent {
                Ok(response) => {
                    let status = response.status();
                    span.record("status", status.as_u16());
                    if !span.is_disabled()
                        && let Some(id) = request_id(response.headers(), &inner.secrets)
                    {
                        span.record("request_id", id.as_str());
                    }
                    if status.is_success() {
                        let response = self.check_content(response, req.expect, context()).await?;
                        match F::finish(response, timeout, &context, &inner.secrets).await {
                            Err(Error::Body(cut)) if cut.is_cut() => {
                                match retry::after_error(&policy, retries, idempotent, replayable, false) {
                                    Decision::Stop => return Err(Error::Body(cut)),
                                    retry => retry,
                                }
                            }
                            done => {
                                span.record("duration_ms", started.elapsed().as_millis() as u64);
                                return done;
                            }
                        }
                    } else {
                        if status.is_redirection()
                            && let Some(target) = redirect_target(&response)
                        {
                            return Err(Error::Redirect(Box::new(RedirectError {
                                context: context(),
                                status: status.as_u16(),
                                target,
                                api_origin: transport::origin_of(&inner.base),
                            })));
                        }
                        // The body is read before deciding: it can say that retrying is pointless
                        // (a 503 that needs an operator), and reading it frees the connection.
                        let headers = response.headers().clone();
                        let error = api_error(response, context(), &inner.secrets).await;
                        let (after, permanent) = match &error {
                            Error::Api(api) => (api.retry_after, api.needs_an_operator()),
                            _ => (None, false),
                        };
                        let decision = if permanent {
                            Decision::Stop
                        } else {
                            retry::after_status(&policy, retries, idempotent, replayable, status.as_u16(), after)
                        };
                        match decision {
                            Decision::Stop => {
                                span.record("duration_ms", started.elapsed().as_millis() as u64);
                                if let Error::Api(api) = &error {
                                    self.record(&req, api.status, &headers, &api.raw_body);
                                }
                                return Err(error);
                            }
                            retry => retry,
                        }
                    }
                }
                Err(Attempt::Refused(e)) => return Err(e),
                Err(Attempt::NoAnswer(after)) => {
                    match retry::after_error(&policy, retries, idempotent, replayable, false) {
                        Decision::Stop => return Err(Error::Timeout { context: context(), after }),
                        retry => retry,
                    }
                }
                Err(Attempt::Failed(e)) => {
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

    /// Follows a file download's redirect to another origin (reqwest follows only those within
    /// the origin a request starts at): a plain `GET` with none of the client's headers but the
    /// user agent, never from `https` to `http`, at most [`transport::MAX_REDIRECTS`] times.
    async fn follow_without_credentials(
        &self,
        req: &Request<'_>,
        mut response: reqwest::Response,
        timeout: Option<Duration>,
        context: impl Fn() -> RequestContext,
    ) -> std::result::Result<reqwest::Response, Attempt> {
        let mut hops = 0;
        while response.status().is_redirection() {
            hops += 1;
            let location = response.headers().get(LOCATION).and_then(|l| l.to_str().ok());
            let next = match transport::foreign_hop(response.url(), location, hops) {
                Ok(Some(next)) => next,
                Ok(None) => break, // a 3xx without a usable Location is an error status
                Err(refused) => {
                    return Err(Attempt::Refused(Error::Redirect(Box::new(RedirectError {
                        context: context(),
                        status: response.status().as_u16(),
                        target: transport::origin_of(&refused),
                        api_origin: transport::origin_of(&self.inner.base),
                    }))));
                }
            };
            tracing::debug!(target_origin = %transport::origin_of(&next), "following a download to another origin, without credentials");
            let mut request = reqwest::Request::new(Method::GET, next);
            self.attempt_headers(req, Audience::Foreign, request.headers_mut()).await.map_err(Attempt::Refused)?;
            if timeout.is_some() {
                *request.timeout_mut() = timeout;
            }
            response = self.inner.http.execute(request).await.map_err(Attempt::Failed)?;
        }
        Ok(response)
    }

    /// Checks a successful answer before anyone reads it as what the operation returns: an
    /// encoding this build cannot decode, or a content type the operation does not return, is
    /// an [`Error::Content`] that names it and summarizes the body.
    async fn check_content(
        &self,
        mut response: reqwest::Response,
        expect: Expect,
        context: RequestContext,
    ) -> Result<reqwest::Response> {
        let encoding = transport::undecoded_encoding(response.headers());
        let content_type = transport::content_type(response.headers()).map(String::from);
        if encoding.is_none() && expect.accepts(content_type.as_deref()) {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let request_id = request_id(response.headers(), &self.inner.secrets);
        let summary = if encoding.is_some() {
            String::new()
        } else {
            // A few KiB tell what the page is (its title comes first); the rest is dropped.
            let mut head = Vec::new();
            let read = async {
                while let Ok(Some(chunk)) = response.chunk().await {
                    head.extend_from_slice(&chunk);
                    if head.len() >= MAX_SUMMARY_BODY {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(5), read).await;
            crate::error::summarize(&self.inner.secrets.redact_bytes(&head), content_type.as_deref())
        };
        Err(Error::Content(Box::new(ContentError {
            context,
            status,
            expected: expect.describe(),
            content_type: content_type.map(|t| self.inner.secrets.redact(&t).into_owned()),
            content_encoding: encoding,
            summary,
            request_id,
        })))
    }

    /// Sends a request and returns its whole successful answer.
    pub(crate) async fn execute_bytes<'a>(&'a self, req: Request<'a>) -> Result<Fetched<'a>> {
        let kept = self.is_recording().then(|| req.clone());
        let (operation, method, path) = (req.operation, req.method.clone(), req.path);
        let Whole { status, headers, bytes } = self.execute_whole(req).await?;
        if let Some(req) = kept {
            self.record(&req, status.as_u16(), &headers, &bytes);
        }
        Ok(Fetched { status, headers, bytes, operation, method, path, secrets: &self.inner.secrets })
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
            match recorder.write(cassette, &self.inner.secrets) {
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

/// How one attempt went wrong: refused by the SDK (not retried), failed in transport, or
/// unanswered.
enum Attempt {
    Refused(Error),
    Failed(reqwest::Error),
    /// A stream or a file whose answer did not start within this long.
    NoAnswer(Duration),
}

/// The origin a redirect points to, when it has a usable `Location`.
fn redirect_target(response: &reqwest::Response) -> Option<String> {
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    let next = response.url().join(location).ok()?;
    Some(transport::origin_of(&next))
}

/// A successful answer, read whole.
pub(crate) struct Fetched<'a> {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) bytes: Bytes,
    operation: &'static str,
    method: Method,
    path: &'a str,
    secrets: &'a Secrets,
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
