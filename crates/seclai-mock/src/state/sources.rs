//! Content sources and their files: create, read, list, delete, upload a file or a text.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::inputs::{file_name, file_part, media_type};
use super::paging::{Legacy, list_reply, sorted};
use super::template::{merge, now, template, timestamp};
use super::{Missing, Outcome, Record, World, apply_present, field, invalid, new_id, param, text_field};
use crate::server::{Ctx, Reply};

/// Fields of a new source taken from the request when present and not null.
const CREATABLE: [&str; 13] = [
    "source_type",
    "polling",
    "polling_action",
    "polling_max_items",
    "content_filter",
    "retention",
    "embedding_model",
    "dimensions",
    "chunk_size",
    "chunk_overlap",
    "index_mode",
    "media_types",
    "name",
];

/// A file of a source.
#[derive(Debug, Clone)]
pub(super) struct StoredFile {
    /// The file name.
    pub(super) filename: String,
    /// The media type.
    pub(super) content_type: String,
    /// The content.
    pub(super) data: Vec<u8>,
    /// The title given at upload.
    pub(super) title: Option<String>,
    /// The metadata given at upload (an object, or null).
    pub(super) metadata: Value,
    /// When it was uploaded.
    pub(super) created_at: DateTime<Utc>,
    /// Its `source_connection_content_version_id`.
    pub(super) version_id: String,
    /// The `content_version_id` its upload answered.
    pub(super) content_version_id: String,
    /// How often its indexing status was read (each read moves it on).
    pub(super) status_reads: u32,
    /// Whether its indexing ends `failed` ([`crate::Options::fail_indexing`]).
    pub(super) fails_indexing: bool,
}

/// A source and its files.
#[derive(Debug, Clone)]
pub(super) struct Source {
    /// The source, as answered.
    pub(super) record: Record,
    /// Its files, in upload order.
    pub(super) files: Vec<StoredFile>,
}

impl Source {
    /// The source id.
    pub(super) fn id(&self) -> &str {
        self.record.id()
    }

    /// Adds a file, or finds the one with the same name and content. Returns the upload
    /// receipt's fields.
    fn add(&mut self, file: StoredFile) -> Value {
        if let Some(same) = self.files.iter().find(|f| f.filename == file.filename && f.data == file.data) {
            return json!({
                "content_version_id": null,
                "source_connection_content_version_id": same.version_id,
                "filename": same.filename,
                "status": "duplicate",
                "embedder_warning": null,
            });
        }
        let receipt = json!({
            "content_version_id": file.content_version_id,
            "source_connection_content_version_id": null,
            "filename": file.filename,
            "status": "uploaded",
            "embedder_warning": null,
        });
        self.record.body["updated_at"] = json!(timestamp(file.created_at));
        self.files.push(file);
        self.record.body["content_count"] = json!(self.files.len());
        receipt
    }
}

/// A file name made of a title (`Expense policy`, `text/markdown` -> `expense-policy.md`).
fn name_from_title(title: Option<&str>, content_type: &str) -> String {
    let mut slug = String::new();
    for c in title.unwrap_or("text").chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let stem = if slug.is_empty() { "text" } else { slug };
    let ext = match content_type.split(';').next().unwrap_or_default().trim() {
        "text/markdown" => "md",
        "text/html" => "html",
        "text/csv" => "csv",
        "application/json" => "json",
        _ => "txt",
    };
    format!("{stem}.{ext}")
}

/// The metadata field of a multipart upload (the server checked it is an object).
fn part_metadata(ctx: &Ctx<'_>) -> Value {
    ctx.parts
        .iter()
        .find(|p| p.name == "metadata")
        .and_then(|p| serde_json::from_slice::<Value>(&p.data).ok())
        .filter(Value::is_object)
        .unwrap_or(Value::Null)
}

/// The text of a multipart field.
fn part_text(ctx: &Ctx<'_>, name: &str) -> Option<String> {
    ctx.parts.iter().find(|p| p.name == name).map(|p| String::from_utf8_lossy(&p.data).into_owned())
}

impl World {
    /// The source with this id.
    pub(super) fn source(&self, id: &str) -> Result<&Source, Missing> {
        self.sources.iter().find(|s| s.id() == id).ok_or(Missing("Source"))
    }

    /// The source with this id, to change.
    pub(super) fn source_mut(&mut self, id: &str) -> Result<&mut Source, Missing> {
        self.sources.iter_mut().find(|s| s.id() == id).ok_or(Missing("Source"))
    }

    /// `POST /sources`: a new, empty source from the `create_source` template (201).
    pub(super) fn create_source(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let name = text_field(ctx, "name").unwrap_or_default().trim().to_string();
        if name.is_empty() {
            return Ok(invalid(json!(["body", "name"]), "string_too_short", "String should have at least 1 character"));
        }
        let mut body = template(ctx.library, "create_source");
        if let Some(request) = ctx.json {
            apply_present(&mut body, request, &CREATABLE);
        }
        let stamp = now();
        merge(
            &mut body,
            json!({
                "id": new_id(),
                "name": name,
                "url": null,
                "pulled_at": null,
                "next_poll_at": null,
                "created_at": stamp,
                "updated_at": stamp,
                "content_count": 0,
                "has_historical_data": false,
                "readonly": false,
                "system_managed": false,
            }),
        );
        let seq = self.next_seq();
        self.sources.push(Source { record: Record { seq, body: body.clone() }, files: Vec::new() });
        Ok(Reply::json(201, &body))
    }

    /// `GET /sources/{source_connection_id}`.
    pub(super) fn get_source(&mut self, ctx: &Ctx<'_>) -> Outcome {
        Ok(Reply::json(200, &self.source(param(ctx, "source_connection_id"))?.record.body))
    }

    /// `GET /sources`: sorted by `sort` and `order` (newest first by default).
    pub(super) fn list_sources(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let own = template(ctx.library, "create_source")["account_id"].as_str().map(String::from);
        if let Some(account) = ctx.query("account_id").filter(|a| own.as_deref().is_some_and(|own| own != *a)) {
            let msg = format!("Listing the sources of account {account} is not allowed");
            return Ok(invalid(json!(["query", "account_id"]), "value_error", &msg));
        }
        let items = sorted(ctx, self.sources.iter().map(|s| &s.record));
        Ok(list_reply(ctx, items, Legacy::Data))
    }

    /// `DELETE /sources/{source_connection_id}`: the source, its files and exports go, and
    /// knowledge bases stop using it (204).
    pub(super) fn delete_source(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let id = param(ctx, "source_connection_id");
        self.source(id)?;
        self.sources.retain(|s| s.id() != id);
        self.exports.retain(|e| e.source_id != id);
        for kb in &mut self.knowledge_bases {
            if let Some(list) = kb.body["sources"].as_array_mut() {
                list.retain(|s| s["id"] != id);
            }
        }
        self.forget(id);
        Ok(Reply::empty(204))
    }

    /// `POST /sources/{source_connection_id}/upload`: stores the file (`uploaded`), or reports
    /// the same name and content uploaded before (`duplicate`).
    pub(super) fn upload_file_to_source(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let id = param(ctx, "source_connection_id");
        self.source(id)?;
        let Some(part) = file_part(ctx) else {
            return Ok(invalid(json!(["body", "file"]), "missing", "Field required"));
        };
        let filename = file_name(part);
        let file = StoredFile {
            fails_indexing: self.fail_indexing.as_deref() == Some(filename.as_str()),
            filename,
            content_type: media_type(part),
            data: part.data.clone(),
            title: part_text(ctx, "title"),
            metadata: part_metadata(ctx),
            created_at: Utc::now(),
            version_id: new_id(),
            content_version_id: new_id(),
            status_reads: 0,
        };
        let fields = self.source_mut(id)?.add(file);
        let mut receipt = template(ctx.library, "upload_file_to_source");
        merge(&mut receipt, fields);
        Ok(Reply::json(200, &receipt))
    }

    /// `POST /sources/{source_connection_id}`: stores the text as a file named after its title.
    pub(super) fn upload_inline_text_to_source(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let id = param(ctx, "source_connection_id");
        self.source(id)?;
        let content_type = text_field(ctx, "content_type").unwrap_or("text/plain").to_string();
        let title = text_field(ctx, "title").map(String::from);
        let filename = name_from_title(title.as_deref(), &content_type);
        let file = StoredFile {
            fails_indexing: self.fail_indexing.as_deref() == Some(filename.as_str()),
            filename,
            content_type,
            data: text_field(ctx, "text").unwrap_or_default().as_bytes().to_vec(),
            title,
            metadata: field(ctx, "metadata").clone(),
            created_at: Utc::now(),
            version_id: new_id(),
            content_version_id: new_id(),
            status_reads: 0,
        };
        let fields = self.source_mut(id)?.add(file);
        let mut receipt = template(ctx.library, "upload_inline_text_to_source");
        merge(&mut receipt, fields);
        Ok(Reply::json(200, &receipt))
    }
}

#[cfg(test)]
mod tests {
    use super::name_from_title;

    #[test]
    fn file_names_come_from_titles() {
        assert_eq!(name_from_title(Some("Expense policy"), "text/markdown"), "expense-policy.md");
        assert_eq!(name_from_title(Some("  Q1: plans & goals!  "), "text/plain"), "q1-plans-goals.txt");
        assert_eq!(name_from_title(None, "application/json; charset=utf-8"), "text.json");
        assert_eq!(name_from_title(Some("***"), "text/csv"), "text.csv");
    }
}
