//! Cassettes: recorded HTTP interactions, one human-readable YAML file each (the format is
//! described in `docs/cassettes.md`). With the `record` feature, a client can write every
//! interaction it makes as a scrubbed cassette ([`crate::ClientBuilder::record_to`]); that
//! side, scrubbing included, is `record.rs`.

mod record;

pub use record::{KEPT_REQUEST_HEADERS, KEPT_RESPONSE_HEADERS, Scrubber};
pub(crate) use record::{Recorder, Tape, from_exchange};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Where a cassette came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    /// Recorded from a real server (and scrubbed).
    Recorded,
    /// Written by hand.
    Authored,
}

fn some<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A base64 field, checked when the cassette is read: bad base64 is a load error naming the
/// field, not an empty body later.
fn checked_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    base64::engine::general_purpose::STANDARD
        .decode(&text)
        .map_err(|e| serde::de::Error::custom(format!("not valid base64: {e}")))?;
    Ok(Some(text))
}

/// The query parameters of a request, in order. In YAML a map from name to value, a list of
/// values for a parameter sent several times (`content_version_id: [a, b]`); values are
/// strings, whatever scalar they were written as. Two queries are equal when they hold the
/// same pairs, whatever their order across names (the order of one name's values counts).
#[derive(Debug, Clone, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// The pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// Whether there is no parameter.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Rewrites every value.
    pub fn map_values(&mut self, mut f: impl FnMut(&str) -> String) {
        for (_, v) in &mut self.0 {
            *v = f(v);
        }
    }

    fn sorted(&self) -> Vec<(&str, &str)> {
        let mut pairs: Vec<(&str, &str)> = self.iter().collect();
        // A stable sort by name keeps the order of one name's values.
        pairs.sort_by(|a, b| a.0.cmp(b.0));
        pairs
    }
}

impl PartialEq for QueryParams {
    fn eq(&self, other: &Self) -> bool {
        self.sorted() == other.sorted()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for QueryParams {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

impl Serialize for QueryParams {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut grouped: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (k, v) in self.iter() {
            grouped.entry(k).or_default().push(v);
        }
        let map: BTreeMap<&str, Value> = grouped
            .into_iter()
            .map(|(k, vs)| (k, if vs.len() == 1 { Value::from(vs[0]) } else { Value::from(vs) }))
            .collect();
        map.serialize(s)
    }
}

impl<'de> Deserialize<'de> for QueryParams {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = |v: Value| match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        let raw: BTreeMap<String, Value> = BTreeMap::deserialize(d)?;
        let mut pairs = Vec::new();
        for (k, v) in raw {
            match v {
                Value::Array(items) => pairs.extend(items.into_iter().map(|i| (k.clone(), text(i)))),
                other => pairs.push((k, text(other))),
            }
        }
        Ok(Self(pairs))
    }
}

/// Header values as strings, whatever YAML scalar they were written as.
fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let raw: BTreeMap<String, Value> = BTreeMap::deserialize(d)?;
    Ok(raw
        .into_iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, s)
        })
        .collect())
}

/// One part of a multipart request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultipartPart {
    /// The field name.
    pub name: String,
    /// The file name, for a file part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// The part's media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Text content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Binary content, base64.
    #[serde(default, deserialize_with = "checked_base64", skip_serializing_if = "Option::is_none")]
    pub base64: Option<String>,
    /// Content too large to keep (a recorded file over [`KEPT_BODY_BYTES`]): its length and
    /// digest instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omitted: Option<Omitted>,
}

impl MultipartPart {
    /// The content bytes; for omitted content, a stand-in of the same length (see
    /// [`Omitted::stand_in`]).
    pub fn bytes(&self) -> Vec<u8> {
        kept_bytes(self.text.as_deref(), self.base64.as_deref(), self.omitted.as_ref())
    }
}

/// Content kept as text, base64, or omitted (a stand-in of its length): the bytes.
fn kept_bytes(text: Option<&str>, base64: Option<&str>, omitted: Option<&Omitted>) -> Vec<u8> {
    match (text, base64, omitted) {
        (Some(t), _, _) => t.as_bytes().to_vec(),
        (None, Some(b), _) => base64::engine::general_purpose::STANDARD.decode(b).unwrap_or_default(),
        (None, None, Some(o)) => o.stand_in(),
        _ => Vec::new(),
    }
}

/// The most bytes of a recorded file (an uploaded file part, a downloaded file) a cassette
/// keeps; a larger one is written as its length and SHA-1.
pub const KEPT_BODY_BYTES: usize = 64 * 1024;

/// The most bytes of a recorded event stream a cassette keeps (a run's events replay only
/// whole).
pub(crate) const KEPT_STREAM_BYTES: usize = 16 << 20;

/// Content a recording did not keep: how long it was and, when the client could compute it
/// without reading a one-shot reader twice, its SHA-1 (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Omitted {
    /// The length in bytes.
    pub length: u64,
    /// The SHA-1 of the content, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
}

impl Omitted {
    /// The omitted content's length and digest.
    pub fn of(bytes: &[u8]) -> Self {
        use sha1::Digest as _;
        Omitted { length: bytes.len() as u64, sha1: Some(hex(&sha1::Sha1::digest(bytes))) }
    }

    /// What a replay sends or serves in place of the content: `length` bytes of `x`. (The
    /// contract check compares lengths through it; the digest tells recordings apart.)
    pub fn stand_in(&self) -> Vec<u8> {
        vec![b'x'; self.length as usize]
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The request of a cassette.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// The HTTP method.
    pub method: String,
    /// The concrete path, without the query.
    pub path: String,
    /// Query parameters.
    #[serde(default, skip_serializing_if = "QueryParams::is_empty")]
    pub query: QueryParams,
    /// Selected headers.
    #[serde(default, deserialize_with = "string_map", skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The JSON body (`Some(Null)` is a JSON `null`).
    #[serde(default, deserialize_with = "some", skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// The parts of a multipart body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multipart: Option<Vec<MultipartPart>>,
}

/// The response of a cassette.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedResponse {
    /// The status code.
    pub status: u16,
    /// Selected headers.
    #[serde(default, deserialize_with = "string_map", skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A JSON body (`Some(Null)` is a JSON `null`).
    #[serde(default, deserialize_with = "some", skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A body that is not JSON, as text (an event stream, an HTML page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A binary body, base64.
    #[serde(default, deserialize_with = "checked_base64", skip_serializing_if = "Option::is_none")]
    pub base64: Option<String>,
    /// A body too large to keep (a downloaded file over [`KEPT_BODY_BYTES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omitted: Option<Omitted>,
}

impl RecordedResponse {
    /// The body bytes as the server sent them; for an omitted body, a stand-in of the same
    /// length.
    pub fn body_bytes(&self) -> Vec<u8> {
        match &self.body {
            Some(b) => serde_json::to_vec(b).unwrap_or_default(),
            None => kept_bytes(self.text.as_deref(), self.base64.as_deref(), self.omitted.as_ref()),
        }
    }

    /// Sets the body from the bytes received: JSON when the content type says so (or none
    /// is given) and it parses, else text, else base64; a file over `keep` bytes is omitted.
    pub(crate) fn set_body(&mut self, body: &[u8], keep: usize) {
        let content_type = self.content_type().unwrap_or_default().to_ascii_lowercase();
        let json = content_type.starts_with("application/json") || content_type.is_empty();
        if body.is_empty() {
            // No body to keep.
        } else if json && let Ok(v) = serde_json::from_slice(body) {
            self.body = Some(v);
        } else if body.len() > keep {
            self.omitted = Some(Omitted::of(body));
        } else {
            match std::str::from_utf8(body) {
                Ok(t) => self.text = Some(t.to_string()),
                Err(_) => self.base64 = Some(base64::engine::general_purpose::STANDARD.encode(body)),
            }
        }
    }

    /// The `content-type` header, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.as_str())
    }
}

/// One recorded interaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cassette {
    /// The operation id.
    pub operation: String,
    /// Where it came from.
    pub provenance: Provenance,
    /// One line about the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The request.
    pub request: RecordedRequest,
    /// The response.
    pub response: RecordedResponse,
}

/// A cassette failed to load or save.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct CassetteError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

impl Cassette {
    /// Parses a cassette from YAML.
    pub fn from_yaml(text: &str) -> Result<Self, String> {
        serde_yaml::from_str(text).map_err(|e| e.to_string())
    }

    /// Reads a cassette file.
    pub fn load(path: &Path) -> Result<Self, CassetteError> {
        let err = |message: String| CassetteError { path: path.to_path_buf(), message };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        Self::from_yaml(&text).map_err(err)
    }

    /// The YAML text of the cassette.
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).unwrap_or_default()
    }

    /// Loads every `<operation>/<variant>.yaml` under `dir`, sorted by path.
    pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, Cassette)>, CassetteError> {
        let mut out = Vec::new();
        let entries =
            std::fs::read_dir(dir).map_err(|e| CassetteError { path: dir.to_path_buf(), message: e.to_string() })?;
        let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
        dirs.sort();
        for d in dirs {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
                .map_err(|e| CassetteError { path: d.clone(), message: e.to_string() })?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
                .collect();
            files.sort();
            for f in files {
                let c = Cassette::load(&f)?;
                out.push((f, c));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_round_trip_keeps_null_bodies_and_string_queries() {
        let text = "operation: get_source_embedding_migration\nprovenance: authored\nrequest:\n  method: GET\n  path: /sources/s/embedding-migration\n  query:\n    limit: 5\nresponse:\n  status: 200\n  body: null\n";
        let c = Cassette::from_yaml(text).unwrap();
        assert_eq!(c.response.body, Some(Value::Null));
        assert_eq!(c.request.query.get("limit"), Some("5"));
        assert_eq!(c.response.body_bytes(), b"null");
        let again = Cassette::from_yaml(&c.to_yaml()).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn repeated_query_parameters_are_lists() {
        let text = "operation: list_source_contents\nprovenance: authored\nrequest:\n  method: GET\n  path: /x\n  query:\n    content_version_id: [a, b]\n    limit: 5\nresponse:\n  status: 200\n";
        let c = Cassette::from_yaml(text).unwrap();
        assert_eq!(c.request.query.all("content_version_id"), ["a", "b"]);
        assert_eq!(c.request.query.get("limit"), Some("5"));
        let same: QueryParams =
            [("limit", "5"), ("content_version_id", "a"), ("content_version_id", "b")].into_iter().collect();
        assert_eq!(c.request.query, same, "order across names does not matter");
        let swapped: QueryParams =
            [("content_version_id", "b"), ("content_version_id", "a"), ("limit", "5")].into_iter().collect();
        assert_ne!(c.request.query, swapped, "the order of one name's values does");
        assert_eq!(Cassette::from_yaml(&c.to_yaml()).unwrap(), c);
    }

    #[test]
    fn bad_base64_is_a_load_error_and_good_base64_round_trips() {
        let head = "operation: download_source_export\nprovenance: authored\nrequest:\n  method: GET\n  path: /x\nresponse:\n  status: 200\n";
        let err = Cassette::from_yaml(&format!("{head}  base64: 'not base64!'\n")).unwrap_err();
        assert!(err.contains("not valid base64"), "{err}");
        let c = Cassette::from_yaml(&format!("{head}  base64: aGVsbG8=\n")).unwrap();
        assert_eq!(c.response.body_bytes(), b"hello");
        assert_eq!(Cassette::from_yaml(&c.to_yaml()).unwrap(), c);
    }
}
