//! Webhook events: the JSON body Seclai posts to a webhook, typed and open to new event names.
//!
//! The API documents no signature scheme for webhooks, so none is checked here; authenticate
//! the endpoint by other means (a secret path, network rules).

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::types::AgentRunCompletedData;

/// A webhook event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `agent.run.completed`: a run finished.
    AgentRunCompleted(AgentRunCompletedData),
    /// An event this version does not know, kept as it came.
    Unknown {
        /// The event name.
        event: String,
        /// The event's data.
        data: Map<String, Value>,
    },
}

impl WebhookEvent {
    /// Parses the raw body of a webhook request.
    ///
    /// ```
    /// let body = br#"{"event":"agent.run.completed","data":{"run_id":"r1","agent_id":"a1","status":"completed"}}"#;
    /// match seclai::webhooks::WebhookEvent::parse(body)? {
    ///     seclai::webhooks::WebhookEvent::AgentRunCompleted(done) => assert_eq!(done.run_id, "r1"),
    ///     other => println!("not handled: {}", other.name()),
    /// }
    /// # Ok::<(), seclai::Error>(())
    /// ```
    pub fn parse(body: &[u8]) -> Result<Self> {
        let envelope: crate::types::WebhookEvent =
            serde_json::from_slice(body).map_err(|e| Error::invalid(format!("not a webhook event: {e}")))?;
        match envelope.event.as_str() {
            "agent.run.completed" => serde_json::from_value(Value::Object(envelope.data))
                .map(WebhookEvent::AgentRunCompleted)
                .map_err(|e| Error::invalid(format!("`agent.run.completed` data does not fit: {e}"))),
            _ => Ok(WebhookEvent::Unknown { event: envelope.event, data: envelope.data }),
        }
    }

    /// The event name.
    pub fn name(&self) -> &str {
        match self {
            WebhookEvent::AgentRunCompleted(_) => "agent.run.completed",
            WebhookEvent::Unknown { event, .. } => event,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_unknown_and_broken_events() {
        let e = WebhookEvent::parse(
            br#"{"event":"agent.run.completed","data":{"run_id":"r1","agent_id":"a1","status":"failed","extra":1}}"#,
        )
        .unwrap();
        match &e {
            WebhookEvent::AgentRunCompleted(d) => assert_eq!((d.run_id.as_str(), d.status.as_str()), ("r1", "failed")),
            other => panic!("{other:?}"),
        }
        let new_status = WebhookEvent::parse(
            br#"{"event":"agent.run.completed","data":{"run_id":"r1","agent_id":"a1","status":"archived"}}"#,
        )
        .unwrap();
        assert!(matches!(new_status, WebhookEvent::AgentRunCompleted(d) if d.status.is_unknown()));
        let u = WebhookEvent::parse(br#"{"event":"source.synced","data":{"source_id":"s1"}}"#).unwrap();
        assert_eq!(u.name(), "source.synced");
        assert!(matches!(&u, WebhookEvent::Unknown { data, .. } if data["source_id"] == "s1"));
        assert!(WebhookEvent::parse(b"not json").is_err());
        assert!(WebhookEvent::parse(br#"{"event":"agent.run.completed","data":{"run_id":1}}"#).is_err());
    }
}
