//! Documents a user fetches, edits and sends back keep every key the server sent: decoding then
//! encoding an agent export or an agent definition gives back the same JSON, for every recorded
//! one and for copies where keys the spec does not declare carry values; and an export fetched
//! over HTTP and imported again reaches the server whole.

use std::path::PathBuf;

use seclai::cassette::Cassette;
use seclai::types::{AgentDefinitionResponse, AgentExportResponse, CreateAgentRequest};
use seclai_mock::contract::equivalent;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn cassettes(operation: &str) -> Vec<(PathBuf, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../cassettes").join(operation);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let c = Cassette::load(&entry.path()).unwrap();
        if (200..300).contains(&c.response.status)
            && let Some(body) = c.response.body
        {
            out.push((entry.path(), body));
        }
    }
    assert!(!out.is_empty(), "no recorded {operation}");
    out
}

/// `body` decoded as `T` and encoded again, compared with the original (numbers by value).
fn assert_round_trip<T: DeserializeOwned + Serialize>(what: &str, body: &Value) {
    let typed: T = serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{what}: {e}"));
    let again = serde_json::to_value(&typed).unwrap();
    assert!(equivalent(&again, body), "{what}: the JSON changed\nsent back: {again}\nreceived:  {body}");
}

/// A copy with keys no schema declares, carrying values, at the top and inside.
fn with_undeclared_keys(body: &Value) -> Value {
    let mut copy = body.clone();
    let map = copy.as_object_mut().unwrap();
    map.insert("solutions".into(), json!([{"id": "5b0c1d2e-0000-4000-8000-000000000001", "name": "Support"}]));
    map.insert("x_added_later".into(), json!({"nested": [1, "two", null], "flag": true}));
    copy
}

#[test]
fn every_recorded_export_and_definition_comes_back_unchanged() {
    let mut checked = 0;
    for (path, body) in cassettes("export_agent") {
        let what = path.display().to_string();
        assert_round_trip::<AgentExportResponse>(&what, &body);
        assert_round_trip::<AgentExportResponse>(&format!("{what} with undeclared keys"), &with_undeclared_keys(&body));
        checked += 1;
    }
    for op in ["get_agent_definition", "update_agent_definition"] {
        for (path, body) in cassettes(op) {
            let what = path.display().to_string();
            assert_round_trip::<AgentDefinitionResponse>(&what, &body);
            assert_round_trip::<AgentDefinitionResponse>(
                &format!("{what} with undeclared keys"),
                &with_undeclared_keys(&body),
            );
            checked += 1;
        }
    }
    assert!(checked >= 3);
}

#[test]
fn undeclared_keys_are_reachable_and_nulls_are_kept() {
    let (_, body) = cassettes("export_agent").remove(0);
    let export: AgentExportResponse = serde_json::from_value(with_undeclared_keys(&body)).unwrap();
    assert_eq!(export.extra["solutions"][0]["name"], "Support");
    let mut nulls = body.clone();
    nulls["dependencies"] = Value::Null;
    let typed: AgentExportResponse = serde_json::from_value(nulls.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap()["dependencies"], Value::Null, "an explicit null stays");
}

#[tokio::test]
async fn an_export_fetched_and_imported_again_reaches_the_server_whole() {
    let server = seclai_mock::Server::start().await.unwrap();
    let client = server.client();
    let (path, body) = cassettes("export_agent").remove(0);
    let c = Cassette::load(&path).unwrap();
    let agent_id = c.request.path.trim_start_matches("/agents/").trim_end_matches("/export").to_string();
    let export = client.agents().export(&agent_id).send().await.unwrap();
    assert!(equivalent(&serde_json::to_value(&export).unwrap(), &body));
    // Edit it as a user would, keep everything else, and import it.
    let mut document = serde_json::to_value(&export).unwrap();
    document["agent"]["name"] = json!("Imported copy");
    let request = CreateAgentRequest::builder().name("Imported copy").agent_definition(document.clone());
    let _ = client.agents().create(request).send().await;
    let sent = server.received().into_iter().rev().find(|r| r.method == "POST" && r.path == "/agents").unwrap();
    let sent: Value = serde_json::from_slice(&sent.body).unwrap();
    assert!(equivalent(&sent["agent_definition"], &document), "every key of the export was sent back");
}
