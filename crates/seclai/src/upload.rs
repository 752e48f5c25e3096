//! Multipart uploads: a file to a source, a replacement file for a content version, and an
//! input file for an agent run.
//!
//! A file on disk is streamed, never read whole into memory; every attempt re-opens it, so a
//! retried upload sends the whole file again. Bytes are re-used; a one-shot reader is sent once
//! and never retried. Size, emptiness and metadata are checked before anything is sent.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::StreamExt;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use serde_json::Value;
use tokio::io::AsyncRead;

use crate::call::Call;
use crate::client::{Body, Form, FormSource};
use crate::error::{Error, Result};
use crate::types::{ContentFileUploadResponse, SourceFileUploadResponse, UploadAgentInputApiResponse};

/// The most a source or content upload may carry: 209,715,200 bytes.
pub const MAX_UPLOAD_BYTES: u64 = 209_715_200;
/// The most an agent input file may carry: 200 MB (209,715,200 bytes).
pub const MAX_AGENT_INPUT_BYTES: u64 = 200 * 1024 * 1024;

/// Called with (bytes sent, total bytes) as the file goes out.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

type OneShot = Arc<Mutex<Option<Box<dyn AsyncRead + Send + Unpin>>>>;

#[derive(Clone)]
enum Source {
    Path(PathBuf),
    Bytes(Bytes),
    Reader(OneShot, u64),
}

/// A file to upload, with its name and media type.
#[derive(Clone)]
pub struct UploadFile {
    source: Source,
    file_name: Option<String>,
    mime_type: Option<String>,
}

impl fmt::Debug for UploadFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Path(p) => format!("path {}", p.display()),
            Source::Bytes(b) => format!("{} bytes", b.len()),
            Source::Reader(_, n) => format!("reader of {n} bytes"),
        };
        f.debug_struct("UploadFile")
            .field("source", &source)
            .field("file_name", &self.file_name)
            .field("mime_type", &self.mime_type)
            .finish()
    }
}

impl UploadFile {
    /// A file on disk, streamed (and re-opened on a retry). The name defaults to the file's.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        Self { source: Source::Path(path), file_name, mime_type: None }
    }

    /// Bytes in memory, with the file name the server should see.
    pub fn bytes(bytes: impl Into<Bytes>, file_name: impl Into<String>) -> Self {
        Self { source: Source::Bytes(bytes.into()), file_name: Some(file_name.into()), mime_type: None }
    }

    /// A reader of exactly `length` bytes. It can be read once, so the upload is not retried.
    pub fn reader(reader: impl AsyncRead + Send + Unpin + 'static, length: u64, file_name: impl Into<String>) -> Self {
        Self {
            source: Source::Reader(Arc::new(Mutex::new(Some(Box::new(reader)))), length),
            file_name: Some(file_name.into()),
            mime_type: None,
        }
    }

    /// The file name sent to the server.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// The media type (default: from the file name's extension, else `application/octet-stream`,
    /// which lets the server infer it).
    pub fn mime_type(mut self, mime: impl Into<String>) -> Self {
        self.mime_type = Some(mime.into());
        self
    }

    fn resolved_name(&self) -> String {
        self.file_name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "upload.bin".into())
    }

    fn resolved_mime(&self) -> String {
        self.mime_type
            .clone()
            .unwrap_or_else(|| mime_guess::from_path(self.resolved_name()).first_or_octet_stream().to_string())
    }

    fn length(&self) -> Result<u64> {
        match &self.source {
            Source::Path(p) => std::fs::metadata(p)
                .map(|m| m.len())
                .map_err(|e| Error::Io { context: format!("reading {}", p.display()), source: e }),
            Source::Bytes(b) => Ok(b.len() as u64),
            Source::Reader(_, n) => Ok(*n),
        }
    }
}

/// Everything needed to build the multipart body, again for each attempt.
struct FormSpec {
    file: UploadFile,
    length: u64,
    fields: Vec<(&'static str, String)>,
    progress: Option<Progress>,
    http: reqwest::Client,
}

impl FormSpec {
    /// The byte stream of the file part, counting progress.
    fn file_stream(&self) -> Result<reqwest::Body> {
        let total = self.length;
        let sent = Arc::new(AtomicU64::new(0));
        let progress = self.progress.clone();
        let count = move |chunk: &Bytes| {
            let now = sent.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
            if let Some(p) = &progress {
                p(now, total);
            }
        };
        Ok(match &self.file.source {
            Source::Bytes(b) => {
                let b = b.clone();
                count(&b);
                reqwest::Body::from(b)
            }
            Source::Path(p) => {
                let file = std::fs::File::open(p)
                    .map_err(|e| Error::Io { context: format!("opening {}", p.display()), source: e })?;
                let reader = tokio_util::io::ReaderStream::with_capacity(tokio::fs::File::from_std(file), 64 * 1024);
                reqwest::Body::wrap_stream(reader.inspect(move |r| {
                    if let Ok(chunk) = r {
                        count(chunk);
                    }
                }))
            }
            Source::Reader(cell, _) => {
                let reader = cell
                    .lock()
                    .map_err(|_| Error::invalid("the upload reader lock was poisoned"))?
                    .take()
                    .ok_or_else(|| Error::invalid("a reader can be uploaded once only"))?;
                let reader = tokio_util::io::ReaderStream::with_capacity(reader, 64 * 1024);
                reqwest::Body::wrap_stream(reader.inspect(move |r| {
                    if let Ok(chunk) = r {
                        count(chunk);
                    }
                }))
            }
        })
    }

    /// The multipart body with its `Content-Type` (boundary) and `Content-Length`.
    fn build(&self) -> Result<(reqwest::Body, Vec<(reqwest::header::HeaderName, HeaderValue)>)> {
        let part = reqwest::multipart::Part::stream_with_length(self.file_stream()?, self.length)
            .file_name(self.file.resolved_name())
            .mime_str(&self.file.resolved_mime())
            .map_err(|e| Error::invalid(format!("invalid media type: {e}")))?;
        let mut form = reqwest::multipart::Form::new().part("file", part);
        for (name, value) in &self.fields {
            form = form.text(*name, value.clone());
        }
        // reqwest computes the length of a form whose parts all have one; borrow its encoder.
        let mut built = self
            .http
            .post("http://multipart.invalid/")
            .multipart(form)
            .build()
            .map_err(|e| Error::invalid(format!("cannot build the upload: {e}")))?;
        let body = built.body_mut().take().ok_or_else(|| Error::invalid("the upload has no body"))?;
        let headers = [CONTENT_TYPE, CONTENT_LENGTH]
            .into_iter()
            .filter_map(|h| built.headers().get(&h).cloned().map(|v| (h, v)))
            .collect();
        Ok((body, headers))
    }
}

/// What an upload sends besides its path: the file, its text fields and a progress callback.
/// Held by the generated upload builders (`ops::sources::Upload`, `ops::contents::Upload`,
/// `ops::agents::UploadInput`), whose setters below fill it.
#[derive(Clone)]
pub struct UploadParts {
    file: UploadFile,
    title: Option<String>,
    metadata: Option<Value>,
    progress: Option<Progress>,
}

impl fmt::Debug for UploadParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadParts")
            .field("file", &self.file)
            .field("title", &self.title)
            .field("metadata", &self.metadata)
            .field("progress", &self.progress.as_ref().map(|_| "set"))
            .finish()
    }
}

impl UploadParts {
    pub(crate) fn new(file: UploadFile) -> Self {
        Self { file, title: None, metadata: None, progress: None }
    }
}

/// Checks the file and the fields, then uploads, and decodes the answer.
async fn send<T: serde::de::DeserializeOwned>(call: Call, parts: UploadParts, max_bytes: u64) -> Result<T> {
    call.check()?;
    let UploadParts { file, title, metadata, progress } = parts;
    let length = file.length()?;
    let name = file.resolved_name();
    if length == 0 {
        return Err(Error::invalid(format!("{}: `{name}` is empty", call.op.id)));
    }
    if length > max_bytes {
        return Err(Error::invalid(format!(
            "{}: `{name}` has {length} bytes, more than the {max_bytes} the API accepts",
            call.op.id
        )));
    }
    let mut fields = Vec::new();
    if let Some(t) = title {
        fields.push(("title", t));
    }
    if let Some(m) = &metadata {
        if !m.is_object() {
            return Err(Error::invalid(format!("{}: metadata must be a JSON object, got {m}", call.op.id)));
        }
        fields.push(("metadata", m.to_string()));
    }
    let one_shot = matches!(file.source, Source::Reader(..));
    #[cfg(feature = "record")]
    let recorded = if call.client.is_recording() { Some(recorded_parts(&file, length, &fields).await?) } else { None };
    let spec = FormSpec { file, length, fields, progress, http: call.client.http().plain().clone() };
    let source = if one_shot {
        FormSource::Once(Mutex::new(Some(spec.build()?)))
    } else {
        FormSource::Rebuild(Box::new(move || spec.build()))
    };
    let mut call = call;
    call.body = Body::Form(Arc::new(Form {
        source,
        #[cfg(feature = "record")]
        recorded,
    }));
    call.client.execute_json(call.request()).await
}

/// The parts of an upload as a cassette writes them: the text fields, and the file's content
/// when it is small (else its length and, unless it comes from a one-shot reader, its SHA-1).
#[cfg(feature = "record")]
async fn recorded_parts(
    file: &UploadFile,
    length: u64,
    fields: &[(&'static str, String)],
) -> Result<Vec<crate::cassette::MultipartPart>> {
    use crate::cassette::{KEPT_BODY_BYTES, Omitted};
    let content = match &file.source {
        Source::Bytes(b) => Some(b.clone()),
        Source::Path(p) if length as usize <= KEPT_BODY_BYTES => Some(Bytes::from(
            tokio::fs::read(p)
                .await
                .map_err(|e| Error::Io { context: format!("reading {}", p.display()), source: e })?,
        )),
        Source::Path(p) => {
            // Hashed as it is read, in chunks: a large file is never held in memory.
            use sha1::Digest as _;
            use tokio::io::AsyncReadExt as _;
            let io = |e| Error::Io { context: format!("reading {}", p.display()), source: e };
            let mut f = tokio::fs::File::open(p).await.map_err(io)?;
            let (mut digest, mut buf) = (sha1::Sha1::default(), vec![0u8; 64 * 1024]);
            loop {
                let n = f.read(&mut buf).await.map_err(io)?;
                if n == 0 {
                    break;
                }
                digest.update(&buf[..n]);
            }
            let sha1 = crate::cassette::hex(&digest.finalize());
            return Ok(form_parts(file, None, Some(Omitted { length, sha1: Some(sha1) }), fields));
        }
        Source::Reader(..) => None,
    };
    let (kept, omitted) = match content {
        Some(b) if b.len() <= KEPT_BODY_BYTES => (Some(b), None),
        Some(b) => (None, Some(Omitted::of(&b))),
        None => (None, Some(Omitted { length, sha1: None })),
    };
    Ok(form_parts(file, kept, omitted, fields))
}

#[cfg(feature = "record")]
fn form_parts(
    file: &UploadFile,
    kept: Option<Bytes>,
    omitted: Option<crate::cassette::Omitted>,
    fields: &[(&'static str, String)],
) -> Vec<crate::cassette::MultipartPart> {
    use crate::cassette::MultipartPart;
    use base64::Engine as _;
    let (text, base64) = match kept.as_deref().map(std::str::from_utf8) {
        Some(Ok(t)) => (Some(t.to_string()), None),
        Some(Err(_)) => (None, kept.map(|b| base64::engine::general_purpose::STANDARD.encode(&b))),
        None => (None, None),
    };
    let mut parts = vec![MultipartPart {
        name: "file".into(),
        filename: Some(file.resolved_name()),
        content_type: Some(file.resolved_mime()),
        text,
        base64,
        omitted,
    }];
    parts.extend(fields.iter().map(|(name, value)| MultipartPart {
        name: name.to_string(),
        filename: None,
        content_type: None,
        text: Some(value.clone()),
        base64: None,
        omitted: None,
    }));
    parts
}

/// The setters of an upload builder's file part and fields.
macro_rules! upload_setters {
    (fields) => {
        /// A title for the content.
        pub fn title(mut self, title: impl Into<String>) -> Self {
            self.upload.title = Some(title.into());
            self
        }

        /// Metadata: a JSON object, sent as a JSON string field.
        pub fn metadata(mut self, metadata: impl Into<serde_json::Value>) -> Self {
            self.upload.metadata = Some(metadata.into());
            self
        }

        crate::upload::upload_setters!();
    };
    () => {
        /// Called with (bytes sent, total) as the file goes out.
        pub fn on_progress(mut self, progress: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
            self.upload.progress = Some(std::sync::Arc::new(progress));
            self
        }
    };
}
pub(crate) use upload_setters;

impl crate::ops::sources::Upload {
    crate::upload::upload_setters!(fields);

    /// Checks the file (at most 209,715,200 bytes) and the fields, then uploads. The answer's
    /// `status` is `uploaded` (its `content_version_id` can be followed with
    /// [`SourceContents::wait_indexed`](crate::resources::SourceContents::wait_indexed)) or
    /// `duplicate`.
    ///
    /// ```no_run
    /// # async fn demo(client: seclai::Client) -> seclai::Result<()> {
    /// use seclai::upload::UploadFile;
    ///
    /// let done = client
    ///     .sources()
    ///     .upload("3b9f2c61-8e4a-4d17-b0c5-6a1e9d2f7c48", UploadFile::path("handbook.pdf"))
    ///     .title("Employee handbook")
    ///     .metadata(serde_json::json!({"department": "hr"}))
    ///     .on_progress(|sent, total| eprintln!("{sent}/{total}"))
    ///     .send()
    ///     .await?;
    /// println!("{}", done.status);
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<SourceFileUploadResponse> {
        send(self.call, self.upload, MAX_UPLOAD_BYTES).await
    }
}

impl crate::ops::contents::Upload {
    crate::upload::upload_setters!(fields);

    /// Checks the file (at most 209,715,200 bytes) and the fields, then uploads it as the new
    /// version of the content.
    pub async fn send(self) -> Result<ContentFileUploadResponse> {
        send(self.call, self.upload, MAX_UPLOAD_BYTES).await
    }
}

impl crate::ops::agents::UploadInput {
    crate::upload::upload_setters!();

    /// Checks the file (at most 200 MB), then uploads it. The answer (202) is still
    /// `processing`: wait with
    /// [`Agents::wait_input_upload`](crate::resources::Agents::wait_input_upload), or use
    /// [`Agents::upload_input_and_wait`](crate::resources::Agents::upload_input_and_wait).
    pub async fn send(self) -> Result<UploadAgentInputApiResponse> {
        send(self.call, self.upload, MAX_AGENT_INPUT_BYTES).await
    }
}
