//! The cassettes the server answers from, and the choice of the one that fits a request.

use std::collections::BTreeMap;

use seclai::cassette::{Cassette, QueryParams};
use serde_json::Value;

/// A cassette and where it came from.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `operation/variant.yaml`.
    pub file: String,
    /// The cassette.
    pub cassette: Cassette,
}

/// Every cassette, by operation id.
#[derive(Debug, Default, Clone)]
pub struct Library {
    by_operation: BTreeMap<String, Vec<Entry>>,
}

/// What a request carries, for matching.
#[derive(Debug)]
pub struct Incoming<'a> {
    /// The path, without the query.
    pub path: &'a str,
    /// Query parameters.
    pub query: &'a [(String, String)],
    /// The `Seclai-Version` header.
    pub version: Option<&'a str>,
    /// The JSON body, if any.
    pub body: Option<&'a Value>,
}

impl Library {
    /// The cassettes the crate embeds (parsed once per process, then cloned).
    pub fn embedded() -> Self {
        static PARSED: std::sync::OnceLock<Library> = std::sync::OnceLock::new();
        PARSED.get_or_init(Self::parse_embedded).clone()
    }

    fn parse_embedded() -> Self {
        let mut lib = Library::default();
        for (file, text) in crate::embedded::CASSETTES {
            let cassette = Cassette::from_yaml(text).unwrap_or_else(|e| panic!("embedded cassette {file}: {e}"));
            lib.add(file.to_string(), cassette);
        }
        lib
    }

    /// Adds a cassette.
    pub fn add(&mut self, file: String, cassette: Cassette) {
        self.by_operation.entry(cassette.operation.clone()).or_default().push(Entry { file, cassette });
    }

    /// Every cassette of an operation.
    pub fn of(&self, operation: &str) -> &[Entry] {
        self.by_operation.get(operation).map_or(&[], Vec::as_slice)
    }

    /// The cassette that best fits a request. An error cassette is chosen only for the exact
    /// request it recorded; a cassette of the same API version is preferred; `default` breaks ties.
    pub fn choose(&self, operation: &str, req: &Incoming<'_>) -> Option<&Entry> {
        let query: QueryParams = req.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.of(operation)
            .iter()
            .filter_map(|e| {
                let c = &e.cassette;
                let same_path = c.request.path == req.path;
                let same_query = c.request.query == query;
                let same_body = c.request.body.as_ref() == req.body;
                let exact = same_path && same_query && (same_body || c.request.multipart.is_some());
                if c.response.status >= 400 && !exact {
                    return None;
                }
                let mut score = 0i32;
                if c.request.headers.get("seclai-version").map(String::as_str) != req.version {
                    score -= 100;
                }
                if exact {
                    score += 50;
                }
                score += i32::from(same_path) * 8 + i32::from(same_query) * 4 + i32::from(same_body) * 2;
                score += query.iter().filter(|(k, v)| c.request.query.get(k) == Some(*v)).count() as i32;
                if e.file.ends_with("/default.yaml") {
                    score += 1;
                }
                Some((score, e))
            })
            .max_by_key(|(score, e)| (*score, std::cmp::Reverse(e.file.clone())))
            .map(|(_, e)| e)
    }
}
