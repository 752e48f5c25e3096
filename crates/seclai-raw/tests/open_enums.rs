//! Responses survive what the server adds later: new enum values and new fields.

use seclai_raw::types::{AgentRunResponse, AgentRunStatus, ExportFormat};

#[test]
fn a_known_value_decodes_to_its_variant() {
    let s: AgentRunStatus = serde_json::from_str("\"waiting_human\"").unwrap();
    assert_eq!(s, AgentRunStatus::WaitingHuman);
    assert_eq!(serde_json::to_string(&s).unwrap(), "\"waiting_human\"");
    assert!(!s.is_unknown());
}

#[test]
fn an_unknown_value_is_kept_and_round_trips() {
    let s: AgentRunStatus = serde_json::from_str("\"paused_for_review\"").unwrap();
    assert!(s.is_unknown());
    assert_eq!(s.as_str(), "paused_for_review");
    assert_eq!(s.to_string(), "paused_for_review");
    assert_eq!(serde_json::to_string(&s).unwrap(), "\"paused_for_review\"");
    // Converting a known string never yields Unknown.
    assert_eq!(AgentRunStatus::from("completed"), AgentRunStatus::Completed);
    assert_eq!("parquet".parse::<ExportFormat>().unwrap(), ExportFormat::Parquet);
    assert_eq!(AgentRunStatus::KNOWN_VALUES.len(), 7);
}

#[test]
fn escaped_strings_decode_too() {
    let s: AgentRunStatus = serde_json::from_str("\"compl\\u0065ted\"").unwrap();
    assert_eq!(s, AgentRunStatus::Completed);
}

#[test]
fn a_non_string_is_a_clear_error() {
    let err = serde_json::from_str::<AgentRunStatus>("42").unwrap_err();
    assert!(err.to_string().contains("expected a string"), "{err}");
}

#[test]
fn a_run_with_a_new_status_and_new_fields_decodes() {
    let body = r#"{
        "run_id": "run_1", "status": "paused_for_review", "error_count": 0, "credits": null,
        "priority": false, "input": "hi", "output": null, "attempts": [],
        "a_field_added_next_year": {"nested": [1, 2, 3]}
    }"#;
    let run: AgentRunResponse = serde_json::from_str(body).unwrap();
    assert_eq!(run.status.as_str(), "paused_for_review");
    assert_eq!(run.run_id, "run_1");
}
