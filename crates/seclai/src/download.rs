//! File responses: the export download and run attachments, as a stream of bytes or written to
//! disk through a temporary file, with memory bounded by one chunk.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, TryStreamExt};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use tokio::io::AsyncWriteExt;

use crate::call::{Call, Operation};
use crate::error::{Error, RequestContext, Result};
use crate::idle::IdleBody;
use crate::redact::Secrets;
use crate::transport::Expect;

/// A file coming from the API.
pub struct Download {
    body: IdleBody,
    content_type: Option<String>,
    content_length: Option<u64>,
    file_name: Option<String>,
    progress: Option<std::sync::Arc<dyn Fn(u64) + Send + Sync>>,
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
    pub(crate) fn new(response: reqwest::Response, idle: Duration, context: RequestContext, secrets: &Secrets) -> Self {
        let h = response.headers();
        let text = |name| h.get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok()).map(String::from);
        let content_type = text(CONTENT_TYPE);
        let content_length = text(CONTENT_LENGTH).and_then(|v| v.parse().ok());
        let file_name = text(CONTENT_DISPOSITION).and_then(|v| file_name_from_disposition(&v));
        Self {
            body: IdleBody::new(response, idle, context, secrets),
            content_type,
            content_length,
            file_name,
            progress: None,
        }
    }

    /// Called with the number of bytes received so far as the file arrives (through
    /// [`bytes_stream`](Self::bytes_stream), [`bytes`](Self::bytes) and
    /// [`to_file`](Self::to_file)): for a progress bar.
    pub fn on_progress(mut self, progress: impl Fn(u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(std::sync::Arc::new(progress));
        self
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

    /// The bytes as they arrive. Fails when no byte arrives within the idle timeout, and
    /// with [`Error::Body`] when the connection ends before the announced length.
    pub fn bytes_stream(self) -> impl Stream<Item = Result<Bytes>> + Send {
        let progress = self.progress;
        let mut received = 0u64;
        self.body.inspect_ok(move |chunk| {
            if let Some(p) = &progress {
                received += chunk.len() as u64;
                p(received);
            }
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
    pub async fn to_file(self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "download".into());
        let tmp: PathBuf = dir.join(format!(".{name}.{}.{:x}.part", std::process::id(), fastrand::u64(..)));
        let io = |what: &str, p: &Path, e: std::io::Error| Error::Io {
            context: format!("{what} {}", p.display()),
            source: e,
        };
        // Removes the temporary file unless the download completed, also when this future is
        // dropped half-way (a caller's timeout, Ctrl-C in a command-line tool).
        struct Partial<'a>(&'a Path, bool);
        impl Drop for Partial<'_> {
            fn drop(&mut self) {
                if !self.1 {
                    let _ = std::fs::remove_file(self.0);
                }
            }
        }
        let mut partial = Partial(&tmp, false);
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
        partial.1 = result.is_ok();
        drop(partial);
        result
    }
}

/// Starts a download: the answer may be any file, and a redirect to another origin is followed
/// without credentials.
async fn start(call: Call) -> Result<Download> {
    call.check()?;
    let idle = call.options.idle_timeout.unwrap_or(call.client.stream_idle_timeout());
    let request = call.request();
    #[cfg(feature = "record")]
    let recording = call.client.is_recording().then(|| request.clone());
    let response = call.client.execute(request).await?;
    #[cfg(feature = "record")]
    let tape = recording.map(|req| {
        let (status, headers) = (response.status().as_u16(), response.headers());
        crate::cassette::Tape::new(&call.client, &req, status, headers, crate::cassette::KEPT_BODY_BYTES)
    });
    let download = Download::new(response, idle, call.context(), call.client.secrets());
    #[cfg(feature = "record")]
    let download = Download { body: download.body.record(tape), ..download };
    Ok(download)
}

/// `send` and `to_file` of a download builder.
macro_rules! download_sends {
    ($doc:literal) => {
        #[doc = $doc]
        ///
        /// A 409 (not ready) and a 410 (expired) are [`crate::ApiErrorKind::Conflict`] and
        /// [`crate::ApiErrorKind::Gone`].
        pub async fn send(self) -> Result<Download> {
            start(self.call).await
        }

        /// Starts the download and writes it to `path` (see [`Download::to_file`]).
        pub async fn to_file(self, path: impl AsRef<Path>) -> Result<u64> {
            self.send().await?.to_file(path).await
        }
    };
}

impl crate::ops::sources::exports::Download {
    download_sends!(" Starts downloading a completed export.");
}

impl crate::ops::agents::runs::DownloadAttachment {
    download_sends!(" Starts downloading a file a run produced.");
}

static DOWNLOAD_URL: Operation =
    Operation { id: "download_url", method: reqwest::Method::GET, pagination: None, expect: Expect::File };

/// Builder of [`Client::download_url`](crate::Client::download_url): a file by an absolute
/// URL the API handed out.
#[derive(Debug, Clone)]
#[must_use = "call `.send()` to start the download"]
pub struct DownloadUrl {
    call: Call,
}

impl DownloadUrl {
    /// A download of the API's own operation `call` (a run attachment).
    pub(crate) fn from_call(call: Call) -> Self {
        Self { call }
    }

    crate::call::stream_options!();

    /// A file name the server should give in `Content-Disposition` (where it supports one).
    pub fn download_name(mut self, name: impl Into<String>) -> Self {
        let limits = crate::call::StrLimits { min_len: None, max_len: Some(255), format: crate::call::Format::Text };
        self.call.query_str("download_name", name.into(), limits);
        self
    }

    /// Starts the download.
    pub async fn send(self) -> Result<Download> {
        start(self.call).await
    }

    /// Starts the download and writes it to `path` (see [`Download::to_file`]).
    pub async fn to_file(self, path: impl AsRef<Path>) -> Result<u64> {
        self.send().await?.to_file(path).await
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
    pub fn download_url(&self, url: impl AsRef<str>) -> DownloadUrl {
        let mut call = Call::new(self.clone(), &DOWNLOAD_URL);
        let url = match reqwest::Url::parse(url.as_ref()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.username().is_empty() && u.password().is_none() => {
                Some(u)
            }
            Ok(_) => {
                call.fail("the URL must be http or https, without user info".into());
                None
            }
            Err(e) => {
                call.fail(format!("not a URL: {e}"));
                None
            }
        };
        call.path = url.as_ref().map(|u| u.path().to_string()).unwrap_or_default();
        call.url = url;
        DownloadUrl { call }
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
