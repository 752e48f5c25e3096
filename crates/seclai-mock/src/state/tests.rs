//! Unit tests of the world, without a server.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};

use super::World;
use crate::cassettes::Library;
use crate::server::{Ctx, Reply};

/// Calls the world with a request.
fn call(
    world: &mut World,
    library: &Library,
    operation: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<Value>,
) -> Option<Reply> {
    let params: BTreeMap<String, String> = BTreeMap::new();
    let query: Vec<(String, String)> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let ctx = Ctx {
        operation,
        path,
        path_params: &params,
        query: &query,
        version: None,
        json: body.as_ref(),
        parts: &[],
        library,
        token_delay: Duration::ZERO,
    };
    world.handle(&ctx)
}

/// The JSON body of a reply.
fn body(reply: &Reply) -> Value {
    let bytes: Vec<u8> = reply.chunks.iter().flat_map(|(_, c)| c.to_vec()).collect();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

#[test]
fn the_world_starts_with_23_distinct_agents() {
    let library = Library::embedded();
    let world = World::new(&library, None);
    assert_eq!(world.agents.len(), 23);
    let ids: BTreeSet<&str> = world.agents.iter().map(|a| a.id()).collect();
    let names: BTreeSet<&str> = world.agents.iter().filter_map(|a| a.body["name"].as_str()).collect();
    assert_eq!((ids.len(), names.len()), (23, 23));
    assert!(names.contains("Release notes digest 7"), "{names:?}");
}

#[test]
fn pages_carry_correct_totals() {
    let library = Library::embedded();
    let mut world = World::new(&library, None);
    let reply = call(&mut world, &library, "list_agents", "/agents", &[("page", "3"), ("limit", "10")], None).unwrap();
    let page = body(&reply);
    assert_eq!(page["data"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        page["pagination"],
        json!({"page": 3, "limit": 10, "total": 23, "pages": 3, "has_next": false, "has_prev": true})
    );
    let reply = call(&mut world, &library, "list_knowledge_bases", "/knowledge_bases", &[], None).unwrap();
    assert_eq!(body(&reply), json!({"knowledge_bases": [], "page": 1, "limit": 20, "total": 0}));
}

#[test]
fn operations_without_state_are_left_to_the_cassettes() {
    let library = Library::embedded();
    let mut world = World::new(&library, None);
    assert!(call(&mut world, &library, "list_memory_banks", "/memory_banks", &[], None).is_none());
}
