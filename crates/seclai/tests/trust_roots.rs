//! The system's trust roots are read when the first `https://` URL needs them, never for plain
//! HTTP (building a client does not read them either).
//!
//! This file is a test binary of its own with one test: it points the variables the trust
//! store is read from (`SSL_CERT_FILE`, `SSL_CERT_DIR`) at an empty place for the whole
//! process, so that any read of the roots fails, visibly.

mod common;

use httpmock::Method::GET;
use httpmock::MockServer;
use seclai::{Client, Error};

#[tokio::test]
async fn plain_http_never_reads_the_trust_roots_and_https_reads_them_when_first_used() {
    let empty = common::tempdir("no-trust-roots");
    // SAFETY: the only test of this binary sets them before any thread of its own reads the
    // environment.
    unsafe {
        std::env::set_var("SSL_CERT_FILE", empty.join("none.pem"));
        std::env::set_var("SSL_CERT_DIR", &empty);
    }
    assert!(reqwest::Client::builder().build().is_err(), "a reqwest client with TLS cannot be built without roots");

    let server = MockServer::start_async().await;
    let id = common::uid(1);
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/agents/{id}"));
            then.status(200).json_body(common::agent(&id));
        })
        .await;
    let client = common::client(&server);
    let agent = client.agents().get(&id).send().await.expect("plain HTTP needs no trust roots");
    assert_eq!(agent.id, id);
    get.assert_calls_async(1).await;

    // An https:// client builds too; its first request needs the roots, and says so.
    let tls = Client::builder().api_key(common::KEY).base_url("https://127.0.0.1:9").build().expect("builds");
    let err = tls.agents().get(&id).send().await.expect_err("no roots to verify a server with");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("cannot build the HTTPS client"), "{err}");
    // The plain client still works after the TLS client failed.
    client.agents().get(&id).send().await.expect("plain HTTP still works");
}
