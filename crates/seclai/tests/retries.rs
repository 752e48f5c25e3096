//! The retry rules, with attempts counted on the server.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use common::{builder, client, run};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use seclai::{ApiErrorKind, Error, types};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::test]
async fn idempotent_requests_retry_server_errors_then_give_up() {
    for status in [500u16, 502, 503, 504, 408, 429] {
        let server = MockServer::start_async().await;
        let m = server
            .mock_async(|when, then| {
                when.method(GET).path("/agents/a1");
                then.status(status).body("{}");
            })
            .await;
        let e = client(&server).agents().get("a1").send().await.unwrap_err();
        assert_eq!(e.status(), Some(status));
        assert_eq!(m.calls_async().await, 3, "status {status}: 1 attempt + 2 retries by default");
    }
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/a1");
            then.status(404).body(r#"{"detail":"Agent not found"}"#);
        })
        .await;
    let e = client(&server).agents().get("a1").send().await.unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::NotFound));
    assert_eq!(m.calls_async().await, 1);
}

#[tokio::test]
async fn a_post_that_creates_a_run_is_not_retried_on_a_server_error() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST).path("/agents/a1/runs");
            then.status(502).body("bad gateway");
        })
        .await;
    let e = client(&server).agents().runs().create("a1", types::AgentRunRequest::builder()).send().await.unwrap_err();
    assert_eq!(e.status(), Some(502));
    assert_eq!(m.calls_async().await, 1, "a run must never be created twice");
}

#[tokio::test]
async fn a_post_is_retried_when_the_server_says_when() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST).path("/agents/a1/runs");
            then.status(429).header("retry-after", "0").body(r#"{"detail":"slow down"}"#);
        })
        .await;
    let e = client(&server).agents().runs().create("a1", types::AgentRunRequest::builder()).send().await.unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::RateLimited));
    assert_eq!(e.retry_after(), Some(Duration::ZERO));
    assert_eq!(m.calls_async().await, 3);
}

/// A server that reads each request and then hangs up without answering.
async fn hang_up_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut got = Vec::new();
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&got);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if got.len() >= end + 4 + len {
                            seen.fetch_add(1, Ordering::SeqCst);
                            let _ = socket.shutdown().await;
                            return;
                        }
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), count)
}

#[tokio::test]
async fn a_run_whose_response_was_lost_is_not_sent_again() {
    let (url, count) = hang_up_server().await;
    let c = seclai::Client::builder().api_key("k").base_url(&url).retry_policy(common::fast_retries()).build().unwrap();
    let e = c
        .agents()
        .runs()
        .create("a1", types::AgentRunRequest::builder().input("go".to_string()))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e}");
    assert_eq!(count.load(Ordering::SeqCst), 1, "the request reached the server once and was not repeated");
}

#[tokio::test]
async fn an_idempotent_request_whose_response_was_lost_is_retried() {
    let (url, count) = hang_up_server().await;
    let c = seclai::Client::builder().api_key("k").base_url(&url).retry_policy(common::fast_retries()).build().unwrap();
    let e = c.agents().get("a1").send().await.unwrap_err();
    assert!(matches!(e, Error::Connection { .. }), "{e}");
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn retry_after_in_seconds_and_as_a_date_is_honoured() {
    let server = MockServer::start_async().await;
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    let m = server
        .mock_async(move |when, then| {
            when.method(GET).path("/agents/a1");
            then.status(503).header("retry-after", date.as_str()).body("{}");
        })
        .await;
    let c = builder(&server).max_retries(1).build().unwrap();
    let started = Instant::now();
    let _ = c.agents().get("a1").send().await.unwrap_err();
    assert_eq!(m.calls_async().await, 2);
    // The wait follows the header (1 to 2 s: the date has whole seconds), not the 1 ms test backoff.
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());

    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/a1");
            then.status(429).header("retry-after", "1").body("{}");
        })
        .await;
    let c = builder(&server).max_retries(1).build().unwrap();
    let started = Instant::now();
    let e = c.agents().get("a1").send().await.unwrap_err();
    assert_eq!(m.calls_async().await, 2);
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_returns_at_once() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/a1");
            then.status(429).header("retry-after", "3600").body("{}");
        })
        .await;
    let e = client(&server).agents().get("a1").send().await.unwrap_err();
    assert_eq!(m.calls_async().await, 1);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
}

#[tokio::test]
async fn a_retry_then_success_returns_the_value() {
    let server = MockServer::start_async().await;
    let fail = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/runs/r1").header_missing("x-retried");
            then.status(503).body("busy");
        })
        .await;
    let c = client(&server);
    // First answer 503, then (after the mock is replaced) the run.
    let task = tokio::spawn({
        let c = c.clone();
        async move { c.agents().runs().get("r1").max_retries(5).send().await }
    });
    while fail.calls_async().await == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    fail.delete_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/runs/r1");
            then.status(200).json_body(run("r1", "completed"));
        })
        .await;
    let r = task.await.unwrap().unwrap();
    assert_eq!(r.run_id, "r1");
}

#[tokio::test]
async fn per_request_retries_and_timeouts_override_the_client() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/a1");
            then.status(500).body("{}");
        })
        .await;
    let _ = client(&server).agents().get("a1").max_retries(0).send().await.unwrap_err();
    assert_eq!(m.calls_async().await, 1);

    let slow = MockServer::start_async().await;
    let m = slow
        .mock_async(|when, then| {
            when.method(GET).path("/agents/a1");
            then.status(200).delay(Duration::from_millis(800)).json_body(common::agent("a1"));
        })
        .await;
    let e = client(&slow).agents().get("a1").timeout(Duration::from_millis(100)).send().await.unwrap_err();
    assert!(matches!(e, Error::Timeout { after, .. } if after == Duration::from_millis(100)), "{e}");
    assert_eq!(m.calls_async().await, 3, "a timed-out GET is retried");
}

#[tokio::test]
async fn a_timed_out_post_is_not_retried() {
    let slow = MockServer::start_async().await;
    let m = slow
        .mock_async(|when, then| {
            when.method(POST).path("/agents/a1/runs");
            then.status(200).delay(Duration::from_millis(800)).json_body(run("r1", "pending"));
        })
        .await;
    let c = builder(&slow).timeout(Duration::from_millis(100)).build().unwrap();
    let e = c.agents().runs().create("a1", types::AgentRunRequest::builder()).send().await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e}");
    assert!(e.is_retryable());
    assert_eq!(m.calls_async().await, 1);
}
