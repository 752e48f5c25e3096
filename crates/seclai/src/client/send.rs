//! Sending a request: credentials for the API's origin only, headers, timeouts, retries,
//! redirects, tracing, and the mapping of failures to [`Error`].

use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{ACCEPT, ACCEPT_ENCODING, HeaderMap, HeaderValue, LOCATION, USER_AGENT};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::{Client, Fetched, Finish, Request, Whole};
use crate::error::{
    ContentError, Error, RedirectError, RequestContext, Result, api_error, request_id, transport_error,
};
use crate::retry::{self, Decision};
use crate::transport::{self, Expect};

/// The most of an unexpected body read to summarize it.
const MAX_SUMMARY_BODY: usize = 4 * 1024;

/// Where an answer's request went: the API (with credentials) or another origin (without).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Audience {
    Api,
    Foreign,
}

impl Client {
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
                let http = inner.http.for_url(request.url()).map_err(Attempt::Refused)?;
                match http.execute(request).await {
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
            let http = self.inner.http.for_url(request.url()).map_err(Attempt::Refused)?;
            response = http.execute(request).await.map_err(Attempt::Failed)?;
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
