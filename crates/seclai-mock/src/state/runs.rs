//! Agent runs: started plainly or streamed, read back, listed per agent, cancelled.
//!
//! A run completes at once: its output answers the input ("You asked: ... This answer comes
//! from the local Seclai server."). A streamed run sends that answer word by word.

use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use serde_json::{Value, json};

use super::paging::{Legacy, list_reply};
use super::template::{event_template, merge, template, timestamp};
use super::{Missing, Outcome, World, field, new_id, param, text_field};
use crate::server::{Ctx, Reply};

/// A run and the agent it belongs to.
#[derive(Debug, Clone)]
pub(super) struct Run {
    /// Creation order.
    seq: u64,
    /// The agent's id.
    pub(super) agent_id: String,
    /// The run, as answered (`steps` null).
    body: Value,
    /// Its steps, answered with `include_step_outputs=true`.
    steps: Value,
}

impl Run {
    /// The run id.
    fn id(&self) -> &str {
        self.body["run_id"].as_str().unwrap_or_default()
    }
}

/// The answer the local server gives to a question.
pub(super) fn answer(question: &str) -> String {
    format!("You asked: {question}. This answer comes from the local Seclai server.")
}

/// The credits a run of this answer costs.
fn credits(output: &str) -> f64 {
    let words = output.split_whitespace().count() as f64;
    ((0.05 + 0.01 * words) * 100.0).round() / 100.0
}

/// Whether a run status is final.
fn is_terminal(status: &Value) -> bool {
    matches!(status.as_str(), Some("completed" | "failed"))
}

/// One attempt of a run.
fn attempt(status: &str, started_at: &str, ended_at: &str, duration: f64, error: Option<&str>) -> Value {
    json!({"status": status, "started_at": started_at, "ended_at": ended_at, "duration": duration, "error": error})
}

/// One server-sent event; `data` is one JSON line.
fn sse(event: &str, data: &Value) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: {data}\n\n"))
}

/// The one `streaming_result` step of a run, from the step template of `get_agent_run`.
fn steps_of(ctx: &Ctx<'_>, run: &Value, started_at: &str, ended_at: &str) -> Value {
    let recorded = template(ctx.library, "get_agent_run")["steps"].as_array().cloned().unwrap_or_default();
    let mut step = recorded
        .iter()
        .find(|s| s["step_type"] == "streaming_result")
        .or(recorded.first())
        .cloned()
        .unwrap_or_else(|| json!({}));
    merge(
        &mut step,
        json!({
            "agent_step_id": new_id(),
            "step_type": "streaming_result",
            "status": "completed",
            "input": run["input"],
            "output": run["output"],
            "output_content_type": "text/plain",
            "started_at": started_at,
            "ended_at": ended_at,
            "duration_seconds": 1.2,
            "credits_used": run["credits"],
            "tool_calls": [],
        }),
    );
    json!([step])
}

/// The pieces of a run being built.
struct Started {
    /// The completed run (`steps` null).
    done: Value,
    /// The run's one step.
    steps: Value,
}

impl World {
    /// What the run is asked: its input, else the input files it names.
    fn question(&self, ctx: &Ctx<'_>) -> String {
        if let Some(input) = text_field(ctx, "input").map(str::trim).filter(|i| !i.is_empty()) {
            return input.to_string();
        }
        let mut ids: Vec<&str> =
            field(ctx, "input_upload_ids").as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        ids.extend(text_field(ctx, "input_upload_id"));
        let names: Vec<&str> =
            ids.iter().filter_map(|id| self.inputs.iter().find(|u| u.id() == *id)).map(|u| u.filename()).collect();
        if names.is_empty() { "nothing".to_string() } else { format!("about the file {}", names.join(", ")) }
    }

    /// Builds a completed run of this agent from a run template, and stores it.
    fn start_run(&mut self, ctx: &Ctx<'_>, agent_id: &str, template: Value, priority: bool) -> Started {
        let question = self.question(ctx);
        let output = answer(&question);
        let ended = Utc::now();
        let started = ended - chrono::Duration::milliseconds(1_200);
        let (started_at, ended_at) = (timestamp(started), timestamp(ended));
        let mut done = template;
        merge(
            &mut done,
            json!({
                "run_id": new_id(),
                "status": "completed",
                "priority": priority,
                "input": field(ctx, "input"),
                "output": output,
                "output_content_type": "text/plain",
                "credits": credits(&output),
                "error_count": 0,
                "attempts": [attempt("completed", &started_at, &ended_at, 1.2, None)],
                "blocked_policies": [],
                "flagged_policies": [],
                "governance_input_status": "safe",
                "governance_input_wait_ms": 12,
                "input_scan_status": "safe",
                "scan_wait_ms": 8,
                "hitl_wait_ms": null,
                "wait_ms": null,
                "steps": null,
            }),
        );
        let steps = steps_of(ctx, &done, &started_at, &ended_at);
        let seq = self.next_seq();
        self.runs.push(Run { seq, agent_id: agent_id.to_string(), body: done.clone(), steps: steps.clone() });
        Started { done, steps }
    }

    /// `POST /agents/{agent_id}/runs`: a completed run.
    pub(super) fn run_agent(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let agent_id = self.agent(param(ctx, "agent_id"))?.id().to_string();
        let priority = field(ctx, "priority").as_bool().unwrap_or(false);
        let run = self.start_run(ctx, &agent_id, template(ctx.library, "run_agent"), priority);
        Ok(Reply::json(200, &run.done))
    }

    /// `POST /agents/{agent_id}/runs/stream`: the run's events, one token per word of the answer.
    pub(super) fn run_streaming_agent(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let agent_id = self.agent(param(ctx, "agent_id"))?.id().to_string();
        let template = event_template(ctx.library, "run_streaming_agent", "done")
            .unwrap_or_else(|| template(ctx.library, "run_agent"));
        let Started { done, steps } = self.start_run(ctx, &agent_id, template, true);
        Ok(stream_reply(&done, &steps, ctx.token_delay))
    }

    /// The run with this id.
    fn run_mut(&mut self, id: &str) -> Result<&mut Run, Missing> {
        self.runs.iter_mut().find(|r| r.id() == id).ok_or(Missing("Run"))
    }

    /// `GET /agents/runs/{run_id}`, with the steps when `include_step_outputs=true`.
    pub(super) fn get_agent_run(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let run = self.run_mut(param(ctx, "run_id"))?;
        let mut body = run.body.clone();
        if ctx.query("include_step_outputs") == Some("true") {
            body["steps"] = run.steps.clone();
        }
        Ok(Reply::json(200, &body))
    }

    /// `GET /agents/{agent_id}/runs`: the agent's runs, newest first, by `status` if given.
    pub(super) fn list_agent_runs(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let agent_id = self.agent(param(ctx, "agent_id"))?.id().to_string();
        let status = ctx.query("status");
        let mut runs: Vec<&Run> = self
            .runs
            .iter()
            .filter(|r| r.agent_id == agent_id)
            .filter(|r| status.is_none_or(|s| r.body["status"] == s))
            .collect();
        runs.sort_by_key(|r| std::cmp::Reverse(r.seq));
        Ok(list_reply(ctx, runs.into_iter().map(|r| r.body.clone()).collect(), Legacy::Data))
    }

    /// `DELETE /agents/runs/{run_id}`: cancels the run (a finished run stays as it is).
    pub(super) fn delete_agent_run(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let run = self.run_mut(param(ctx, "run_id"))?;
        if !is_terminal(&run.body["status"]) {
            let stamp = timestamp(Utc::now());
            merge(
                &mut run.body,
                json!({
                    "status": "failed",
                    "error_count": 1,
                    "attempts": [attempt("failed", &stamp, &stamp, 0.0, Some("Run cancelled by user"))],
                }),
            );
        }
        Ok(Reply::json(200, &run.body))
    }
}

/// The run as it starts: pending, nothing produced yet.
fn pending(done: &Value) -> Value {
    let mut run = done.clone();
    merge(
        &mut run,
        json!({
            "status": "pending",
            "output": null,
            "output_content_type": null,
            "credits": null,
            "error_count": 0,
            "attempts": [],
            "governance_input_status": null,
            "governance_input_wait_ms": null,
            "input_scan_status": null,
            "scan_wait_ms": null,
            "steps": null,
        }),
    );
    run
}

/// The event stream of a run: `init`, `status`, `step_started`, the tokens (each after
/// `delay`), `stream_end` and `done`.
fn stream_reply(done: &Value, steps: &Value, delay: Duration) -> Reply {
    let run_id = &done["run_id"];
    let step_id = &steps[0]["agent_step_id"];
    let mut chunks = vec![
        (Duration::ZERO, Bytes::from_static(b": keepalive\n\n")),
        (Duration::ZERO, sse("init", &pending(done))),
        (Duration::ZERO, sse("status", &json!({"run_id": run_id, "status": "processing"}))),
        (
            Duration::ZERO,
            sse("step_started", &json!({"run_id": run_id, "step_id": step_id, "step_type": "streaming_result"})),
        ),
    ];
    let output = done["output"].as_str().unwrap_or_default();
    for token in output.split_inclusive(' ') {
        chunks.push((delay, sse("stream_token", &json!({"token": token}))));
    }
    chunks.push((Duration::ZERO, sse("stream_end", &json!({"run_id": run_id}))));
    chunks.push((Duration::ZERO, sse("done", done)));
    Reply {
        status: 200,
        headers: vec![
            ("content-type".into(), "text/event-stream; charset=utf-8".into()),
            ("cache-control".into(), "no-cache".into()),
        ],
        chunks,
    }
}
