//! Each step of the generator view, on a small spec.

use super::*;
use serde_json::json;

fn spec_with(op: Value) -> Value {
    json!({"openapi": "3.0.3", "paths": {"/x": {"post": op}}, "components": {"schemas": {}, "parameters": {
        "X-Account-Id": {"name": "X-Account-Id", "in": "header", "schema": {"type": "string"}},
        "Seclai-Version": {"name": "Seclai-Version", "in": "header", "schema": {"type": "string"}}}}})
}

#[test]
fn client_wide_headers_leave_operations_and_components() {
    let mut s = spec_with(json!({"operationId": "a", "parameters": [
        {"$ref": "#/components/parameters/X-Account-Id"},
        {"$ref": "#/components/parameters/Seclai-Version"},
        {"name": "q", "in": "query", "schema": {"type": "string"}}], "responses": {}}));
    drop_client_wide_headers(&mut s);
    assert_eq!(
        s.pointer("/paths/~1x/post/parameters").unwrap(),
        &json!([{"name": "q", "in": "query", "schema": {"type": "string"}}])
    );
    assert_eq!(s.pointer("/components/parameters").unwrap(), &json!({}));
}

#[test]
fn multipart_operations_and_their_forms_are_removed() {
    let mut s = spec_with(json!({"operationId": "upload", "requestBody": {"content": {"multipart/form-data": {
        "schema": {"$ref": "#/components/schemas/Form"}}}}, "responses": {}}));
    s["paths"]["/y"] = json!({"get": {"operationId": "keep", "responses": {}}});
    s["components"]["schemas"]["Form"] = json!({"type": "object"});
    s["components"]["schemas"]["Other"] = json!({"type": "object"});
    assert_eq!(drop_multipart_operations(&mut s), vec!["upload".to_string()]);
    assert!(s.pointer("/paths/~1x").is_none(), "a path left without operations is removed");
    assert!(s.pointer("/paths/~1y/get").is_some());
    assert!(s.pointer("/components/schemas/Form").is_none());
    assert!(s.pointer("/components/schemas/Other").is_some());
}

#[test]
fn sse_and_files_become_one_binary_media_type() {
    let mut s = spec_with(json!({"operationId": "stream", "responses": {"200": {"description": "", "content": {
        "text/event-stream": {"schema": {"type": "string"}, "example": "event: x"},
        "application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}}}}));
    assert_eq!(keep_one_raw_success_body(&mut s), vec!["stream".to_string()]);
    assert_eq!(
        s.pointer("/paths/~1x/post/responses/200/content").unwrap(),
        &json!({"text/event-stream": {"schema": {"type": "string", "format": "binary"}}})
    );
}

#[test]
fn json_only_success_bodies_are_untouched() {
    let op = json!({"operationId": "j", "responses": {"200": {"description": "", "content": {
        "application/json": {"schema": {"type": "object"}}}}}});
    let mut s = spec_with(op.clone());
    assert!(keep_one_raw_success_body(&mut s).is_empty());
    assert_eq!(s.pointer("/paths/~1x/post").unwrap(), &op);
}

#[test]
fn only_success_responses_remain() {
    let mut s =
        spec_with(json!({"operationId": "a", "responses": {"201": {"description": "ok"}, "402": {"description": "no"},
        "422": {"$ref": "#/components/responses/V"}, "default": {"description": "d"}}}));
    s["components"]["responses"] = json!({"V": {"description": "v"}});
    drop_error_responses(&mut s);
    assert_eq!(s.pointer("/paths/~1x/post/responses").unwrap(), &json!({"201": {"description": "ok"}}));
    assert!(s.pointer("/components/responses").is_none());
}

#[test]
fn titles_go_but_a_property_named_title_stays() {
    let mut s = spec_with(json!({"operationId": "a", "responses": {}}));
    s["components"]["schemas"]["A"] = json!({"title": "A", "type": "object", "properties": {
        "title": {"title": "Title", "type": "string"}, "list": {"type": "array", "items": {"title": "I", "type": "string"}}}});
    strip_titles(&mut s);
    assert_eq!(
        s["components"]["schemas"]["A"],
        json!({"type": "object", "properties": {
        "title": {"type": "string"}, "list": {"type": "array", "items": {"type": "string"}}}})
    );
}

#[test]
fn one_value_enums_become_strings() {
    let mut s = spec_with(json!({"operationId": "a", "responses": {}}));
    s["components"]["schemas"]["E"] =
        json!({"type": "object", "properties": {"error": {"type": "string", "enum": ["x"]}}});
    constants_to_strings(&mut s);
    assert_eq!(s["components"]["schemas"]["E"]["properties"]["error"], json!({"type": "string"}));
}

#[test]
fn inline_enums_are_hoisted_from_properties_and_parameters() {
    let mut s = spec_with(json!({"operationId": "docs_search", "parameters": [
        {"name": "mode", "in": "query", "schema": {"type": "string", "enum": ["keyword", "semantic"], "default": "keyword"}}],
        "responses": {}}));
    s["components"]["schemas"]["Req"] = json!({"type": "object", "properties": {
        "evaluation_mode": {"type": "string", "enum": ["manual", "prompt"], "description": "How", "default": "manual"}}});
    let hoisted = hoist_inline_enums(&mut s);
    assert_eq!(
        hoisted,
        vec![
            ("ReqEvaluationMode".to_string(), "Req.evaluation_mode".to_string()),
            ("DocsSearchMode".to_string(), "docs_search(mode)".to_string())
        ]
    );
    assert_eq!(
        s["components"]["schemas"]["Req"]["properties"]["evaluation_mode"],
        json!({"default": "manual", "allOf": [{"$ref": "#/components/schemas/ReqEvaluationMode"}]})
    );
    assert_eq!(
        s["components"]["schemas"]["ReqEvaluationMode"],
        json!({"type": "string", "enum": ["manual", "prompt"], "description": "How"})
    );
    assert_eq!(
        s.pointer("/paths/~1x/post/parameters/0/schema").unwrap(),
        &json!({"default": "keyword", "allOf": [{"$ref": "#/components/schemas/DocsSearchMode"}]})
    );
    let enums = collect_enums(&s);
    assert_eq!(enums["DocsSearchMode"].values, vec!["keyword", "semantic"]);
}

#[test]
fn inline_enums_of_nested_objects_and_items_are_hoisted() {
    let mut s = spec_with(json!({"operationId": "x", "responses": {}}));
    s["components"]["schemas"]["Unavailable"] = json!({"type": "object", "properties": {
        "error": {"type": "object", "properties": {"code": {"type": "string", "enum": ["a", "b"]}}},
        "tags": {"type": "array", "items": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["c"]}}}}}});
    let hoisted = hoist_inline_enums(&mut s);
    assert_eq!(
        hoisted,
        vec![
            ("UnavailableErrorCode".to_string(), "Unavailable.error.code".to_string()),
            ("UnavailableTagsKind".to_string(), "Unavailable.tags[].kind".to_string())
        ]
    );
    assert_eq!(
        s["components"]["schemas"]["Unavailable"]["properties"]["error"]["properties"]["code"],
        json!({"$ref": "#/components/schemas/UnavailableErrorCode"})
    );
}

#[test]
fn closed_objects_are_opened() {
    let mut s = spec_with(json!({"operationId": "a", "responses": {}}));
    s["components"]["schemas"]["O"] = json!({"type": "object", "additionalProperties": false,
        "properties": {"m": {"type": "object", "additionalProperties": {"type": "string"}}}});
    allow_unknown_fields(&mut s);
    assert_eq!(
        s["components"]["schemas"]["O"],
        json!({"type": "object",
        "properties": {"m": {"type": "object", "additionalProperties": {"type": "string"}}}})
    );
}

#[test]
fn descriptions_are_made_rustdoc_safe_outside_code() {
    assert_eq!(rustdoc_safe("a [b] <c> `[d] <e>`"), "a \\[b\\] &lt;c&gt; `[d] <e>`");
    let mut s = json!({"info": {"description": "x[0]"}, "paths": {}});
    sanitize_descriptions(&mut s);
    assert_eq!(s["info"]["description"], json!("x\\[0\\]"));
}
