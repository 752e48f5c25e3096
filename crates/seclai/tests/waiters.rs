//! Every waiter speaks the same grammar: made from ids, with `.deadline()`, `.poll_interval()`
//! (or `.wait_options()`), the per-request `.timeout()`, `.max_retries()` and `.header()`, and
//! `.send()`. Each is run here against a server that finishes the work on the third poll, and
//! one that never does.

mod common;
#[path = "common/raw.rs"]
mod raw;

use std::time::Duration;

use raw::{RawServer, Reply};
use seclai::upload::UploadFile;
use seclai::{Client, Error, types};
use serde_json::{Value, json};

const ID: &str = "00000000-0000-4000-8000-000000000042";

/// The state of the work at poll `n` of the path, as JSON: running twice, then finished.
fn state(path: &str, n: usize) -> Value {
    let done = n >= 2;
    if path.contains("/runs/stream") {
        // A stream that ends early, so that run_and_wait polls too.
        return Value::Null;
    }
    if path.contains("/agents/runs/") || path.ends_with("/runs") {
        return common::run(ID, if done { "completed" } else { "processing" });
    }
    if path.contains("input-upload") || path.ends_with("/upload-input") {
        let status = if done { "ready" } else { "processing" };
        return json!({"id": ID, "status": status, "filename": "a.csv", "content_type": "text/csv", "file_size": 3});
    }
    if path.contains("/exports/") {
        return common::sample(
            "ExportResponse",
            json!({"id": ID, "status": if done { "completed" } else { "running" }, "completed_at": if done { json!("2026-12-01T00:00:00Z") } else { Value::Null }, "error": null}),
        );
    }
    if path.contains("embedding-migration") {
        return common::sample(
            "SourceEmbeddingMigrationResponse",
            json!({"status": if done { "completed" } else { "running" }, "completed_at": if done { json!("2026-12-01T00:00:00Z") } else { Value::Null }, "failure_message": null}),
        );
    }
    if path.contains("/experiments/") {
        return common::sample(
            "ExperimentDetailResponse",
            json!({"status": if done { "completed" } else { "running" }, "completed_at": if done { json!("2026-12-01T00:00:00Z") } else { Value::Null }, "error_message": null}),
        );
    }
    if path.contains("/contents") {
        let status = if done { "completed" } else { "indexing" };
        let item =
            common::sample("SourceContentStatusResponse", json!({"content_version_id": ID, "content_status": status}));
        return json!({"data": [item], "pagination": {"page": 1, "limit": 100, "total": 1, "pages": 1, "has_next": false, "has_prev": false}});
    }
    json!({"detail": "unexpected"})
}

async fn server(finishing: bool) -> RawServer {
    let polls = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::<String, usize>::new()));
    RawServer::start(move |req, _| {
        if req.path.ends_with("/download") {
            let mut r = Reply::json(200, &Value::Null);
            r.headers = vec![("content-type".into(), "text/csv".into())];
            r.chunks = vec![(Duration::ZERO, b"a,b\n".to_vec())];
            r.content_length = Some(4);
            return r;
        }
        if req.path.contains("/runs/stream") {
            let init = format!("event: init\ndata: {}\n\n", common::run(ID, "processing"));
            return Reply::sse(vec![(Duration::ZERO, init.into_bytes())], raw::End::Finish);
        }
        let key = req.path.split('?').next().unwrap_or_default().to_string();
        let n = {
            let mut p = polls.lock().unwrap();
            let n = p.entry(key).or_default();
            *n += 1;
            *n - 1
        };
        Reply::json(200, &state(&req.path, if finishing { n } else { 0 }))
    })
    .await
}

fn client(url: &str) -> Client {
    Client::builder().api_key(common::KEY).base_url(url).build().unwrap()
}

const FAST: Duration = Duration::from_millis(2);

/// Sets the same settings on any waiter (they all have them).
macro_rules! settings {
    ($w:expr) => {
        $w.deadline(Duration::from_secs(5)).poll_interval(FAST, FAST).max_retries(0).header("x-waiter", "yes")
    };
}

#[tokio::test]
async fn every_waiter_has_the_same_settings_and_ends_when_the_work_does() {
    let s = server(true).await;
    let c = client(&s.url);
    let run = settings!(c.agents().runs().wait(ID)).timeout(Duration::from_secs(5)).send().await.unwrap();
    assert_eq!(run.status, types::AgentRunStatus::Completed);
    let upload = settings!(c.agents().wait_input_upload("a1", ID)).send().await.unwrap();
    assert_eq!(upload.status, "ready");
    let export = settings!(c.sources().exports().wait(ID, ID)).send().await.unwrap();
    assert_eq!(export.status, "completed");
    let migration = settings!(c.sources().embedding_migration().wait(ID)).send().await.unwrap();
    assert_eq!(migration.unwrap().status, "completed");
    let experiment = settings!(c.models().experiments().wait(ID)).send().await.unwrap();
    assert_eq!(experiment.status, "completed");
    let indexed =
        settings!(c.sources().contents().wait_indexed(ID, [ID])).timeout(Duration::from_secs(5)).send().await.unwrap();
    assert!(indexed.all_completed());
    let dir = common::tempdir("waiters");
    let n = settings!(c.sources().exports().wait_and_download(ID, ID, dir.join("e.csv"))).send().await.unwrap();
    assert_eq!(n, 4);
    let id = settings!(c.agents().upload_input_and_wait("a1", UploadFile::bytes(&b"a,b"[..], "a.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(id, ID);
    let body = types::AgentRunStreamRequest::builder().input("hi");
    let done = settings!(c.agents().runs().run_and_wait("a1", body))
        .idle_timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert!(matches!(done.completion, seclai::runs::Completion::Polling(_)), "{:?}", done.completion);
    let polled =
        settings!(c.agents().runs().run_and_poll("a1", types::AgentRunRequest::builder())).send().await.unwrap();
    assert_eq!(polled.status, types::AgentRunStatus::Completed);
    // Every request of every waiter carried the header.
    let seen = s.requests();
    let missing: Vec<_> = seen
        .iter()
        .filter(|r| r.header("x-waiter") != Some("yes"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(missing.is_empty(), "without the header: {missing:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn every_waiter_gives_up_at_its_deadline_with_the_last_state() {
    let s = server(false).await;
    let c = client(&s.url);
    let deadline = Duration::from_millis(60);
    let results: Vec<(&str, Error)> = vec![
        ("run", c.agents().runs().wait(ID).deadline(deadline).poll_interval(FAST, FAST).send().await.unwrap_err()),
        (
            "input",
            c.agents()
                .wait_input_upload("a1", ID)
                .deadline(deadline)
                .poll_interval(FAST, FAST)
                .send()
                .await
                .unwrap_err(),
        ),
        (
            "export",
            c.sources().exports().wait(ID, ID).deadline(deadline).poll_interval(FAST, FAST).send().await.unwrap_err(),
        ),
        (
            "indexing",
            c.sources()
                .contents()
                .wait_indexed(ID, [ID])
                .deadline(deadline)
                .poll_interval(FAST, FAST)
                .send()
                .await
                .unwrap_err(),
        ),
    ];
    for (what, e) in results {
        match e {
            // (How close to the deadline it stopped is timing, not checked here.)
            Error::WaitTimeout { last_state, .. } => {
                assert!(!last_state.is_empty() && last_state != "null", "{what}: {last_state}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
}
