//! Where credentials go, and where they never show up, tested over loopback against servers
//! that misbehave on purpose.
//!
//! Two local origins stand in for the API and for another host. The API answers every request
//! with a redirect to the other origin; for every kind of credential and every request path,
//! nothing the client holds may reach the other origin, and what the client shows (errors,
//! `Debug`, traces, recordings) never contains a secret, even when the server echoes it.

mod common;
#[path = "common/raw.rs"]
mod raw;

use std::time::Duration;

use futures::TryStreamExt;
use raw::{Captured, End, RawServer, Reply};
use reqwest::header::{HeaderName, HeaderValue};
use seclai::auth::{Secret, TokenFuture, TokenProvider};
use seclai::upload::UploadFile;
use seclai::{Client, Error, types};
use serde_json::{Value, json};

const API_KEY: &str = "sk-live-redirect-0123456789";
const BEARER: &str = "eyJhbGciOi.bearer-secret.sig";
const PROVIDED: &str = "provided-token-abcdef123456";
const SSO_ACCESS: &str = "sso-access-token-987654321";
const ACCOUNT: &str = "acct-7f1c2d3e";
const GATEWAY_HEADER: &str = "x-gateway-token";
const GATEWAY_TOKEN: &str = "gateway-secret-55555555";
const SOURCE: &str = "00000000-0000-4000-8000-000000000001";
const EXPORT: &str = "00000000-0000-4000-8000-000000000002";
const RUN: &str = "00000000-0000-4000-8000-000000000003";

/// The kinds of credential a client can hold.
#[derive(Debug, Clone, Copy)]
enum Kind {
    ApiKey,
    Bearer,
    Provider,
    Sso,
}

const KINDS: [Kind; 4] = [Kind::ApiKey, Kind::Bearer, Kind::Provider, Kind::Sso];

struct Provider;
impl TokenProvider for Provider {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async { Ok(Secret::new(PROVIDED)) })
    }
}

/// A client of `kind` for the API at `api`, with an account id and a sensitive default
/// header besides the credential. Returns it with every secret value it holds.
fn client(kind: Kind, api: &str) -> (Client, Vec<&'static str>) {
    let mut gateway = HeaderValue::from_static(GATEWAY_TOKEN);
    gateway.set_sensitive(true);
    let base = match kind {
        Kind::Sso => {
            let (dir, _) =
                common::sso_setup("http://127.0.0.1:9", SSO_ACCESS, chrono::Utc::now() + chrono::Duration::hours(1));
            let (dir, api) = (dir.to_string_lossy().to_string(), api.to_string());
            seclai::ClientBuilder::from_env_with(move |k| match k {
                "SECLAI_CONFIG_DIR" => Some(dir.clone()),
                _ => None,
            })
            .base_url(api)
        }
        _ => Client::builder().base_url(api).account_id(ACCOUNT),
    };
    let (builder, secret) = match kind {
        Kind::ApiKey => (base.api_key(API_KEY), API_KEY),
        Kind::Bearer => (base.bearer_token(BEARER), BEARER),
        Kind::Provider => (base.token_provider(Provider), PROVIDED),
        Kind::Sso => (base, SSO_ACCESS),
    };
    let client = builder
        .default_header(HeaderName::from_static(GATEWAY_HEADER), gateway)
        .retry_policy(common::fast_retries())
        .build()
        .unwrap();
    (client, vec![secret, GATEWAY_TOKEN])
}

/// Fails if a request carries any credential header or any secret value.
fn assert_no_credentials(requests: &[Captured], secrets: &[&str], what: &str) {
    for r in requests {
        for (name, value) in &r.headers {
            assert!(
                !matches!(name.as_str(), "x-api-key" | "authorization" | "x-account-id" | "cookie" | GATEWAY_HEADER),
                "{what}: the other origin received `{name}`"
            );
            for s in secrets.iter().chain(&[ACCOUNT, "refresh-1"]) {
                assert!(!value.contains(s), "{what}: the other origin received a secret in `{name}`");
            }
        }
        for s in secrets {
            assert!(!String::from_utf8_lossy(&r.body).contains(s), "{what}: a secret in the body sent elsewhere");
        }
    }
}

/// The API: every request is redirected (`status`) to `elsewhere`, keeping the path.
async fn redirecting_api(status: u16, elsewhere: String) -> RawServer {
    RawServer::start(move |req, _| Reply {
        status,
        headers: vec![("location".into(), format!("{elsewhere}/moved{}", req.path))],
        chunks: vec![],
        content_length: Some(0),
        end: End::Finish,
    })
    .await
}

/// The other origin: a file for every request.
async fn other_origin() -> RawServer {
    RawServer::start(|_, _| Reply {
        status: 200,
        headers: vec![("content-type".into(), "application/octet-stream".into())],
        chunks: vec![(Duration::ZERO, b"file from elsewhere".to_vec())],
        content_length: Some(19),
        end: End::Finish,
    })
    .await
}

fn origin(url: &str) -> String {
    reqwest::Url::parse(url).unwrap().origin().ascii_serialization()
}

fn run_body() -> types::AgentRunStreamRequest {
    types::AgentRunStreamRequest::builder().input("hello").build().unwrap()
}

/// Every request path that talks JSON (or a stream) to the API: a redirect elsewhere is an
/// error naming the other origin.
async fn json_paths(c: &Client) -> Vec<(&'static str, Result<(), Error>)> {
    let upload = UploadFile::bytes(b"hello".to_vec(), "a.txt");
    vec![
        ("get", c.agents().get("a1").send().await.map(drop)),
        ("post", c.agents().runs().create("a1", types::AgentRunRequest::builder()).send().await.map(drop)),
        ("list", c.agents().list().items().try_collect::<Vec<_>>().await.map(drop)),
        ("upload", c.sources().upload(SOURCE, upload).send().await.map(drop)),
        ("stream", c.agents().runs().stream("a1", run_body()).send().await.map(drop)),
        ("escape hatch", c.request(reqwest::Method::GET, "/agents").send::<Value>().await.map(drop)),
    ]
}

#[tokio::test]
async fn no_credential_of_any_kind_follows_a_redirect_to_another_origin() {
    for status in [302, 307] {
        for kind in KINDS {
            let elsewhere = other_origin().await;
            let api = redirecting_api(status, elsewhere.url.clone()).await;
            let (c, _) = client(kind, &api.url);
            for (path, result) in json_paths(&c).await {
                match result {
                    Err(Error::Redirect(r)) => {
                        assert_eq!(r.status, status);
                        assert_eq!(r.target, origin(&elsewhere.url), "{kind:?} {path}");
                        assert_eq!(r.api_origin, origin(&api.url));
                        let line = Error::Redirect(r).to_string();
                        assert!(line.contains(&origin(&elsewhere.url)) && line.contains("not followed"), "{line}");
                    }
                    other => panic!("{kind:?} {path} after {status}: {other:?}"),
                }
            }
            assert!(elsewhere.requests().is_empty(), "{kind:?} {status}: the other origin was contacted");
            assert!(!api.requests().is_empty());
        }
    }
}

#[tokio::test]
async fn file_downloads_follow_a_redirect_elsewhere_without_any_credential() {
    for kind in KINDS {
        let elsewhere = other_origin().await;
        let api = redirecting_api(302, elsewhere.url.clone()).await;
        let (c, secrets) = client(kind, &api.url);
        let export = c.sources().exports().download(SOURCE, EXPORT).send().await.unwrap().bytes().await.unwrap();
        let attachment = c.agents().runs().download_attachment(RUN, "c3RvcmFnZQ").send().await.unwrap();
        let attachment = attachment.bytes().await.unwrap();
        let by_url = c.download_url(format!("{}/files/report.pdf", api.url)).send().await.unwrap();
        let by_url = by_url.bytes().await.unwrap();
        let raw = c.request(reqwest::Method::GET, "/raw").send_raw().await.unwrap().bytes().await.unwrap();
        for body in [&export, &attachment, &by_url, &raw] {
            assert_eq!(&body[..], b"file from elsewhere");
        }
        let seen = elsewhere.requests();
        assert_eq!(seen.len(), 4, "{kind:?}");
        assert_no_credentials(&seen, &secrets, &format!("{kind:?} downloads"));
        // The API itself got the credential (the first hop).
        let first = &api.requests()[0];
        assert!(first.header("x-api-key").or(first.header("authorization")).is_some(), "{kind:?}");
    }
}

#[tokio::test]
async fn a_file_url_on_another_origin_is_fetched_without_credentials() {
    let elsewhere = other_origin().await;
    let api = other_origin().await;
    for kind in KINDS {
        let (c, secrets) = client(kind, &api.url);
        let url = format!("{}/signed/file.bin?X-Signature=abc", elsewhere.url);
        let file = c.download_url(&url).download_name("file.bin").send().await.unwrap();
        assert_eq!(&file.bytes().await.unwrap()[..], b"file from elsewhere");
        assert_no_credentials(&elsewhere.requests(), &secrets, &format!("{kind:?} foreign URL"));
        // The same kind of URL on the API's origin carries the credential.
        c.download_url(format!("{}/files/x", api.url)).send().await.unwrap();
    }
    let seen = api.requests();
    assert_eq!(seen.len(), 4);
    assert!(seen.iter().all(|r| r.header("x-api-key").or(r.header("authorization")).is_some()));
    assert!(elsewhere.requests().iter().all(|r| r.path.starts_with("/signed/file.bin?X-Signature=abc&download_name=")));
    let c = Client::new(API_KEY).unwrap();
    for bad in ["ftp://host/file", "not a url", "https://user:pw@host/file"] {
        assert!(matches!(c.download_url(bad).send().await, Err(Error::InvalidArgument(_))), "{bad}");
    }
}

#[tokio::test]
async fn same_origin_redirects_are_followed_with_the_credential() {
    for kind in KINDS {
        let api = RawServer::start(|req, _| {
            if req.path == "/agents/old" {
                Reply {
                    status: 307,
                    headers: vec![("location".into(), "/agents/new".into())],
                    chunks: vec![],
                    content_length: Some(0),
                    end: End::Finish,
                }
            } else {
                Reply::json(200, &common::agent("new"))
            }
        })
        .await;
        let (c, _) = client(kind, &api.url);
        let agent = c.agents().get("old").send().await.unwrap();
        assert_eq!(agent.id, "new");
        let seen = api.requests();
        assert_eq!(seen.len(), 2);
        for r in &seen {
            assert!(r.header("x-api-key").or(r.header("authorization")).is_some(), "{kind:?} {}", r.path);
            assert_eq!(r.header(GATEWAY_HEADER), Some(GATEWAY_TOKEN));
        }
    }
}

#[tokio::test]
async fn an_sso_refresh_is_not_re_posted_to_another_origin() {
    let elsewhere = other_origin().await;
    let token_endpoint = redirecting_api(307, elsewhere.url.clone()).await;
    let api = other_origin().await;
    let (dir, _) =
        common::sso_setup(&token_endpoint.url, "stale-access-token", chrono::Utc::now() - chrono::Duration::hours(1));
    let (dir, url) = (dir.to_string_lossy().to_string(), api.url.clone());
    let c = seclai::ClientBuilder::from_env_with(move |k| match k {
        "SECLAI_CONFIG_DIR" => Some(dir.clone()),
        "SECLAI_API_URL" => Some(url.clone()),
        _ => None,
    })
    .build()
    .unwrap();
    let e = c.agents().get("a1").send().await.unwrap_err();
    let line = e.to_string();
    assert!(line.contains("redirected to") && line.contains(&origin(&elsewhere.url)), "{line}");
    assert!(elsewhere.requests().is_empty(), "the refresh token went elsewhere");
    assert!(api.requests().is_empty(), "no API call without a token");
}

// ---- secrets echoed by the server ----

/// An API that echoes the credential it received: in a 401 body, in the request id header,
/// and in a second route that answers 200 with a body that does not decode.
async fn echoing_api() -> RawServer {
    RawServer::start(|req, _| {
        let sent = req
            .header("x-api-key")
            .map(String::from)
            .or_else(|| req.header("authorization").map(|a| a.trim_start_matches("Bearer ").to_string()))
            .unwrap_or_default();
        let gateway = req.header(GATEWAY_HEADER).unwrap_or_default().to_string();
        let echo = format!("Invalid API key {sent} (gateway {gateway})");
        let mut reply = match req.path.as_str() {
            "/agents/denied" => Reply::json(401, &json!({"detail": echo})),
            "/agents/garbled" => Reply::json(200, &json!({"id": 7, "name": echo})),
            "/agents/portal" => {
                let page = format!("<html><head><title>Sign in {sent}</title></head><body>{echo}</body></html>");
                Reply {
                    status: 200,
                    headers: vec![("content-type".into(), "text/html".into())],
                    content_length: Some(page.len()),
                    chunks: vec![(Duration::ZERO, page.into_bytes())],
                    end: End::Finish,
                }
            }
            _ => {
                let events = format!(
                    "event: init\ndata: {}\n\nevent: error\ndata: {}\n\n",
                    common::run("r1", "processing"),
                    json!({"run_id": "r1", "error": echo})
                );
                Reply::sse(vec![(Duration::ZERO, events.into_bytes())], End::Finish)
            }
        };
        reply.headers.push(("x-request-id".into(), format!("req-{sent}")));
        reply
    })
    .await
}

fn assert_clean(text: &str, secrets: &[&str], what: &str) {
    for s in secrets {
        assert!(!text.contains(s), "{what} shows a secret: {text}");
    }
}

#[tokio::test]
async fn errors_never_show_a_secret_the_server_echoes() {
    let api = echoing_api().await;
    for kind in KINDS {
        let (c, secrets) = client(kind, &api.url);
        let denied = c.agents().get("denied").send().await.unwrap_err();
        let garbled = c.agents().get("garbled").send().await.unwrap_err();
        let portal = c.agents().get("portal").send().await.unwrap_err();
        assert!(matches!(denied, Error::Api(_)) && matches!(garbled, Error::Decode(_)));
        assert!(matches!(portal, Error::Content(_)));
        for e in [&denied, &garbled, &portal] {
            assert_clean(&e.to_string(), &secrets, &format!("{kind:?} Display"));
            assert_clean(&format!("{e:?}"), &secrets, &format!("{kind:?} Debug"));
            assert!(e.request_id().is_some_and(|id| id == "req-***"), "{kind:?}: {:?}", e.request_id());
        }
        let api_error = denied.as_api().unwrap();
        assert_eq!(api_error.message, "Invalid API key *** (gateway ***)", "{kind:?}");
        assert_clean(&String::from_utf8_lossy(&api_error.raw_body), &secrets, "raw body");
        let mut events = c.agents().runs().stream("a1", run_body()).send().await.unwrap();
        let mut messages = Vec::new();
        while let Some(e) = events.try_next().await.unwrap() {
            if let seclai::runs::RunEvent::Error { message, .. } = e {
                messages.push(message.unwrap_or_default());
            }
        }
        assert_eq!(messages, ["Invalid API key *** (gateway ***)"], "{kind:?}");
    }
}

#[cfg(feature = "record")]
#[tokio::test]
async fn recordings_never_hold_a_secret_the_server_echoes() {
    let api = echoing_api().await;
    let dir = common::tempdir("record-echo");
    let c = Client::builder().api_key(API_KEY).base_url(&api.url).max_retries(0).record_to(&dir).build().unwrap();
    let _ = c.agents().get("denied").send().await;
    let mut written = 0;
    for entry in walk(&dir) {
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(!text.contains(API_KEY), "{}: {text}", entry.display());
        assert!(text.contains("***"), "the echo was masked, not dropped: {text}");
        written += 1;
    }
    assert_eq!(written, 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(feature = "record")]
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[test]
fn debug_output_hides_every_credential() {
    let mut gateway = HeaderValue::from_static(GATEWAY_TOKEN);
    gateway.set_sensitive(true);
    let b = Client::builder()
        .api_key(API_KEY)
        .default_header(HeaderName::from_static(GATEWAY_HEADER), gateway)
        .default_header(HeaderName::from_static("authorization"), HeaderValue::from_static("Bearer abcdefghijkl"));
    let shown = format!("{b:?} {:?}", b.clone().build().unwrap());
    assert_clean(&shown, &[API_KEY, GATEWAY_TOKEN, "abcdefghijkl"], "Debug");
    let bearer = Client::builder().bearer_token(BEARER).build().unwrap();
    assert_clean(&format!("{bearer:?}"), &[BEARER], "Debug");
    // A credential set on one request is hidden too.
    let call = bearer.agents().get("a1").header("x-api-key", API_KEY);
    assert_clean(&format!("{call:?}"), &[API_KEY], "a builder's Debug");
}

#[tokio::test]
async fn configure_http_cannot_replace_the_redirect_policy() {
    let elsewhere = other_origin().await;
    let api = redirecting_api(302, elsewhere.url.clone()).await;
    let c = Client::builder()
        .api_key(API_KEY)
        .base_url(&api.url)
        .configure_http(|b| b.redirect(reqwest::redirect::Policy::limited(10)).pool_max_idle_per_host(4))
        .build()
        .unwrap();
    assert!(matches!(c.agents().get("a1").send().await, Err(Error::Redirect(_))));
    assert!(elsewhere.requests().is_empty());
}
