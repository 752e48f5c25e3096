//! Each resource group, over real HTTP on loopback: the method, path, query, headers and body
//! that go out, and the typed value that comes back.

mod common;

use common::{KEY, agent, client, run};
use httpmock::Method::{DELETE, GET, PATCH, POST, PUT};
use httpmock::MockServer;
use seclai::types;
use serde_json::json;

#[tokio::test]
async fn agents_list_get_create_update_delete() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/agents")
                .query_param("page", "2")
                .query_param("limit", "5")
                .header("x-api-key", KEY);
            then.status(200).json_body(json!({"data": [agent("a1"), agent("a2")],
                "pagination": {"page": 2, "limit": 5, "total": 7, "pages": 2, "has_next": false, "has_prev": true}}));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/a%2F1");
            then.status(200).json_body(agent("a/1"));
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST).path("/agents").json_body(json!({"name": "Digest", "trigger_type": "dynamic_input"}));
            then.status(201).json_body(agent("a3"));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            // Fields with a default in the schema are always sent; `description` is an explicit null.
            when.method(PUT).path("/agents/a3").json_body(json!({"name": "Digest 2", "description": null,
                "set_default_evaluation_tier": false, "set_prompt_model_auto_rollback_triggers": false, "set_sampling_config": false}));
            then.status(200).json_body(agent("a3"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE).path("/agents/a3");
            then.status(204);
        })
        .await;
    let c = client(&server);

    let page = c.agents().list().page(2).page_size(5).send().await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!((page.total, page.page, page.has_next), (Some(7), Some(2), Some(false)));
    assert_eq!(page.items[1].id, "a2");

    let one = c.agents().get("a/1").send().await.unwrap();
    assert_eq!(one.id, "a/1", "path segments are percent-encoded");

    let created = c
        .agents()
        .create(types::CreateAgentRequest::builder().name("Digest").trigger_type("dynamic_input"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.id, "a3");

    c.agents()
        .update("a3", types::UpdateAgentRequest::builder().name("Digest 2").clear_description())
        .send()
        .await
        .unwrap();
    c.agents().delete("a3").send().await.unwrap();

    for m in [&list, &get, &create, &update, &delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn agent_runs_create_get_list_delete_search() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST).path("/agents/a1/runs").json_body(json!({"input": "hello", "priority": false}));
            then.status(200).json_body(run("r1", "pending"));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/runs/r1");
            then.status(200).json_body(run("r1", "completed"));
        })
        .await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/a1/runs").query_param("status", "completed");
            then.status(200).json_body(json!({"data": [run("r1", "completed")],
                "pagination": {"page": 1, "limit": 50, "total": 1, "pages": 1, "has_next": false, "has_prev": false}}));
        })
        .await;
    let cancel = server
        .mock_async(|when, then| {
            when.method(DELETE).path("/agents/runs/r1");
            then.status(200).json_body(run("r1", "failed"));
        })
        .await;
    let search = server
        .mock_async(|when, then| {
            when.method(POST).path("/agents/runs/search").json_body(json!({"query": "invoice", "top_n": 10}));
            then.status(200).json_body(json!({"matches": [], "total": 0}));
        })
        .await;
    let c = client(&server);
    let started = c
        .agents()
        .runs()
        .create("a1", types::AgentRunRequest::builder().input("hello".to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status, types::AgentRunStatus::Pending);
    let done = c.agents().runs().get("r1").send().await.unwrap();
    assert_eq!(done.output.as_deref(), Some("The release adds exports."));
    let runs = c.agents().runs().list("a1").status("completed").send().await.unwrap();
    assert_eq!(runs.items[0].run_id, "r1");
    let cancelled = c.agents().runs().cancel("r1").send().await.unwrap();
    assert_eq!(cancelled.status, types::AgentRunStatus::Failed);
    let found = c
        .agents()
        .runs()
        .search(
            json!({"query": "invoice"})
                .as_object()
                .cloned()
                .map(|m| {
                    serde_json::from_value::<types::AgentTraceSearchRequest>(serde_json::Value::Object(m)).unwrap()
                })
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(found.total, 0);
    for m in [&create, &get, &list, &cancel, &search] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn knowledge_bases_with_validation_before_sending() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST).path("/knowledge_bases").json_body(json!({"name": "Docs", "source_ids": ["s1"]}));
            then.status(201).json_body(json!({"id": "kb1", "name": "Docs", "created_at": "2026-07-30T10:00:00Z",
                "updated_at": "2026-07-30T10:00:00Z", "sources": [], "readonly": false, "description": null}));
        })
        .await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET).path("/knowledge_bases").query_param("order", "asc");
            then.status(200).json_body(json!({"knowledge_bases": [], "page": 1, "limit": 20, "total": 0}));
        })
        .await;
    let c = client(&server);
    let kb = c
        .knowledge_bases()
        .create(types::CreateKnowledgeBaseBody::builder().name("Docs").source_ids(vec!["s1".to_string()]))
        .send()
        .await
        .unwrap();
    assert_eq!(kb.id, "kb1");
    let page = c.knowledge_bases().list().order("asc").send().await.unwrap();
    assert_eq!(page.total, Some(0));

    // Bad input is refused before anything is sent.
    let err = c.knowledge_bases().list().limit(0).send().await.unwrap_err();
    assert!(matches!(err, seclai::Error::InvalidArgument(_)), "{err}");
    let err = c.knowledge_bases().create(types::CreateKnowledgeBaseBody::builder().name("")).send().await.unwrap_err();
    assert!(err.to_string().contains("invalid body"), "{err}");
    let err = c.knowledge_bases().get("").send().await.unwrap_err();
    assert!(err.to_string().contains("must not be empty"), "{err}");
    create.assert_async().await;
    list.assert_async().await;
}

#[tokio::test]
async fn sources_exports_contents_and_uuid_checks() {
    let server = MockServer::start_async().await;
    let sid = "0b3c9a7e-4d2f-4e1a-9c8b-7a6d5e4f3c2b";
    let eid = "9f8e7d6c-5b4a-4321-8fed-cba987654321";
    let export = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/sources/{sid}/exports/{eid}"));
            then.status(200).json_body(json!({"id": eid, "source_connection_id": sid, "status": "completed"}));
        })
        .await;
    let content = server
        .mock_async(|when, then| {
            when.method(GET).path("/contents/cv1");
            then.status(200).json_body(json!({"id": "cv1"}));
        })
        .await;
    let c = client(&server);
    let e = c.sources().exports().get(sid, eid).send().await;
    // The body above is deliberately partial: whatever the result, the request went out right.
    let _ = e;
    export.assert_async().await;
    let err = c.sources().exports().get("not-a-uuid", eid).send().await.unwrap_err();
    assert!(err.to_string().contains("must be a UUID"), "{err}");
    let _ = c.contents().get("cv1").send().await;
    content.assert_async().await;
}

#[tokio::test]
async fn every_other_resource_group_reaches_its_endpoint() {
    let server = MockServer::start_async().await;
    let c = client(&server);
    // (method, path, status, body) served; then the call made through the resource.
    let cases: Vec<(httpmock::Method, &str, serde_json::Value)> = vec![
        (GET, "/me", json!({"user": {"id": "u1"}, "organization": null})),
        (
            GET,
            "/version",
            json!({"pinned_version": null, "effective_version": "2026-07-01", "default_version": "2026-07-01",
            "latest_version": "2026-07-27", "known_versions": ["2026-07-01", "2026-07-27"]}),
        ),
        (GET, "/email-domains", json!({})),
        (GET, "/governance/ai-assistant/conversations", json!([])),
        (GET, "/memory_banks", json!({"memory_banks": [], "page": 1, "limit": 20, "total": 0})),
        (GET, "/models/alerts/unread-count", json!({"count": 3})),
        (GET, "/models/playground/experiments", json!({"experiments": [], "total": 0})),
        (
            GET,
            "/solutions",
            json!({"data": [], "pagination": {"page": 1, "limit": 20, "total": 0, "pages": 0, "has_next": false, "has_prev": false}}),
        ),
        (GET, "/alerts/configs", json!({"configs": [], "total": 0})),
        (GET, "/alerts/organization-preferences/list", json!({"preferences": [], "total": 0})),
        (
            GET,
            "/alerts",
            json!({"data": [], "pagination": {"page": 1, "limit": 20, "total": 0, "pages": 0, "has_next": false, "has_prev": false}}),
        ),
        (GET, "/search", json!({"results": []})),
        (GET, "/agents/inbound-email-status", json!({"paused": false, "queued_runs": 0})),
        (GET, "/agents/evaluation-results/non-manual-summary", json!({})),
        (GET, "/ai-assistant/memory-bank/last-conversation", json!({"turns": [], "total": 0})),
        (GET, "/agents/a1/ai-assistant/conversations", json!({"turns": [], "total": 0})),
    ];
    let mut mocks = Vec::new();
    for (method, path, body) in cases {
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(method).path(path);
                    then.status(200).json_body(body);
                })
                .await,
        );
    }
    let _ = c.identity().me().send().await;
    let v = c.version().get().send().await.unwrap();
    assert_eq!(v.latest_version, "2026-07-27");
    let _ = c.email_domains().list().send().await;
    assert!(c.governance().ai_assistant().conversations().send().await.unwrap().items.is_empty());
    assert_eq!(c.memory_banks().list().send().await.unwrap().total, Some(0));
    let _ = c.models().alerts().unread_count().send().await;
    assert_eq!(c.models().experiments().list().send().await.unwrap().total, Some(0));
    assert!(c.solutions().list().send().await.unwrap().items.is_empty());
    assert_eq!(c.alerts().configs().list().send().await.unwrap().total, Some(0));
    let _ = c.alerts().preferences().list().send().await;
    assert!(c.alerts().list().send().await.unwrap().items.is_empty());
    assert!(c.search().resources("invoice").send().await.unwrap().items.is_empty());
    let _ = c.agents().email().status().send().await;
    let _ = c.agents().evaluations().results().non_manual_summary().send().await;
    let _ = c.ai_assistant().memory_bank_turns().send().await;
    let _ = c.agents().ai_assistant().conversations("a1", "retrieval").send().await;
    for m in &mocks {
        assert_eq!(m.calls_async().await, 1, "every group reached its endpoint once");
    }
}

#[tokio::test]
async fn patch_and_delete_with_a_body() {
    let server = MockServer::start_async().await;
    let sol = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
    let patch = server
        .mock_async(|when, then| {
            when.method(PATCH).path("/models/alerts/3f2e1d0c-9b8a-4765-a432-10fedcba9876/read");
            then.status(200).json_body(json!({"ok": true}));
        })
        .await;
    let agent_id = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d";
    let unlink = server
        .mock_async(|when, then| {
            when.method(DELETE).path(format!("/solutions/{sol}/agents")).json_body(json!({"ids": [agent_id]}));
            then.status(200).json_body(json!({}));
        })
        .await;
    let c = client(&server);
    let err = c.models().alerts().mark_read("al1").send().await.unwrap_err();
    assert!(err.to_string().contains("`alert_id` must be a UUID"), "{err}");
    let _ = c.models().alerts().mark_read("3f2e1d0c-9b8a-4765-a432-10fedcba9876").send().await;
    let _ = c
        .solutions()
        .unlink_agents(
            sol,
            types::UnlinkResourcesRequest::builder().ids(vec![seclai::uuid::Uuid::parse_str(agent_id).unwrap()]),
        )
        .send()
        .await;
    patch.assert_async().await;
    unlink.assert_async().await;
}
