//! Writing cassettes: what a client's exchange becomes (its operation, the headers kept, the
//! bodies or their digests), scrubbed of personal data, streamed bodies taped as they pass.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::Value;

use super::{Cassette, KEPT_BODY_BYTES, Omitted, Provenance, RecordedRequest, RecordedResponse, hex};

/// Replaces personal data and account identifiers with stable placeholders, so that a
/// recorded cassette can be committed and shared. Credentials are never recorded at all.
#[derive(Debug, Default)]
pub struct Scrubber {
    ids: BTreeMap<String, String>,
}

/// Keys whose values identify an account or a person.
const IDENTIFYING_KEYS: [&str; 6] =
    ["account_id", "user_id", "organization_id", "owner_id", "created_by", "updated_by"];

impl Scrubber {
    /// A new scrubber; one per recording session keeps placeholders consistent.
    pub fn new() -> Self {
        Self::default()
    }

    fn placeholder(&mut self, original: &str) -> String {
        let n = self.ids.len() + 1;
        self.ids.entry(original.to_string()).or_insert_with(|| format!("00000000-0000-4000-8000-{n:012}")).clone()
    }

    /// Scrubs a string: e-mail addresses and phone numbers.
    pub fn scrub_text(&self, text: &str) -> String {
        static EMAIL: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        static PHONE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        let email = EMAIL
            .get_or_init(|| regex::Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").expect("valid regex"));
        let phone = PHONE.get_or_init(|| regex::Regex::new(r"\+[1-9][0-9 ().-]{7,17}[0-9]").expect("valid regex"));
        let text = email.replace_all(text, "user@example.com");
        phone.replace_all(&text, "+10000000000").into_owned()
    }

    /// Scrubs a JSON value in place.
    pub fn scrub_json(&mut self, v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, x) in map.iter_mut() {
                    if IDENTIFYING_KEYS.contains(&k.as_str())
                        && let Some(s) = x.as_str()
                    {
                        *x = Value::String(self.placeholder(s));
                        continue;
                    }
                    self.scrub_json(x);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|x| self.scrub_json(x)),
            Value::String(s) => *s = self.scrub_text(s),
            _ => {}
        }
    }

    /// Scrubs a whole cassette.
    pub fn scrub(&mut self, c: &mut Cassette) {
        if let Some(b) = c.request.body.as_mut() {
            self.scrub_json(b);
        }
        if let Some(b) = c.response.body.as_mut() {
            self.scrub_json(b);
        }
        if let Some(t) = c.response.text.as_mut() {
            *t = self.scrub_text(t);
        }
        if let Some(account) = c.request.headers.get_mut("x-account-id") {
            *account = self.placeholder(&account.clone());
        }
        c.request.path = self.scrub_text(&c.request.path);
        c.request.query.map_values(|v| self.scrub_text(v));
    }
}

/// Writes the interactions of a client as cassettes (see [`crate::ClientBuilder::record_to`]).
#[derive(Debug)]
pub(crate) struct Recorder {
    dir: PathBuf,
    scrubber: Mutex<Scrubber>,
}

/// Request headers a cassette keeps.
pub const KEPT_REQUEST_HEADERS: [&str; 4] = ["seclai-version", "x-account-id", "content-type", "accept"];
/// Response headers a cassette keeps.
pub const KEPT_RESPONSE_HEADERS: [&str; 6] =
    ["content-type", "content-disposition", "content-length", "x-request-id", "retry-after", "location"];

impl Recorder {
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self { dir, scrubber: Mutex::new(Scrubber::new()) }
    }

    /// Scrubs and writes one interaction; returns the file written. Every secret of the client
    /// is masked wherever it appears (an answer may echo the key).
    pub(crate) fn write(&self, mut cassette: Cassette, secrets: &crate::redact::Secrets) -> std::io::Result<PathBuf> {
        if let Ok(mut s) = self.scrubber.lock() {
            s.scrub(&mut cassette);
        }
        let yaml = cassette.to_yaml();
        let yaml = secrets.redact(&yaml);
        let dir = self.dir.join(&cassette.operation);
        std::fs::create_dir_all(&dir)?;
        let mut n = 1;
        let path = loop {
            let candidate = dir.join(format!("recorded-{n:03}.yaml"));
            if !candidate.exists() {
                break candidate;
            }
            n += 1;
        };
        std::fs::write(&path, yaml.as_bytes())?;
        Ok(path)
    }
}

/// The operation of a request: its own, or for one made through the escape hatch
/// (`client.request(..)`), the spec's operation with that method and path (the most literal
/// segments win: `/agents/runs/{run_id}` over `/agents/{agent_id}/runs`), so that the cassette
/// lands beside the others of the operation and the contract check can replay it. `request`
/// when no operation matches.
fn operation_of(req: &crate::client::Request<'_>) -> String {
    if req.operation != "request" {
        return req.operation.to_string();
    }
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    crate::dynamic::OPERATIONS
        .iter()
        .filter(|o| o.method == req.method.as_str())
        .filter_map(|o| {
            let template: Vec<&str> = o.path.trim_matches('/').split('/').collect();
            let fits = template.len() == segments.len()
                && template.iter().zip(&segments).all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()));
            fits.then(|| (template.iter().filter(|t| !t.starts_with('{')).count(), o.id))
        })
        .max_by_key(|(literal, _)| *literal)
        .map_or_else(|| "request".to_string(), |(_, id)| id.to_string())
}

/// Builds the cassette of one exchange made by the client.
pub(crate) fn from_exchange(
    req: &crate::client::Request<'_>,
    client_headers: &reqwest::header::HeaderMap,
    status: u16,
    response_headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> Cassette {
    let pick = |headers: &reqwest::header::HeaderMap, keep: &[&str]| -> BTreeMap<String, String> {
        keep.iter()
            .filter_map(|k| headers.get(*k).and_then(|v| v.to_str().ok()).map(|v| (k.to_string(), v.to_string())))
            .collect()
    };
    let mut request_headers = pick(client_headers, &KEPT_REQUEST_HEADERS);
    request_headers.extend(pick(&req.options.headers, &KEPT_REQUEST_HEADERS));
    request_headers.remove("content-type");
    let (request_body, multipart) = match &req.body {
        crate::client::Body::Json(b) => (serde_json::from_slice(b).ok(), None),
        crate::client::Body::Form(form) => (None, form.recorded.clone()),
        crate::client::Body::Empty => (None, None),
    };
    let response_headers = pick(response_headers, &KEPT_RESPONSE_HEADERS);
    let mut response =
        RecordedResponse { status, headers: response_headers, body: None, text: None, base64: None, omitted: None };
    response.set_body(body, KEPT_BODY_BYTES);
    Cassette {
        operation: operation_of(req),
        provenance: Provenance::Recorded,
        description: None,
        request: RecordedRequest {
            method: req.method.to_string(),
            path: req.path.to_string(),
            query: req.query.iter().map(|(k, v)| (k.as_ref(), v.as_str())).collect(),
            headers: request_headers,
            body: request_body,
            multipart,
        },
        response,
    }
}

/// A body being recorded as it streams by (a download, an event stream): the first `keep`
/// bytes are kept, the length and SHA-1 of all of it are counted, and the cassette is written
/// when the body ends.
pub(crate) struct Tape {
    client: crate::Client,
    cassette: Cassette,
    keep: usize,
    kept: Vec<u8>,
    length: u64,
    digest: sha1::Sha1,
}

impl Tape {
    /// The tape of an answer whose headers arrived: the cassette so far, its body to come.
    pub(crate) fn new(
        client: &crate::Client,
        req: &crate::client::Request<'_>,
        status: u16,
        headers: &reqwest::header::HeaderMap,
        keep: usize,
    ) -> Self {
        let cassette = from_exchange(req, client.client_headers(), status, headers, b"");
        Tape { client: client.clone(), cassette, keep, kept: Vec::new(), length: 0, digest: Default::default() }
    }

    pub(crate) fn push(&mut self, chunk: &[u8]) {
        use sha1::Digest as _;
        self.length += chunk.len() as u64;
        self.digest.update(chunk);
        if self.kept.len() + chunk.len() <= self.keep {
            self.kept.extend_from_slice(chunk);
        }
    }

    /// Writes the cassette with the body received.
    pub(crate) fn finish(mut self) {
        use sha1::Digest as _;
        if self.length as usize == self.kept.len() {
            self.cassette.response.set_body(&self.kept, self.keep);
        } else {
            let sha1 = hex(&self.digest.finalize());
            self.cassette.response.omitted = Some(Omitted { length: self.length, sha1: Some(sha1) });
        }
        self.client.write_cassette(self.cassette);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_replaces_personal_data_consistently() {
        let mut s = Scrubber::new();
        let mut v = serde_json::json!({"account_id": "acc-123", "email": "Ada.Lovelace@corp.io", "nested": [{"account_id": "acc-123"}],
            "note": "call +1 (415) 555-0100 or mail ops@corp.io", "id": "agent-1"});
        s.scrub_json(&mut v);
        assert_eq!(v["email"], "user@example.com");
        assert_eq!(v["account_id"], v["nested"][0]["account_id"], "one placeholder per original id");
        assert_ne!(v["account_id"], "acc-123");
        assert_eq!(v["note"], "call +10000000000 or mail user@example.com");
        assert_eq!(v["id"], "agent-1", "resource ids are kept");
    }
}
