//! The stateful part of the local server: what a realistic flow creates, lists and reads back.
//!
//! The world holds agents (23 seeded from `cassettes/list_agents/default.yaml`), their runs and
//! input uploads, knowledge bases, sources with their files and the indexing status of each,
//! source exports, and cloud-drive connections. Every answer
//! body is built from the `default` cassette of its operation, used as a template whose ids,
//! names, timestamps and statuses are replaced, so that answers keep the shape the spec
//! describes.
//!
//! A request naming an id the world does not hold is answered `404 {"detail": "<Resource> not
//! found"}`, unless a cassette of the operation recorded exactly this path (and the id was not
//! deleted here): then the cassette answers, so recorded cases such as
//! `cassettes/get_agent/not_found.yaml` stay reachable.

mod agents;
mod cloud_drives;
mod contents;
mod exports;
mod inputs;
mod knowledge;
mod paging;
mod runs;
mod sources;
mod template;

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::cassettes::Library;
use crate::server::{Ctx, Reply};

/// The resource a request names but the world does not hold (`Agent`, `Source`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Missing(&'static str);

/// The answer of a stateful handler: a reply, or a resource that is not there.
type Outcome = Result<Reply, Missing>;

/// One stored resource: its answer body, and its creation order.
#[derive(Debug, Clone)]
struct Record {
    /// Creation order (ties of equal timestamps are broken by it).
    seq: u64,
    /// The body answered for it.
    body: Value,
}

impl Record {
    /// The `id` of the body.
    fn id(&self) -> &str {
        self.body["id"].as_str().unwrap_or_default()
    }
}

/// The server's state.
#[derive(Debug, Default)]
pub struct World {
    /// The last creation number handed out.
    seq: u64,
    /// Agents, in creation order.
    agents: Vec<Record>,
    /// Agent runs, in creation order.
    runs: Vec<runs::Run>,
    /// Knowledge bases, in creation order.
    knowledge_bases: Vec<Record>,
    /// Sources and their files, in creation order.
    sources: Vec<sources::Source>,
    /// Source exports, in creation order.
    exports: Vec<exports::Export>,
    /// Agent input uploads, in creation order.
    inputs: Vec<inputs::InputUpload>,
    /// Cloud-drive connections, in creation order.
    cloud_drives: Vec<cloud_drives::Drive>,
    /// The file name whose indexing fails (`Options::fail_indexing`).
    fail_indexing: Option<String>,
    /// Ids deleted here: they are gone, whatever the cassettes recorded.
    deleted: BTreeSet<String>,
}

impl World {
    /// A world seeded from the cassettes: the agents of `list_agents`, completed to 23, and the
    /// cloud-drive connections of `list_cloud_drives`. Uploads named `fail_indexing` fail their
    /// indexing.
    pub fn new(library: &Library, fail_indexing: Option<String>) -> Self {
        let mut world = Self { fail_indexing, ..Self::default() };
        world.seed_agents(library);
        world.seed_cloud_drives(library);
        world
    }

    /// Answers a request from state, or `None` to let the cassettes answer.
    pub fn handle(&mut self, ctx: &Ctx<'_>) -> Option<Reply> {
        let outcome = self.dispatch(ctx)?;
        match outcome {
            Ok(reply) => Some(reply),
            Err(Missing(_)) if self.cassette_may_answer(ctx) => None,
            Err(Missing(what)) => Some(Reply::json(404, &json!({"detail": format!("{what} not found")}))),
        }
    }

    /// Runs the handler of the operation, if the world keeps state for it.
    fn dispatch(&mut self, ctx: &Ctx<'_>) -> Option<Outcome> {
        Some(match ctx.operation {
            "list_agents" => self.list_agents(ctx),
            "get_agent" => self.get_agent(ctx),
            "create_agent" => self.create_agent(ctx),
            "update_agent" => self.update_agent(ctx),
            "delete_agent" => self.delete_agent(ctx),
            "run_agent" => self.run_agent(ctx),
            "run_streaming_agent" => self.run_streaming_agent(ctx),
            "get_agent_run" => self.get_agent_run(ctx),
            "list_agent_runs" => self.list_agent_runs(ctx),
            "delete_agent_run" => self.delete_agent_run(ctx),
            "upload_agent_input" => self.upload_agent_input(ctx),
            "get_agent_input_upload" => self.get_agent_input_upload(ctx),
            "create_knowledge_base" => self.create_knowledge_base(ctx),
            "get_knowledge_base" => self.get_knowledge_base(ctx),
            "list_knowledge_bases" => self.list_knowledge_bases(ctx),
            "update_knowledge_base" => self.update_knowledge_base(ctx),
            "delete_knowledge_base" => self.delete_knowledge_base(ctx),
            "create_source" => self.create_source(ctx),
            "get_source" => self.get_source(ctx),
            "list_sources" => self.list_sources(ctx),
            "delete_source" => self.delete_source(ctx),
            "upload_file_to_source" => self.upload_file_to_source(ctx),
            "upload_inline_text_to_source" => self.upload_inline_text_to_source(ctx),
            "create_source_export" => self.create_source_export(ctx),
            "get_source_export" => self.get_source_export(ctx),
            "list_source_exports" => self.list_source_exports(ctx),
            "download_source_export" => self.download_source_export(ctx),
            "delete_source_export" => self.delete_source_export(ctx),
            "list_source_contents" => self.list_source_contents(ctx),
            "get_source_content_status" => self.get_source_content_status(ctx),
            "list_cloud_drives" => self.list_cloud_drives(ctx),
            "get_cloud_drive" => self.get_cloud_drive(ctx),
            "update_cloud_drive" => self.update_cloud_drive(ctx),
            "delete_cloud_drive" => self.delete_cloud_drive(ctx),
            "disconnect_cloud_drive" => self.disconnect_cloud_drive(ctx),
            "list_cloud_drive_agents" => self.list_cloud_drive_agents(ctx),
            _ => return None,
        })
    }

    /// Whether a cassette of the operation recorded exactly this path, for ids this world never
    /// deleted.
    fn cassette_may_answer(&self, ctx: &Ctx<'_>) -> bool {
        let deleted_here = ctx.path_params.values().any(|id| self.deleted.contains(id));
        !deleted_here && ctx.library.of(ctx.operation).iter().any(|e| e.cassette.request.path == ctx.path)
    }

    /// The next creation number.
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Remembers that an id was deleted.
    fn forget(&mut self, id: &str) {
        self.deleted.insert(id.to_string());
    }
}

/// A path parameter (empty when absent).
fn param<'a>(ctx: &'a Ctx<'_>, name: &str) -> &'a str {
    ctx.path_params.get(name).map_or("", String::as_str)
}

/// A field of the JSON body (`Null` when absent).
fn field<'a>(ctx: &'a Ctx<'_>, name: &str) -> &'a Value {
    ctx.json.and_then(|b| b.get(name)).unwrap_or(&Value::Null)
}

/// A string field of the JSON body.
fn text_field<'a>(ctx: &'a Ctx<'_>, name: &str) -> Option<&'a str> {
    field(ctx, name).as_str()
}

/// A fresh random id.
fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A 422 answer in the API's shape, for one problem.
fn invalid(loc: Value, kind: &str, msg: &str) -> Reply {
    Reply::json(422, &json!({"detail": [{"type": kind, "loc": loc, "msg": msg}]}))
}

/// Copies the fields of `update` that are present and not null into `target`.
fn apply_present(target: &mut Value, update: &Value, keys: &[&str]) {
    for key in keys {
        if let Some(v) = update.get(*key).filter(|v| !v.is_null()) {
            target[*key] = v.clone();
        }
    }
}

#[cfg(test)]
mod tests;
