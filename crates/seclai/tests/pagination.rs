//! Auto-pagination on every envelope the API sends, both API versions, and every way a list
//! ends, including a server that repeats a page.

mod common;

use common::{agent, client, sample};
use futures::TryStreamExt;
use httpmock::Method::GET;
use httpmock::MockServer;
use serde_json::{Value, json};

fn agents(from: usize, n: usize) -> Vec<Value> {
    (from..from + n).map(|i| agent(&format!("a{i}"))).collect()
}

/// Serves `/agents?page=N` from `pages` in the canonical envelope.
async fn canonical_pages<'a>(
    server: &'a MockServer,
    pages: &[Vec<Value>],
    total: usize,
    limit: usize,
) -> Vec<httpmock::Mock<'a>> {
    let count = pages.len();
    let mut mocks = Vec::new();
    for (i, items) in pages.iter().enumerate() {
        let page = i + 1;
        let body = json!({"data": items, "pagination": {"page": page, "limit": limit, "total": total,
            "pages": count, "has_next": page < count, "has_prev": page > 1}});
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(GET).path("/agents").query_param("page", page.to_string());
                    then.status(200).json_body(body);
                })
                .await,
        );
    }
    mocks
}

#[tokio::test]
async fn canonical_envelope_walks_until_has_next_is_false() {
    let server = MockServer::start_async().await;
    canonical_pages(&server, &[agents(0, 3), agents(3, 3), agents(6, 1)], 7, 3).await;
    let c = client(&server);
    let all: Vec<_> = c.agents().list().page_size(3).items().try_collect().await.unwrap();
    let ids: Vec<&str> = all.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a0", "a1", "a2", "a3", "a4", "a5", "a6"]);
    let pages: Vec<_> = c.agents().list().page_size(3).pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[2].has_next, Some(false));
}

#[tokio::test]
async fn collect_stops_at_the_cap_without_fetching_more_pages() {
    let server = MockServer::start_async().await;
    let mocks = canonical_pages(&server, &[agents(0, 3), agents(3, 3), agents(6, 3)], 9, 3).await;
    let c = client(&server);
    let some = c.agents().list().page_size(3).collect(Some(4)).await.unwrap();
    assert_eq!(some.len(), 4);
    assert_eq!(mocks[2].calls_async().await, 0, "page 3 was never requested");
}

#[tokio::test]
async fn legacy_key_envelope_stops_when_total_is_reached() {
    let server = MockServer::start_async().await;
    for (page, items) in [(1, 2), (2, 1)] {
        server
            .mock_async(move |when, then| {
                when.method(GET).path("/knowledge_bases").query_param("page", page.to_string());
                let kbs: Vec<Value> = (0..items)
                    .map(|i| json!({"id": format!("kb{page}{i}"), "name": "kb", "created_at": "2026-07-30T10:00:00Z", "updated_at": "2026-07-30T10:00:00Z"}))
                    .collect();
                then.status(200).json_body(json!({"knowledge_bases": kbs, "page": page, "limit": 2, "total": 3}));
            })
            .await;
    }
    let c = client(&server);
    let all: Vec<_> = c.knowledge_bases().list().limit(2).items().try_collect().await.unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn bare_arrays_stop_on_a_short_page_and_the_new_version_envelope_also_decodes() {
    let server = MockServer::start_async().await;
    let criteria = |id: &str| sample("EvaluationCriteriaResponse", json!({"name": id}));
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/agents/a1/evaluation-criteria")
                .query_param("page", "1")
                .header_missing("seclai-version");
            then.status(200).json_body(json!([criteria("c1"), criteria("c2")]));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/agents/a1/evaluation-criteria")
                .query_param("page", "2")
                .header_missing("seclai-version");
            then.status(200).json_body(json!([criteria("c3")]));
        })
        .await;
    let c = client(&server);
    let all = c.agents().evaluations().criteria().list("a1").limit(2).collect(None).await;
    let all = all.unwrap();
    assert_eq!(all.len(), 3);
    first.assert_async().await;
    second.assert_async().await;

    // With Seclai-Version 2026-07-27 the same list answers {data, pagination}.
    let v2 = MockServer::start_async().await;
    v2.mock_async(|when, then| {
        when.method(GET).path("/agents/a1/evaluation-criteria").header("seclai-version", "2026-07-27");
        then.status(200).json_body(json!({"data": [criteria("c1")],
            "pagination": {"page": 1, "limit": 20, "total": 1, "pages": 1, "has_next": false, "has_prev": false}}));
    })
    .await;
    let c = common::builder(&v2).api_version("2026-07-27").build().unwrap();
    let page = c.agents().evaluations().criteria().list("a1").send().await.unwrap();
    assert_eq!((page.items.len(), page.total), (1, Some(1)));
}

#[tokio::test]
async fn offset_lists_advance_by_the_items_received_and_keep_extra_fields() {
    let server = MockServer::start_async().await;
    let sender =
        |i: usize| sample("BlockedEmailSenderResponse", json!({"sender_email": format!("spam{i}@example.com")}));
    for (offset, n) in [(0usize, 2usize), (2, 2), (4, 0)] {
        let items: Vec<Value> = (offset..offset + n).map(sender).collect();
        server
            .mock_async(move |when, then| {
                when.method(GET)
                    .path("/agents/blocked-email-senders")
                    .query_param("offset", offset.to_string())
                    .query_param("limit", "2");
                then.status(200).json_body(json!({"items": items, "total": 4, "auto_block_mode": "strict"}));
            })
            .await;
    }
    let c = client(&server);
    let pages: Vec<_> = c.agents().email().blocked_senders().list().limit(2).pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 2, "total reached after two pages: the empty third is never fetched");
    assert_eq!(pages[0].extra.get("auto_block_mode"), Some(&json!("strict")));
    assert_eq!(pages.iter().map(|p| p.items.len()).sum::<usize>(), 4);
}

#[tokio::test]
async fn limit_only_lists_make_one_request() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/search").query_param("q", "invoice").query_param("limit", "2");
            then.status(200).json_body(json!({"results": [
                {"id": "1", "entity_type": "agent", "name": "Invoices", "description": null},
                {"id": "2", "entity_type": "source", "name": "Invoice inbox", "description": null}]}));
        })
        .await;
    let c = client(&server);
    let all: Vec<_> = c.search().resources("invoice").limit(2).items().try_collect().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(m.calls_async().await, 1);
}

#[tokio::test]
async fn has_more_from_the_intro_page_envelope_is_understood() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents");
            then.status(200).json_body(json!({"data": agents(0, 20), "has_more": false, "total": 99}));
        })
        .await;
    let c = client(&server);
    let all: Vec<_> = c.agents().list().items().try_collect().await.unwrap();
    assert_eq!(all.len(), 20);
    assert_eq!(m.calls_async().await, 1, "has_more=false ends the walk even with a full page");
}

#[tokio::test]
async fn an_empty_page_ends_the_walk() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/agents").query_param("page", "1");
            then.status(200).json_body(json!({"data": agents(0, 20), "total": null}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/agents").query_param("page", "2");
            then.status(200).json_body(json!({"data": []}));
        })
        .await;
    let all: Vec<_> = client(&server).agents().list().items().try_collect().await.unwrap();
    assert_eq!(all.len(), 20);
}

#[tokio::test]
async fn a_server_that_repeats_a_page_is_an_error_not_an_endless_loop() {
    let server = MockServer::start_async().await;
    // Ignores `page`: the same full page every time, and no end marker.
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents");
            then.status(200).json_body(json!({"data": agents(0, 20)}));
        })
        .await;
    let c = client(&server);
    let result: Result<Vec<_>, _> = c.agents().list().items().try_collect().await;
    let err = result.unwrap_err();
    assert!(matches!(err, seclai::Error::Protocol { .. }), "{err}");
    assert!(err.to_string().contains("same items again"), "{err}");
    assert_eq!(m.calls_async().await, 2);

    // A server that answers another page number than asked is caught as well.
    let server = MockServer::start_async().await;
    for page in [1, 2] {
        server
            .mock_async(move |when, then| {
                when.method(GET).path("/agents").query_param("page", page.to_string());
                then.status(200).json_body(json!({"data": agents(page * 2, 2),
                    "pagination": {"page": 1, "limit": 2, "total": 10, "pages": 5, "has_next": true, "has_prev": false}}));
            })
            .await;
    }
    let err = client(&server).agents().list().page_size(2).collect(None).await.unwrap_err();
    assert!(err.to_string().contains("asked for page 2"), "{err}");
}

#[tokio::test]
async fn starting_at_a_later_page_walks_from_there() {
    let server = MockServer::start_async().await;
    canonical_pages(&server, &[agents(0, 2), agents(2, 2), agents(4, 1)], 5, 2).await;
    let c = client(&server);
    let rest: Vec<_> = c.agents().list().page(2).page_size(2).items().try_collect().await.unwrap();
    assert_eq!(rest.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["a2", "a3", "a4"]);
}
