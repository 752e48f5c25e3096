//! Building a [`Client`]: settings, the environment, the credential chain and the version guard.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, USER_AGENT};

use crate::auth::{CredentialChain, Secret, TokenProvider};
use crate::client::{Client, Inner};
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

/// The default base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.seclai.com";
/// The default API key header.
pub const DEFAULT_API_KEY_HEADER: &str = "X-API-Key";
/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default timeout of a whole request (streams and downloads use an idle timeout instead).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The default idle timeout of streams and downloads: the longest wait for the next byte.
pub const DEFAULT_STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The version the API uses when a request names none (`x-seclai-versions.default`).
pub use crate::generated::DEFAULT_API_VERSION;
/// The API versions this release was built against (`x-seclai-versions.known` of the spec).
pub use crate::generated::KNOWN_API_VERSIONS;
/// The newest version this release knows (`x-seclai-versions.latest`).
pub use crate::generated::LATEST_API_VERSION;

/// Builds a [`Client`]. Nothing is read from the environment unless you start from
/// [`ClientBuilder::from_env`] (or call [`Client::from_env`]).
///
/// ```
/// use std::time::Duration;
///
/// let client = seclai::Client::builder()
///     .api_key("sk-example")
///     .base_url("https://api.seclai.com")
///     .api_version("2026-07-27")
///     .timeout(Duration::from_secs(30))
///     .max_retries(3)
///     .user_agent_suffix("my-app/1.2")
///     .build()?;
/// # Ok::<(), seclai::Error>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    credentials: CredentialChain,
    base_url: Option<String>,
    account_id: Option<String>,
    api_version: Option<String>,
    allow_unknown_api_version: bool,
    default_headers: HeaderMap,
    user_agent_suffix: Option<String>,
    connect_timeout: Duration,
    timeout: Option<Duration>,
    stream_idle_timeout: Duration,
    retry: RetryPolicy,
    configure_http: Option<crate::transport::ConfigureHttp>,
    #[cfg(feature = "record")]
    record_to: Option<PathBuf>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field("account_id", &self.account_id)
            .field("api_version", &self.api_version)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            credentials: CredentialChain::new(DEFAULT_API_KEY_HEADER),
            base_url: None,
            account_id: None,
            api_version: None,
            allow_unknown_api_version: false,
            default_headers: HeaderMap::new(),
            user_agent_suffix: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: Some(DEFAULT_TIMEOUT),
            stream_idle_timeout: DEFAULT_STREAM_IDLE_TIMEOUT,
            retry: RetryPolicy::default(),
            configure_http: None,
            #[cfg(feature = "record")]
            record_to: None,
        }
    }
}

impl ClientBuilder {
    /// A builder with defaults and nothing from the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder that also reads `SECLAI_API_KEY`, `SECLAI_API_URL`, `SECLAI_PROFILE`,
    /// `SECLAI_CONFIG_DIR`, `SECLAI_SSO_DOMAIN`, `SECLAI_SSO_CLIENT_ID` and
    /// `SECLAI_SSO_REGION`. Explicit settings made afterwards take precedence.
    pub fn from_env() -> Self {
        Self::from_env_with(|k| std::env::var(k).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup` (for tests and
    /// for applications with their own configuration source).
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        let mut b = Self::default();
        b.credentials.read_env(&get);
        b.base_url = get("SECLAI_API_URL");
        b
    }

    /// The API key (first in the credential chain).
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.credentials.api_key = Some(key.into());
        self
    }

    /// The header that carries the API key (default `X-API-Key`).
    pub fn api_key_header(mut self, name: impl Into<String>) -> Self {
        self.credentials.api_key_header = name.into();
        self
    }

    /// A static bearer token (an OAuth access token).
    pub fn bearer_token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials.bearer_token = Some(token.into());
        self
    }

    /// A provider asked for a bearer token on every request.
    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.credentials.token_provider = Some(Arc::new(provider));
        self
    }

    /// Use the SSO profile `name` (default `default`) when no other credential is set.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.credentials.profile = Some(name.into());
        self
    }

    /// The directory holding `config` and `sso/cache` (default `~/.seclai`).
    pub fn config_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.credentials.config_dir = Some(dir.into());
        self
    }

    /// The base URL (default `https://api.seclai.com`). A path is kept: requests to
    /// `/agents` through `https://proxy.example.com/seclai` go to
    /// `https://proxy.example.com/seclai/agents`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The organization account to act for (`X-Account-Id`), for user-bound credentials.
    pub fn account_id(mut self, id: impl Into<String>) -> Self {
        self.account_id = Some(id.into());
        self
    }

    /// Opt in to an API version (`Seclai-Version`). Without it no version header is sent. A
    /// version this release does not know is refused by [`build`](Self::build) unless
    /// [`allow_unknown_api_version`](Self::allow_unknown_api_version) is set: a newer version can
    /// reshape responses.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// Accept an API version this release does not know.
    pub fn allow_unknown_api_version(mut self, allow: bool) -> Self {
        self.allow_unknown_api_version = allow;
        self
    }

    /// A header sent with every request to the API (never to another origin). A value marked
    /// sensitive ([`HeaderValue::set_sensitive`]), or one of `Authorization`, `Cookie`,
    /// `X-API-Key`, is treated as a credential: hidden from `Debug` and redacted from errors.
    pub fn default_header(mut self, name: HeaderName, mut value: HeaderValue) -> Self {
        if crate::transport::is_credential_header(&name) {
            value.set_sensitive(true);
        }
        self.default_headers.insert(name, value);
        self
    }

    /// Appended to the `User-Agent` (`seclai-rust/<version> <suffix>`).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// The connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The timeout of a whole request, including reading its body (default 60 s). Streams and
    /// downloads use an idle timeout instead.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// No total timeout on requests.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// The idle timeout of event streams and downloads (default 60 s): they have no total
    /// timeout, but fail when no byte (not even a keep-alive) arrives for this long.
    pub fn stream_idle_timeout(mut self, idle: Duration) -> Self {
        self.stream_idle_timeout = idle;
        self
    }

    /// Retries after the first attempt (default 2).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.retry.max_retries = n;
        self
    }

    /// The whole retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Writes every interaction this client makes as a scrubbed cassette under `dir`
    /// (`<dir>/<operation>/recorded-NNN.yaml`; see `docs/cassettes.md`): JSON calls and their
    /// errors, uploads with their parts, downloads and event streams once they end, and
    /// `client.request(..).send()` under the operation it matches (`send_raw`, which hands over
    /// the response unread, is not recorded). Files over 64 KiB are written as their length
    /// and SHA-1. Credentials are never recorded; e-mail addresses, phone numbers and account
    /// ids are replaced.
    #[cfg(feature = "record")]
    pub fn record_to(mut self, dir: impl Into<PathBuf>) -> Self {
        self.record_to = Some(dir.into());
        self
    }

    /// Adjusts the HTTP client the SDK builds (proxies, trust roots, pool sizes, a local
    /// address): `configure` gets reqwest's builder with the SDK's settings and returns it.
    ///
    /// The SDK then sets its redirect policy (redirects are followed only within the origin a
    /// request starts at, so credentials never leave the API's origin); a policy set here is
    /// replaced. There is no way to hand the SDK a ready `reqwest::Client`, because its redirect
    /// policy could not be checked. Clones of a [`Client`] share one connection pool.
    ///
    /// `configure` may run twice: for the client of `http://` URLs, built by `build()` without
    /// the system's trust roots (roots you add are kept), and for the client of `https://` URLs,
    /// built with reqwest's trust settings when the first such URL is sent (reading the system
    /// certificate store costs a few milliseconds that a plain-HTTP program never pays). A
    /// proxy reached over TLS for plain-HTTP URLs is honoured when it comes from the environment
    /// (`HTTP_PROXY`, `ALL_PROXY`); set here, it needs roots you add here.
    ///
    /// ```
    /// let client = seclai::Client::builder()
    ///     .api_key("sk-example-key")
    ///     .configure_http(|http| http.pool_max_idle_per_host(32).tcp_nodelay(true))
    ///     .build()?;
    /// # Ok::<(), seclai::Error>(())
    /// ```
    pub fn configure_http(
        mut self,
        configure: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.configure_http = Some(Arc::new(configure));
        self
    }

    /// Validates the settings, resolves the credential chain and builds the client.
    pub fn build(self) -> Result<Client> {
        let base_url = normalize_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let base = reqwest::Url::parse(&base_url)
            .map_err(|e| Error::config(format!("base URL `{base_url}` is not a URL: {e}")))?;
        let mut headers = self.default_headers.clone();
        let ua = match &self.user_agent_suffix {
            Some(s) if !s.trim().is_empty() => format!("seclai-rust/{} {}", env!("CARGO_PKG_VERSION"), s.trim()),
            _ => format!("seclai-rust/{}", env!("CARGO_PKG_VERSION")),
        };
        headers.insert(
            USER_AGENT,
            HeaderValue::from_str(&ua)
                .map_err(|_| Error::config("the user agent suffix is not a valid header value"))?,
        );
        if let Some(v) = &self.api_version {
            check_api_version(v, self.allow_unknown_api_version)?;
            headers.insert(
                HeaderName::from_static("seclai-version"),
                HeaderValue::from_str(v).map_err(|_| Error::config("bad API version"))?,
            );
        }
        let user_agent = headers.get(USER_AGENT).cloned().unwrap_or_else(|| HeaderValue::from_static("seclai-rust"));
        let http = crate::transport::Http::new(self.connect_timeout, self.configure_http.clone())?;
        // Static secrets are known now; tokens join the set as the client first uses them.
        let sensitive_defaults = self
            .default_headers
            .values()
            .filter(|v| v.is_sensitive())
            .filter_map(|v| v.to_str().ok().map(String::from));
        let mut fixed: Vec<String> = sensitive_defaults.collect();
        fixed.extend(self.credentials.static_secrets().map(String::from));
        let secrets = crate::redact::Secrets::new(fixed);
        let (credential, sso_account) = self.credentials.resolve(&http, &secrets)?;
        if let Some(account) = self.account_id.clone().or(sso_account) {
            headers.insert(
                HeaderName::from_static("x-account-id"),
                HeaderValue::from_str(account.trim())
                    .map_err(|_| Error::config("the account id is not a valid header value"))?,
            );
        }
        let mut request_headers = headers;
        if let Some((name, value)) = credential.static_header() {
            request_headers.insert(name, value);
        }
        Ok(Client::from_inner(Inner {
            http,
            base_url,
            base,
            credential,
            request_headers,
            user_agent,
            secrets,
            timeout: self.timeout,
            stream_idle_timeout: self.stream_idle_timeout,
            retry: self.retry,
            #[cfg(feature = "record")]
            recorder: self.record_to.map(|d| Arc::new(crate::cassette::Recorder::new(d))),
        }))
    }
}

/// Checks the `YYYY-MM-DD` form and, unless allowed, that this release knows the version.
fn check_api_version(v: &str, allow_unknown: bool) -> Result<()> {
    let b = v.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(Error::config(format!("API version `{v}` is not a date of the form YYYY-MM-DD")));
    }
    if !allow_unknown && !KNOWN_API_VERSIONS.contains(&v) {
        return Err(Error::config(format!(
            "API version `{v}` is unknown to this release (known: {}); a newer version can change response shapes. \
             Upgrade the SDK, or call .allow_unknown_api_version(true) to send it anyway",
            KNOWN_API_VERSIONS.join(", ")
        )));
    }
    Ok(())
}

/// Validates the base URL and removes a trailing slash; the path is kept.
fn normalize_base_url(url: &str) -> Result<String> {
    let parsed =
        reqwest::Url::parse(url.trim()).map_err(|e| Error::config(format!("base URL `{url}` is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::config(format!("base URL `{url}` must use http or https")));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::config(format!("base URL `{url}` must not have a query or fragment")));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::config("the base URL must not carry credentials; use api_key or bearer_token"));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_their_path_and_lose_a_trailing_slash() {
        assert_eq!(normalize_base_url("https://api.seclai.com").unwrap(), "https://api.seclai.com");
        assert_eq!(normalize_base_url("https://host/seclai/").unwrap(), "https://host/seclai");
        assert!(normalize_base_url("ftp://host").is_err());
        assert!(normalize_base_url("not a url").is_err());
        assert!(normalize_base_url("https://user:pw@host").is_err());
    }

    #[test]
    fn the_version_guard_knows_the_spec_versions() {
        assert!(check_api_version("2026-07-27", false).is_ok());
        assert!(check_api_version("2026-07-01", false).is_ok());
        let e = check_api_version("2027-01-01", false).unwrap_err().to_string();
        assert!(e.contains("unknown to this release") && e.contains("2026-07-27"), "{e}");
        assert!(check_api_version("2027-01-01", true).is_ok());
        assert!(check_api_version("2026-7-27", true).is_err());
        assert!(check_api_version("latest", true).is_err());
    }
}
