//! Traces: a span per request with its fields, an event per retry, and no secrets anywhere.
//! (One subscriber for the whole binary, so the tests here run one at a time.)

mod common;

use std::fmt::Write;
use std::sync::{Arc, Mutex, OnceLock};

use httpmock::Method::GET;
use httpmock::MockServer;
use seclai::types;
use tracing_subscriber::layer::SubscriberExt;

/// Everything recorded: span fields and events, as text.
#[derive(Default)]
struct Captured {
    lines: Vec<String>,
}

struct Capture(Arc<Mutex<Captured>>);

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut f = Fields(format!("span {}", attrs.metadata().name()));
        attrs.record(&mut f);
        self.0.lock().unwrap().lines.push(f.0);
    }
    fn on_record(
        &self,
        _: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut f = Fields("record".into());
        values.record(&mut f);
        self.0.lock().unwrap().lines.push(f.0);
    }
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        // The mock server logs the requests it receives (headers included): that is the
        // server's side, not the client's traces.
        if event.metadata().target().starts_with("httpmock") {
            return;
        }
        let mut f = Fields(format!("event {}", event.metadata().level()));
        event.record(&mut f);
        self.0.lock().unwrap().lines.push(f.0);
    }
}

async fn capture() -> (Arc<Mutex<Captured>>, tokio::sync::MutexGuard<'static, ()>) {
    static STORE: OnceLock<Arc<Mutex<Captured>>> = OnceLock::new();
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let guard = SERIAL.lock().await;
    let store = STORE
        .get_or_init(|| {
            let store = Arc::new(Mutex::new(Captured::default()));
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Capture(store.clone())))
                .expect("one global subscriber");
            store
        })
        .clone();
    store.lock().unwrap().lines.clear();
    (store, guard)
}

fn text(store: &Arc<Mutex<Captured>>) -> String {
    store.lock().unwrap().lines.join("\n")
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_a_post_and_each_retry_is_traced() {
    let (store, _serial) = capture().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let c = seclai::Client::builder()
        .api_key(common::KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(common::fast_retries())
        .build()
        .unwrap();
    let e = c.agents().runs().create("a1", types::AgentRunRequest::builder()).send().await.unwrap_err();
    assert!(matches!(e, seclai::Error::Connection { .. }), "{e}");
    let t = text(&store);
    let retries: Vec<&str> = t.lines().filter(|l| l.contains("retrying the Seclai request")).collect();
    assert_eq!(retries.len(), 2, "the request never left, so it is retried:\n{t}");
    assert!(retries[0].contains("reason=connection failed before sending") && retries[0].contains("delay_ms=1"), "{t}");
    assert!(retries[1].contains("retry=2") && retries[1].contains("delay_ms=2"), "{t}");
}

#[tokio::test]
async fn each_request_has_a_span_with_its_outcome_and_no_secret_is_traced() {
    let (store, _serial) = capture().await;
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/a1");
            then.status(200).header("x-request-id", "req-99").json_body(common::agent("a1"));
        })
        .await;
    let c = common::client(&server);
    c.agents().get("a1").send().await.unwrap();
    let t = text(&store);
    assert!(t.contains("span seclai.request operation=\"get_agent\" method=GET path=\"/agents/a1\""), "{t}");
    assert!(t.contains("attempt=1") && t.contains("status=200") && t.contains("request_id=\"req-99\""), "{t}");
    assert!(t.contains("duration_ms="), "{t}");
    assert!(!t.contains(common::KEY), "the API key must never be traced:\n{t}");
    let debug = format!("{c:?}");
    assert!(!debug.contains(common::KEY), "{debug}");
}

#[tokio::test]
async fn a_key_the_server_echoes_is_not_traced() {
    let (store, _serial) = capture().await;
    let server = MockServer::start_async().await;
    let echo = format!("req-{}", common::KEY);
    server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/a1");
            then.status(503)
                .header("x-request-id", echo.as_str())
                .header("retry-after", "0")
                .json_body(serde_json::json!({"detail": format!("key {} is throttled", common::KEY)}));
        })
        .await;
    let e = common::client(&server).agents().get("a1").send().await.unwrap_err();
    let t = text(&store);
    assert!(t.contains("request_id=\"req-***\"") && t.contains("retrying the Seclai request"), "{t}");
    assert!(!t.contains(common::KEY), "the echoed key must never be traced:\n{t}");
    assert!(!e.to_string().contains(common::KEY) && !format!("{e:?}").contains(common::KEY), "{e}");
}
