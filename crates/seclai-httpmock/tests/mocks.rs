//! The typed mocks, used as a user's tests use them: an `httpmock::MockServer`, a
//! `seclai::Client` pointed at it, a mock, a call through the SDK, an assertion on the mock.
//! One operation of every resource, and every helper kind (stream, pages in both envelopes,
//! upload, download, error bodies).

use std::collections::BTreeSet;

use futures::TryStreamExt;
use httpmock::MockServer;
use seclai::runs::{Completion, RunEvent};
use seclai::{ApiErrorKind, Client, Error, types};
use seclai_httpmock::MockServerExt;
use seclai_httpmock::pages::Envelope;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/seclai.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).expect("spec")).expect("spec parses")
}

/// The recorded answer of an operation (`cassettes/<operation>/default.yaml`), as its type.
fn recorded<T: DeserializeOwned>(operation: &str) -> T {
    let path = format!("{}/../../cassettes/{operation}/default.yaml", env!("CARGO_MANIFEST_DIR"));
    let cassette: Value = serde_yaml::from_str(&std::fs::read_to_string(&path).expect("cassette")).expect("yaml");
    serde_json::from_value(cassette["response"]["body"].clone()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key("sk-test-httpmock")
        .base_url(server.base_url())
        .retry_policy(seclai::RetryPolicy::none())
        .build()
        .expect("client")
}

const ID: &str = "6f1e2d3c-4b5a-4e8f-9a0b-1c2d3e4f5a6b";

#[test]
fn every_operation_of_the_spec_has_a_mock() {
    let spec = spec();
    let mut from_spec = BTreeSet::new();
    for item in spec["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                from_spec.insert(id.to_string());
            }
        }
    }
    let mocked: BTreeSet<String> = seclai_httpmock::OPERATIONS.iter().map(|s| s.to_string()).collect();
    assert_eq!(mocked, from_spec);
}

#[tokio::test]
async fn one_operation_of_every_resource_through_the_sdk() {
    let server = MockServer::start_async().await;
    let c = client(&server);

    // agents
    let agent: types::AgentSummaryResponse = recorded("get_agent");
    let m = server
        .mock_get_agent_async(|when, then| {
            when.agent_id(ID);
            then.ok(&agent);
        })
        .await;
    assert_eq!(c.agents().get(ID).send().await.unwrap(), agent);
    m.assert_async().await;

    // ai_assistant
    let turn: types::MemoryBankLastConversationResponse = recorded("ai_assistant_memory_bank_last_conversation");
    let m = server.mock_ai_assistant_memory_bank_last_conversation_async(|_, then| drop(then.ok(&turn))).await;
    c.ai_assistant().memory_bank_turns().send().await.unwrap();
    m.assert_async().await;

    // alerts: with a query parameter
    let alerts: types::AlertListResponse = recorded("list_alerts");
    let m = server
        .mock_list_alerts_async(|when, then| {
            when.status("open");
            then.ok(&alerts);
        })
        .await;
    let page = c.alerts().list().status("open").send().await.unwrap();
    assert_eq!(page.items.len(), alerts.data.len());
    m.assert_async().await;

    // cloud_drives
    let providers: Vec<types::CloudDriveProviderResponseModel> = recorded("list_cloud_drive_providers");
    let m = server.mock_list_cloud_drive_providers_async(|_, then| drop(then.ok(&providers))).await;
    assert_eq!(c.cloud_drives().providers().send().await.unwrap().items, providers);
    m.assert_async().await;

    // contents
    let content: types::ContentDetailResponse = recorded("get_content_detail");
    let m = server
        .mock_get_content_detail_async(|when, then| {
            when.source_connection_content_version(ID);
            then.ok(&content);
        })
        .await;
    assert_eq!(c.contents().get(ID).send().await.unwrap(), content);
    m.assert_async().await;

    // email_domains
    let domains: types::EmailDomainsListResponse = recorded("list_email_domains");
    let m = server.mock_list_email_domains_async(|_, then| drop(then.ok(&domains))).await;
    c.email_domains().list().send().await.unwrap();
    m.assert_async().await;

    // governance
    let conversations: Vec<types::GovernanceConversationResponse> = recorded("list_governance_ai_conversations");
    let m = server.mock_list_governance_ai_conversations_async(|_, then| drop(then.ok(&conversations))).await;
    c.governance().ai_assistant().conversations().send().await.unwrap();
    m.assert_async().await;

    // identity
    let me: types::MeResponse = recorded("get_me");
    let m = server.mock_get_me_async(|_, then| drop(then.ok(&me))).await;
    assert_eq!(c.identity().me().send().await.unwrap(), me);
    m.assert_async().await;

    // knowledge_bases: a JSON body matched exactly
    let kb: types::KnowledgeBaseResponseModel = recorded("create_knowledge_base");
    let body = types::CreateKnowledgeBaseBody::builder().name("Docs").source_ids([ID]).build().unwrap();
    let m = server
        .mock_create_knowledge_base_async(|when, then| {
            when.body(&body);
            then.created(&kb);
        })
        .await;
    let created = c
        .knowledge_bases()
        .create(types::CreateKnowledgeBaseBody::builder().name("Docs").source_ids([ID]))
        .send()
        .await;
    assert_eq!(created.unwrap(), kb);
    m.assert_async().await;

    // memory_banks
    let bank: types::MemoryBankResponseModel = recorded("get_memory_bank");
    let m = server
        .mock_get_memory_bank_async(|when, then| {
            when.memory_bank_id(ID);
            then.ok(&bank);
        })
        .await;
    assert_eq!(c.memory_banks().get(ID).send().await.unwrap(), bank);
    m.assert_async().await;

    // models
    let alerts: types::ModelAlertListResponse = recorded("list_model_alerts");
    let m = server.mock_list_model_alerts_async(|_, then| drop(then.ok(&alerts))).await;
    c.models().alerts().list().send().await.unwrap();
    m.assert_async().await;

    // search
    let found: types::SearchResponse = recorded("search");
    let m = server
        .mock_search_async(|when, then| {
            when.q("release");
            then.ok(&found);
        })
        .await;
    c.search().resources("release").send().await.unwrap();
    m.assert_async().await;

    // solutions
    let solution: types::SolutionResponse = recorded("get_solution");
    let m = server
        .mock_get_solution_async(|when, then| {
            when.solution_id(ID);
            then.ok(&solution);
        })
        .await;
    assert_eq!(c.solutions().get(ID).send().await.unwrap(), solution);
    m.assert_async().await;

    // sources
    let source: types::SourceResponse = recorded("get_source");
    let m = server
        .mock_get_source_async(|when, then| {
            when.source_connection_id(ID);
            then.ok(&source);
        })
        .await;
    assert_eq!(c.sources().get(ID).send().await.unwrap(), source);
    m.assert_async().await;

    // version
    let version: types::ApiVersionResponse = recorded("get_api_version");
    let m = server.mock_get_api_version_async(|_, then| drop(then.ok(&version))).await;
    assert_eq!(c.version().get().send().await.unwrap(), version);
    m.assert_async().await;
}

#[tokio::test]
async fn a_path_parameter_narrows_the_mock() {
    let server = MockServer::start_async().await;
    let agent: types::AgentSummaryResponse = recorded("get_agent");
    let m = server
        .mock_get_agent_async(|when, then| {
            when.agent_id("a1");
            then.ok(&agent);
        })
        .await;
    let e = client(&server).agents().get("a2").send().await.unwrap_err();
    assert_eq!(e.status(), Some(404), "httpmock answers 404 when no mock matches: {e}");
    m.assert_calls_async(0).await;
}

#[tokio::test]
async fn error_bodies_are_the_typed_errors_of_the_sdk() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let invalid: types::HttpValidationError = serde_json::from_value(json!({
        "detail": [{"loc": ["body", "name"], "msg": "Field required", "type": "missing"}]
    }))
    .unwrap();
    let m = server.mock_create_knowledge_base_async(|_, then| drop(then.validation_error(&invalid))).await;
    let e = c
        .knowledge_bases()
        .create(types::CreateKnowledgeBaseBody::builder().name("x").source_ids([ID]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::Unprocessable), "{e}");
    m.assert_async().await;

    let credits: types::InsufficientCreditsResponse = serde_json::from_value(json!({
        "detail": {"error": "insufficient_credits", "message": "No credits left", "account_id": "acc"}
    }))
    .unwrap();
    let m = server
        .mock_run_agent_async(|when, then| {
            when.agent_id(ID);
            then.insufficient_credits(&credits);
        })
        .await;
    let body = types::AgentRunRequest::builder().input("hi");
    let e = c.agents().runs().create(ID, body).send().await.unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::InsufficientCredits), "{e}");
    m.assert_async().await;

    let busy: types::ServiceUnavailableError = serde_json::from_value(json!({
        "error": {"code": "database_unavailable", "message": "The database is restarting"}
    }))
    .unwrap();
    let m = server
        .mock_get_me_async(|_, then| {
            then.service_unavailable(&busy).header("retry-after", "7");
        })
        .await;
    let e = c.identity().me().send().await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(7)), "{e}");
    m.assert_async().await;
}

#[tokio::test]
async fn a_streamed_run_from_typed_events_and_from_raw_sse() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let pending: types::AgentRunResponse = recorded("get_agent_run");
    let mut done = pending.clone();
    done.status = types::AgentRunStatus::Completed;
    let events = [
        RunEvent::Init(Box::new(pending.clone())),
        RunEvent::Token("The release ".into()),
        RunEvent::Token("adds exports.".into()),
        RunEvent::Done(Box::new(done.clone())),
    ];
    let m = server
        .mock_run_streaming_agent_async(|when, then| {
            when.agent_id(ID).body_includes(json!({"input": "Summarize"}));
            then.events(&events);
        })
        .await;
    let body = || types::AgentRunStreamRequest::builder().input("Summarize");
    let got: Vec<RunEvent> = c.agents().runs().stream(ID, body()).send().await.unwrap().try_collect().await.unwrap();
    assert_eq!(got, events);
    let finished = c.agents().runs().run_and_wait(ID, body()).send().await.unwrap();
    assert_eq!((finished.completion, finished.run), (Completion::Stream, done.clone()));
    m.assert_calls_async(2).await;

    // Raw SSE: what a server might send that no typed event describes (a CRLF, a comment).
    let raw = format!(": keepalive\r\n\r\nevent: done\r\ndata: {}\r\n\r\n", serde_json::to_string(&done).unwrap());
    let server = MockServer::start_async().await;
    let m = server.mock_run_streaming_agent_async(|_, then| drop(then.sse(raw))).await;
    let got: Vec<RunEvent> =
        client(&server).agents().runs().stream(ID, body()).send().await.unwrap().try_collect().await.unwrap();
    assert!(matches!(got.as_slice(), [RunEvent::Done(r)] if **r == done));
    m.assert_async().await;
}

#[tokio::test]
async fn a_list_in_pages_in_both_envelopes() {
    let agent: types::AgentSummaryResponse = recorded("get_agent");
    let agents: Vec<types::AgentSummaryResponse> = (0..7)
        .map(|i| {
            let mut a = agent.clone();
            a.name = format!("agent {i}");
            a
        })
        .collect();
    for envelope in [Envelope::Canonical, Envelope::Legacy] {
        let server = MockServer::start_async().await;
        let mocks = server.mock_list_agents_pages(&agents, 3, envelope);
        assert_eq!(mocks.len(), 3);
        let got: Vec<types::AgentSummaryResponse> =
            client(&server).agents().list().page_size(3).items().try_collect().await.unwrap();
        assert_eq!(got, agents, "{envelope:?}");
        for m in &mocks {
            m.assert_async().await;
        }
    }
    // An offset-style list, legacy envelope `{items, total}`.
    let sender: types::BlockedEmailSenderResponse = recorded("block_email_sender");
    let senders: Vec<types::BlockedEmailSenderResponse> = (0..5)
        .map(|_| sender.clone())
        .enumerate()
        .map(|(i, mut s)| {
            s.sender_email = format!("s{i}@example.com");
            s
        })
        .collect();
    let server = MockServer::start_async().await;
    let mocks = server.mock_list_blocked_email_senders_pages(&senders, 2, Envelope::Legacy);
    let got: Vec<types::BlockedEmailSenderResponse> =
        client(&server).agents().email().blocked_senders().list().page_size(2).items().try_collect().await.unwrap();
    assert_eq!(got, senders);
    assert_eq!(mocks.len(), 3);
}

#[tokio::test]
async fn an_upload_and_a_download() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    let uploaded: types::SourceFileUploadResponse = recorded("upload_file_to_source");
    let m = server
        .mock_upload_file_to_source_async(|when, then| {
            when.source_connection_id(ID).file_name("notes.txt").body_contains("release notes").field("title", "Notes");
            then.ok(&uploaded);
        })
        .await;
    let file = seclai::upload::UploadFile::bytes(b"the release notes".to_vec(), "notes.txt");
    let got = c.sources().upload(ID, file).title("Notes").send().await.unwrap();
    assert_eq!(got, uploaded);
    m.assert_async().await;

    let m = server
        .mock_download_source_export_async(|when, then| {
            when.source_connection_id(ID).export_id(ID);
            then.file(b"id,title\n1,Notes\n".to_vec(), "text/csv");
        })
        .await;
    let bytes = c.sources().exports().download(ID, ID).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(&bytes[..], b"id,title\n1,Notes\n");
    m.assert_async().await;
}

#[tokio::test]
async fn what_the_typed_methods_do_not_cover_goes_through_the_raw_ones() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_get_me_async(|when, then| {
            when.header("x-api-key", "sk-test-httpmock");
            then.json(404, &json!({"detail": "Not found"}));
        })
        .await;
    let e = client(&server).identity().me().send().await.unwrap_err();
    assert!(matches!(&e, Error::Api(_)) && e.api_kind() == Some(ApiErrorKind::NotFound), "{e}");
    m.assert_async().await;
}
