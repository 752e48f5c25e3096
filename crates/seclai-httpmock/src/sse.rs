//! The `text/event-stream` text of a run's events, as the API sends them.

use seclai::runs::RunEvent;
use serde_json::{Value, json};

/// One event: `event: NAME`, its data on `data:` lines (one per line of it), a blank line.
pub fn event(name: &str, data: &str) -> String {
    let mut out = format!("event: {name}\n");
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// The stream of these events, in order.
///
/// # Panics
/// On an event kind added to `seclai` after this crate's version (update both together).
pub fn events(events: &[RunEvent]) -> String {
    let mut out = String::new();
    for e in events {
        let (name, data): (&str, Value) = match e {
            RunEvent::Init(run) => ("init", crate::to_json(run)),
            RunEvent::Status(v) => ("status", v.clone()),
            RunEvent::Step { event, data } => (event.as_str(), data.clone()),
            RunEvent::Token(t) => ("stream_token", json!({ "token": t })),
            RunEvent::StreamEnd(v) => ("stream_end", v.clone()),
            RunEvent::Done(run) => ("done", crate::to_json(run)),
            RunEvent::Timeout { data, .. } => ("timeout", data.clone()),
            RunEvent::Error { data, .. } => ("error", data.clone()),
            RunEvent::Unknown { event: name, data } => {
                out.push_str(&event(name, data));
                continue;
            }
            other => panic!("seclai-httpmock does not know the run event {other:?}"),
        };
        out.push_str(&event(name, &data.to_string()));
    }
    out
}
