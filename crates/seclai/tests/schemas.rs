//! Feature `schemars`: the JSON Schema of every type says what the spec says.
//!
//! For every component schema of `openapi/seclai.yaml`, the schema schemars derives for its
//! Rust type (`seclai::types::component_schemas()`) and the spec's schema are both reduced to
//! facts, one per property path: its JSON types, whether it is nullable, its format, its enum
//! values, the component it refers to, and each object's required set. The two fact sets must
//! be equal, except for the differences in [`ALLOWED`], each explained by how the types are
//! generated. Run with `cargo test -p seclai --features schemars --test schemas`; the totals
//! are printed (`-- --nocapture`).
#![cfg(feature = "schemars")]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

/// One side's schemas: where `$ref`s point, and which components are string enums.
struct Side<'a> {
    /// `#/components/schemas/` (the spec) or `#/$defs/` (schemars).
    prefix: &'static str,
    defs: &'a serde_json::Map<String, Value>,
    /// Component name -> its enum values (both sides use the spec's list of components).
    enums: &'a BTreeMap<String, Vec<String>>,
    components: &'a BTreeSet<String>,
}

impl Side<'_> {
    /// The facts of `node` at `path`.
    fn facts(&self, node: &Value, path: &str, nullable: bool, out: &mut BTreeSet<String>, depth: usize) {
        assert!(depth < 40, "schema nesting too deep at {path}");
        let nullable = nullable || node.get("nullable") == Some(&Value::Bool(true));
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            let name = r.strip_prefix(self.prefix).unwrap_or_else(|| panic!("{path}: unexpected $ref {r}"));
            if let Some(values) = self.enums.get(name) {
                out.insert(format!("{path}: enum {values:?}"));
                out.insert(format!("{path}: type string"));
            } else if self.components.contains(name) {
                out.insert(format!("{path}: ref {name}"));
            } else {
                // A type the generator made for one property (a constrained string): inline.
                let def = self.defs.get(name).unwrap_or_else(|| panic!("{path}: no definition {name}"));
                return self.facts(def, path, nullable, out, depth + 1);
            }
            if nullable {
                out.insert(format!("{path}: nullable"));
            }
            return;
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(list) = node.get(key).and_then(Value::as_array) {
                let (nulls, others): (Vec<&Value>, Vec<&Value>) =
                    list.iter().partition(|s| s.get("type") == Some(&json!("null")));
                // An open enum: the known values, or any string.
                let open_enum = others.len() == 2
                    && others[0].get("enum").is_some()
                    && others[1].get("type") == Some(&json!("string"))
                    && others[1].get("enum").is_none();
                if others.len() == 1 || open_enum {
                    return self.facts(others[0], path, nullable || !nulls.is_empty(), out, depth + 1);
                }
                for (i, s) in others.iter().enumerate() {
                    self.facts(s, &format!("{path}<{key} {i}>"), false, out, depth + 1);
                }
                if nullable || !nulls.is_empty() {
                    out.insert(format!("{path}: nullable"));
                }
                return;
            }
        }
        let mut types: Vec<String> = match node.get("type") {
            Some(Value::String(t)) => vec![t.clone()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(String::from).collect(),
            _ => Vec::new(),
        };
        let nullable = nullable || types.iter().any(|t| t == "null");
        types.retain(|t| t != "null");
        if !types.is_empty() {
            out.insert(format!("{path}: type {}", types.join("|")));
        }
        if nullable {
            out.insert(format!("{path}: nullable"));
        }
        if let Some(f) = node.get("format").and_then(Value::as_str) {
            out.insert(format!("{path}: format {f}"));
        }
        if let Some(values) = node.get("enum").and_then(Value::as_array) {
            let values: Vec<String> = values.iter().filter_map(Value::as_str).map(String::from).collect();
            out.insert(format!("{path}: enum {values:?}"));
        }
        if let Some(items) = node.get("items") {
            self.facts(items, &format!("{path}[]"), false, out, depth + 1);
        }
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                self.facts(prop, &format!("{path}.{name}"), false, out, depth + 1);
            }
            let mut required: Vec<&str> = node
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            required.sort_unstable();
            out.insert(format!("{path}: required {required:?}"));
        }
        if let Some(values @ Value::Object(_)) = node.get("additionalProperties") {
            self.facts(values, &format!("{path}{{}}"), false, out, depth + 1);
        }
    }
}

/// A fact of one side that the other does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Only {
    Spec,
    Rust,
}

/// The differences the generator explains: (which side has the fact, a test of the fact and
/// of the component's schema in the spec, why). Every one names the step of the generation
/// that makes it.
type Rule = (Only, fn(&str, &Value) -> bool, &'static str);

/// Whether `fact` is about a top-level property the spec's `component` does not require.
fn optional_property(fact: &str, component: &Value) -> bool {
    let Some(prop) = fact.split(':').next().and_then(|path| path.split_once('.')).map(|(_, p)| p) else {
        return false;
    };
    !prop.contains(['.', '[', '{', '<'])
        && !component["required"].as_array().is_some_and(|r| r.iter().any(|v| v.as_str() == Some(prop)))
}

const ALLOWED: &[Rule] = &[
    (
        Only::Rust,
        |f, _| f.ends_with(": format int64") || f.ends_with(": format double"),
        "typify gives an integer without a format `i64` and a number `f64`, whose schemas name the format",
    ),
    (
        Only::Spec,
        |f, _| f.contains(": enum [\"") && !f.contains("\", \""),
        "a one-value enum (a constant) is a plain string in Rust (view step `constants_to_strings`), so that another value still decodes",
    ),
    (
        Only::Rust,
        |f, _| f.ends_with(": format uint64") || f.ends_with(": format uint"),
        "typify gives an integer with `minimum: 0` an unsigned type, whose schema names the format",
    ),
    (
        Only::Rust,
        |f, component| f.ends_with(": nullable") && optional_property(f, component),
        "a property the spec does not require is an `Option`, which serde also reads from `null`",
    ),
];

fn allowed(side: Only, fact: &str, component: &Value) -> Option<&'static str> {
    ALLOWED.iter().find(|(s, test, _)| *s == side && test(fact, component)).map(|(_, _, why)| *why)
}

#[test]
fn every_schema_says_what_the_spec_says() {
    let spec = common::spec();
    let spec_defs = spec["components"]["schemas"].as_object().expect("components").clone();
    let components: BTreeSet<String> = spec_defs.keys().cloned().collect();
    let enums: BTreeMap<String, Vec<String>> = spec_defs
        .iter()
        .filter_map(|(name, s)| {
            let values = s.get("enum")?.as_array()?;
            Some((name.clone(), values.iter().filter_map(Value::as_str).map(String::from).collect()))
        })
        .collect();
    let schemas: BTreeMap<&str, Value> = seclai::types::component_schemas()
        .into_iter()
        .map(|(name, s)| (name, serde_json::to_value(s).expect("schema as JSON")))
        .collect();
    let spec_names: BTreeSet<&str> = components.iter().map(String::as_str).collect();
    let rust_names: BTreeSet<&str> = schemas.keys().copied().collect();
    let extra: Vec<&&str> = rust_names.difference(&spec_names).collect();
    assert!(extra.is_empty(), "schemas of no component of the spec: {extra:?}");
    // The bodies of multipart uploads have no type: the SDK's upload builders send them (the
    // generator view drops those operations). Every other component has a schema.
    let is_form = |name: &str| {
        spec_defs[name]["properties"].as_object().is_some_and(|p| p.values().any(|v| v["format"] == "binary"))
    };
    let missing: Vec<&&str> = spec_names.difference(&rust_names).filter(|n| !is_form(n)).collect();
    assert!(missing.is_empty(), "components without a schema: {missing:?}");
    let forms = spec_names.difference(&rust_names).count();

    let empty = serde_json::Map::new();
    let spec_side = Side { prefix: "#/components/schemas/", defs: &spec_defs, enums: &enums, components: &components };
    let (mut facts_total, mut properties, mut explained) = (0usize, 0usize, BTreeMap::<&str, usize>::new());
    let mut unexplained = Vec::new();
    for (name, schema) in &schemas {
        let defs = schema.get("$defs").and_then(Value::as_object).unwrap_or(&empty);
        let rust_side = Side { prefix: "#/$defs/", defs, enums: &enums, components: &components };
        let (mut from_spec, mut from_rust) = (BTreeSet::new(), BTreeSet::new());
        spec_side.facts(&spec_defs[*name], name, false, &mut from_spec, 0);
        rust_side.facts(schema, name, false, &mut from_rust, 0);
        assert_ne!(schema.get("additionalProperties"), Some(&json!(false)), "{name} rejects unknown keys");
        facts_total += from_spec.len();
        properties += spec_defs[*name].get("properties").and_then(Value::as_object).map_or(0, |p| p.len());
        for (side, fact) in from_spec
            .difference(&from_rust)
            .map(|f| (Only::Spec, f))
            .chain(from_rust.difference(&from_spec).map(|f| (Only::Rust, f)))
        {
            match allowed(side, fact, &spec_defs[*name]) {
                Some(why) => *explained.entry(why).or_default() += 1,
                None => unexplained.push(format!("{side:?} only: {fact}")),
            }
        }
    }
    println!(
        "schemas: {} components ({forms} multipart forms without a type left out), {properties} properties, {facts_total} facts of the spec compared; {} differences explained:",
        schemas.len(),
        explained.values().sum::<usize>()
    );
    for (why, n) in &explained {
        println!("  {n:>4}  {why}");
    }
    assert!(unexplained.is_empty(), "{} unexplained differences:\n{}", unexplained.len(), unexplained.join("\n"));
}

#[test]
fn the_comparison_notices_a_changed_schema() {
    // The same reduction, over a schema with one enum value dropped and one format changed,
    // finds both.
    let spec = common::spec();
    let spec_defs = spec["components"]["schemas"].as_object().expect("components").clone();
    let components: BTreeSet<String> = spec_defs.keys().cloned().collect();
    let enums = BTreeMap::new();
    let side = Side { prefix: "#/components/schemas/", defs: &spec_defs, enums: &enums, components: &components };
    let original = &spec_defs["AgentRunRequest"];
    let mut changed = original.clone();
    changed["properties"]["input_upload_id"]["format"] = json!("uri");
    changed["required"] = json!(["input"]);
    let (mut a, mut b) = (BTreeSet::new(), BTreeSet::new());
    side.facts(original, "AgentRunRequest", false, &mut a, 0);
    side.facts(&changed, "AgentRunRequest", false, &mut b, 0);
    let differences: Vec<&String> = a.symmetric_difference(&b).collect();
    assert_eq!(differences.len(), 4, "{differences:?}");
    assert!(differences.iter().all(|d| allowed(Only::Spec, d, original).is_none()), "{differences:?}");
}

/// An LLM tool whose arguments are a run's body: the definition comes from the type's schema,
/// and what a model answers is sent as it came (over loopback, to a stand-in for the API).
#[tokio::test]
async fn a_tool_definition_from_a_request_type_carries_the_model_answer_to_the_api() {
    use httpmock::Method::POST;
    use seclai::schema::schema_for;
    use seclai::types::AgentRunRequest;

    let schema = serde_json::to_value(schema_for!(AgentRunRequest)).expect("schema");
    let tool = json!({"name": "run_agent", "description": "Start the agent", "input_schema": schema});
    let properties = tool["input_schema"]["properties"].as_object().expect("properties");
    for key in ["input", "input_upload_id", "input_upload_ids", "metadata", "priority", "replay_of_run_id"] {
        assert!(properties.contains_key(key), "{key} is a property of the tool");
    }
    assert_eq!(properties["input_upload_id"]["format"], "uuid");

    // A model's answer, with only properties of the schema.
    let arguments = json!({"input": "Summarize the release", "priority": true, "metadata": {"ticket": "REL-42"}});
    assert!(arguments.as_object().unwrap().keys().all(|k| properties.contains_key(k)));
    let body: AgentRunRequest = serde_json::from_value(arguments.clone()).expect("the answer is a request body");

    let server = httpmock::MockServer::start_async().await;
    let agent = common::uid(7);
    let run = common::run(&common::uid(8), "pending");
    let started = server
        .mock_async(|when, then| {
            when.method(POST).path(format!("/agents/{agent}/runs")).json_body(arguments.clone());
            then.status(200).json_body(run.clone());
        })
        .await;
    let created = common::client(&server).agents().runs().create(&agent, body).send().await.expect("run started");
    assert_eq!(created.status.as_str(), "pending");
    started.assert_async().await;
}
