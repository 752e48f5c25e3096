//! Agents: the seeded ones, and create, read, update, delete.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::paging::{Legacy, list_reply};
use super::template::{item_template, merge, now, template, timestamp};
use super::{Missing, Outcome, Record, World, apply_present, field, invalid, new_id, param, text_field};
use crate::cassettes::Library;
use crate::server::{Ctx, Reply};

/// How many agents the world starts with.
pub(super) const SEEDED_AGENTS: usize = 23;

/// The names of the generated agents (followed by their number).
const NAMES: [&str; 5] = [
    "Release notes digest",
    "Support reply drafter",
    "Churn risk monitor",
    "Meeting notes summarizer",
    "Invoice checker",
];

/// The trigger types of the generated agents, in turn.
const TRIGGERS: [&str; 3] = ["dynamic_input", "schedule", "email_received"];

/// 2026-02-04T09:00:00Z, the creation time of the first generated agent.
const SEED_EPOCH: i64 = 1_770_195_600;

/// Fields `update_agent` sets when they are present and not null.
const UPDATABLE: [&str; 6] = [
    "name",
    "evaluation_mode",
    "max_retries",
    "retry_on_failure",
    "prompt_model_auto_upgrade_strategy",
    "prompt_model_auto_rollback_enabled",
];

/// Fields `update_agent` may also clear, when their `set_<field>` flag is true.
const CLEARABLE: [&str; 3] = ["default_evaluation_tier", "sampling_config", "prompt_model_auto_rollback_triggers"];

/// The generated agent number `n` (1-based), from the first listed agent.
fn generated_agent(base: &Value, n: usize) -> Value {
    let mut agent = base.clone();
    let created: DateTime<Utc> = DateTime::from_timestamp(SEED_EPOCH + n as i64 * 86_400, 0).unwrap_or_default();
    let updated = created + Duration::minutes(17 * n as i64);
    merge(
        &mut agent,
        json!({
            "id": format!("5ec1a1d0-0000-4000-8000-{n:012x}"),
            "name": format!("{} {n}", NAMES[(n + 3) % NAMES.len()]),
            "description": format!("Agent number {n} of the local Seclai server."),
            "trigger_type": TRIGGERS[n % TRIGGERS.len()],
            "created_at": timestamp(created),
            "updated_at": timestamp(updated),
            "disabled": false,
            "disabled_at": null,
            "disabled_reason": null,
        }),
    );
    agent
}

impl World {
    /// Seeds the agents of `cassettes/list_agents/default.yaml`, then generated ones up to 23.
    pub(super) fn seed_agents(&mut self, library: &Library) {
        let listed: Vec<Value> = template(library, "list_agents")["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a.is_object())
            .cloned()
            .collect();
        let base = item_template(library, "list_agents", "data");
        for agent in listed.iter().take(SEEDED_AGENTS) {
            let seq = self.next_seq();
            self.agents.push(Record { seq, body: agent.clone() });
        }
        for n in listed.len() + 1..=SEEDED_AGENTS {
            let seq = self.next_seq();
            self.agents.push(Record { seq, body: generated_agent(&base, n) });
        }
    }

    /// The agent with this id.
    pub(super) fn agent(&self, id: &str) -> Result<&Record, Missing> {
        self.agents.iter().find(|a| a.id() == id).ok_or(Missing("Agent"))
    }

    /// `GET /agents`: the agents in creation order.
    pub(super) fn list_agents(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let items = self.agents.iter().map(|a| a.body.clone()).collect();
        Ok(list_reply(ctx, items, Legacy::Data))
    }

    /// `GET /agents/{agent_id}`.
    pub(super) fn get_agent(&mut self, ctx: &Ctx<'_>) -> Outcome {
        Ok(Reply::json(200, &self.agent(param(ctx, "agent_id"))?.body))
    }

    /// `POST /agents`: a new agent from the `create_agent` template (201).
    pub(super) fn create_agent(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let name = text_field(ctx, "name").unwrap_or_default().trim();
        if name.is_empty() {
            return Ok(invalid(json!(["body", "name"]), "string_too_short", "String should have at least 1 character"));
        }
        let mut body = template(ctx.library, "create_agent");
        let stamp = now();
        merge(
            &mut body,
            json!({
                "id": new_id(),
                "name": name,
                "description": text_field(ctx, "description"),
                "trigger_type": text_field(ctx, "trigger_type").unwrap_or("dynamic_input"),
                "created_at": stamp,
                "updated_at": stamp,
            }),
        );
        let seq = self.next_seq();
        self.agents.push(Record { seq, body: body.clone() });
        Ok(Reply::json(201, &body))
    }

    /// `PUT /agents/{agent_id}`: sets the fields the body carries.
    pub(super) fn update_agent(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let id = param(ctx, "agent_id");
        let update = ctx.json.cloned().unwrap_or_else(|| json!({}));
        if update.get("name").and_then(Value::as_str).is_some_and(|n| n.trim().is_empty()) {
            return Ok(invalid(json!(["body", "name"]), "string_too_short", "String should have at least 1 character"));
        }
        let agent = self.agents.iter_mut().find(|a| a.id() == id).ok_or(Missing("Agent"))?;
        apply_present(&mut agent.body, &update, &UPDATABLE);
        apply_present(&mut agent.body, &update, &CLEARABLE);
        for key in CLEARABLE {
            let clear = field(ctx, &format!("set_{key}")) == &Value::Bool(true);
            if clear && update.get(key).is_some_and(Value::is_null) {
                agent.body[key] = Value::Null;
            }
        }
        if let Some(description) = update.get("description").filter(|d| d.is_string() || d.is_null()) {
            agent.body["description"] = description.clone();
        }
        agent.body["updated_at"] = json!(now());
        Ok(Reply::json(200, &agent.body))
    }

    /// `DELETE /agents/{agent_id}`: the agent, its runs and its input uploads go (204).
    pub(super) fn delete_agent(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let id = param(ctx, "agent_id");
        self.agent(id)?;
        self.agents.retain(|a| a.id() != id);
        self.runs.retain(|r| r.agent_id != id);
        self.inputs.retain(|u| u.agent_id != id);
        self.forget(id);
        Ok(Reply::empty(204))
    }
}
