//! The HTTP client underneath, and what the SDK accepts from it.
//!
//! - **Redirects** are followed by reqwest only while they stay on the origin (scheme, host and
//!   port) the request started at: a request to the API never leaves the API's origin with its
//!   credentials, and an SSO token refresh never re-posts its refresh token elsewhere. A
//!   redirect to another origin comes back as the 3xx answer, and the request path decides:
//!   an error naming the target origin ([`crate::Error::Redirect`]) for API calls, or, for file
//!   downloads, a new request to the target without any of the client's headers.
//! - **Compression**: reqwest asks for and decodes gzip (and brotli, zstd with the features of
//!   those names); a `Content-Encoding` left undecoded is an error naming it.
//! - **Content types**: an answer must be what the operation returns (JSON, an event stream,
//!   or any file) before its body is decoded, so that a captive portal's HTML page is reported
//!   as such and not as a JSON syntax error.

use std::time::Duration;

use reqwest::Url;
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderMap, HeaderName};

use crate::error::{Error, Result};

/// The most redirects followed for one request (reqwest's default too).
pub(crate) const MAX_REDIRECTS: usize = 10;

/// Whether two URLs share scheme, host and port (the web's notion of an origin).
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

/// `scheme://host[:port]` of a URL, for messages (no path, query or user info).
pub(crate) fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// reqwest's redirect policy: follow only within the origin the chain started at.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let follow = attempt.previous().first().is_some_and(|start| same_origin(start, attempt.url()));
        if !follow {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else {
            attempt.follow()
        }
    })
}

/// The next hop of a download redirected to another origin (which the SDK follows itself,
/// without credentials): `Ok(None)` when the answer has no usable `Location` (it is then an
/// error status), `Err(target)` when it must not be followed: a downgrade from `https`, a
/// scheme other than `http`/`https`, or more than [`MAX_REDIRECTS`] hops.
pub(crate) fn foreign_hop(current: &Url, location: Option<&str>, hops: usize) -> Result<Option<Url>, Url> {
    let Some(next) = location.and_then(|l| current.join(l).ok()) else { return Ok(None) };
    let downgrade = current.scheme() == "https" && next.scheme() != "https";
    if downgrade || !matches!(next.scheme(), "http" | "https") || hops > MAX_REDIRECTS {
        return Err(next);
    }
    Ok(Some(next))
}

/// Makes `ring` the process's rustls crypto provider (feature `rustls-ring`), unless one is
/// installed already; without that feature it does nothing.
///
/// With `rustls-ring`, reqwest's rustls has no crypto provider of its own, so `seclai` installs
/// ring when it builds a client. An application that also builds `reqwest` clients itself, and
/// whose reqwest enables no TLS feature of its own, calls this first: reqwest's
/// `Client::new()` panics when no provider is installed. The default feature, `rustls`, uses
/// reqwest's own provider and needs none of this.
pub fn install_crypto_provider() {
    #[cfg(feature = "rustls-ring")]
    {
        // Err means a provider is already installed: the application's choice stands.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// A user's adjustments of the HTTP client (proxies, trust roots, pool sizes).
pub(crate) type ConfigureHttp = std::sync::Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>;

/// The reqwest clients underneath one `seclai::Client`, chosen by the scheme of each URL.
///
/// Building a reqwest client with TLS reads and parses the whole system certificate store
/// (here 147 files, 19 million instructions and 0.35 MiB of heap: 97% of what building a client
/// costs). A program that talks plain HTTP (the local mock, a sidecar) never needs it, and one
/// that talks HTTPS needs it only for its first connection. So `http://` URLs go through a
/// client built without the system's trust roots (it keeps the roots a user adds in
/// `configure_http`), and the TLS client is built, with reqwest's own trust settings and the
/// user's adjustments, the first time an `https://` URL is sent, once for all clones.
///
/// A proxy named for plain-HTTP URLs in the environment (`HTTP_PROXY`, `ALL_PROXY`) with an
/// `https://` address makes plain-HTTP URLs use the TLS client too.
#[derive(Clone)]
pub(crate) struct Http {
    inner: std::sync::Arc<HttpInner>,
}

struct HttpInner {
    /// For `http://` URLs (and for building multipart bodies).
    plain: reqwest::Client,
    /// `plain` is not used for `http://` URLs (a TLS proxy is configured for them).
    plain_needs_tls: bool,
    #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
    tls: std::sync::OnceLock<std::result::Result<reqwest::Client, String>>,
    #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
    connect_timeout: Duration,
    #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
    configure: Option<ConfigureHttp>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http").finish_non_exhaustive()
    }
}

impl Http {
    /// Builds the plain-HTTP client now (so that a bad adjustment is reported by
    /// `ClientBuilder::build`); the TLS client waits for its first `https://` URL.
    pub(crate) fn new(connect_timeout: Duration, configure: Option<ConfigureHttp>) -> Result<Self> {
        install_crypto_provider();
        let builder = builder(connect_timeout, configure.as_ref());
        // Only the roots the user added (none by default): the system's are never read here.
        #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
        let builder = builder.tls_certs_only(std::iter::empty());
        let plain = builder.build().map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            inner: std::sync::Arc::new(HttpInner {
                plain,
                plain_needs_tls: tls_proxy_for_plain_http(),
                #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
                tls: std::sync::OnceLock::new(),
                #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
                connect_timeout,
                #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
                configure,
            }),
        })
    }

    /// The client that sends `url`.
    pub(crate) fn for_url(&self, url: &Url) -> Result<&reqwest::Client> {
        if url.scheme() == "http" && !self.inner.plain_needs_tls {
            return Ok(&self.inner.plain);
        }
        self.tls()
    }

    /// The client for anything that does not connect (building a request's body).
    pub(crate) fn plain(&self) -> &reqwest::Client {
        &self.inner.plain
    }

    #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
    fn tls(&self) -> Result<&reqwest::Client> {
        let inner = &self.inner;
        let built = inner.tls.get_or_init(|| {
            tracing::debug!("building the TLS client (reading the trust roots)");
            builder(inner.connect_timeout, inner.configure.as_ref()).build().map_err(|e| e.to_string())
        });
        built.as_ref().map_err(|e| Error::config(format!("cannot build the HTTPS client: {e}")))
    }

    /// Without a TLS feature there is one client; reqwest reports `https://` URLs itself.
    #[cfg(not(any(feature = "rustls", feature = "rustls-ring")))]
    fn tls(&self) -> Result<&reqwest::Client> {
        Ok(&self.inner.plain)
    }
}

/// The user's adjustments first, then what the SDK's guarantees rest on (the redirect policy),
/// so that an adjustment cannot undo them.
fn builder(connect_timeout: Duration, configure: Option<&ConfigureHttp>) -> reqwest::ClientBuilder {
    let mut builder =
        reqwest::Client::builder().connect_timeout(connect_timeout).pool_idle_timeout(Duration::from_secs(60));
    if let Some(configure) = configure {
        builder = configure(builder);
    }
    builder.redirect(redirect_policy()).referer(false)
}

/// Whether the environment routes plain-HTTP URLs through a proxy reached over TLS (the
/// variables reqwest's system proxy reads for `http://` URLs).
fn tls_proxy_for_plain_http() -> bool {
    ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .any(|v| v.trim().get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")))
}

/// What an operation accepts as its successful answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// JSON (or no body at all).
    Json,
    /// `text/event-stream`, or JSON (some deployments answer a run instead of a stream).
    EventStream,
    /// Any file.
    File,
}

impl Expect {
    /// What was expected, for messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Expect::Json => "JSON",
            Expect::EventStream => "an event stream (text/event-stream) or JSON",
            Expect::File => "a file",
        }
    }

    /// Whether a `Content-Type` (absent: `None`) is acceptable.
    pub(crate) fn accepts(self, content_type: Option<&str>) -> bool {
        let Some(ct) = content_type else { return true };
        match self {
            Expect::File => true,
            Expect::Json => is_json(ct),
            Expect::EventStream => is_json(ct) || essence(ct) == "text/event-stream",
        }
    }
}

/// The media type without parameters, lower-cased: `Text/HTML; charset=utf-8` -> `text/html`.
fn essence(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

/// `application/json`, `application/problem+json`, `text/json`, ...
pub(crate) fn is_json(content_type: &str) -> bool {
    let essence = essence(content_type);
    let subtype = essence.split_once('/').map_or("", |(_, s)| s);
    subtype == "json" || subtype.ends_with("+json")
}

/// The `Content-Type` of an answer, when it is readable.
pub(crate) fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
}

/// A `Content-Encoding` that reqwest left in place because it cannot decode it (reqwest
/// removes the header of every encoding it decodes). `identity` is no encoding.
pub(crate) fn undecoded_encoding(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_ENCODING)?;
    let text = String::from_utf8_lossy(value.as_bytes()).trim().to_ascii_lowercase();
    (!text.is_empty() && text != "identity").then_some(text)
}

/// What to say about an encoding this build cannot decode.
pub(crate) fn encoding_hint(encoding: &str) -> &'static str {
    match encoding {
        "br" => "; build seclai with the `brotli` feature to accept it",
        "zstd" => "; build seclai with the `zstd` feature to accept it",
        "gzip" | "x-gzip" => "; build seclai with the `gzip` feature (a default) to accept it",
        _ => "",
    }
}

/// Headers that carry credentials whatever the client's configuration: never sent to another
/// origin, and their values are redacted.
pub(crate) fn is_credential_header(name: &HeaderName) -> bool {
    matches!(name.as_str(), "authorization" | "proxy-authorization" | "cookie" | "x-api-key")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert!(same_origin(&url("https://api.seclai.com/a"), &url("https://API.seclai.com:443/b?c")));
        assert!(!same_origin(&url("https://api.seclai.com"), &url("http://api.seclai.com")), "no downgrade");
        assert!(!same_origin(&url("http://127.0.0.1:1000"), &url("http://127.0.0.1:1001")));
        assert!(!same_origin(&url("https://api.seclai.com"), &url("https://api.seclai.com.evil.example")));
        assert_eq!(origin_of(&url("http://user:pw@127.0.0.1:9/p?q#f")), "http://127.0.0.1:9");
    }

    #[test]
    fn foreign_hops_never_downgrade_and_stop_after_ten() {
        let https = url("https://api.seclai.com/files/1");
        assert_eq!(
            foreign_hop(&https, Some("https://cdn.example/f?sig=1"), 1),
            Ok(Some(url("https://cdn.example/f?sig=1")))
        );
        assert_eq!(foreign_hop(&https, Some("http://cdn.example/f"), 1), Err(url("http://cdn.example/f")));
        assert_eq!(foreign_hop(&https, Some("ftp://cdn.example/f"), 1), Err(url("ftp://cdn.example/f")));
        assert_eq!(foreign_hop(&https, Some("/relative"), 1), Ok(Some(url("https://api.seclai.com/relative"))));
        assert_eq!(foreign_hop(&https, Some("https://cdn.example/f"), 11), Err(url("https://cdn.example/f")));
        assert_eq!(foreign_hop(&https, None, 1), Ok(None));
        let http = url("http://127.0.0.1:9/f");
        assert_eq!(foreign_hop(&http, Some("http://127.0.0.1:10/g"), 1), Ok(Some(url("http://127.0.0.1:10/g"))));
    }

    #[test]
    fn content_types_by_expectation() {
        assert!(Expect::Json.accepts(None));
        assert!(Expect::Json.accepts(Some("application/json; charset=utf-8")));
        assert!(Expect::Json.accepts(Some("application/problem+json")));
        assert!(!Expect::Json.accepts(Some("text/html; charset=utf-8")));
        assert!(!Expect::Json.accepts(Some("text/plain")));
        assert!(!Expect::Json.accepts(Some("application/jsonp")));
        assert!(Expect::EventStream.accepts(Some("text/event-stream")));
        assert!(Expect::EventStream.accepts(Some("application/json")));
        assert!(!Expect::EventStream.accepts(Some("text/html")));
        assert!(Expect::File.accepts(Some("application/octet-stream")));
    }

    #[test]
    fn encodings_left_in_place_are_reported() {
        let mut h = HeaderMap::new();
        assert_eq!(undecoded_encoding(&h), None);
        h.insert(CONTENT_ENCODING, "identity".parse().unwrap());
        assert_eq!(undecoded_encoding(&h), None);
        h.insert(CONTENT_ENCODING, "BR".parse().unwrap());
        assert_eq!(undecoded_encoding(&h).as_deref(), Some("br"));
    }
}
