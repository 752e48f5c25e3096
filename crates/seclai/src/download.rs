//! File responses: the export download and run attachments, as a stream of bytes or written to
//! disk through a temporary file, with memory bounded by one chunk.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use tokio::io::AsyncWriteExt;

use crate::call::{Call, Operation};
use crate::client::Request;
use crate::error::{Error, RequestContext, Result};
use crate::idle::IdleBody;
use crate::resources::{AgentRuns, SourceExports};
use crate::transport::Expect;

/// A file coming from the API.
pub struct Download {
    body: IdleBody,
    content_type: Option<String>,
    content_length: Option<u64>,
    file_name: Option<String>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .field("file_name", &self.file_name)
            .finish_non_exhaustive()
    }
}

/// The file name of a `Content-Disposition` header (`filename*` preferred, per RFC 6266),
/// reduced to its last path component.
pub fn file_name_from_disposition(value: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for param in value.split(';').skip(1) {
        let Some((key, raw)) = param.split_once('=') else { continue };
        let key = key.trim().to_ascii_lowercase();
        let raw = raw.trim();
        if key == "filename*" {
            // charset'language'percent-encoded
            let encoded = raw.splitn(3, '\'').nth(2).unwrap_or(raw);
            extended = percent_encoding::percent_decode_str(encoded).decode_utf8().ok().map(|s| s.into_owned());
        } else if key == "filename" {
            let v = if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
                raw[1..raw.len() - 1].replace("\\\"", "\"").replace("\\\\", "\\")
            } else {
                raw.to_string()
            };
            plain = Some(v);
        }
    }
    let name = extended.or(plain)?;
    let last = name.rsplit(['/', '\\']).next().unwrap_or("").trim().to_string();
    (!last.is_empty() && last != "." && last != "..").then_some(last)
}

impl Download {
    pub(crate) fn new(response: reqwest::Response, idle: Duration, context: RequestContext) -> Self {
        let h = response.headers();
        let text = |name| h.get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok()).map(String::from);
        let content_type = text(CONTENT_TYPE);
        let content_length = text(CONTENT_LENGTH).and_then(|v| v.parse().ok());
        let file_name = text(CONTENT_DISPOSITION).and_then(|v| file_name_from_disposition(&v));
        Self { body: IdleBody::new(response, idle, context), content_type, content_length, file_name }
    }

    /// The media type the server gave.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The length the server announced.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The file name from `Content-Disposition` (only the last path component).
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The bytes as they arrive. Fails when no byte arrives within the idle timeout, or
    /// when the connection ends before the announced length.
    pub fn bytes_stream(self) -> impl Stream<Item = Result<Bytes>> + Send {
        let expected = self.content_length;
        let operation = self.body.context().operation;
        let mut received = 0u64;
        let mut ended = false;
        self.body.map(Some).chain(futures::stream::once(async { None })).filter_map(move |item| {
            let out = match item {
                Some(Ok(chunk)) => {
                    received += chunk.len() as u64;
                    Some(Ok(chunk))
                }
                Some(Err(e)) => {
                    ended = true;
                    Some(Err(e))
                }
                None if !ended && expected.is_some_and(|n| n != received) => Some(Err(Error::Protocol {
                    operation,
                    message: format!("the download ended after {received} of {} bytes", expected.unwrap_or_default()),
                })),
                None => None,
            };
            futures::future::ready(out)
        })
    }

    /// The whole file in memory (for small files).
    pub async fn bytes(self) -> Result<Bytes> {
        let mut out = Vec::with_capacity(self.content_length.unwrap_or(0).min(64 << 20) as usize);
        let mut s = std::pin::pin!(self.bytes_stream());
        while let Some(chunk) = s.try_next().await? {
            out.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(out))
    }

    /// Writes the file to `path` through a temporary file in the same directory, renamed into
    /// place only when the download is complete: an interrupted download leaves no partial
    /// file. Returns the number of bytes written.
    pub async fn download_to(self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "download".into());
        let tmp: PathBuf = dir.join(format!(".{name}.{}.{:x}.part", std::process::id(), fastrand::u64(..)));
        let io = |what: &str, p: &Path, e: std::io::Error| Error::Io {
            context: format!("{what} {}", p.display()),
            source: e,
        };
        let result = async {
            let mut file = tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .await
                .map_err(|e| io("creating", &tmp, e))?;
            let mut written = 0u64;
            let mut s = std::pin::pin!(self.bytes_stream());
            while let Some(chunk) = s.try_next().await? {
                file.write_all(&chunk).await.map_err(|e| io("writing", &tmp, e))?;
                written += chunk.len() as u64;
            }
            file.flush().await.map_err(|e| io("writing", &tmp, e))?;
            file.sync_all().await.map_err(|e| io("syncing", &tmp, e))?;
            drop(file);
            tokio::fs::rename(&tmp, path).await.map_err(|e| io("moving the download to", path, e))?;
            Ok(written)
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        result
    }
}

static DOWNLOAD_URL: Operation = Operation { id: "download_url", method: reqwest::Method::GET, pagination: None };
static DOWNLOAD_EXPORT: Operation =
    Operation { id: "download_source_export", method: reqwest::Method::GET, pagination: None };
static DOWNLOAD_ATTACHMENT: Operation =
    Operation { id: "download_agent_run_attachment", method: reqwest::Method::GET, pagination: None };

/// Builder of a file download: `sources.exports.download` or `agents.runs.download_attachment`.
#[derive(Debug, Clone)]
#[must_use = "call `.send()` to start the download"]
pub struct DownloadRequest {
    call: Call,
    idle_timeout: Option<Duration>,
    /// An absolute URL the API handed out, instead of the call's path.
    url: Option<reqwest::Url>,
}

impl DownloadRequest {
    /// Fails the download when no byte arrives for this long (default: the client's
    /// `stream_idle_timeout`).
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.idle_timeout = Some(idle);
        self
    }

    crate::call::retries_and_headers!();

    /// For attachments: the file name the server should give in `Content-Disposition`.
    pub fn download_name(mut self, name: impl Into<String>) -> Self {
        self.call.query_str("download_name", name.into(), None, Some(255), false);
        self
    }

    /// Starts the download. A 409 (export not ready) and a 410 (expired) are
    /// [`crate::ApiErrorKind::Conflict`] and [`crate::ApiErrorKind::Gone`].
    pub async fn send(self) -> Result<Download> {
        self.call.check()?;
        let idle = self.idle_timeout.unwrap_or(self.call.client.stream_idle_timeout());
        let request =
            Request { total_timeout: false, expect: Expect::File, url: self.url.as_ref(), ..self.call.request() };
        let response = self.call.client.execute(request).await?;
        let context =
            RequestContext { operation: self.call.op.id, method: reqwest::Method::GET, path: self.call.path.clone() };
        Ok(Download::new(response, idle, context))
    }

    /// Starts the download and writes it to `path` (see [`Download::download_to`]).
    pub async fn to_file(self, path: impl AsRef<Path>) -> Result<u64> {
        self.send().await?.download_to(path).await
    }
}

impl crate::Client {
    /// Downloads a file by an absolute URL the API handed out (a run file's `download_url`).
    ///
    /// The client's credentials go with the request only when the URL's origin (scheme, host
    /// and port) is the API's; any other URL (a pre-signed storage link) is fetched with no
    /// credential and none of the client's headers but the user agent. Redirects are followed
    /// the same way: within the API's origin with credentials, elsewhere without, and never from
    /// `https` to `http`. A URL that is not `http` or `https` is refused by `send`.
    ///
    /// ```no_run
    /// # async fn demo(client: seclai::Client, url: &str) -> seclai::Result<()> {
    /// let bytes = client.download_url(url).send().await?.bytes().await?;
    /// # Ok(()) }
    /// ```
    pub fn download_url(&self, url: impl AsRef<str>) -> DownloadRequest {
        let mut call = Call::new(self.clone(), &DOWNLOAD_URL);
        let url = match reqwest::Url::parse(url.as_ref()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.username().is_empty() && u.password().is_none() => {
                Some(u)
            }
            Ok(_) => {
                call.invalid = Some("download_url: the URL must be http or https, without user info".into());
                None
            }
            Err(e) => {
                call.invalid = Some(format!("download_url: not a URL: {e}"));
                None
            }
        };
        call.path = url.as_ref().map(|u| u.path().to_string()).unwrap_or_default();
        DownloadRequest { call, idle_timeout: None, url }
    }
}

impl SourceExports {
    /// Downloads a completed export (`GET /sources/{source_connection_id}/exports/{export_id}/download`).
    ///
    /// ```no_run
    /// # async fn demo(client: seclai::Client) -> seclai::Result<()> {
    /// let bytes = client.sources().exports().download("source-uuid", "export-uuid").to_file("export.jsonl").await?;
    /// # Ok(()) }
    /// ```
    pub fn download(&self, source_connection_id: impl AsRef<str>, export_id: impl AsRef<str>) -> DownloadRequest {
        let mut call = Call::new(self.client.clone(), &DOWNLOAD_EXPORT);
        let s = call.segment("source_connection_id", source_connection_id.as_ref(), true);
        let e = call.segment("export_id", export_id.as_ref(), true);
        call.path = format!("/sources/{s}/exports/{e}/download");
        DownloadRequest { call, idle_timeout: None, url: None }
    }
}

impl AgentRuns {
    /// Downloads a file a run produced (`GET /v2/agent-runs/{run_id}/attachments/{attachment_id}`).
    /// The `attachment_id` is the URL-safe base64 of the attachment's `storage_key`.
    pub fn download_attachment(&self, run_id: impl AsRef<str>, attachment_id: impl AsRef<str>) -> DownloadRequest {
        let mut call = Call::new(self.client.clone(), &DOWNLOAD_ATTACHMENT);
        let r = call.segment("run_id", run_id.as_ref(), true);
        let a = call.segment("attachment_id", attachment_id.as_ref(), false);
        call.path = format!("/v2/agent-runs/{r}/attachments/{a}");
        DownloadRequest { call, idle_timeout: None, url: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_names() {
        assert_eq!(
            file_name_from_disposition("attachment; filename=\"export.jsonl\"").as_deref(),
            Some("export.jsonl")
        );
        assert_eq!(file_name_from_disposition("attachment; filename=plain.csv").as_deref(), Some("plain.csv"));
        assert_eq!(
            file_name_from_disposition("attachment; filename=\"fallback.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf")
                .as_deref(),
            Some("résumé.pdf")
        );
        assert_eq!(file_name_from_disposition("attachment; filename=\"../../etc/passwd\"").as_deref(), Some("passwd"));
        assert_eq!(file_name_from_disposition("attachment; filename=\"..\"").as_deref(), None);
        assert_eq!(file_name_from_disposition("inline").as_deref(), None);
    }
}
