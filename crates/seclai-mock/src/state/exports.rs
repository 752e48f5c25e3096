//! Source exports: queued `pending`, `running` at the first read, `completed` at the next,
//! then downloadable as one line per file of the source.

use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use serde_json::{Value, json};

use super::paging::{Legacy, list_reply};
use super::sources::StoredFile;
use super::template::{merge, now, parse_time, template, timestamp};
use super::{Missing, Outcome, Record, World, field, new_id, param};
use crate::server::{Ctx, Reply};

/// How long a finished export stays downloadable.
const KEPT_DAYS: i64 = 7;

/// An export job of a source, with the file it produces.
#[derive(Debug, Clone)]
pub(super) struct Export {
    /// The export, as answered.
    record: Record,
    /// The source's id.
    pub(super) source_id: String,
    /// The exported file.
    file: Vec<u8>,
    /// The number of items in the file.
    items: usize,
}

/// The files an export request selects: by title or name (`query_filter`), metadata
/// (`metadata_filter`) and upload time (`date_from`, `date_to`).
fn selected<'a>(files: &'a [StoredFile], request: &Value) -> Vec<&'a StoredFile> {
    let query = request["query_filter"].as_str().map(str::to_lowercase);
    let metadata = request["metadata_filter"].as_object();
    let from = request["date_from"].as_str().and_then(parse_time);
    let to = request["date_to"].as_str().and_then(parse_time);
    files
        .iter()
        .filter(|f| {
            let title = f.title.as_deref().unwrap_or(&f.filename).to_lowercase();
            query.as_ref().is_none_or(|q| title.contains(q.as_str()) || f.filename.to_lowercase().contains(q.as_str()))
        })
        .filter(|f| metadata.is_none_or(|m| m.iter().all(|(k, v)| f.metadata.get(k) == Some(v))))
        .filter(|f| from.is_none_or(|t| f.created_at >= t) && to.is_none_or(|t| f.created_at <= t))
        .collect()
}

/// One line of a JSONL export.
fn line(f: &StoredFile) -> Value {
    json!({
        "filename": f.filename,
        "content_type": f.content_type,
        "bytes": f.data.len(),
        "text": std::str::from_utf8(&f.data).ok(),
    })
}

/// A CSV field, quoted when it needs to be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// The exported file in a format, or `None` for a format the local server does not write.
fn render(files: &[&StoredFile], format: &str) -> Option<Vec<u8>> {
    match format {
        "jsonl" => Some(files.iter().map(|f| format!("{}\n", line(f))).collect::<String>().into_bytes()),
        "csv" => {
            let mut out = String::from("filename,content_type,bytes,text\n");
            for f in files {
                let text = std::str::from_utf8(&f.data).unwrap_or_default();
                let row =
                    [csv_field(&f.filename), csv_field(&f.content_type), f.data.len().to_string(), csv_field(text)];
                out.push_str(&row.join(","));
                out.push('\n');
            }
            Some(out.into_bytes())
        }
        _ => None,
    }
}

/// The media type of an export format.
fn media_type(format: &str) -> &'static str {
    if format == "csv" { "text/csv" } else { "application/x-ndjson" }
}

impl Export {
    /// The export id.
    fn id(&self) -> &str {
        self.record.id()
    }

    /// The export's status.
    fn status(&self) -> &str {
        self.record.body["status"].as_str().unwrap_or_default()
    }

    /// One step further: `pending` -> `running` -> `completed` (or `failed` for a format the
    /// local server does not write).
    fn advance(&mut self) {
        let stamp = now();
        let body = &mut self.record.body;
        match body["status"].as_str() {
            Some("pending") => {
                if let Some(b) = body.as_object_mut() {
                    b.remove("queue_position");
                }
                let progress = json!({"progress_current": 0, "progress_total": self.items});
                merge(body, json!({"status": "running", "started_at": stamp, "updated_at": stamp}));
                merge(body, progress);
            }
            Some("running") => {
                let format = body["format"].as_str().unwrap_or_default().to_string();
                if render(&[], &format).is_none() {
                    let error = format!("The local server writes jsonl and csv exports, not {format}");
                    merge(
                        body,
                        json!({"status": "failed", "error": error, "completed_at": stamp, "updated_at": stamp}),
                    );
                    return;
                }
                let key = format!(
                    "exports/{}/{}/{}/export.{format}",
                    body["account_id"].as_str().unwrap_or_default(),
                    self.source_id,
                    body["id"].as_str().unwrap_or_default()
                );
                let expires = timestamp(Utc::now() + chrono::Duration::days(KEPT_DAYS));
                merge(
                    body,
                    json!({
                        "status": "completed", "file_size_bytes": self.file.len(), "item_count": self.items,
                        "progress_current": self.items, "progress_total": self.items, "storage_key": key,
                        "completed_at": stamp, "expires_at": expires, "updated_at": stamp,
                    }),
                );
            }
            _ => {}
        }
    }
}

impl World {
    /// The export of this source with this id, to change.
    fn export_mut(&mut self, ctx: &Ctx<'_>) -> Result<&mut Export, Missing> {
        let source_id = self.source(param(ctx, "source_connection_id"))?.id().to_string();
        let export_id = param(ctx, "export_id");
        self.exports.iter_mut().find(|e| e.source_id == source_id && e.id() == export_id).ok_or(Missing("Export"))
    }

    /// `POST /sources/{source_connection_id}/exports`: a `pending` export of the source's files (202).
    pub(super) fn create_source_export(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let source = self.source(param(ctx, "source_connection_id"))?;
        let request = ctx.json.cloned().unwrap_or_else(|| json!({}));
        let format = request["format"].as_str().unwrap_or("jsonl").to_string();
        let files = selected(&source.files, &request);
        let file = render(&files, &format).unwrap_or_default();
        let (source_id, account_id, items) =
            (source.id().to_string(), source.record.body["account_id"].clone(), files.len());
        let mut body = template(ctx.library, "create_source_export");
        let stamp = now();
        merge(
            &mut body,
            json!({
                "id": new_id(), "source_connection_id": source_id, "account_id": account_id, "format": format,
                "status": "pending", "date_from": field(ctx, "date_from"), "date_to": field(ctx, "date_to"),
                "query_filter": field(ctx, "query_filter"), "metadata_filter": field(ctx, "metadata_filter"),
                "estimated_size_bytes": file.len(), "file_size_bytes": null, "item_count": null,
                "progress_current": null, "progress_total": null, "storage_key": null, "error": null,
                "created_at": stamp, "updated_at": stamp, "started_at": null, "completed_at": null,
                "expires_at": null, "queue_position": 0,
            }),
        );
        let seq = self.next_seq();
        self.exports.push(Export { record: Record { seq, body: body.clone() }, source_id, file, items });
        Ok(Reply::json(202, &body))
    }

    /// `GET /sources/{source_connection_id}/exports/{export_id}`: each read moves the export on.
    pub(super) fn get_source_export(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let export = self.export_mut(ctx)?;
        export.advance();
        Ok(Reply::json(200, &export.record.body))
    }

    /// `GET /sources/{source_connection_id}/exports`: newest first.
    pub(super) fn list_source_exports(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let source_id = self.source(param(ctx, "source_connection_id"))?.id().to_string();
        let mut exports: Vec<&Export> = self.exports.iter().filter(|e| e.source_id == source_id).collect();
        exports.sort_by_key(|e| std::cmp::Reverse(e.record.seq));
        Ok(list_reply(ctx, exports.into_iter().map(|e| e.record.body.clone()).collect(), Legacy::Data))
    }

    /// `GET .../exports/{export_id}/download`: 409 until completed, then the file.
    pub(super) fn download_source_export(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let export = self.export_mut(ctx)?;
        if export.status() != "completed" {
            return Ok(Reply::json(409, &json!({"detail": "Export is not ready yet"})));
        }
        let format = export.record.body["format"].as_str().unwrap_or("jsonl");
        let disposition = format!("attachment; filename=\"export-{}.{format}\"", export.id());
        let chunks =
            if export.file.is_empty() { Vec::new() } else { vec![(Duration::ZERO, Bytes::from(export.file.clone()))] };
        let reply = Reply { status: 200, headers: Vec::new(), chunks };
        Ok(reply.with_header("content-type", media_type(format)).with_header("content-disposition", &disposition))
    }

    /// `DELETE /sources/{source_connection_id}/exports/{export_id}` (204).
    pub(super) fn delete_source_export(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let id = self.export_mut(ctx)?.id().to_string();
        self.exports.retain(|e| e.id() != id);
        self.forget(&id);
        Ok(Reply::empty(204))
    }
}
