//! Knowledge bases over the world's sources: create, read, list, update, delete.

use serde_json::{Value, json};

use super::paging::{Legacy, list_reply, sorted};
use super::template::{merge, now, template};
use super::{Missing, Outcome, Record, World, field, invalid, new_id, param, text_field};
use crate::server::{Ctx, Reply};

/// Retrieval settings a request may set (or clear with null).
const SETTINGS: [&str; 5] =
    ["description", "default_score_threshold", "default_top_k", "default_top_n", "reranker_model"];

/// The answer to a name that is empty once trimmed.
fn empty_name() -> Reply {
    invalid(json!(["body", "name"]), "string_too_short", "String should have at least 1 character")
}

impl World {
    /// The knowledge base's view of sources: `{id, name, url, source_type, polling}` each, or
    /// a 404 answer naming the first unknown source.
    fn source_refs(&self, ids: &Value) -> Result<Value, Reply> {
        let mut refs = Vec::new();
        for id in ids.as_array().into_iter().flatten() {
            let source = self
                .sources
                .iter()
                .find(|s| s.id() == id.as_str().unwrap_or_default())
                .ok_or_else(|| Reply::json(404, &json!({"detail": "Source not found"})))?;
            let b = &source.record.body;
            refs.push(json!({
                "id": b["id"],
                "name": b["name"],
                "url": b["url"].as_str().unwrap_or_default(),
                "source_type": b["source_type"],
                "polling": b["polling"],
            }));
        }
        Ok(Value::Array(refs))
    }

    /// The knowledge base with this id, to change.
    fn knowledge_base_mut(&mut self, id: &str) -> Result<&mut Record, Missing> {
        self.knowledge_bases.iter_mut().find(|k| k.id() == id).ok_or(Missing("Knowledge base"))
    }

    /// `POST /knowledge_bases`: a new knowledge base over existing sources (201).
    pub(super) fn create_knowledge_base(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let name = text_field(ctx, "name").unwrap_or_default().trim();
        if name.is_empty() {
            return Ok(empty_name());
        }
        let sources = match self.source_refs(field(ctx, "source_ids")) {
            Ok(s) => s,
            Err(reply) => return Ok(reply),
        };
        let mut body = template(ctx.library, "create_knowledge_base");
        let stamp = now();
        merge(
            &mut body,
            json!({"id": new_id(), "name": name, "created_at": stamp, "updated_at": stamp, "readonly": false}),
        );
        for key in SETTINGS {
            body[key] = field(ctx, key).clone();
        }
        body["sources"] = sources;
        let seq = self.next_seq();
        self.knowledge_bases.push(Record { seq, body: body.clone() });
        Ok(Reply::json(201, &body))
    }

    /// `GET /knowledge_bases/{knowledge_base_id}`.
    pub(super) fn get_knowledge_base(&mut self, ctx: &Ctx<'_>) -> Outcome {
        Ok(Reply::json(200, &self.knowledge_base_mut(param(ctx, "knowledge_base_id"))?.body))
    }

    /// `GET /knowledge_bases`: legacy `{knowledge_bases, page, limit, total}`, or the canonical
    /// envelope.
    pub(super) fn list_knowledge_bases(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let items = sorted(ctx, self.knowledge_bases.iter());
        Ok(list_reply(ctx, items, Legacy::Flat("knowledge_bases")))
    }

    /// `PUT /knowledge_bases/{knowledge_base_id}`: sets the fields the body carries (null
    /// clears a setting; a null name or source list leaves it as it is).
    pub(super) fn update_knowledge_base(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let id = param(ctx, "knowledge_base_id");
        self.knowledge_base_mut(id)?;
        let name = text_field(ctx, "name").map(str::trim);
        if name.is_some_and(str::is_empty) {
            return Ok(empty_name());
        }
        let sources = match field(ctx, "source_ids") {
            Value::Null => None,
            ids => match self.source_refs(ids) {
                Ok(s) => Some(s),
                Err(reply) => return Ok(reply),
            },
        };
        let update = ctx.json.cloned().unwrap_or_else(|| json!({}));
        let kb = self.knowledge_base_mut(id)?;
        if let Some(name) = name {
            kb.body["name"] = json!(name);
        }
        for key in SETTINGS.iter().filter(|k| update.get(**k).is_some()) {
            kb.body[*key] = update[*key].clone();
        }
        if let Some(sources) = sources {
            kb.body["sources"] = sources;
        }
        kb.body["updated_at"] = json!(now());
        Ok(Reply::json(200, &kb.body))
    }

    /// `DELETE /knowledge_bases/{knowledge_base_id}` (204).
    pub(super) fn delete_knowledge_base(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let id = param(ctx, "knowledge_base_id");
        self.knowledge_base_mut(id)?;
        self.knowledge_bases.retain(|k| k.id() != id);
        self.forget(id);
        Ok(Reply::empty(204))
    }
}
