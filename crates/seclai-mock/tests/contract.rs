//! The contract tests: every cassette of the corpus against the spec and the `seclai` crate.

use std::path::PathBuf;
use std::time::Instant;

use seclai::cassette::Cassette;
use seclai_mock::Api;
use seclai_mock::contract::{check, replay};

fn corpus() -> Vec<(String, Cassette)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../cassettes");
    Cassette::load_dir(&dir)
        .expect("the cassettes load")
        .into_iter()
        .map(|(path, c)| (path.strip_prefix(&dir).unwrap_or(&path).display().to_string(), c))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cassette_honours_the_contract() {
    let started = Instant::now();
    let api = Api::embedded();
    let cassettes = corpus();
    let mut failures = Vec::new();
    for (file, c) in &cassettes {
        failures.extend(check(&api, file, c));
        failures.extend(replay(&api, file, c).await);
    }
    let operations: std::collections::BTreeSet<&str> = cassettes.iter().map(|(_, c)| c.operation.as_str()).collect();
    eprintln!(
        "contract: {} cassettes, {} operations, {} failures, {:.1}s",
        cassettes.len(),
        operations.len(),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    let in_spec: std::collections::BTreeSet<&str> = api.operations.iter().map(|o| o.id.as_str()).collect();
    let missing: Vec<_> = in_spec.difference(&operations).collect();
    assert!(missing.is_empty(), "operations without a cassette: {missing:?}");
    assert_eq!(operations, in_spec, "every cassette names an operation of the spec");
    let report: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{} contract failures:\n{}", failures.len(), report.join("\n"));
}

fn cassette(text: &str) -> Cassette {
    Cassette::from_yaml(text).unwrap()
}

const RUN_OK: &str = r#"
operation: get_agent_run
provenance: authored
request:
  method: GET
  path: /agents/runs/7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6
response:
  status: 200
  body:
    run_id: 7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6
    status: completed
    error_count: 0
    credits: 0.5
    priority: false
    input: hi
    output: hello
    attempts: []
"#;

#[test]
fn a_valid_cassette_passes() {
    let api = Api::embedded();
    assert_eq!(check(&api, "get_agent_run/ok.yaml", &cassette(RUN_OK)), vec![]);
}

#[test]
fn a_wrong_type_or_a_missing_field_fails_with_file_operation_status_and_path() {
    let api = Api::embedded();
    let wrong_type = RUN_OK.replace("error_count: 0", "error_count: none");
    let failures: Vec<String> =
        check(&api, "get_agent_run/bad.yaml", &cassette(&wrong_type)).iter().map(ToString::to_string).collect();
    assert!(
        failures.contains(&"get_agent_run/bad.yaml (get_agent_run, HTTP 200) at `response.body.error_count`: expected integer, got string \"none\"".to_string()),
        "{failures:#?}"
    );
    assert!(failures.iter().any(|f| f.contains("at `response.body.error_count`: does not decode")), "{failures:#?}");

    let missing = RUN_OK.replace("    priority: false\n", "");
    let failures: Vec<String> =
        check(&api, "get_agent_run/bad.yaml", &cassette(&missing)).iter().map(ToString::to_string).collect();
    assert!(
        failures.contains(
            &"get_agent_run/bad.yaml (get_agent_run, HTTP 200) at `response.body.priority`: is required but missing"
                .to_string()
        ),
        "{failures:#?}"
    );

    let bad_request = RUN_OK.replace("/agents/runs/7d1e", "/agents/rnus/7d1e");
    let failures = check(&api, "get_agent_run/bad.yaml", &cassette(&bad_request));
    assert_eq!(failures[0].path, "request.path", "{failures:?}");
}

#[tokio::test]
async fn a_cassette_whose_request_the_sdk_would_not_send_fails_on_replay() {
    let api = Api::embedded();
    // The SDK sends `limit` as asked; a cassette claiming another query is caught.
    let text = r#"
operation: list_agents
provenance: authored
request:
  method: GET
  path: /agents
  query:
    limit: "5"
    page: "1"
response:
  status: 200
  body:
    data: []
    pagination: {page: 1, limit: 5, total: 0, pages: 0, has_next: false, has_prev: false}
"#;
    assert_eq!(check(&api, "list_agents/x.yaml", &cassette(text)), vec![]);
    assert_eq!(replay(&api, "list_agents/x.yaml", &cassette(text)).await, vec![]);
    let mut wrong = cassette(text);
    wrong.response.body = Some(serde_json::json!({"data": [], "pagination": {"page": 1}}));
    let failures = check(&api, "list_agents/x.yaml", &wrong);
    assert!(failures.iter().any(|f| f.path == "response.body.pagination.limit"), "{failures:?}");
}
