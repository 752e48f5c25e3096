//! The spec against the two published references: the current one (2026-10-03) with no
//! difference outside the allow-list, and the older one (2026-07-27) with exactly the changes
//! between the two versions and nothing else.
//!
//! The references live beside the repository (`../shared/reference`), as on the project's
//! machines; where they are absent the tests say so and pass (CI has them, and runs
//! `cargo xtask fidelity` too).

use serde_json::Value;
use xtask::fidelity;

fn load(name: &str) -> Option<Value> {
    let path = xtask::workspace_root().join("../shared/reference").join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).expect("the reference is JSON")),
        Err(_) => {
            eprintln!("skipped: {} is not on this machine", path.display());
            None
        }
    }
}

fn ours() -> Value {
    seclai_codegen::load_spec(&std::fs::read_to_string(xtask::spec_path()).unwrap()).unwrap()
}

#[test]
fn the_current_reference_differs_only_where_the_allow_list_says() {
    let Some(published) = load("seclai-openapi-3.1-2026-10-03.json") else { return };
    let report = fidelity::compare(&published, &ours());
    assert!(report.is_clean(), "{}", fidelity::render(&report));
    // Counted from the reference itself, not written down: every operation was compared.
    let operations: usize = published["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| ["get", "put", "post", "delete", "patch"].iter().filter(|m| item.get(**m).is_some()).count())
        .sum();
    assert_eq!(report.operations, operations);
    assert_eq!(report.schemas, published["components"]["schemas"].as_object().unwrap().len());
}

#[test]
fn the_older_reference_shows_exactly_what_changed_since() {
    let (Some(old), Some(new)) = (load("seclai-public-openapi-3.1.json"), load("seclai-openapi-3.1-2026-10-03.json"))
    else {
        return;
    };
    let ours = ours();
    let report = fidelity::compare(&old, &ours);
    // What the newer version added or changed, by location in our schema names: everything we
    // describe beyond the old reference must be one of these.
    let newer = fidelity::compare(&old, &with_our_names(new, &ours));
    let added: Vec<&str> =
        newer.differences.iter().filter(|d| d.published.is_none()).map(|d| d.location.as_str()).collect();
    let changed: Vec<&str> =
        newer.differences.iter().filter(|d| d.published.is_some()).map(|d| d.location.as_str()).collect();
    assert!(added.iter().any(|l| l.ends_with("(operation)")), "the newer reference adds operations");
    for d in &report.differences {
        let explained = if d.published.is_none() {
            added.contains(&d.location.as_str())
                // Our own additions for new operations are allowed against the new reference.
                || fidelity::allow::ALLOWED.iter().any(|a| a.matches(&d.location))
        } else {
            changed.contains(&d.location.as_str())
        };
        assert!(explained, "a difference from the old reference that the new version does not explain: {d}");
    }
    // And every change of the newer version shows up against the old one.
    let reported: Vec<&str> = report.differences.iter().map(|d| d.location.as_str()).collect();
    for location in added.iter().chain(&changed) {
        assert!(reported.contains(location), "not reported against the old reference: {location}");
    }
}

/// `published` with its schemas under our names (and `x-seclai-published-name` as ours have),
/// so that locations compare with the reports made against our spec.
fn with_our_names(published: Value, ours: &Value) -> Value {
    let mut text = published.to_string();
    let mut renames = Vec::new();
    for (name, schema) in ours["components"]["schemas"].as_object().unwrap() {
        if let Some(original) = schema.get("x-seclai-published-name").and_then(Value::as_str) {
            text = text
                .replace(&format!("\"#/components/schemas/{original}\""), &format!("\"#/components/schemas/{name}\""));
            renames.push((original.to_string(), name.clone()));
        }
    }
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let schemas = doc["components"]["schemas"].as_object_mut().unwrap();
    for (original, name) in renames {
        if let Some(mut s) = schemas.remove(&original) {
            s["x-seclai-published-name"] = Value::String(original);
            schemas.insert(name, s);
        }
    }
    doc
}
