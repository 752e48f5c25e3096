//! Every error status and body shape, over loopback: kind, message, request id, Retry-After,
//! raw body, and one informative `Display` line.

mod common;

use common::{builder, client};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use seclai::{ApiErrorKind, Error, ErrorBody};
use serde_json::json;

async fn error_for(status: u16, body: &str, content_type: &str) -> Error {
    let server = MockServer::start_async().await;
    let body = body.to_string();
    let ct = content_type.to_string();
    server
        .mock_async(move |when, then| {
            when.method(GET).path("/agents/a1");
            then.status(status)
                .header("content-type", ct.as_str())
                .header("x-request-id", "req-42")
                .body(body.as_str());
        })
        .await;
    let c = builder(&server).max_retries(0).build().unwrap();
    c.agents().get("a1").send().await.expect_err("an error status is an error")
}

#[tokio::test]
async fn each_status_maps_to_its_kind() {
    let cases = [
        (400, ApiErrorKind::BadRequest),
        (401, ApiErrorKind::Unauthorized),
        (402, ApiErrorKind::PaymentRequired),
        (403, ApiErrorKind::Forbidden),
        (404, ApiErrorKind::NotFound),
        (408, ApiErrorKind::RequestTimeout),
        (409, ApiErrorKind::Conflict),
        (410, ApiErrorKind::Gone),
        (422, ApiErrorKind::Unprocessable),
        (429, ApiErrorKind::RateLimited),
        (500, ApiErrorKind::ServerError),
        (502, ApiErrorKind::ServerError),
        (503, ApiErrorKind::ServerError),
        (418, ApiErrorKind::Other),
    ];
    for (status, kind) in cases {
        let e = error_for(status, r#"{"detail":"nope"}"#, "application/json").await;
        assert_eq!(e.status(), Some(status));
        assert_eq!(e.api_kind(), Some(kind), "{status}");
        assert_eq!(e.request_id(), Some("req-42"));
        assert_eq!(e.is_retryable(), matches!(status, 408 | 429 | 500 | 502 | 503), "{status}");
        let line = e.to_string();
        assert!(!line.contains('\n'), "one line: {line}");
        assert!(
            line.starts_with(&format!("HTTP {status} ")) && line.contains("nope") && line.contains("req-42"),
            "{line}"
        );
        assert!(line.contains("get_agent GET /agents/a1"), "{line}");
    }
}

#[tokio::test]
async fn validation_errors_are_parsed_into_fields() {
    let e = error_for(
        422,
        r#"{"detail":[{"loc":["body","name"],"msg":"Field required","type":"missing"},{"loc":["query","limit"],"msg":"Input should be less than or equal to 100","type":"less_than_equal"}]}"#,
        "application/json",
    )
    .await;
    let api = e.as_api().unwrap();
    let fields = api.body.field_errors();
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0].location(), "body.name");
    assert_eq!(fields[1].kind, "less_than_equal");
    assert!(e.to_string().contains("body.name: Field required"), "{e}");
}

#[tokio::test]
async fn agent_definition_errors_carry_line_and_column() {
    let e = error_for(
        422,
        r#"{"error":"invalid_agent_definition","message":"The agent definition is invalid","errors":[{"line":4,"column":12,"path":"workflow.steps[0].type","message":"unknown step type"}],"source":"{\n  \"workflow\": {}\n}"}"#,
        "application/json",
    )
    .await;
    match &e.as_api().unwrap().body {
        ErrorBody::InvalidAgentDefinition { errors, source, .. } => {
            assert_eq!((errors[0].line, errors[0].column), (Some(4), Some(12)));
            assert!(source.as_deref().unwrap().contains("workflow"));
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("line 4, column 12"), "{e}");
}

#[tokio::test]
async fn insufficient_credits_is_its_own_kind() {
    let e = error_for(
        402,
        r#"{"detail":{"error":"insufficient_credits","message":"Your account has no credits left","account_id":"acc-9"}}"#,
        "application/json",
    )
    .await;
    assert_eq!(e.api_kind(), Some(ApiErrorKind::InsufficientCredits));
    assert!(
        matches!(&e.as_api().unwrap().body, ErrorBody::InsufficientCredits { account_id: Some(a), .. } if a == "acc-9")
    );
}

#[tokio::test]
async fn html_from_a_proxy_is_kept_as_text() {
    let e =
        error_for(502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", "text/html").await;
    let api = e.as_api().unwrap();
    assert_eq!(api.body, ErrorBody::Text("502 Bad Gateway".into()));
    assert!(api.raw_body.starts_with(b"<html>"), "the raw body is kept");
    let e = error_for(503, "", "text/plain").await;
    assert_eq!(e.as_api().unwrap().body, ErrorBody::Empty);
}

#[tokio::test]
async fn gateway_envelopes_and_detail_objects_parse() {
    let e = error_for(
        400,
        r#"{"error":{"type":"invalid_request_error","message":"limit is too large","code":"out_of_range"}}"#,
        "application/json",
    )
    .await;
    assert!(matches!(&e.as_api().unwrap().body, ErrorBody::Gateway { code: Some(c), .. } if c == "out_of_range"));
    let e = error_for(
        409,
        r#"{"detail":{"message":"An embedding migration is already running","migration_id":"m1"}}"#,
        "application/json",
    )
    .await;
    assert!(e.to_string().contains("already running"), "{e}");
}

#[tokio::test]
async fn success_bodies_that_do_not_decode_name_the_path_and_show_the_body() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/runs/r1");
            then.status(200)
                .header("x-request-id", "req-7")
                .json_body(json!({"run_id": "r1", "status": "completed", "error_count": "zero", "credits": null,
                    "priority": false, "input": null, "output": null, "attempts": []}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/runs/r2");
            then.status(200).header("content-type", "text/html").body("<html>maintenance</html>");
        })
        .await;
    let c = client(&server);
    match c.agents().runs().get("r1").send().await.unwrap_err() {
        Error::Decode(d) => {
            assert_eq!(d.path, "error_count");
            assert_eq!(d.request_id.as_deref(), Some("req-7"));
            assert!(d.snippet.contains("\"run_id\":\"r1\""), "{}", d.snippet);
        }
        other => panic!("{other:?}"),
    }
    // A page that is not JSON at all is named for what it is, not reported as a JSON error.
    let e = c.agents().runs().get("r2").send().await.unwrap_err();
    assert!(matches!(&e, Error::Content(d) if d.summary == "maintenance"), "{e}");
}

#[tokio::test]
async fn a_truncated_body_is_a_decode_error_not_a_panic() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/agents/a1/runs");
            then.status(200).body(r#"{"run_id":"r1","status":"pend"#);
        })
        .await;
    let c = client(&server);
    let e = c.agents().runs().create("a1", seclai::types::AgentRunRequest::builder()).send().await.unwrap_err();
    assert!(matches!(e, Error::Decode(_)), "{e}");
}

#[test]
fn errors_are_send_sync_and_small() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Error>();
    assert!(std::mem::size_of::<Error>() <= 96, "{}", std::mem::size_of::<Error>());
}
