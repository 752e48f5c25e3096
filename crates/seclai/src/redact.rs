//! Keeping the client's secrets out of everything it shows.
//!
//! A server (or a proxy in front of it) may echo a credential back: `{"detail": "Invalid API
//! key sk-..."}`, a request id built from the token, a login page that repeats it. Whatever the
//! SDK shows of an answer (error messages, parsed and raw error bodies, decode snippets, request
//! ids in traces, recorded cassettes) goes through [`Secrets::redact`] first, which replaces
//! every credential the client holds with `***`.
//!
//! The set holds the static credentials (API key, bearer token, default headers marked
//! sensitive) from the start, and every dynamic one (a token provider's tokens, SSO access and
//! refresh tokens, sensitive per-request headers) from the moment the client first uses it.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// What a secret is replaced with.
pub(crate) const MASK: &str = "***";

/// Secrets shorter than this are not searched for: they cannot be told apart from ordinary
/// text (a one-letter test key would mask every such letter of every message). Real API keys
/// and tokens are far longer.
pub(crate) const MIN_SECRET_LEN: usize = 8;

/// How many dynamic secrets are remembered: a rotating token provider must not grow the set
/// without bound, and an answer can only echo a recent token.
const MAX_DYNAMIC: usize = 16;

/// The secrets of one client. Cheap to clone (shared).
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    fixed: Vec<Box<str>>,
    dynamic: Mutex<VecDeque<Box<str>>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(***)")
    }
}

impl Secrets {
    /// A set holding these static secrets (short or empty ones are dropped).
    pub(crate) fn new(fixed: impl IntoIterator<Item = String>) -> Self {
        let mut fixed: Vec<Box<str>> =
            fixed.into_iter().filter(|s| s.len() >= MIN_SECRET_LEN).map(String::into_boxed_str).collect();
        fixed.sort();
        fixed.dedup();
        Self { inner: Arc::new(Inner { fixed, dynamic: Mutex::new(VecDeque::new()) }) }
    }

    /// Remembers a secret the client has started to use (a fresh token).
    pub(crate) fn remember(&self, secret: &str) {
        if secret.len() < MIN_SECRET_LEN || self.inner.fixed.iter().any(|s| &**s == secret) {
            return;
        }
        let Ok(mut dynamic) = self.inner.dynamic.lock() else { return };
        if dynamic.iter().any(|s| &**s == secret) {
            return;
        }
        if dynamic.len() == MAX_DYNAMIC {
            dynamic.pop_front();
        }
        dynamic.push_back(secret.into());
    }

    /// Calls `f` with every secret, fixed then dynamic.
    fn each(&self, mut f: impl FnMut(&str)) {
        for s in &self.inner.fixed {
            f(s);
        }
        if let Ok(dynamic) = self.inner.dynamic.lock() {
            for s in dynamic.iter() {
                f(s);
            }
        }
    }

    /// `text` with every secret (as is, and as it reads inside a JSON string) replaced by `***`.
    pub(crate) fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        self.each(|secret| {
            for form in forms(secret) {
                if out.contains(&*form) {
                    out = Cow::Owned(out.replace(&*form, MASK));
                }
            }
        });
        out
    }

    /// `bytes` with every secret replaced by `***` (for bodies, which may not be UTF-8).
    pub(crate) fn redact_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let mut out = Cow::Borrowed(bytes);
        self.each(|secret| {
            for form in forms(secret) {
                if let Some(replaced) = replace_bytes(&out, form.as_bytes(), MASK.as_bytes()) {
                    out = Cow::Owned(replaced);
                }
            }
        });
        out
    }
}

/// The forms in which a secret can appear in an answer: as is, and escaped in a JSON string
/// (a key with `/` or `"` reads differently there).
fn forms(secret: &str) -> impl Iterator<Item = Cow<'_, str>> {
    let json = serde_json::to_string(secret).ok().map(|quoted| quoted[1..quoted.len() - 1].to_string());
    let escaped = json.filter(|j| j != secret).map(Cow::Owned);
    std::iter::once(Cow::Borrowed(secret)).chain(escaped)
}

/// `haystack` with every `needle` replaced, or `None` when there is none.
fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let first = haystack.windows(needle.len()).position(|w| w == needle)?;
    let mut out = Vec::with_capacity(haystack.len());
    out.extend_from_slice(&haystack[..first]);
    out.extend_from_slice(with);
    let mut rest = &haystack[first + needle.len()..];
    while let Some(i) = rest.windows(needle.len()).position(|w| w == needle) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(with);
        rest = &rest[i + needle.len()..];
    }
    out.extend_from_slice(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_occurrence_of_every_secret_is_masked() {
        let s = Secrets::new(["sk-live-0123456789".to_string(), "short".to_string()]);
        assert_eq!(s.redact("Invalid API key sk-live-0123456789 (sk-live-0123456789)"), "Invalid API key *** (***)");
        assert_eq!(s.redact("short stays: too short to tell apart"), "short stays: too short to tell apart");
        assert!(matches!(s.redact("nothing here"), Cow::Borrowed(_)));
        assert_eq!(&*s.redact_bytes(b"\xff key=sk-live-0123456789\xfe"), b"\xff key=***\xfe");
    }

    #[test]
    fn dynamic_secrets_are_remembered_boundedly() {
        let s = Secrets::new([]);
        s.remember("token-number-one");
        assert_eq!(s.redact("echo token-number-one"), "echo ***");
        for i in 0..100 {
            s.remember(&format!("rotating-token-{i:04}"));
        }
        assert_eq!(s.inner.dynamic.lock().unwrap().len(), MAX_DYNAMIC);
        assert_eq!(s.redact("rotating-token-0099"), "***");
        assert_eq!(s.redact("token-number-one"), "token-number-one", "the oldest is forgotten");
    }

    #[test]
    fn json_escaped_forms_are_masked_too() {
        let s = Secrets::new(["abc/def\"ghi-jkl".to_string()]);
        let body = serde_json::json!({"detail": "bad key abc/def\"ghi-jkl"}).to_string();
        assert_eq!(s.redact(&body), r#"{"detail":"bad key ***"}"#);
    }
}
