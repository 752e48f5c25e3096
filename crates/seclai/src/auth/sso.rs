//! SSO profiles: `~/.seclai/config`, the token cache, and refreshing an expiring token.
//!
//! The file layout is the one the official SDKs and CLI share, so a `seclai` CLI login is
//! picked up here and a refresh made here is seen by them:
//!
//! - `<config dir>/config`: INI with `[default]` and `[profile NAME]` sections holding
//!   `sso_account_id`, `sso_region`, `sso_client_id`, `sso_domain`;
//! - `<config dir>/sso/cache/<sha1 hex of "domain|client_id">.json`: `accessToken`,
//!   `refreshToken`, `idToken`, `expiresAt` (RFC 3339), `clientId`, `region`, `cognitoDomain`.
//!
//! The INI subset is four keys in bracketed sections, so it is parsed here rather than with a
//! general INI crate.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use super::Secret;
use crate::error::{Error, Result};

/// Default SSO domain.
pub(crate) const DEFAULT_SSO_DOMAIN: &str = "auth.seclai.com";
/// Default SSO region.
pub(crate) const DEFAULT_SSO_REGION: &str = "us-west-2";
/// A token is used only while it stays valid for at least this long.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

/// An SSO profile, after environment overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) struct SsoProfile {
    /// The profile name (`default` or the `NAME` of `[profile NAME]`).
    pub(crate) name: String,
    /// `sso_account_id`: sent as `X-Account-Id` unless the client sets one.
    pub(crate) account_id: Option<String>,
    /// `sso_region`.
    pub(crate) region: String,
    /// `sso_client_id`.
    pub(crate) client_id: String,
    /// `sso_domain`: a host name (`https://` is implied) or a full base URL.
    pub(crate) domain: String,
}

impl SsoProfile {
    /// The token endpoint of the profile's domain.
    pub(crate) fn token_url(&self) -> String {
        self.endpoint("token")
    }

    /// `<domain>/oauth2/<name>` (`https://` unless the domain names its scheme).
    pub(crate) fn endpoint(&self, name: &str) -> String {
        let base = if self.domain.contains("://") { self.domain.clone() } else { format!("https://{}", self.domain) };
        format!("{}/oauth2/{name}", base.trim_end_matches('/'))
    }

    /// The cache file name: the SHA-1 of `domain|client_id`, in hex.
    pub(crate) fn cache_file_name(&self) -> String {
        let digest = Sha1::digest(format!("{}|{}", self.domain, self.client_id).as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("{hex}.json")
    }
}

/// Parses the INI config into `section name -> key -> value`.
pub(crate) fn parse_ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim();
            let name = name.strip_prefix("profile ").map(str::trim).unwrap_or(name);
            current = Some(name.to_string());
            sections.entry(name.to_string()).or_default();
        } else if let (Some(section), Some((k, v))) = (&current, line.split_once('=')) {
            sections.entry(section.clone()).or_default().insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    sections
}

/// Reads the profile `name` from `<config_dir>/config`, applying the `SECLAI_SSO_*` overrides
/// from `env`. `Err` explains why there is no usable profile (for the "what was tried" error).
pub(crate) fn load_profile(
    config_dir: &Path,
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<SsoProfile, String> {
    let path = config_dir.join("config");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{} ({e})", path.display()))?;
    let sections = parse_ini(&text);
    let section = sections.get(name).ok_or_else(|| format!("{} has no profile `{name}`", path.display()))?;
    let get = |env_key: &str, file_key: &str| {
        env(env_key).filter(|v| !v.is_empty()).or_else(|| section.get(file_key).cloned())
    };
    let client_id = get("SECLAI_SSO_CLIENT_ID", "sso_client_id")
        .ok_or_else(|| format!("profile `{name}` in {} has no sso_client_id", path.display()))?;
    Ok(SsoProfile {
        name: name.to_string(),
        account_id: section.get("sso_account_id").cloned().filter(|v| !v.is_empty()),
        region: get("SECLAI_SSO_REGION", "sso_region").unwrap_or_else(|| DEFAULT_SSO_REGION.to_string()),
        client_id,
        domain: get("SECLAI_SSO_DOMAIN", "sso_domain").unwrap_or_else(|| DEFAULT_SSO_DOMAIN.to_string()),
    })
}

/// The cache file's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CachedTokens {
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
    expires_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cognito_domain: Option<String>,
}

impl CachedTokens {
    fn valid_at(&self, now: DateTime<Utc>) -> bool {
        now + EXPIRY_MARGIN < self.expires_at
    }
}

/// The token endpoint's answer.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    expires_in: u64,
}

/// Access tokens for one SSO profile: from memory, else from the cache file, else refreshed.
pub(crate) struct SsoTokenSource {
    profile: SsoProfile,
    cache_path: PathBuf,
    http: crate::transport::Http,
    /// The client's secrets: the tokens read or refreshed here join them, and the token
    /// endpoint's error messages are redacted with them.
    secrets: crate::redact::Secrets,
    /// Held across a refresh, so concurrent callers wait for one refresh instead of starting
    /// their own.
    current: tokio::sync::Mutex<Option<CachedTokens>>,
}

impl SsoTokenSource {
    pub(crate) fn new(
        profile: SsoProfile,
        config_dir: &Path,
        http: crate::transport::Http,
        secrets: crate::redact::Secrets,
    ) -> Self {
        let cache_path = config_dir.join("sso").join("cache").join(profile.cache_file_name());
        Self { profile, cache_path, http, secrets, current: tokio::sync::Mutex::new(None) }
    }

    /// Posts a form to the token endpoint (through the TLS client for an `https://` one).
    async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> std::result::Result<reqwest::Response, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        let http = self.http.for_url(&parsed).map_err(|e| e.to_string())?;
        http.post(parsed).form(form).send().await.map_err(|e| e.to_string())
    }

    /// Remembers every token of a cache entry as a secret.
    fn remember(&self, tokens: &CachedTokens) {
        self.secrets.remember(&tokens.access_token);
        for t in [&tokens.refresh_token, &tokens.id_token].into_iter().flatten() {
            self.secrets.remember(t);
        }
    }

    pub(crate) fn profile_name(&self) -> &str {
        &self.profile.name
    }

    pub(crate) fn profile(&self) -> &SsoProfile {
        &self.profile
    }

    pub(crate) fn cache_path(&self) -> &Path {
        &self.cache_path
    }

    /// What the cache says of the sign-in.
    pub(crate) fn cached_status(&self) -> Result<crate::sso::TokenStatus> {
        use crate::sso::{TokenState, TokenStatus};
        Ok(match self.read_cache()? {
            None => TokenStatus { state: TokenState::NotAuthenticated, expires_at: None, has_refresh_token: false },
            Some(t) => TokenStatus {
                state: if t.valid_at(Utc::now()) { TokenState::Authenticated } else { TokenState::Expired },
                expires_at: Some(t.expires_at),
                has_refresh_token: t.refresh_token.is_some(),
            },
        })
    }

    /// Refreshes with the cached refresh token and writes the cache, whatever the token's age.
    pub(crate) async fn refresh_now(&self) -> Result<()> {
        let cached = self.read_cache()?;
        let refresh_token = cached.as_ref().and_then(|t| t.refresh_token.clone()).ok_or_else(|| {
            Error::config(format!("SSO profile `{}`: no refresh token cached; sign in again", self.profile.name))
        })?;
        let fresh = self.refresh(&refresh_token, cached).await?;
        self.write_cache(&fresh)?;
        *self.current.lock().await = Some(fresh);
        Ok(())
    }

    /// Trades an authorization code (PKCE) at the token endpoint.
    pub(crate) async fn exchange_code(&self, code: &str, verifier: &str, redirect_uri: &str) -> Result<CachedTokens> {
        let url = self.profile.token_url();
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", self.profile.client_id.as_str()),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let response = self.post_form(&url, &form).await.map_err(|e| {
            Error::config(format!("SSO profile `{}`: the token endpoint {url} is unreachable: {e}", self.profile.name))
        })?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| Error::config(format!("SSO sign-in: {e}")))?;
        if !status.is_success() {
            let detail = crate::error::ErrorBody::parse(&self.secrets.redact_bytes(&body)).message();
            return Err(Error::config(format!(
                "SSO profile `{}`: the token endpoint refused the code with HTTP {}: {detail}",
                self.profile.name,
                status.as_u16()
            )));
        }
        let answer: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| Error::config(format!("SSO sign-in: unexpected answer from {url}: {e}")))?;
        let tokens = CachedTokens {
            access_token: answer.access_token,
            refresh_token: answer.refresh_token,
            id_token: answer.id_token,
            expires_at: Utc::now() + Duration::from_secs(answer.expires_in),
            client_id: Some(self.profile.client_id.clone()),
            region: Some(self.profile.region.clone()),
            cognito_domain: Some(self.profile.domain.clone()),
        };
        self.remember(&tokens);
        Ok(tokens)
    }

    /// Caches tokens obtained by signing in.
    pub(crate) fn store(&self, tokens: &CachedTokens) -> Result<()> {
        self.write_cache(tokens)
    }

    /// A valid access token, refreshing (once, for all concurrent callers) when needed.
    pub(crate) async fn access_token(&self) -> Result<Secret> {
        let mut current = self.current.lock().await;
        let now = Utc::now();
        if let Some(t) = current.as_ref().filter(|t| t.valid_at(now)) {
            return Ok(Secret::new(t.access_token.clone()));
        }
        // Another process (the CLI, another client) may have refreshed the file.
        let cached = self.read_cache()?;
        if let Some(t) = &cached {
            self.remember(t);
        }
        if let Some(t) = cached.as_ref().filter(|t| t.valid_at(now)) {
            let token = Secret::new(t.access_token.clone());
            *current = cached;
            return Ok(token);
        }
        let refresh_token = cached.as_ref().and_then(|t| t.refresh_token.clone()).ok_or_else(|| {
            Error::config(format!(
                "SSO profile `{}`: no valid token and no refresh token in {}; sign in again with the Seclai CLI",
                self.profile.name,
                self.cache_path.display()
            ))
        })?;
        let fresh = self.refresh(&refresh_token, cached).await?;
        self.remember(&fresh);
        let token = Secret::new(fresh.access_token.clone());
        self.write_cache(&fresh)?;
        *current = Some(fresh);
        Ok(token)
    }

    fn read_cache(&self) -> Result<Option<CachedTokens>> {
        match std::fs::read(&self.cache_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| Error::config(format!("SSO token cache {} is not valid: {e}", self.cache_path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::Io { context: format!("reading {}", self.cache_path.display()), source: e }),
        }
    }

    async fn refresh(&self, refresh_token: &str, previous: Option<CachedTokens>) -> Result<CachedTokens> {
        let url = self.profile.token_url();
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.profile.client_id.as_str()),
            ("refresh_token", refresh_token),
        ];
        tracing::debug!(profile = %self.profile.name, "refreshing the SSO access token");
        let response = self.post_form(&url, &form).await.map_err(|e| {
            Error::config(format!("SSO profile `{}`: the token endpoint {url} is unreachable: {e}", self.profile.name))
        })?;
        let status = response.status();
        if status.is_redirection() {
            // The redirect policy keeps the refresh token on the token endpoint's origin.
            let target = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| response.url().join(l).ok())
                .map_or_else(|| "an unusable location".to_string(), |u| crate::transport::origin_of(&u));
            return Err(Error::config(format!(
                "SSO profile `{}`: the token endpoint {url} redirected to {target}; not followed, so the refresh \
                 token stays with the token endpoint's origin",
                self.profile.name
            )));
        }
        let body = response.bytes().await.map_err(|e| Error::config(format!("SSO token refresh: {e}")))?;
        if !status.is_success() {
            let body = self.secrets.redact_bytes(&body);
            let detail = crate::error::ErrorBody::parse(&body).message();
            return Err(Error::config(format!(
                "SSO profile `{}`: refreshing the token failed with HTTP {}: {detail}; sign in again with the Seclai CLI",
                self.profile.name,
                status.as_u16()
            )));
        }
        let answer: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            let e = self.secrets.redact(&e.to_string()).into_owned();
            Error::config(format!("SSO token refresh: unexpected answer from {url}: {e}"))
        })?;
        let previous = previous.unwrap_or(CachedTokens {
            access_token: String::new(),
            refresh_token: None,
            id_token: None,
            expires_at: Utc::now(),
            client_id: None,
            region: None,
            cognito_domain: None,
        });
        Ok(CachedTokens {
            access_token: answer.access_token,
            refresh_token: answer.refresh_token.or(Some(refresh_token.to_string())),
            id_token: answer.id_token.or(previous.id_token),
            expires_at: Utc::now() + Duration::from_secs(answer.expires_in),
            client_id: Some(self.profile.client_id.clone()),
            region: Some(self.profile.region.clone()),
            cognito_domain: Some(self.profile.domain.clone()),
        })
    }

    /// Writes the cache atomically (temporary file, then rename), dir 0700, file 0600.
    fn write_cache(&self, tokens: &CachedTokens) -> Result<()> {
        let io = |what: &str, path: &Path, e: std::io::Error| Error::Io {
            context: format!("{what} {}", path.display()),
            source: e,
        };
        let dir = self.cache_path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| io("creating", dir, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| io("securing", dir, e))?;
        }
        let body = serde_json::to_vec_pretty(tokens).map_err(|e| Error::config(format!("SSO cache: {e}")))?;
        let tmp = dir.join(format!(".{}.{}.tmp", self.profile.cache_file_name(), std::process::id()));
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(&tmp).map_err(|e| io("creating", &tmp, e))?;
            file.write_all(&body).map_err(|e| io("writing", &tmp, e))?;
            file.sync_all().map_err(|e| io("syncing", &tmp, e))?;
        }
        std::fs::rename(&tmp, &self.cache_path).map_err(|e| io("replacing", &self.cache_path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_come_from_bracketed_sections_with_env_overrides() {
        let dir = std::env::temp_dir().join(format!("seclai-sso-ini-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("config"),
            "# comment\n[default]\nsso_client_id = abc\nsso_account_id = acc-1\n\n[profile work]\nsso_client_id=xyz\nsso_domain = login.example.com\nsso_region = eu-west-1\n",
        )
        .unwrap();
        let no_env = |_: &str| None;
        let d = load_profile(&dir, "default", &no_env).unwrap();
        assert_eq!(
            (d.client_id.as_str(), d.domain.as_str(), d.region.as_str()),
            ("abc", DEFAULT_SSO_DOMAIN, DEFAULT_SSO_REGION)
        );
        assert_eq!(d.account_id.as_deref(), Some("acc-1"));
        let w = load_profile(&dir, "work", &no_env).unwrap();
        assert_eq!(
            (w.client_id.as_str(), w.domain.as_str(), w.region.as_str()),
            ("xyz", "login.example.com", "eu-west-1")
        );
        let env = |k: &str| (k == "SECLAI_SSO_DOMAIN").then(|| "other.example.com".to_string());
        assert_eq!(load_profile(&dir, "work", &env).unwrap().domain, "other.example.com");
        assert!(load_profile(&dir, "missing", &no_env).unwrap_err().contains("no profile `missing`"));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn the_cache_file_is_named_by_the_sha1_of_domain_and_client() {
        let p = SsoProfile {
            name: "default".into(),
            account_id: None,
            region: DEFAULT_SSO_REGION.into(),
            client_id: "client".into(),
            domain: "auth.seclai.com".into(),
        };
        // sha1("auth.seclai.com|client")
        let expected: String =
            Sha1::digest(b"auth.seclai.com|client").iter().map(|b| format!("{b:02x}")).collect::<String>() + ".json";
        assert_eq!(p.cache_file_name(), expected);
        assert_eq!(p.cache_file_name().len(), 45);
        assert_eq!(p.token_url(), "https://auth.seclai.com/oauth2/token");
        let local = SsoProfile { domain: "http://127.0.0.1:9/".into(), ..p };
        assert_eq!(local.token_url(), "http://127.0.0.1:9/oauth2/token");
    }
}
