//! Credentials: secrets, token providers, and how each credential goes on a request. The chain
//! that picks one when the client is built (the official SDKs' order) is `chain.rs`; SSO
//! profiles and their cached tokens are `sso.rs`.

mod chain;
pub(crate) mod sso;

pub(crate) use chain::CredentialChain;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, Result};

/// A secret string (API key, token). `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// The error type a [`TokenProvider`] may return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The future a [`TokenProvider`] returns.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = std::result::Result<Secret, BoxError>> + Send + 'a>>;

/// Supplies a bearer token for each request (for tokens that expire and are refreshed by the
/// application). Called once per attempt; cache inside the provider.
///
/// ```
/// use seclai::auth::{Secret, TokenFuture, TokenProvider};
///
/// struct FromVault;
/// impl TokenProvider for FromVault {
///     fn token(&self) -> TokenFuture<'_> {
///         Box::pin(async { Ok(Secret::new("token-from-vault")) })
///     }
/// }
/// # let _ = seclai::Client::builder().token_provider(FromVault);
/// ```
pub trait TokenProvider: Send + Sync + 'static {
    /// The current token.
    fn token(&self) -> TokenFuture<'_>;
}

/// The credential a client uses, and where it came from.
#[derive(Clone)]
pub(crate) enum Credential {
    /// A precomputed API key header.
    ApiKey { header: HeaderName, value: HeaderValue, source: &'static str },
    /// A precomputed `Authorization: Bearer` header.
    Bearer(HeaderValue),
    /// A bearer token fetched per request.
    Provider(Arc<dyn TokenProvider>),
    /// SSO tokens from the profile cache, refreshed when they expire.
    Sso(Arc<sso::SsoTokenSource>),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::ApiKey { header, source, .. } => write!(f, "ApiKey({header}: ***, from {source})"),
            Credential::Bearer(_) => f.write_str("Bearer(***)"),
            Credential::Provider(_) => f.write_str("TokenProvider"),
            Credential::Sso(s) => write!(f, "Sso({:?})", s.profile_name()),
        }
    }
}

pub(crate) fn sensitive(value: &str, what: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| Error::config(format!("the {what} contains characters that cannot be sent in a header")))?;
    v.set_sensitive(true);
    Ok(v)
}

fn bearer(token: &str) -> Result<HeaderValue> {
    sensitive(&format!("Bearer {token}"), "bearer token")
}

impl Credential {
    pub(crate) fn api_key(header: HeaderName, key: &Secret, source: &'static str) -> Result<Self> {
        if key.expose().trim().is_empty() {
            return Err(Error::config(format!("the API key from {source} is empty")));
        }
        Ok(Credential::ApiKey { header, value: sensitive(key.expose(), "API key")?, source })
    }

    pub(crate) fn bearer(token: &Secret) -> Result<Self> {
        if token.expose().trim().is_empty() {
            return Err(Error::config("the bearer token is empty"));
        }
        Ok(Credential::Bearer(bearer(token.expose())?))
    }

    /// The header of a static credential, to add once to the client's headers.
    pub(crate) fn static_header(&self) -> Option<(HeaderName, HeaderValue)> {
        match self {
            Credential::ApiKey { header, value, .. } => Some((header.clone(), value.clone())),
            Credential::Bearer(value) => Some((AUTHORIZATION, value.clone())),
            _ => None,
        }
    }

    /// Whether the credential must be fetched for each request (provider, SSO).
    pub(crate) fn is_dynamic(&self) -> bool {
        matches!(self, Credential::Provider(_) | Credential::Sso(_))
    }

    /// Adds the credential's header to `headers`; a token fetched for it is remembered in
    /// `secrets`, so that an answer echoing it is redacted.
    pub(crate) async fn apply(&self, headers: &mut HeaderMap, secrets: &crate::redact::Secrets) -> Result<()> {
        match self {
            Credential::ApiKey { header, value, .. } => {
                headers.insert(header.clone(), value.clone());
            }
            Credential::Bearer(value) => {
                headers.insert(AUTHORIZATION, value.clone());
            }
            Credential::Provider(p) => {
                let token = p.token().await.map_err(|e| Error::config(format!("the token provider failed: {e}")))?;
                secrets.remember(token.expose());
                headers.insert(AUTHORIZATION, bearer(token.expose())?);
            }
            Credential::Sso(source) => {
                let token = source.access_token().await?;
                secrets.remember(token.expose());
                headers.insert(AUTHORIZATION, bearer(token.expose())?);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("sk-live-123");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(format!("{s}"), "***");
        let c = Credential::api_key(HeaderName::from_static("x-api-key"), &s, "the builder").unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("sk-live"), "{shown}");
        let b = Credential::bearer(&Secret::new("eyJ.secret")).unwrap();
        assert!(!format!("{b:?}").contains("eyJ"));
    }

    #[test]
    fn empty_or_unsendable_secrets_are_configuration_errors() {
        assert!(matches!(
            Credential::api_key(HeaderName::from_static("x-api-key"), &Secret::new(" "), "env"),
            Err(Error::Config(_))
        ));
        assert!(matches!(Credential::bearer(&Secret::new("a\nb")), Err(Error::Config(_))));
    }
}
