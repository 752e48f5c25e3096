//! What comes back, checked before it is decoded: compressed and uncompressed answers,
//! encodings the client did not ask for or cannot decode, and pages that are not JSON at all
//! (a captive portal's login page, a proxy's text), with success and error statuses.

mod common;
#[path = "common/raw.rs"]
mod raw;

use std::io::Write;
use std::time::Duration;

use futures::TryStreamExt;
use raw::{End, RawServer, Reply};
use seclai::{Client, Error, ErrorBody, types};
use serde_json::{Value, json};

fn client(url: &str) -> Client {
    Client::builder().api_key(common::KEY).base_url(url).retry_policy(common::fast_retries()).build().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn reply(status: u16, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
    Reply {
        status,
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        content_length: Some(body.len()),
        chunks: vec![(Duration::ZERO, body)],
        end: End::Finish,
    }
}

/// A page of `n` agents in the `{data, pagination}` envelope.
fn agents_page(n: usize) -> Vec<u8> {
    let data: Vec<Value> = (0..n).map(|i| common::agent(&format!("agent-{i:05}"))).collect();
    json!({"data": data, "pagination": {"page": 1, "limit": n, "total": n, "pages": 1, "has_next": false, "has_prev": false}})
        .to_string()
        .into_bytes()
}

#[tokio::test]
async fn json_answers_are_asked_for_compressed_and_decoded() {
    let plain = agents_page(2_000);
    let packed = gzip(&plain);
    assert!(packed.len() * 4 < plain.len(), "{} -> {}", plain.len(), packed.len());
    let body = packed.clone();
    let server = RawServer::start(move |req, _| {
        let asked = req.header("accept-encoding").is_some_and(|v| v.contains("gzip"));
        if asked {
            reply(200, &[("content-type", "application/json"), ("content-encoding", "gzip")], body.clone())
        } else {
            reply(406, &[("content-type", "application/json")], br#"{"detail":"gzip please"}"#.to_vec())
        }
    })
    .await;
    let page = client(&server.url).agents().list().limit(100).send().await.unwrap();
    assert_eq!(page.items.len(), 2_000);
    assert_eq!(page.items[1_999].id, "agent-01999");

    // An answer the server chose not to compress decodes the same.
    let plain_server =
        RawServer::start(move |_, _| reply(200, &[("content-type", "application/json")], plain.clone())).await;
    assert_eq!(client(&plain_server.url).agents().list().send().await.unwrap().items.len(), 2_000);
}

#[tokio::test]
async fn downloads_ask_for_compression_and_streams_do_not() {
    let file = b"id,name\n1,one\n".repeat(1000);
    let packed = gzip(&file);
    let events = format!(
        "event: init\ndata: {}\n\nevent: done\ndata: {}\n\n",
        common::run("r1", "processing"),
        common::run("r1", "completed")
    );
    let packed_events = gzip(events.as_bytes());
    let server = RawServer::start(move |req, _| {
        if req.path.contains("/runs/stream") {
            // The server compresses anyway: what it says goes.
            reply(200, &[("content-type", "text/event-stream"), ("content-encoding", "gzip")], packed_events.clone())
        } else {
            reply(200, &[("content-type", "text/csv"), ("content-encoding", "gzip")], packed.clone())
        }
    })
    .await;
    let c = client(&server.url);
    let source = common::uid(1);
    let export = common::uid(2);
    let got = c.sources().exports().download(&source, &export).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(&got[..], &file[..]);
    let body = types::AgentRunStreamRequest::builder().input("hi");
    let done = c.agents().runs().run_and_wait("a1", body).send().await.unwrap();
    assert_eq!(done.run.status.as_str(), "completed");
    let seen = server.requests();
    let download = seen.iter().find(|r| r.path.contains("/download")).unwrap();
    assert!(download.header("accept-encoding").is_some_and(|v| v.contains("gzip")));
    let stream = seen.iter().find(|r| r.path.contains("/runs/stream")).unwrap();
    assert_eq!(stream.header("accept-encoding"), Some("identity"), "an event stream is asked for uncompressed");
}

#[tokio::test]
async fn an_encoding_this_build_cannot_decode_is_named() {
    for encoding in ["br", "compress", "x-custom"] {
        let server = RawServer::start(move |_, _| {
            reply(
                200,
                &[("content-type", "application/json"), ("content-encoding", encoding)],
                vec![0x1f, 0x8b, 0, 1, 2, 3],
            )
        })
        .await;
        let e = client(&server.url).agents().get("a1").send().await.unwrap_err();
        match &e {
            Error::Content(c) => assert_eq!(c.content_encoding.as_deref(), Some(encoding)),
            other => panic!("{encoding}: {other:?}"),
        }
        let line = e.to_string();
        assert!(
            line.contains(&format!("encoded as `{encoding}`")) && line.contains("get_agent GET /agents/a1"),
            "{line}"
        );
        assert!(line.is_ascii() && !line.contains('\u{fffd}'), "no binary in the message: {line}");
        if encoding == "br" {
            assert!(line.contains("`brotli` feature"), "{line}");
        }
        // An error status in an unknown encoding says so instead of showing the bytes.
        let failing = RawServer::start(move |_, _| {
            reply(503, &[("content-type", "application/json"), ("content-encoding", encoding)], vec![0x1f, 0x8b, 9])
        })
        .await;
        let e = Client::builder().api_key(common::KEY).base_url(&failing.url).max_retries(0).build().unwrap();
        let e = e.agents().get("a1").send().await.unwrap_err();
        assert!(e.to_string().contains(&format!("a body encoded as `{encoding}`")), "{e}");
    }
}

#[tokio::test]
async fn a_corrupt_compressed_body_is_an_error_not_garbage() {
    let server = RawServer::start(|_, _| {
        reply(200, &[("content-type", "application/json"), ("content-encoding", "gzip")], b"this is not gzip".to_vec())
    })
    .await;
    let e = Client::builder().api_key(common::KEY).base_url(&server.url).max_retries(0).build().unwrap();
    let e = e.agents().get("a1").send().await.unwrap_err();
    let Error::Body(body) = &e else { panic!("{e:?}") };
    assert!(!body.is_cut() && !e.is_retryable(), "a corrupt body is not a cut one: {e:?}");
    let line = e.to_string();
    assert!(
        line.starts_with("the body of the answer to get_agent GET /agents/a1 (HTTP 200) could not be decoded after 0 bytes: error decoding response body"),
        "{line}"
    );
    assert!(line.ends_with(": Invalid gzip header") && !line.contains("http://"), "the cause, not the URL: {line}");
}

/// `count` bytes of an agent's JSON, announced as `announced`, then the connection closes.
fn cut_agent(count: usize, announced: Option<usize>) -> Reply {
    let body = common::agent("a1").to_string().into_bytes();
    Reply {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into()), ("x-request-id".into(), "req-cut".into())],
        content_length: announced.or(Some(body.len())),
        chunks: vec![(Duration::ZERO, body[..count.min(body.len())].to_vec())],
        end: End::Close,
    }
}

#[tokio::test]
async fn a_body_that_breaks_off_says_so_with_the_byte_counts() {
    let whole = common::agent("a1").to_string().len();
    let server = RawServer::start(move |_, _| cut_agent(40, Some(whole))).await;
    let c = Client::builder().api_key(common::KEY).base_url(&server.url).max_retries(0).build().unwrap();
    let e = c.agents().get("a1").send().await.unwrap_err();
    let Error::Body(cut) = &e else { panic!("{e:?}") };
    assert_eq!((cut.received, cut.expected, cut.request_id.as_deref()), (40, Some(whole as u64), Some("req-cut")));
    assert_eq!(e.request_id(), Some("req-cut"));
    let line = e.to_string();
    let head = format!(
        "the body of the answer to get_agent GET /agents/a1 (HTTP 200) broke off after 40 bytes of the {whole} announced: "
    );
    assert!(line.starts_with(&head), "{line}");
    assert!(line.ends_with("(request id req-cut)") && !line.contains("http://"), "{line}");

    // Chunked and cut before the last chunk: no length to compare with.
    let server = RawServer::start(|_, _| Reply { content_length: None, ..cut_agent(40, None) }).await;
    let c = Client::builder().api_key(common::KEY).base_url(&server.url).max_retries(0).build().unwrap();
    let e = c.agents().get("a1").send().await.unwrap_err();
    assert!(e.to_string().contains("broke off after 40 bytes (no length announced): "), "{e}");
}

#[tokio::test]
async fn a_body_that_breaks_off_is_retried_when_the_request_may_be_repeated() {
    let whole = common::agent("a1").to_string().len();
    // The first answer breaks off, the second is whole.
    let server = RawServer::start(move |_, i| match i {
        0 => cut_agent(40, Some(whole)),
        _ => Reply { end: End::Finish, ..cut_agent(whole, None) },
    })
    .await;
    let agent = client(&server.url).agents().get("a1").send().await.unwrap();
    assert_eq!(agent.id, "a1");
    assert_eq!(server.requests().len(), 2);

    // A run is not started twice because its answer broke off.
    let server = RawServer::start(move |_, _| cut_agent(10, Some(whole))).await;
    let e = client(&server.url)
        .agents()
        .runs()
        .create("a1", types::AgentRunRequest::builder().input("go"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Body(_)), "{e:?}");
    assert_eq!(server.requests().len(), 1);
}

const PORTAL: &str =
    "<!doctype html><html><head><title>Hotel Wi-Fi: sign in</title></head><body><form>...</form></body></html>";

#[tokio::test]
async fn pages_that_are_not_json_are_named_with_status_type_and_title() {
    let server = RawServer::start(|req, _| match req.path.as_str() {
        "/agents/portal" => reply(200, &[("content-type", "text/html; charset=utf-8")], PORTAL.as_bytes().to_vec()),
        "/agents/text" => reply(200, &[("content-type", "text/plain")], b"upstream says hello\n".to_vec()),
        "/agents/bad-gateway" => reply(502, &[("content-type", "text/html")], PORTAL.as_bytes().to_vec()),
        _ => reply(200, &[("content-type", "text/html")], PORTAL.as_bytes().to_vec()),
    })
    .await;
    let c = Client::builder().api_key(common::KEY).base_url(&server.url).max_retries(0).build().unwrap();

    let e = c.agents().get("portal").send().await.unwrap_err();
    let Error::Content(content) = &e else { panic!("{e:?}") };
    assert_eq!((content.status, content.content_type.as_deref()), (200, Some("text/html; charset=utf-8")));
    assert_eq!(content.summary, "Hotel Wi-Fi: sign in");
    assert_eq!(
        e.to_string(),
        "unexpected answer to get_agent GET /agents/portal (HTTP 200): expected JSON, got `text/html; charset=utf-8`: \
         Hotel Wi-Fi: sign in"
    );
    assert_eq!(e.status(), Some(200));

    let e = c.agents().get("text").send().await.unwrap_err();
    assert!(matches!(&e, Error::Content(t) if t.summary == "upstream says hello"), "{e:?}");

    // An error status with a page is an API error whose body is the page's title.
    let e = c.agents().get("bad-gateway").send().await.unwrap_err();
    let api = e.as_api().unwrap();
    assert_eq!((api.status, &api.body), (502, &ErrorBody::Text("Hotel Wi-Fi: sign in".into())));

    // A stream operation: neither an event stream nor JSON.
    let body = types::AgentRunStreamRequest::builder().input("hi");
    let e = c.agents().runs().stream("a1", body).send().await.unwrap_err();
    let Error::Content(content) = &e else { panic!("{e:?}") };
    assert!(content.expected.contains("event stream") && content.summary == "Hotel Wi-Fi: sign in", "{e}");

    // A list, and the escape hatch, check the same way; a file may be anything.
    assert!(matches!(c.agents().list().items().try_next().await, Err(Error::Content(_))));
    assert!(matches!(c.request(reqwest::Method::GET, "/x").send::<Value>().await, Err(Error::Content(_))));
    let page = c.request(reqwest::Method::GET, "/x").send_raw().await.unwrap();
    assert_eq!(page.text().await.unwrap(), PORTAL);
}
