//! The client: its configuration shared by clones, the URLs it builds, and the recording of
//! interactions. Every request takes one path: `request.rs` describes it, `send.rs` sends it
//! (credentials, headers, timeouts, retries, redirects, tracing, the mapping of failures to
//! [`Error`](crate::Error)).

mod request;
mod send;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::auth::Credential;
use crate::config::ClientBuilder;
use crate::error::Result;
use crate::redact::Secrets;
use crate::retry::RetryPolicy;
use crate::transport;

pub(crate) use request::{Body, Fetched, Finish, Form, FormSource, Request, RequestOptions, Whole};

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
    pub(crate) http: transport::Http,
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

    pub(crate) fn http(&self) -> &transport::Http {
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
