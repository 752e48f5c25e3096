//! The indexing status of a source's content items (`GET /sources/{id}/contents[/{cv}]`).
//!
//! Every file uploaded to a source (or text added to it) is a content version that is indexed
//! in the background: each read of its status moves it one step, `pending`, then `indexing`,
//! then `completed`, so that a client polling for "are my uploads searchable yet?" sees the
//! whole progression over HTTP. A file whose name the server was told to fail
//! ([`crate::Options::fail_indexing`]) ends `failed`, with a reason.

use serde_json::{Value, json};

use super::paging::PageRequest;
use super::sources::StoredFile;
use super::template::{merge, template, timestamp};
use super::{Missing, Outcome, World, param};
use crate::server::{Ctx, Reply};

/// The statuses a content version goes through, one per read.
const PROGRESSION: [&str; 3] = ["pending", "indexing", "completed"];

/// The reason a file that fails indexing gives.
const FAILURE: &str = "No text could be extracted from the file, and the source's embedder does not index it directly.";

impl StoredFile {
    /// The status at this read, moving the file one step on.
    fn read_status(&mut self) -> &'static str {
        let step = (self.status_reads as usize).min(PROGRESSION.len() - 1);
        self.status_reads = self.status_reads.saturating_add(1);
        match PROGRESSION[step] {
            "completed" if self.fails_indexing => "failed",
            status => status,
        }
    }

    /// The status answer of this file, as it stands after `status`.
    fn status_body(&self, base: &Value, status: &str) -> Value {
        let mut body = base.clone();
        let done = status == "completed";
        let text = std::str::from_utf8(&self.data).ok();
        let words = text.map(|t| t.split_whitespace().count());
        let group = match self.content_type.split('/').next().unwrap_or_default() {
            "audio" => "audio",
            "video" => "video",
            "image" => "image",
            "text" => "text",
            _ => "document",
        };
        merge(
            &mut body,
            json!({
                "content_version_id": self.content_version_id,
                "source_connection_content_version_id": if done { json!(self.version_id) } else { Value::Null },
                "title": self.title.clone().unwrap_or_else(|| self.filename.clone()),
                "content_url": format!("file-upload://{}", self.filename),
                "content_type": group,
                "mime_type": self.content_type,
                "content_status": status,
                "error": if status == "failed" { json!(FAILURE) } else { Value::Null },
                "content_word_count": if done { json!(words) } else { Value::Null },
                "content_token_count": if done { json!(words.map(|w| w + w / 3)) } else { Value::Null },
                "pulled_at": timestamp(self.created_at),
                "published_at": null,
                "indexed_at": if done { json!(timestamp(chrono::Utc::now())) } else { Value::Null },
                "awaiting_reindex": false,
                "extracted_media_count": if done { json!(0) } else { Value::Null },
                "extracted_media_capped": false,
                "extracted_media_limit": null,
            }),
        );
        body
    }
}

impl World {
    /// `GET /sources/{source_connection_id}/contents`: the source's items with their status,
    /// filtered by `content_version_id` (repeated) and `status`, sorted and paged.
    pub(super) fn list_source_contents(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let base = template(ctx.library, "get_source_content_status");
        let wanted = ctx.query_all("content_version_id");
        let source = self.source_mut(param(ctx, "source_connection_id"))?;
        let mut items: Vec<(u64, Value)> = Vec::new();
        for (n, file) in source.files.iter_mut().enumerate() {
            if !wanted.is_empty() && !wanted.contains(&file.content_version_id.as_str()) {
                continue;
            }
            let status = file.read_status();
            if ctx.query("status").is_some_and(|s| s != status) {
                continue;
            }
            items.push((n as u64, file.status_body(&base, status)));
        }
        let key = ctx.query("sort").filter(|k| matches!(*k, "title" | "status")).unwrap_or("created_at");
        let field = if key == "created_at" {
            "pulled_at"
        } else if key == "status" {
            "content_status"
        } else {
            "title"
        };
        items.sort_by(|(a_seq, a), (b_seq, b)| {
            let text = |v: &Value| v[field].as_str().unwrap_or_default().to_lowercase();
            text(a).cmp(&text(b)).then(a_seq.cmp(b_seq))
        });
        if ctx.query("order") != Some("asc") {
            items.reverse();
        }
        let page = PageRequest::of(ctx);
        let total = items.len();
        let data = page.slice(items.into_iter().map(|(_, v)| v).collect());
        Ok(Reply::json(200, &json!({"data": data, "pagination": page.pagination(total)})))
    }

    /// `GET /sources/{source_connection_id}/contents/{content_version_id}`.
    pub(super) fn get_source_content_status(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let base = template(ctx.library, "get_source_content_status");
        let wanted = param(ctx, "content_version_id").to_string();
        let source = self.source_mut(param(ctx, "source_connection_id"))?;
        let file = source.files.iter_mut().find(|f| f.content_version_id == wanted).ok_or(Missing("Content"))?;
        let status = file.read_status();
        Ok(Reply::json(200, &file.status_body(&base, status)))
    }
}
