//! "I uploaded these files: are they searchable yet?" Waiting until a set of content versions
//! (what the uploads returned as `content_version_id`) has finished indexing.
//!
//! The wait polls the batch list `GET /sources/{id}/contents?content_version_id=..` for the
//! versions still pending, in as few requests as the API allows: at most 500 ids per request
//! (the API's limit) and a URL of at most 8,000 bytes (beyond about 8 KB the API answers 414).
//! Items that reach `completed` or `failed` leave the set; the wait ends when none is left,
//! with the same deadline and growing interval as every other wait ([`WaitOptions`]).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::TryStreamExt;

use crate::call::Call;
use crate::error::{Error, Result};
use crate::ops::sources::contents::List;
use crate::resources::SourceContents;
use crate::types::{ContentIndexingStatus, SourceContentStatusResponse};
use crate::wait::WaitOptions;

/// The most content version ids one request may name (the API's limit).
pub const MAX_IDS_PER_REQUEST: usize = 500;

/// The longest URL a request may have (the API answers 414 beyond about 8 KB).
pub const MAX_URL_BYTES: usize = 8_000;

/// The page size of each poll (the most the list allows).
const PAGE: i64 = 100;

/// How the indexing of a set of content versions ended.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IndexingOutcome {
    /// The items that were indexed and are searchable, in the order their ids were given.
    pub completed: Vec<SourceContentStatusResponse>,
    /// The items whose indexing failed (their `error` says why), in the order given.
    pub failed: Vec<SourceContentStatusResponse>,
}

impl IndexingOutcome {
    /// Whether every item was indexed.
    pub fn all_completed(&self) -> bool {
        self.failed.is_empty()
    }

    /// `(content_version_id, reason)` of every failed item.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &str)> {
        self.failed.iter().map(|i| (i.content_version_id.as_str(), i.error.as_deref().unwrap_or("no reason given")))
    }
}

/// Whether an item's indexing has ended.
fn finished(status: &ContentIndexingStatus) -> bool {
    matches!(status, ContentIndexingStatus::Completed | ContentIndexingStatus::Failed)
}

/// Splits ids into requests of at most [`MAX_IDS_PER_REQUEST`] ids whose query fits in
/// `room` bytes (each id costs `content_version_id=<id>&`).
pub(crate) fn batches(ids: &[String], room: usize) -> Vec<&[String]> {
    const NAME: usize = "content_version_id=".len() + 1;
    let mut out = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, id) in ids.iter().enumerate() {
        let cost = NAME + id.len();
        if i > start && (i - start == MAX_IDS_PER_REQUEST || used + cost > room) {
            out.push(&ids[start..i]);
            (start, used) = (i, 0);
        }
        used += cost;
    }
    if start < ids.len() {
        out.push(&ids[start..]);
    }
    out
}

/// Builder of [`SourceContents::wait_indexed`]: set the deadline, the polling or the settings of
/// each poll (`timeout`, `max_retries`, `header`), then `.send()`.
#[derive(Debug, Clone)]
#[must_use = "call `.send()` to wait"]
pub struct WaitIndexed {
    /// The list call every poll starts from: its settings (timeout, retries, headers) are the
    /// wait's.
    call: Call,
    source_connection_id: String,
    content_version_ids: Vec<String>,
    options: WaitOptions,
}

impl WaitIndexed {
    crate::call::request_options!();

    /// The longest the whole wait may take (default 30 minutes); passing it is an error that
    /// lists the items still pending.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.options.deadline = deadline;
        self
    }

    /// The first and the longest pause between polls (default 1 s growing to 10 s).
    pub fn poll_interval(mut self, initial: Duration, max: Duration) -> Self {
        self.options = self.options.with_interval(initial, max);
        self
    }

    /// Every polling setting at once.
    pub fn wait_options(mut self, options: WaitOptions) -> Self {
        self.options = options;
        self
    }

    /// Polls until every item is `completed` or `failed`, and says which is which.
    pub async fn send(self) -> Result<IndexingOutcome> {
        let WaitIndexed { call, source_connection_id: source, content_version_ids: ids, options } = self;
        call.check()?;
        if let Some(bad) = ids.iter().find(|id| uuid::Uuid::parse_str(id).is_err()) {
            return Err(Error::invalid(format!("wait_indexed: `{bad}` is not a content version id (a UUID)")));
        }
        let mut ids = ids;
        ids.dedup();
        // What a request costs before its ids: the URL with its path and paging query.
        let sample = [("page".into(), "1".to_string()), ("limit".into(), PAGE.to_string())];
        let path = format!("/sources/{source}/contents");
        let room = MAX_URL_BYTES.saturating_sub(call.client.url(&path, &sample).as_str().len() + 1);
        let started = Instant::now();
        let mut done: BTreeMap<String, SourceContentStatusResponse> = BTreeMap::new();
        let mut last: BTreeMap<String, SourceContentStatusResponse> = BTreeMap::new();
        let mut n = 0;
        loop {
            let pending: Vec<String> = ids.iter().filter(|id| !done.contains_key(*id)).cloned().collect();
            for batch in batches(&pending, room) {
                let items: Vec<SourceContentStatusResponse> =
                    List { call: call.clone() }.content_version_ids(batch.to_vec()).items().try_collect().await?;
                for item in items {
                    if finished(&item.content_status) {
                        done.insert(item.content_version_id.clone(), item);
                    } else {
                        last.insert(item.content_version_id.clone(), item);
                    }
                }
            }
            if ids.iter().all(|id| done.contains_key(id)) {
                let (mut completed, mut failed) = (Vec::new(), Vec::new());
                for id in &ids {
                    let item = done.remove(id).expect("every id is done");
                    if item.content_status == ContentIndexingStatus::Completed {
                        completed.push(item);
                    } else {
                        failed.push(item);
                    }
                }
                return Ok(IndexingOutcome { completed, failed });
            }
            let pause = options.interval(n);
            n += 1;
            if started.elapsed() + pause > options.deadline {
                let still: Vec<serde_json::Value> = ids
                    .iter()
                    .filter(|id| !done.contains_key(*id))
                    .map(|id| match last.get(id) {
                        Some(item) => serde_json::json!({"content_version_id": id, "content_status": item.content_status}),
                        None => serde_json::json!({"content_version_id": id, "content_status": null, "note": "not listed by the source"}),
                    })
                    .collect();
                return Err(Error::WaitTimeout {
                    what: format!("the indexing of {} content item(s) of source {source}", still.len()),
                    waited: started.elapsed(),
                    last_state: serde_json::Value::Array(still).to_string(),
                });
            }
            tracing::debug!(
                pending = ids.len() - done.len(),
                pause_ms = pause.as_millis() as u64,
                "content still indexing"
            );
            tokio::time::sleep(pause).await;
        }
    }
}

impl SourceContents {
    /// Waits until these content versions (the `content_version_id` of each upload) are
    /// indexed: every one `completed` (searchable) or `failed`. A failed item is part of the
    /// outcome, not an error; only the deadline passing is.
    ///
    /// ```no_run
    /// # async fn demo(client: seclai::Client) -> seclai::Result<()> {
    /// use seclai::upload::UploadFile;
    ///
    /// let source = "3b9f2c61-8e4a-4d17-b0c5-6a1e9d2f7c48";
    /// let mut versions = Vec::new();
    /// for path in ["handbook.pdf", "pricing.md"] {
    ///     let done = client.sources().upload(source, UploadFile::path(path)).send().await?;
    ///     versions.extend(done.content_version_id);
    /// }
    /// let outcome = client
    ///     .sources()
    ///     .contents()
    ///     .wait_indexed(source, versions)
    ///     .deadline(std::time::Duration::from_secs(600))
    ///     .send()
    ///     .await?;
    /// for (id, why) in outcome.failures() {
    ///     eprintln!("{id} was not indexed: {why}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn wait_indexed(
        &self,
        source_connection_id: impl AsRef<str>,
        content_version_ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> WaitIndexed {
        let source_connection_id = source_connection_id.as_ref().to_string();
        WaitIndexed {
            call: self.list(&source_connection_id).limit(PAGE).call,
            source_connection_id,
            content_version_ids: content_version_ids.into_iter().map(Into::into).collect(),
            options: WaitOptions::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("00000000-0000-4000-8000-{i:012}")).collect()
    }

    #[test]
    fn batches_respect_the_id_limit_and_the_url_length() {
        let all = ids(1200);
        // Plenty of room: the id limit splits.
        let b = batches(&all, usize::MAX);
        assert_eq!(b.iter().map(|b| b.len()).collect::<Vec<_>>(), [500, 500, 200]);
        // 8,000 bytes minus a typical URL of 110: each id costs 56 bytes.
        let b = batches(&all, 7_890);
        assert!(b.iter().all(|b| b.len() * 56 <= 7_890), "{:?}", b.iter().map(|b| b.len()).collect::<Vec<_>>());
        assert_eq!(b.iter().map(|b| b.len()).sum::<usize>(), 1200);
        assert_eq!(b[0].len(), 140);
        assert!(batches(&[], 100).is_empty());
        // An id longer than the room still goes, alone.
        assert_eq!(batches(&ids(2), 10).len(), 2);
    }
}
