//! Every list and get operation survives what the server adds later: each is fed a response
//! built from its schema with an undeclared field in every object and an unseen value in every
//! enum, over loopback, through the same builder a user calls. Lists are fed both envelope
//! generations.

mod common;

use common::{Enums, Sampler, UNSEEN, client, spec_cached, uid};
use httpmock::MockServer;
use serde_json::{Value, json};

struct GetOp {
    id: String,
    path: String,
    args: Value,
    response: Value,
    list_items_key: Option<Option<String>>,
}

fn get_operations() -> Vec<GetOp> {
    let spec = spec_cached();
    let sampler = Sampler { spec, enums: Enums::Unseen, extra_fields: true };
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let id = op["operationId"].as_str().unwrap().to_string();
        let json =
            seclai::dynamic::OPERATIONS.iter().any(|o| o.id == id && o.kind == seclai::dynamic::OperationKind::Json);
        if !json {
            continue; // file downloads: covered with the download helpers
        }
        let mut args = serde_json::Map::new();
        let mut concrete = path.clone();
        for p in op["parameters"].as_array().into_iter().flatten() {
            let Some(name) = p.get("name").and_then(Value::as_str) else { continue };
            let uuid = p["schema"]["format"] == "uuid";
            let value = if uuid { uid(3) } else { format!("{name}-1") };
            match p["in"].as_str() {
                Some("path") => {
                    concrete = concrete.replace(&format!("{{{name}}}"), &value);
                    args.insert(name.into(), json!(value));
                }
                Some("query") if p["required"] == true => {
                    args.insert(name.into(), json!(value));
                }
                _ => {}
            }
        }
        let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
        let pagination = &op["x-seclai-pagination"];
        let list_items_key = pagination.is_object().then(|| pagination["items"].as_str().map(String::from));
        let mut response = sampler.schema(schema, 0);
        // Where the spec leaves list items untyped, the SDK types them (`item_schema`).
        if let (Some(item), Some(Some(key))) = (pagination["item_schema"].as_str(), &list_items_key) {
            response[key.as_str()] = json!([sampler.component(item)]);
        }
        out.push(GetOp { id, path: concrete, args: Value::Object(args), response, list_items_key });
    }
    out
}

#[tokio::test]
async fn every_list_and_get_operation_tolerates_new_fields_and_enum_values() {
    let ops = get_operations();
    assert!(ops.len() >= 60, "expected every GET operation of the spec, found {}", ops.len());
    let server = MockServer::start_async().await;
    let c = client(&server);
    let mut with_unseen_enum = 0;
    for op in &ops {
        let body = op.response.clone();
        let path = op.path.clone();
        let mock = server
            .mock_async(move |when, then| {
                when.path(path);
                then.status(200).json_body(body);
            })
            .await;
        let answer = seclai::dynamic::invoke(&c, &op.id, &op.args)
            .await
            .unwrap_or_else(|e| panic!("{} failed on a response with new fields and values: {e}", op.id));
        assert_eq!(mock.calls_async().await, 1, "{}", op.id);
        mock.delete_async().await;
        let sent = op.response.to_string();
        if sent.contains(UNSEEN) {
            with_unseen_enum += 1;
            assert!(answer.to_string().contains(UNSEEN), "{}: the unseen enum value was dropped:\n{answer}", op.id);
        }
        assert!(!answer.is_null() || op.response.is_null(), "{}", op.id);
    }
    assert!(with_unseen_enum >= 4, "enough operations carry enums: {with_unseen_enum}");
}

#[tokio::test]
async fn every_list_operation_decodes_the_canonical_envelope_of_the_new_version() {
    let ops: Vec<GetOp> = get_operations().into_iter().filter(|o| o.list_items_key.is_some()).collect();
    assert!(ops.len() >= 20, "{}", ops.len());
    let server = MockServer::start_async().await;
    let c = common::builder(&server).api_version("2026-07-27").build().unwrap();
    for op in &ops {
        // The item: from the legacy envelope (or the bare array) of the sample.
        let item = match &op.list_items_key {
            Some(Some(key)) => op.response[key][0].clone(),
            _ => op.response[0].clone(),
        };
        let body = json!({"data": [item], "pagination": {"page": 1, "limit": 20, "total": 1, "pages": 1, "has_next": false, "has_prev": false}});
        let path = op.path.clone();
        let mock = server
            .mock_async(move |when, then| {
                when.path(path).header("seclai-version", "2026-07-27");
                then.status(200).json_body(body);
            })
            .await;
        let page = seclai::dynamic::invoke(&c, &op.id, &op.args)
            .await
            .unwrap_or_else(|e| panic!("{}: the canonical envelope did not decode: {e}", op.id));
        assert_eq!(page["items"].as_array().map(Vec::len), Some(1), "{}: {page}", op.id);
        assert_eq!(page["total"], json!(1), "{}", op.id);
        mock.delete_async().await;
    }
}
