//! Fuzz targets: every function that reads what a server (or the user's config file) hands the
//! SDK, run on arbitrary bytes. Each target checks more than "no panic": the property the
//! reader promises (the same events whatever the chunking, a file name that cannot climb out
//! of its directory, no secret left after redaction, ...).
//!
//! Compiled for the fuzzers (`cargo fuzz` sets `--cfg fuzzing`; the targets are in `fuzz/`,
//! see `docs/security.md`) and for this crate's unit tests, which run every target on a
//! bounded, seeded set of generated inputs on each `cargo test`.

use serde_json::Value;

use crate::error::{ApiErrorKind, ErrorBody, RequestContext};
use crate::sse::SseDecoder;

/// A fuzz target: one input, any bytes.
pub type Target = fn(&[u8]);

/// Every target, by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("sse", sse),
    ("error_body", error_body),
    ("list_envelope", list_envelope),
    ("config", config),
    ("content_disposition", content_disposition),
    ("content_summary", content_summary),
    ("redact", redact),
];

/// The events of a whole stream, fed in `chunks`, and whether it ended inside one.
fn events(chunks: &[&[u8]]) -> (Vec<crate::sse::SseEvent>, bool) {
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    for c in chunks {
        d.push(c);
        while let Some(e) = d.next_event() {
            out.push(e);
        }
    }
    (out, d.has_partial_event())
}

/// The SSE decoder: the first byte picks two split points; the events (and whether the stream
/// ended inside one) must not depend on how the stream was cut into chunks.
pub fn sse(data: &[u8]) {
    let Some((&seed, stream)) = data.split_first() else { return };
    let whole = events(&[stream]);
    let n = stream.len();
    let i = if n == 0 { 0 } else { (seed as usize * 7919) % (n + 1) };
    let j = if n == 0 { 0 } else { i + (seed as usize * 104_729) % (n - i + 1) };
    let split = events(&[&stream[..i], &stream[i..j], &stream[j..]]);
    assert_eq!(whole, split, "split at {i} and {j}");
    let bytewise: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(whole, events(&bytewise), "one byte at a time");
}

/// The error-body parser: any body gives a kind and a one-line message bounded by the body.
pub fn error_body(data: &[u8]) {
    let body = ErrorBody::parse(data);
    let message = body.message();
    assert!(message.len() <= data.len().max(16) * 8 + 64, "message of {} bytes from {}", message.len(), data.len());
    for status in [400, 402, 422, 429, 503] {
        let _ = ApiErrorKind::from_status(status, &body);
    }
    for field in body.field_errors() {
        std::hint::black_box(field.location());
    }
}

/// The list-envelope decoder, for every items key the spec uses: a decoded page never holds
/// more items than the JSON has values.
pub fn list_envelope(data: &[u8]) {
    let context = RequestContext { operation: "fuzz", method: reqwest::Method::GET, path: "/".into() };
    let secrets = crate::redact::Secrets::default();
    for key in [None, Some("data"), Some("items"), Some("alerts"), Some("knowledge_bases"), Some("turns")] {
        if let Ok(page) = crate::paginate::decode_page::<Value>(data, key, &context, 200, None, &secrets) {
            assert!(page.items.len() <= data.len(), "{} items from {} bytes", page.items.len(), data.len());
            let _ = page.has_next;
        }
    }
}

/// The `~/.seclai/config` reader: sections and keys come out trimmed and never empty-named.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for (section, keys) in crate::auth::sso::parse_ini(&text) {
        assert_eq!(section, section.trim());
        for (k, v) in keys {
            assert_eq!((k.trim(), v.trim()), (k.as_str(), v.as_str()));
        }
    }
}

/// The `Content-Disposition` parser: a name is never empty, never `.` or `..`, and never has
/// a path separator (a download cannot be written outside its directory).
pub fn content_disposition(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(name) = crate::download::file_name_from_disposition(&text) {
        assert!(!name.is_empty() && name != "." && name != "..", "{name:?}");
        assert!(!name.contains(['/', '\\']), "{name:?}");
    }
}

/// The summary of an unexpected answer: one line, bounded, whatever the bytes.
pub fn content_summary(data: &[u8]) {
    for content_type in [None, Some("text/html"), Some("text/plain"), Some("application/octet-stream")] {
        let s = crate::error::summarize(data, content_type);
        assert!(!s.contains('\n'), "{s:?}");
        assert!(s.chars().count() <= 210, "{} chars", s.chars().count());
    }
}

/// Redaction: whatever surrounds a secret, none is left after it.
pub fn redact(data: &[u8]) {
    let secret = "sk-fuzz-0123456789";
    let secrets = crate::redact::Secrets::new([secret.to_string()]);
    let mut body = data.to_vec();
    let at = data.first().map_or(0, |b| *b as usize % (data.len() + 1));
    body.splice(at..at, secret.bytes());
    let masked = secrets.redact_bytes(&body);
    assert!(!masked.windows(secret.len()).any(|w| w == secret.as_bytes()));
    let text = String::from_utf8_lossy(&body);
    assert!(!secrets.redact(&text).contains(secret));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Valid examples of what each target reads; the generator mutates them.
    fn seeds(target: &str) -> Vec<&'static [u8]> {
        match target {
            "sse" => vec![
                b"\x05: keepalive\n\nevent: init\ndata: {\"run_id\":\"r1\"}\n\n",
                b"\x11event: stream_token\r\ndata: {\"token\":\"a\"}\r\n\r\nid: 3\rretry: 10\rdata: x\r\r",
                b"\x02\xEF\xBB\xBFdata: one\ndata: two\n\nevent: done\ndata: {}",
            ],
            "error_body" => vec![
                br#"{"detail":[{"loc":["body","name",0],"msg":"Field required","type":"missing"}]}"#,
                br#"{"error":"invalid_agent_definition","message":"bad","errors":[{"line":3,"column":7,"path":"a","message":"m"}],"source":"{}"}"#,
                br#"{"detail":{"error":"insufficient_credits","message":"out","account_id":"a"}}"#,
                br#"{"error":{"type":"invalid_request_error","message":"m","code":"c"}}"#,
                b"<html><head><title>502 Bad Gateway</title></head><body>x</body></html>",
            ],
            "list_envelope" => vec![
                br#"{"data":[{"id":"a"}],"pagination":{"page":1,"limit":1,"total":3,"pages":3,"has_next":true}}"#,
                br#"{"items":[1,2],"total":2,"auto_block_mode":"x"}"#,
                br#"[{"id":"a"},{"id":"b"}]"#,
                br#"{"knowledge_bases":[],"page":1,"limit":20,"total":0}"#,
            ],
            "config" => vec![b"# c\n[default]\nsso_client_id = abc\n\n[profile work]\nsso_domain=x\n; c\n"],
            "content_disposition" => vec![
                b"attachment; filename=\"export.jsonl\"",
                b"attachment; filename=\"f.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
                b"inline; filename=../../etc/passwd",
            ],
            "content_summary" => vec![b"<!doctype html><title>Sign in</title>", b"plain text\nwith lines", b"\x00\x01\x02"],
            _ => vec![b"{\"detail\":\"Invalid API key\"}"],
        }
    }

    /// Tokens that matter to the readers, spliced into seeds.
    const TOKENS: &[&[u8]] = &[
        b"\n",
        b"\r",
        b"\r\n",
        b"\n\n",
        b":",
        b"data:",
        b"event:",
        b"id:",
        b"retry:",
        b"\"",
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b"\\",
        b"\\u00",
        b";",
        b"=",
        b"filename*=",
        b"''",
        b"%",
        b"%2F",
        b"..",
        b"/",
        b"<title>",
        b"</title>",
        b"[profile ",
        b"\xff",
        b"\xEF\xBB\xBF",
        b"\x00",
        b"null",
        b"-1",
        b"1e999",
    ];

    /// A mutation of `seed`: random bytes, token splices, cuts and repeats.
    fn mutate(rng: &mut fastrand::Rng, seed: &[u8]) -> Vec<u8> {
        let mut v = seed.to_vec();
        for _ in 0..rng.usize(1..6) {
            let at = rng.usize(0..=v.len());
            match rng.u8(0..6) {
                0 => v.insert(at, rng.u8(..)),
                1 => v.splice(at..at, TOKENS[rng.usize(..TOKENS.len())].iter().copied()).for_each(drop),
                2 if !v.is_empty() => v.truncate(at),
                3 if at < v.len() => {
                    v.remove(at);
                }
                4 => {
                    let copy = v[at..].to_vec();
                    v.extend_from_slice(&copy);
                }
                _ => v.extend((0..rng.usize(0..32)).map(|_| rng.u8(..))),
            }
        }
        v.truncate(16 * 1024);
        v
    }

    /// Every target on generated inputs (seeds, their mutations and random bytes): 10,000 each
    /// by default, a quick deterministic run on every `cargo test`; CI runs more
    /// (`SECLAI_FUZZ_INPUTS`), and `cargo fuzz` millions (docs/security.md).
    #[test]
    fn every_target_survives_generated_inputs() {
        let inputs: usize = std::env::var("SECLAI_FUZZ_INPUTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
        let mut rng = fastrand::Rng::with_seed(0x5ec1a1);
        for (name, target) in TARGETS {
            let seeds = seeds(name);
            for seed in &seeds {
                target(seed);
            }
            for i in 0..inputs {
                let input = if i % 8 == 0 {
                    (0..rng.usize(0..256)).map(|_| rng.u8(..)).collect()
                } else {
                    mutate(&mut rng, seeds[i % seeds.len()])
                };
                target(&input);
            }
        }
    }
}
