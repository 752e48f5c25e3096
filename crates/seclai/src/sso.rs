//! Signing in with an SSO profile, for tools: what the `seclai` command's `auth login`,
//! `auth refresh`, `auth status` and `auth logout` do, with the files the official SDKs and CLI
//! share (`<config dir>/config` and `<config dir>/sso/cache/`). A client built with
//! [`ClientBuilder::profile`](crate::ClientBuilder::profile) then uses the cached tokens.
//!
//! Signing in is OAuth 2 authorization code with PKCE: the tool opens
//! [`SsoSession::authorize_url`] in a browser, receives the code on its redirect URI, and
//! trades it with [`SsoSession::sign_in_with_code`].
//!
//! ```no_run
//! # async fn demo() -> seclai::Result<()> {
//! let session = seclai::sso::SsoSession::open("/home/me/.seclai", "default")?;
//! let status = session.status()?;
//! println!("{:?}, expires {:?}", status.state, status.expires_at);
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::auth::sso::{self, SsoTokenSource};
use crate::error::{Error, Result};

/// The profiles of `<config_dir>/config`: profile name (`default`, or `NAME` of
/// `[profile NAME]`) to its keys; empty when there is no file.
pub fn profiles(
    config_dir: impl AsRef<Path>,
) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(config_dir.as_ref().join("config")).unwrap_or_default();
    sso::parse_ini(&text)
}

/// Whether the cache holds a usable sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenState {
    /// A token valid for at least another 30 seconds.
    Authenticated,
    /// A token that has expired (a refresh token may renew it).
    Expired,
    /// No cached sign-in.
    NotAuthenticated,
}

/// What the cache says of a profile's sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenStatus {
    /// Signed in, expired, or not.
    pub state: TokenState,
    /// When the access token expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether a refresh token can renew it without a browser.
    pub has_refresh_token: bool,
}

/// One SSO profile of a config directory, and its token cache.
pub struct SsoSession {
    source: SsoTokenSource,
    config_dir: PathBuf,
}

impl std::fmt::Debug for SsoSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoSession")
            .field("profile", &self.source.profile_name())
            .field("config_dir", &self.config_dir)
            .finish_non_exhaustive()
    }
}

impl SsoSession {
    /// The profile `profile` of `<config_dir>/config` (`default`, or `NAME` of
    /// `[profile NAME]`), with the `SECLAI_SSO_DOMAIN`, `SECLAI_SSO_CLIENT_ID` and
    /// `SECLAI_SSO_REGION` overrides of the environment.
    pub fn open(config_dir: impl AsRef<Path>, profile: &str) -> Result<Self> {
        let config_dir = config_dir.as_ref().to_path_buf();
        let env = |k: &str| std::env::var(k).ok();
        let p = sso::load_profile(&config_dir, profile, &env).map_err(Error::config)?;
        // Redirects are followed only on the token endpoint's origin: the code and the refresh
        // token stay with it.
        let http = crate::transport::Http::new(crate::config::DEFAULT_CONNECT_TIMEOUT, None)?;
        let source = SsoTokenSource::new(p, &config_dir, http, crate::redact::Secrets::new(Vec::new()));
        Ok(Self { source, config_dir })
    }

    /// The profile's name.
    pub fn profile_name(&self) -> &str {
        self.source.profile_name()
    }

    /// The organization account the profile acts for (`sso_account_id`), when set.
    pub fn account_id(&self) -> Option<&str> {
        self.source.profile().account_id.as_deref()
    }

    /// The token cache file of this profile.
    pub fn cache_path(&self) -> &Path {
        self.source.cache_path()
    }

    /// The address to open in a browser: the profile's authorization endpoint with the PKCE
    /// challenge (S256 of the verifier, base64url), the state to check on the way back, and
    /// the scopes `openid profile email`.
    pub fn authorize_url(&self, redirect_uri: &str, state: &str, code_challenge: &str) -> String {
        let p = self.source.profile();
        // Everything but RFC 3986's unreserved characters.
        const QUERY: &percent_encoding::AsciiSet =
            &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
        let enc = |s: &str| percent_encoding::utf8_percent_encode(s, QUERY).to_string();
        format!(
            "{}?response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&code_challenge={}&code_challenge_method=S256",
            p.endpoint("authorize"),
            enc(&p.client_id),
            enc(redirect_uri),
            enc("openid profile email"),
            enc(state),
            enc(code_challenge),
        )
    }

    /// Trades an authorization code for tokens and caches them (file mode 0600).
    pub async fn sign_in_with_code(&self, code: &str, code_verifier: &str, redirect_uri: &str) -> Result<TokenStatus> {
        let tokens = self.source.exchange_code(code, code_verifier, redirect_uri).await?;
        self.source.store(&tokens)?;
        self.status()
    }

    /// Renews the access token with the cached refresh token, and caches the result.
    pub async fn refresh(&self) -> Result<TokenStatus> {
        self.source.refresh_now().await?;
        self.status()
    }

    /// What the cache holds.
    pub fn status(&self) -> Result<TokenStatus> {
        self.source.cached_status()
    }

    /// Removes the cached tokens; whether there were any.
    pub fn sign_out(&self) -> Result<bool> {
        match std::fs::remove_file(self.cache_path()) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::Io { context: format!("removing {}", self.cache_path().display()), source: e }),
        }
    }
}
