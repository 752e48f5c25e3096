//! The API as of version 2026-10-03, end to end over loopback: cloud drives, the content
//! indexing waiter, the models catalogs, the `503` answers, run files, and what each known API
//! version changes that the SDK depends on.

mod common;
#[path = "common/raw.rs"]
mod raw;

use std::time::Duration;

use futures::TryStreamExt;
use raw::{End, RawServer, Reply};
use seclai::runs::{FileLocation, RunOutput};
use seclai::types::{CloudDriveUpdateRequest, ContentIndexingStatus, CreateSourceBody};
use seclai::upload::UploadFile;
use seclai::{ApiErrorKind, Client, Error, KNOWN_API_VERSIONS};
use seclai_mock::{Options, Server};
use serde_json::{Value, json};

const DROPBOX: &str = "5c2e9a41-7b3d-4f18-9e6a-2d4c8b1f3a70";
const SHARED: &str = "8f1b3d5e-2a4c-4e6f-9b7d-1c3e5a7b9d02";
const UNUSED: &str = "b7e9c1a3-5d2f-4b8e-a6c4-3e1f9d7b5a28";
const CANONICAL: &str = "2026-07-27";

fn versioned(server: &Server, version: &str) -> Client {
    server.client_builder().api_version(version).build().unwrap()
}

#[tokio::test]
async fn cloud_drives_list_in_both_envelopes_and_are_managed() {
    let server = Server::start().await.unwrap();
    for client in [server.client(), versioned(&server, CANONICAL)] {
        let drives: Vec<_> = client.cloud_drives().list().items().try_collect().await.unwrap();
        assert_eq!(drives.len(), 3);
        assert_eq!(drives[0].provider, "dropbox");
        assert_eq!(drives[0].status.as_str(), "active");
        let providers = client.cloud_drives().providers().collect(None).await.unwrap();
        assert_eq!(providers.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(), ["dropbox", "google_drive"]);
        let rejections = client.cloud_drives().rejections(DROPBOX).limit(10).collect(None).await.unwrap();
        assert_eq!(rejections[0].reason.as_str(), "too_large");
        let agents = client.cloud_drives().agents(DROPBOX).collect(None).await.unwrap();
        assert_eq!(agents[0].agent_name, "Invoice intake");
    }
    let seen = server.received();
    assert!(seen.iter().filter(|r| r.path == "/cloud-drives").all(|r| r.query.is_empty()), "no paging query sent");
    let c = server.client();

    // A folder on a shared drive names the drive; the whole drive is the empty folder.
    let moved = c
        .cloud_drives()
        .update(DROPBOX, CloudDriveUpdateRequest::builder().folder_path("/Shared drives/Finance/2026"))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.folder_path, "/Shared drives/Finance/2026");
    assert_eq!(moved.drive_name.as_deref(), Some("Finance"));
    assert!(moved.drive_id.is_some() && moved.last_synced_at.is_none(), "a new folder starts the sync over");
    let root = c
        .cloud_drives()
        .update(DROPBOX, CloudDriveUpdateRequest::builder().folder_path("").name("Root"))
        .send()
        .await
        .unwrap();
    assert_eq!((root.folder_path.as_str(), root.drive_id.as_deref(), root.name.as_deref()), ("", None, Some("Root")));
    let e = c
        .cloud_drives()
        .update(DROPBOX, CloudDriveUpdateRequest::builder().folder_path("/Shared drives/"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::Unprocessable), "{e}");

    // Deleting a connection something uses is refused; an unused one goes.
    for used in [DROPBOX, SHARED] {
        let e = c.cloud_drives().delete(used).send().await.unwrap_err();
        assert_eq!(e.api_kind(), Some(ApiErrorKind::Conflict), "{e}");
        assert!(e.to_string().contains("still in use"), "{e}");
    }
    let off = c.cloud_drives().disconnect(UNUSED).send().await.unwrap();
    assert!(!off.connected && off.status.as_str() == "disconnected");
    assert!(c.cloud_drives().delete(UNUSED).send().await.unwrap().ok);
    let gone = c.cloud_drives().get(UNUSED).send().await.unwrap_err();
    assert_eq!(gone.api_kind(), Some(ApiErrorKind::NotFound));
    assert_eq!(c.cloud_drives().list().collect(None).await.unwrap().len(), 2);
}

#[tokio::test]
async fn waiting_for_uploads_to_be_searchable_reports_what_failed_and_why() {
    let server = Server::start_with(Options::default().fail_indexing("scan.pdf")).await.unwrap();
    let c = server.client();
    let source = c
        .sources()
        .create(CreateSourceBody::builder().name("Handbook").source_type("custom_index"))
        .send()
        .await
        .unwrap();
    let mut versions = Vec::new();
    for (name, body) in
        [("handbook.md", "# Handbook\n\nHolidays and expenses."), ("scan.pdf", "%PDF-1.7 ..."), ("faq.md", "Q: A")]
    {
        let up =
            c.sources().upload(&source.id, UploadFile::bytes(body.as_bytes().to_vec(), name)).send().await.unwrap();
        versions.push(up.content_version_id.expect("a new upload has a content version"));
    }
    let outcome = c
        .sources()
        .contents()
        .wait_indexed(&source.id, versions.clone())
        .poll_interval(Duration::from_millis(5), Duration::from_millis(20))
        .deadline(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    assert_eq!(outcome.completed.len(), 2);
    assert!(outcome.completed.iter().all(|i| i.content_status == ContentIndexingStatus::Completed));
    assert!(outcome.completed.iter().all(|i| i.source_connection_content_version_id.is_some()));
    let failures: Vec<_> = outcome.failures().collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].0, versions[1]);
    assert!(failures[0].1.contains("No text could be extracted"), "{failures:?}");
    assert!(!outcome.all_completed());

    // The items moved through pending and indexing first, over successive reads.
    let polls: Vec<_> = server.received().into_iter().filter(|r| r.path.ends_with("/contents")).collect();
    assert!(polls.len() >= 3, "{} polls", polls.len());
    assert!(polls[0].query.iter().filter(|(k, _)| k == "content_version_id").count() == 3);

    // One item, read again: done items stay done.
    let one = c.sources().contents().get(&source.id, &versions[0]).send().await.unwrap();
    assert_eq!(one.content_status, ContentIndexingStatus::Completed);
    // Bad ids are refused before anything is sent.
    let e = c.sources().contents().wait_indexed(&source.id, ["latest"]).send().await.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
}

#[tokio::test]
async fn a_thousand_ids_are_polled_in_requests_the_api_accepts() {
    // A server that reports every asked-for id as completed, and records the URLs.
    let server = RawServer::start(|req, _| {
        let ids: Vec<String> = req
            .path
            .split(['?', '&'])
            .filter_map(|p| p.strip_prefix("content_version_id="))
            .map(String::from)
            .collect();
        let items: Vec<Value> = ids
            .iter()
            .map(|id| common::sample("SourceContentStatusResponse", json!({"content_version_id": id, "content_status": "completed"})))
            .collect();
        let page: usize = req.path.split('&').find_map(|p| p.strip_prefix("page=")).and_then(|v| v.parse().ok()).unwrap_or(1);
        let slice: Vec<Value> = items.iter().skip((page - 1) * 100).take(100).cloned().collect();
        let pages = items.len().div_ceil(100);
        Reply::json(200, &json!({"data": slice, "pagination": {"page": page, "limit": 100, "total": items.len(), "pages": pages, "has_next": page < pages, "has_prev": page > 1}}))
    })
    .await;
    let c = Client::builder().api_key(common::KEY).base_url(&server.url).build().unwrap();
    let ids: Vec<String> = (0..1000).map(common::uid).collect();
    let outcome = c.sources().contents().wait_indexed(common::uid(99_999), ids.clone()).send().await.unwrap();
    assert_eq!(outcome.completed.len(), 1000);
    assert_eq!(outcome.completed.iter().map(|i| i.content_version_id.clone()).collect::<Vec<_>>(), ids);
    let requests = server.requests();
    for r in &requests {
        let url = format!("{}{}", server.url, r.path);
        assert!(url.len() <= seclai::indexing::MAX_URL_BYTES, "{} bytes", url.len());
        assert!(r.path.matches("content_version_id=").count() <= seclai::indexing::MAX_IDS_PER_REQUEST);
    }
    // Each batch starts at page 1 (later pages repeat its ids): every id is in one batch.
    let batched: usize = requests
        .iter()
        .filter(|r| r.path.split(['?', '&']).any(|p| p == "page=1"))
        .map(|r| r.path.matches("content_version_id=").count())
        .sum();
    assert_eq!(batched, 1000, "every id asked for once");
    assert!(requests.len() >= 8, "1,000 ids need several requests: {}", requests.len());
}

#[tokio::test]
async fn the_models_catalogs_page_in_both_envelopes_and_keep_their_prices() {
    let server = Server::start().await.unwrap();
    let legacy = server.client().models().embedders().send().await.unwrap();
    assert_eq!(legacy.items.len(), 2);
    assert_eq!(legacy.extra["default_model_type"], "openai_text_embedding_3_large");
    assert!(legacy.extra["storage_credits"].is_array());
    let canonical =
        versioned(&server, CANONICAL).models().embedders().supports_input_media("image").send().await.unwrap();
    assert_eq!(canonical.items.len(), 1);
    assert_eq!(
        canonical.items[0].supported_input_media.as_deref(),
        Some(&["text".to_string(), "image".to_string()][..])
    );
    assert_eq!(canonical.extra["file_processing_credits_per_mb"], 2.5);
    let rerankers = versioned(&server, CANONICAL).models().rerankers().collect(None).await.unwrap();
    assert!(rerankers.iter().any(|r| r.is_default));
}

fn unavailable(code: &str, retry_after: Option<&str>) -> Reply {
    let mut r = Reply::json(503, &json!({"error": {"code": code, "message": format!("{code} right now")}}));
    if let Some(after) = retry_after {
        r.headers.push(("retry-after".into(), after.into()));
    }
    r
}

#[tokio::test]
async fn a_503_with_retry_after_is_retried_even_for_a_post_and_a_missing_vector_store_never() {
    // database_unavailable with Retry-After: the server said when, so even a POST goes again.
    let server = RawServer::start(|_, n| {
        if n == 0 {
            unavailable("database_unavailable", Some("0"))
        } else {
            Reply::json(200, &common::run("r1", "pending"))
        }
    })
    .await;
    let c = Client::builder()
        .api_key(common::KEY)
        .base_url(&server.url)
        .retry_policy(common::fast_retries())
        .build()
        .unwrap();
    let run = c.agents().runs().create("a1", seclai::types::AgentRunRequest::builder()).send().await.unwrap();
    assert_eq!(run.run_id, "r1");
    assert_eq!(server.requests().len(), 2);

    // database_unavailable without Retry-After: a POST is not repeated (it may have run).
    let server = RawServer::start(|_, _| unavailable("database_unavailable", None)).await;
    let c = Client::builder()
        .api_key(common::KEY)
        .base_url(&server.url)
        .retry_policy(common::fast_retries())
        .build()
        .unwrap();
    let e = c.agents().runs().create("a1", seclai::types::AgentRunRequest::builder()).send().await.unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(503), Some("database_unavailable")));
    assert_eq!(server.requests().len(), 1);
    assert!(e.is_retryable());

    // vector_store_unavailable: never retried, not even a GET, and the error says why.
    let server = RawServer::start(|_, _| unavailable("vector_store_unavailable", None)).await;
    let c = Client::builder()
        .api_key(common::KEY)
        .base_url(&server.url)
        .retry_policy(common::fast_retries())
        .build()
        .unwrap();
    let e = c.contents().list_embeddings(common::uid(1)).send().await.unwrap_err();
    assert_eq!(server.requests().len(), 1, "not retried");
    assert_eq!(e.code(), Some("vector_store_unavailable"));
    assert!(!e.is_retryable());
    let line = e.to_string();
    assert!(line.contains("not retried") && line.contains("vector_store_unavailable right now"), "{line}");
    // The same body through the local server's recorded cassette.
    let mock = Server::start().await.unwrap();
    let e = mock.client().contents().list_embeddings("9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b").send().await.unwrap_err();
    assert_eq!(e.code(), Some("vector_store_unavailable"), "{e}");
}

#[tokio::test]
async fn a_permission_denied_403_is_typed_with_its_code() {
    let server = Server::start().await.unwrap();
    let body = seclai::types::InlineTextUploadRequest::builder().text("Quarterly numbers".to_string()).title("Q3");
    let e =
        server.client().sources().upload_text("d4f6a8c0-2e3b-4f5d-8a7c-9e1b3d5f7a19", body).send().await.unwrap_err();
    assert_eq!((e.api_kind(), e.code()), (Some(ApiErrorKind::Forbidden), Some("permission_denied")), "{e}");
}

#[tokio::test]
async fn run_files_are_read_and_downloaded_on_old_and_new_versions() {
    let key = "runs/r1/report.csv";
    let attachment_id = "cnVucy9yMS9yZXBvcnQuY3N2"; // URL-safe base64 of the key
    let server = RawServer::start(move |req, _| {
        if req.path.starts_with("/v2/agent-runs/") || req.path.starts_with("/files/") {
            let mut r = Reply::json(200, &json!(null));
            r.headers = vec![("content-type".into(), "text/csv".into())];
            r.chunks = vec![(Duration::ZERO, format!("asked {}", req.path).into_bytes())];
            r.content_length = None;
            r.end = End::Finish;
            return r;
        }
        Reply::json(404, &json!({"detail": "Not found"}))
    })
    .await;
    let c = Client::builder().api_key(common::KEY).base_url(&server.url).build().unwrap();
    let run_id = common::uid(5);
    // Before 2026-09-30: the manifest in `output`.
    let manifest = json!({"schema": "seclai.manifest/v1", "text": "Here is the report.",
        "attachments": [{"storage_key": key, "mime": "text/csv", "name": "report.csv", "label": null, "bytes": 10}]});
    let old: seclai::types::AgentRunResponse = serde_json::from_value(json!({
        "run_id": run_id, "status": "completed", "error_count": 0, "credits": 1.0, "priority": false, "input": "x",
        "output": manifest.to_string(), "output_content_type": seclai::runs::MANIFEST_CONTENT_TYPE, "attempts": [], "steps": null
    }))
    .unwrap();
    let out = RunOutput::of(&old);
    assert_eq!(out.text.as_deref(), Some("Here is the report."));
    assert_eq!(out.files[0].location, FileLocation::StorageKey(key.into()));
    let bytes = c.agents().runs().download_file(&run_id, &out.files[0]).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(String::from_utf8_lossy(&bytes), format!("asked /v2/agent-runs/{run_id}/attachments/{attachment_id}"));
    // From 2026-09-30: plain text, and the files in `attachments` with a download URL.
    let new: seclai::types::AgentRunResponse = serde_json::from_value(json!({
        "run_id": run_id, "status": "completed", "error_count": 0, "credits": 1.0, "priority": false, "input": "x",
        "output": "Here is the report.", "output_content_type": "text/plain", "attempts": [], "steps": null,
        "attachments": [{"id": common::uid(6), "name": "report.csv", "mime": "text/csv", "bytes": 10,
            "download_url": format!("{}/files/report.csv", server.url)}]
    }))
    .unwrap();
    let out = RunOutput::of(&new);
    assert_eq!(out.text.as_deref(), Some("Here is the report."));
    let bytes = c.agents().runs().download_file(&run_id, &out.files[0]).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(&bytes[..], b"asked /files/report.csv");
    let sent = server.requests();
    assert!(sent.iter().all(|r| r.header("x-api-key") == Some(common::KEY)), "both on the API's origin");
}

#[tokio::test]
async fn every_known_version_is_accepted_and_its_list_envelope_decodes() {
    // What the SDK depends on per version: the version is accepted, and lists come as the
    // legacy envelope before 2026-07-27 and as `{data, pagination}` from it on.
    let server = Server::start().await.unwrap();
    assert!(KNOWN_API_VERSIONS.contains(&"2026-10-03") && KNOWN_API_VERSIONS.len() >= 7);
    for version in KNOWN_API_VERSIONS {
        let c = versioned(&server, version);
        let kbs = c.knowledge_bases().list().send().await.unwrap();
        let drives = c.cloud_drives().list().send().await.unwrap();
        assert_eq!(drives.items.len(), 3, "{version}");
        let canonical = *version >= CANONICAL;
        assert_eq!(drives.has_next.is_some(), canonical, "{version}: cloud drives");
        assert_eq!(kbs.has_next.is_some(), canonical, "{version}: knowledge bases");
    }
    let sent: Vec<String> = server
        .received()
        .iter()
        .filter_map(|r| r.headers.iter().find(|(k, _)| k == "seclai-version").map(|(_, v)| v.clone()))
        .collect();
    assert_eq!(sent.len(), KNOWN_API_VERSIONS.len() * 2);
}
