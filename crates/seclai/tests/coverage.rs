//! Every operation of the spec is reachable from `Client`: generated builders for most, and
//! the hand-written methods for streams, uploads and downloads.

mod common;

use std::collections::BTreeSet;

#[test]
fn every_operation_of_the_spec_is_generated_or_handwritten() {
    let spec = common::spec();
    let mut in_spec = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            in_spec.insert(op["operationId"].as_str().unwrap().to_string());
        }
    }
    let generated: BTreeSet<String> = seclai::GENERATED_OPERATIONS.iter().map(|s| s.to_string()).collect();
    let handwritten: BTreeSet<String> = seclai::HANDWRITTEN_OPERATIONS.iter().map(|(id, _)| id.to_string()).collect();
    assert!(generated.is_disjoint(&handwritten));
    let reachable: BTreeSet<String> = generated.union(&handwritten).cloned().collect();
    assert_eq!(reachable, in_spec);
    // Written by hand: exactly the operations with a multipart body, an event stream or a file.
    let mut special = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let multipart = op["requestBody"]["content"].get("multipart/form-data").is_some();
            let ok = op["responses"].as_object().unwrap().iter().find(|(s, _)| s.starts_with('2')).unwrap().1;
            let bytes =
                ["text/event-stream", "application/octet-stream"].iter().any(|m| ok["content"].get(*m).is_some());
            if multipart || bytes {
                special.insert(op["operationId"].as_str().unwrap().to_string());
            }
        }
    }
    assert_eq!(handwritten, special);
}
