//! `client.request(..)` and `seclai::dynamic::invoke`: the same path as every operation.

mod common;

use common::{agent, client};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::{Value, json};

#[tokio::test]
async fn any_path_with_json_in_and_typed_or_value_out() {
    let server = MockServer::start_async().await;
    let post = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/future/things")
                .query_param("dry_run", "true")
                .header("x-api-key", common::KEY)
                .json_body(json!({"a": 1}));
            then.status(201).json_body(json!({"id": "t1", "new": true}));
        })
        .await;
    let typed = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/a1");
            then.status(200).json_body(agent("a1"));
        })
        .await;
    let flaky = server
        .mock_async(|when, then| {
            when.method(GET).path("/future/flaky");
            then.status(503).body("{}");
        })
        .await;
    let c = client(&server);
    let v: Value = c
        .request(reqwest::Method::POST, "/future/things")
        .query("dry_run", true)
        .json(&json!({"a": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(v["new"], true);
    let a: seclai::types::AgentSummaryResponse = c.request(reqwest::Method::GET, "/agents/a1").send().await.unwrap();
    assert_eq!(a.id, "a1");
    let e = c.request(reqwest::Method::GET, "/future/flaky").send::<Value>().await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(flaky.calls_async().await, 3, "the same retries as every operation");
    let e = c.request(reqwest::Method::GET, "agents?x=1").send::<Value>().await.unwrap_err();
    assert!(matches!(e, seclai::Error::InvalidArgument(_)));
    post.assert_async().await;
    typed.assert_async().await;
}

#[tokio::test]
async fn invoke_calls_the_typed_builder_with_json_arguments() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents").query_param("limit", "5");
            then.status(200).json_body(json!({"data": [agent("a1")],
                "pagination": {"page": 1, "limit": 5, "total": 1, "pages": 1, "has_next": false, "has_prev": false}}));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(reqwest::Method::PUT.as_str()).path("/version").json_body(json!({"version": null}));
            then.status(200).json_body(
                json!({"pinned_version": null, "effective_version": "2026-07-01", "default_version": "2026-07-01",
                "latest_version": "2026-07-27", "known_versions": ["2026-07-01", "2026-07-27"]}),
            );
        })
        .await;
    let c = client(&server);
    let page = seclai::dynamic::invoke(&c, "list_agents", &json!({"limit": 5})).await.unwrap();
    assert_eq!(page["items"][0]["id"], "a1");
    assert_eq!(page["total"], 1);
    // An explicit null in the body is sent as null (clearing the pin).
    let v = seclai::dynamic::invoke(&c, "update_api_version", &json!({"body": {"version": null}})).await.unwrap();
    assert_eq!(v["pinned_version"], Value::Null);
    list.assert_async().await;
    update.assert_async().await;

    let e = seclai::dynamic::invoke(&c, "no_such_operation", &json!({})).await.unwrap_err();
    assert!(e.to_string().contains("no operation `no_such_operation`"));
    let e = seclai::dynamic::invoke(&c, "get_agent", &json!({})).await.unwrap_err();
    assert!(e.to_string().contains("`agent_id` is missing"), "{e}");
    let e = seclai::dynamic::invoke(&c, "list_agents", &json!({"limit": "many"})).await.unwrap_err();
    assert!(e.to_string().contains("must be an integer"), "{e}");
}

#[tokio::test]
async fn dynamic_items_walk_every_page_from_the_one_asked() {
    let server = MockServer::start_async().await;
    let page = |n: i64, ids: &[&str], has_next: bool| {
        json!({"data": ids.iter().map(|i| agent(i)).collect::<Vec<_>>(),
            "pagination": {"page": n, "limit": 2, "total": 5, "pages": 3, "has_next": has_next, "has_prev": n > 1}})
    };
    let mut mocks = Vec::new();
    for (n, ids, more) in [(2, vec!["a3", "a4"], true), (3, vec!["a5"], false)] {
        let body = page(n, &ids, more);
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(GET).path("/agents").query_param("page", n.to_string()).query_param("limit", "2");
                    then.status(200).json_body(body);
                })
                .await,
        );
    }
    let c = client(&server);
    use futures::TryStreamExt;
    let items: Vec<Value> = seclai::dynamic::items(&c, "list_agents", &json!({"page": 2, "limit": 2}))
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<&str> = items.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a3", "a4", "a5"]);
    for m in &mocks {
        m.assert_async().await;
    }
    let e = seclai::dynamic::items(&c, "get_agent", &json!({"agent_id": "a1"})).err().unwrap();
    assert!(e.to_string().contains("not a list that pages"), "{e}");
    let e = seclai::dynamic::items(&c, "list_agents", &json!({"limit": "many"})).err().unwrap();
    assert!(e.to_string().contains("must be an integer"), "{e}");
}
