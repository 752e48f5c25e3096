//! Cassette bodies used as templates, and the timestamps written into them.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::cassettes::Library;

/// The JSON body of the `default` cassette of an operation (else of its first cassette with a
/// JSON body), or an empty object when there is none.
pub(super) fn template(library: &Library, operation: &str) -> Value {
    let entries = library.of(operation);
    let default = entries.iter().find(|e| e.file.ends_with("/default.yaml"));
    default
        .into_iter()
        .chain(entries.iter())
        .find_map(|e| e.cassette.response.body.clone().filter(Value::is_object))
        .unwrap_or_else(|| json!({}))
}

/// The first item of the list `key` of an operation's template.
pub(super) fn item_template(library: &Library, operation: &str, key: &str) -> Value {
    template(library, operation)[key].get(0).cloned().unwrap_or_else(|| json!({}))
}

/// The data of the first `event` of the `default` event stream of an operation.
pub(super) fn event_template(library: &Library, operation: &str, event: &str) -> Option<Value> {
    let entry = library.of(operation).iter().find(|e| e.file.ends_with("/default.yaml"))?;
    let text = entry.cassette.response.text.as_deref()?;
    let marker = format!("event: {event}");
    let mut lines = text.lines().skip_while(|l| l.trim_end() != marker);
    lines.next()?;
    let data = lines.next()?.strip_prefix("data:")?;
    serde_json::from_str(data.trim()).ok()
}

/// Overwrites fields of an object with those of `fields` (an object).
pub(super) fn merge(target: &mut Value, fields: Value) {
    if !target.is_object() {
        *target = json!({});
    }
    if let (Some(t), Value::Object(f)) = (target.as_object_mut(), fields) {
        t.extend(f);
    }
}

/// A timestamp as the API writes them (`2026-03-11T14:27:05.613390Z`).
pub(super) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The current time, as the API writes it.
pub(super) fn now() -> String {
    timestamp(Utc::now())
}

/// A timestamp of the API, read back (`None` when it is not one).
pub(super) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}
