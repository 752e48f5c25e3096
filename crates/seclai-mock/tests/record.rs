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
