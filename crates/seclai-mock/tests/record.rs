//! The recorder, tested against the local server (the real API is out of reach here): the
//! read-only tour writes scrubbed cassettes that pass the contract checks.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tour_records_cassettes_that_pass_the_contract() {
    let server = seclai_mock::Server::start().await.unwrap();
    let out = std::env::temp_dir().join(format!("seclai-record-{}-{}", std::process::id(), server.addr().port()));
    let r = seclai_mock::record::Recording {
        out: out.clone(),
        base_url: Some(server.base_url().to_string()),
        api_key: Some(server.api_key().to_string()),
    };
    let steps = seclai_mock::record::tour(&r).await.unwrap();
    assert!(steps.len() >= 12, "{steps:?}");
    let failed: Vec<_> = steps.iter().filter(|s| s.outcome.is_err()).collect();
    assert!(failed.is_empty(), "every step works against the local server: {failed:?}");
    let files = seclai_mock::record::written(&out);
    assert_eq!(files.len(), steps.len(), "one cassette per request: {files:#?}");
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(text.contains("provenance: recorded"), "{}", f.display());
        assert!(!text.contains(server.api_key()), "no credential is recorded: {}", f.display());
    }
    let (n, failures) = seclai_mock::contract::run_dir(&out).await.unwrap();
    assert_eq!(n, files.len());
    let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", report.join("\n"));
    std::fs::remove_dir_all(&out).ok();
}

/// The cassettes under `dir`, with their operation.
fn cassettes(dir: &std::path::Path) -> Vec<seclai::cassette::Cassette> {
    seclai::cassette::Cassette::load_dir(dir).unwrap().into_iter().map(|(_, c)| c).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_of_every_kind_of_operation_is_recorded_and_replays_through_the_contract() {
    use futures::TryStreamExt;
    use seclai::types::{AgentRunStreamRequest, CreateExportRequest, CreateSourceBody};
    use seclai::upload::UploadFile;
    use std::time::Duration;

    let server = seclai_mock::Server::start().await.unwrap();
    let out = std::env::temp_dir().join(format!("seclai-session-{}-{}", std::process::id(), server.addr().port()));
    let client = server.client_builder().record_to(&out).build().unwrap();
    let quick = seclai::WaitOptions::default()
        .with_interval(Duration::from_millis(5), Duration::from_millis(20))
        .with_deadline(Duration::from_secs(10));

    // JSON operations.
    let source = client
        .sources()
        .create(CreateSourceBody::builder().name("Recorded session").source_type("custom_index"))
        .send()
        .await
        .unwrap();
    // Uploads: small bytes (kept), a large file from disk (its length and SHA-1), a reader
    // (its length only: it cannot be read twice).
    client
        .sources()
        .upload(&source.id, UploadFile::bytes(&b"# Notes\n\nsmall enough to keep\n"[..], "notes.md"))
        .title("Notes")
        .send()
        .await
        .unwrap();
    let big = "A line of the handbook, long enough to make the file large.\n".repeat(2_000);
    let path = out.with_extension("handbook.md");
    std::fs::write(&path, &big).unwrap();
    client.sources().upload(&source.id, UploadFile::path(&path)).send().await.unwrap();
    let reader = std::io::Cursor::new(big.clone().into_bytes());
    client.sources().upload(&source.id, UploadFile::reader(reader, big.len() as u64, "read.md")).send().await.unwrap();
    // A stream.
    let agent = client.agents().list().send().await.unwrap().items.remove(0);
    let events: Vec<_> = client
        .agents()
        .runs()
        .stream(&agent.id, AgentRunStreamRequest::builder().input("What changed?"))
        .send()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(events.len() >= 3);
    // A download larger than a cassette keeps (the export holds the uploaded text).
    let exports = client.sources().exports();
    let export = exports.create(&source.id, CreateExportRequest::builder().format("csv")).send().await.unwrap();
    let file = out.with_extension("export.csv");
    let written = exports.wait_and_download(&source.id, &export.id, &file).wait_options(quick).send().await.unwrap();
    assert!(written > seclai::cassette::KEPT_BODY_BYTES as u64, "{written}");
    // The escape hatch, and an error.
    let raw: serde_json::Value =
        client.request(reqwest::Method::GET, format!("/sources/{}", source.id)).send().await.unwrap();
    assert_eq!(raw["id"], source.id.as_str());
    let missing = client.agents().get("0b3c9a7e-4d2f-4e1a-9c8b-000000000000").send().await.unwrap_err();
    assert_eq!(missing.status(), Some(404));

    let recorded = cassettes(&out);
    let of = |op: &str| recorded.iter().filter(|c| c.operation == op).collect::<Vec<_>>();
    let uploads = of("upload_file_to_source");
    let file_part = |c: &&seclai::cassette::Cassette| {
        c.request.multipart.as_ref().and_then(|parts| parts.iter().find(|p| p.name == "file")).cloned().unwrap()
    };
    let parts: Vec<_> = uploads.iter().map(file_part).collect();
    assert_eq!(parts.len(), 3, "{parts:#?}");
    assert!(parts.iter().any(|p| p.text.as_deref() == Some("# Notes\n\nsmall enough to keep\n")), "{parts:#?}");
    let sha1 = parts.iter().find_map(|p| p.omitted.as_ref().filter(|o| o.sha1.is_some())).expect("a digest");
    assert_eq!(
        (sha1.length, sha1.sha1.as_deref()),
        (big.len() as u64, seclai::cassette::Omitted::of(big.as_bytes()).sha1.as_deref())
    );
    assert!(parts.iter().any(|p| p.omitted.as_ref().is_some_and(|o| o.sha1.is_none() && o.length == big.len() as u64)));
    assert!(uploads.iter().any(|c| c.request.multipart.as_ref().unwrap().iter().any(|p| p.name == "title")));
    let stream = of("run_streaming_agent");
    assert!(stream.len() == 1 && stream[0].response.text.as_ref().is_some_and(|t| t.contains("event: done")));
    let download = of("download_source_export");
    assert!(download.len() == 1 && download[0].response.omitted.as_ref().is_some_and(|o| o.length == written));
    assert_eq!(of("get_source").len(), 1, "the escape hatch's request is recorded as the operation it is");
    assert!(of("get_agent").iter().any(|c| c.response.status == 404));

    let (n, failures) = seclai_mock::contract::run_dir(&out).await.unwrap();
    assert_eq!(n, recorded.len());
    let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", report.join("\n"));
    std::fs::remove_dir_all(&out).ok();
    std::fs::remove_file(&path).ok();
    std::fs::remove_file(&file).ok();
}
