//! The typed events of a run's stream, decoded straight from the decoder's buffers.

use std::marker::PhantomData;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{DecodeError, Error, RequestContext, Result, decode_with};
use crate::redact::Secrets;
use crate::sse::SseEventRef;
use crate::types::AgentRunResponse;

/// One event of a run's stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RunEvent {
    /// `init`: the run as it starts (its `run_id` identifies it from now on).
    Init(Box<AgentRunResponse>),
    /// `status`: the run changed status.
    Status(Value),
    /// A step event (`step_started`, `step_completed`, ...): the event name and its data.
    Step {
        /// The event name.
        event: String,
        /// The event's JSON data.
        data: Value,
    },
    /// `stream_token`: a piece of text from a streaming-result step.
    Token(String),
    /// `stream_end`: the streaming-result step finished.
    StreamEnd(Value),
    /// `done`: the run as it ended.
    Done(Box<AgentRunResponse>),
    /// `timeout`: the server stopped streaming; the run goes on and can be polled.
    Timeout {
        /// The run, to poll with `client.agents().runs().get(run_id)`.
        run_id: Option<String>,
        /// The event's JSON data.
        data: Value,
    },
    /// `error`: the stream failed; the run may still finish and can be polled.
    Error {
        /// The run.
        run_id: Option<String>,
        /// The server's message, when it gave one.
        message: Option<String>,
        /// The event's JSON data.
        data: Value,
    },
    /// An event this version does not know, kept as it came.
    Unknown {
        /// The event name.
        event: String,
        /// The raw data.
        data: String,
    },
}

/// Decoded straight into the `String` the event hands out (borrowing first and copying then
/// costs more).
#[derive(Deserialize)]
struct Token {
    token: String,
}

fn json_or_text(data: &[u8]) -> Value {
    serde_json::from_slice(data).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(data).into_owned()))
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(String::from)
}

/// What a run stream knows besides its bytes: for errors, and the run id.
pub(super) struct Origin<'a> {
    pub(super) context: &'a RequestContext,
    pub(super) request_id: &'a Option<String>,
    pub(super) run_id: &'a mut Option<String>,
    pub(super) secrets: &'a Secrets,
}

impl Origin<'_> {
    fn decode_error(&self, e: &SseEventRef<'_>, path: String, message: String) -> Error {
        let path = format!("event `{}` data: {path}", e.event);
        DecodeError::error(self.context.clone(), 200, path, message, e.data, self.request_id.clone(), self.secrets)
    }

    fn decode_run(&self, e: &SseEventRef<'_>) -> Result<Box<AgentRunResponse>> {
        decode_with(e.data, PhantomData::<AgentRunResponse>::default)
            .map(Box::new)
            .map_err(|(path, message)| self.decode_error(e, path, message))
    }

    /// The typed event of a decoded SSE event.
    pub(super) fn convert(&mut self, e: SseEventRef<'_>) -> Result<RunEvent> {
        let event = match e.event {
            // The most frequent event first.
            "stream_token" => match serde_json::from_slice::<Token>(e.data) {
                Ok(t) => RunEvent::Token(t.token),
                Err(err) => return Err(self.decode_error(&e, "token".into(), err.to_string())),
            },
            "init" => {
                let run = self.decode_run(&e)?;
                *self.run_id = Some(run.run_id.clone());
                RunEvent::Init(run)
            }
            "done" => {
                let run = self.decode_run(&e)?;
                self.run_id.get_or_insert_with(|| run.run_id.clone());
                RunEvent::Done(run)
            }
            "stream_end" => RunEvent::StreamEnd(json_or_text(e.data)),
            "status" => RunEvent::Status(json_or_text(e.data)),
            "timeout" => {
                let data = json_or_text(e.data);
                RunEvent::Timeout { run_id: str_field(&data, "run_id").or_else(|| self.run_id.clone()), data }
            }
            "error" => {
                let data = json_or_text(e.data);
                let message = str_field(&data, "error")
                    .or_else(|| str_field(&data, "message"))
                    .or_else(|| data.as_str().map(String::from))
                    .map(|m| self.secrets.redact(&m).into_owned());
                RunEvent::Error { run_id: str_field(&data, "run_id").or_else(|| self.run_id.clone()), message, data }
            }
            name if name.starts_with("step") => RunEvent::Step { event: name.to_string(), data: json_or_text(e.data) },
            name => RunEvent::Unknown { event: name.to_string(), data: String::from_utf8_lossy(e.data).into_owned() },
        };
        if self.run_id.is_none()
            && let RunEvent::Status(v) | RunEvent::Step { data: v, .. } | RunEvent::StreamEnd(v) = &event
        {
            *self.run_id = str_field(v, "run_id");
        }
        Ok(event)
    }
}
