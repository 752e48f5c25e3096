//! The credential chain, resolved once when the client is built. First match wins: an explicit
//! API key, an explicit bearer token, a token provider, `SECLAI_API_KEY` (when the builder
//! read the environment), then an SSO profile from `<config dir>/config` with its cached
//! tokens. When nothing matches, the error lists what was tried.

use std::path::PathBuf;
use std::sync::Arc;

use reqwest::header::HeaderName;

use super::{Credential, Secret, TokenProvider, sso};
use crate::error::{Error, Result};
use crate::redact::Secrets;

/// What the builder was given to authenticate with, in the chain's order.
#[derive(Clone)]
pub(crate) struct CredentialChain {
    pub(crate) api_key: Option<Secret>,
    pub(crate) api_key_header: String,
    pub(crate) bearer_token: Option<Secret>,
    pub(crate) token_provider: Option<Arc<dyn TokenProvider>>,
    /// `SECLAI_API_KEY`, when the builder started from the environment (`Some(None)`: read,
    /// and not set).
    pub(crate) env_api_key: Option<Option<Secret>>,
    pub(crate) profile: Option<String>,
    pub(crate) config_dir: Option<PathBuf>,
    /// `SECLAI_SSO_*` overrides of the profile.
    pub(crate) sso_env: Vec<(String, String)>,
}

impl std::fmt::Debug for CredentialChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialChain")
            .field("api_key", &self.api_key)
            .field("bearer_token", &self.bearer_token)
            .field("token_provider", &self.token_provider.as_ref().map(|_| "set"))
            .field("env_api_key", &self.env_api_key)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl CredentialChain {
    pub(crate) fn new(api_key_header: &str) -> Self {
        Self {
            api_key: None,
            api_key_header: api_key_header.to_string(),
            bearer_token: None,
            token_provider: None,
            env_api_key: None,
            profile: None,
            config_dir: None,
            sso_env: Vec::new(),
        }
    }

    /// Reads `SECLAI_API_KEY`, `SECLAI_PROFILE` (default `default`), `SECLAI_CONFIG_DIR`
    /// (default `~/.seclai`) and the `SECLAI_SSO_*` overrides through `get`.
    pub(crate) fn read_env(&mut self, get: &dyn Fn(&str) -> Option<String>) {
        self.env_api_key = Some(get("SECLAI_API_KEY").map(Secret::new));
        self.profile = Some(get("SECLAI_PROFILE").unwrap_or_else(|| "default".into()));
        self.config_dir = get("SECLAI_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| get("HOME").map(|h| PathBuf::from(h).join(".seclai")));
        for key in ["SECLAI_SSO_DOMAIN", "SECLAI_SSO_CLIENT_ID", "SECLAI_SSO_REGION"] {
            if let Some(v) = get(key) {
                self.sso_env.push((key.into(), v));
            }
        }
    }

    /// The secrets known before any request: every key and token given, used or not, so that
    /// none can appear in an error or a recording.
    pub(crate) fn static_secrets(&self) -> impl Iterator<Item = &str> {
        let env = self.env_api_key.iter().flatten();
        self.api_key.iter().chain(&self.bearer_token).chain(env).map(Secret::expose)
    }

    /// The credential of the first link that matches, and the account id an SSO profile
    /// names.
    pub(crate) fn resolve(
        &self,
        http: &crate::transport::Http,
        secrets: &Secrets,
    ) -> Result<(Credential, Option<String>)> {
        let header = HeaderName::from_bytes(self.api_key_header.as_bytes())
            .map_err(|_| Error::config(format!("`{}` is not a valid header name", self.api_key_header)))?;
        if let Some(key) = &self.api_key {
            return Ok((Credential::api_key(header, key, "the builder")?, None));
        }
        if let Some(token) = &self.bearer_token {
            return Ok((Credential::bearer(token)?, None));
        }
        if let Some(p) = &self.token_provider {
            return Ok((Credential::Provider(p.clone()), None));
        }
        if let Some(Some(key)) = &self.env_api_key {
            return Ok((Credential::api_key(header, key, "SECLAI_API_KEY")?, None));
        }
        let mut tried = vec!["an API key (builder)", "a bearer token", "a token provider"];
        if self.env_api_key.is_some() {
            tried.push("SECLAI_API_KEY");
        }
        let sso_note = match (&self.profile, &self.config_dir) {
            (Some(profile), Some(dir)) => {
                let env = |k: &str| self.sso_env.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
                match sso::load_profile(dir, profile, &env) {
                    Ok(p) => {
                        let account = p.account_id.clone();
                        let source = sso::SsoTokenSource::new(p, dir, http.clone(), secrets.clone());
                        return Ok((Credential::Sso(Arc::new(source)), account));
                    }
                    Err(why) => format!("the SSO profile `{profile}`: {why}"),
                }
            }
            _ => "no SSO profile (use Client::from_env or .profile(..).config_dir(..))".to_string(),
        };
        Err(Error::config(format!("no credentials found; tried {}, and {sso_note}", tried.join(", "))))
    }
}
