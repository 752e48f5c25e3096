//! The workloads, each written twice: with `seclai`, and as the hand-written floor (plain
//! reqwest + serde_json doing the same work).

use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use seclai::types::{AgentListResponse, AgentRunResponse, AgentSummaryResponse};
use serde::Deserialize;

/// The key both sides send.
pub const KEY: &str = "sk-bench";
const AGENT: &str = "5f0c8a52-7d1e-4b9a-9c3f-000000000001";
const SOURCE: &str = "0b3c9a7e-4d2f-4e1a-9c8b-7a6d5e4f3c2b";
const EXPORT: &str = "9f8e7d6c-5b4a-4321-8fed-cba987654321";

type R<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The clients of one child process.
pub struct Clients {
    pub url: String,
    pub sdk: seclai::Client,
    pub http: reqwest::Client,
}

impl Clients {
    pub fn new(url: &str) -> Self {
        let http = reqwest::Client::builder().pool_max_idle_per_host(32).build().expect("http client");
        let sdk = seclai::Client::builder()
            .api_key(KEY)
            .base_url(url)
            .configure_http(|b| b.pool_max_idle_per_host(32))
            .no_timeout()
            .build()
            .expect("sdk client");
        Self { url: url.to_string(), sdk, http }
    }
}

/// One measured piece of work: how many units it did (calls, items, events, bytes).
pub async fn run(name: &str, side: &str, c: &Clients, arg: usize) -> R<u64> {
    match (name, side) {
        ("get", "sdk") => get_sdk(c, arg).await,
        ("get", _) => get_floor(c, arg).await,
        ("get16", "sdk") => concurrent(c, arg, true).await,
        ("get16", _) => concurrent(c, arg, false).await,
        ("list", "sdk") => list_sdk(c).await,
        ("list", _) => list_floor(c).await,
        ("bigpage", "sdk") => big_page_sdk(c, arg).await,
        ("bigpage", "floor-identity") => big_page_floor(c, arg, false).await,
        ("bigpage", _) => big_page_floor(c, arg, true).await,
        ("sse", "sdk") => sse_sdk(c, false).await,
        ("sse", "sdk-tokens") => sse_sdk(c, true).await,
        ("sse", _) => sse_floor(c, true).await,
        ("wait", "sdk") => wait_sdk(c).await,
        ("wait", _) => sse_floor(c, false).await,
        ("upload", "sdk") => upload_sdk(c).await,
        ("upload", _) => upload_floor(c).await,
        ("download", "sdk") => download_sdk(c).await,
        ("download", "sdk-file") => download_sdk_file(c).await,
        ("download", _) => download_floor(c).await,
        other => Err(format!("unknown workload {other:?}").into()),
    }
}

async fn get_sdk(c: &Clients, n: usize) -> R<u64> {
    for _ in 0..n {
        let a = c.sdk.agents().get(AGENT).send().await?;
        std::hint::black_box(a);
    }
    Ok(n as u64)
}

async fn get_one_floor(c: &Clients) -> R<AgentSummaryResponse> {
    let r =
        c.http.get(format!("{}/agents/{AGENT}", c.url)).header("x-api-key", KEY).send().await?.error_for_status()?;
    Ok(serde_json::from_slice(&r.bytes().await?)?)
}

async fn get_floor(c: &Clients, n: usize) -> R<u64> {
    for _ in 0..n {
        std::hint::black_box(get_one_floor(c).await?);
    }
    Ok(n as u64)
}

async fn concurrent(c: &Clients, n: usize, sdk: bool) -> R<u64> {
    let calls = futures::stream::iter(0..n).map(|_| async move {
        if sdk { c.sdk.agents().get(AGENT).send().await.map_err(Into::into) } else { get_one_floor(c).await }
    });
    let done: Vec<AgentSummaryResponse> = calls.buffer_unordered(16).try_collect().await?;
    Ok(done.len() as u64)
}

async fn list_sdk(c: &Clients) -> R<u64> {
    let all: Vec<AgentSummaryResponse> = c.sdk.agents().list().page_size(100).items().try_collect().await?;
    Ok(all.len() as u64)
}

async fn list_floor(c: &Clients) -> R<u64> {
    let mut all = Vec::new();
    let mut page = 1;
    loop {
        let r = c
            .http
            .get(format!("{}/agents", c.url))
            .query(&[("page", page.to_string()), ("limit", "100".to_string())])
            .header("x-api-key", KEY)
            .send()
            .await?
            .error_for_status()?;
        let body: AgentListResponse = serde_json::from_slice(&r.bytes().await?)?;
        all.extend(body.data);
        if !body.pagination.has_next {
            break;
        }
        page += 1;
    }
    Ok(all.len() as u64)
}

/// The large page, `n` times, through the SDK (which asks for gzip).
async fn big_page_sdk(c: &Clients, n: usize) -> R<u64> {
    let mut items = 0;
    for _ in 0..n {
        let page = c.sdk.agents().list().page(crate::server::BIG_PAGE as i64).limit(100).send().await?;
        items += page.items.len() as u64;
        std::hint::black_box(page);
    }
    Ok(items)
}

/// The large page by hand, uncompressed or with reqwest's gzip.
async fn big_page_floor(c: &Clients, n: usize, gzip: bool) -> R<u64> {
    let mut items = 0;
    for _ in 0..n {
        let mut req = c
            .http
            .get(format!("{}/agents", c.url))
            .query(&[("page", crate::server::BIG_PAGE.to_string()), ("limit", "100".to_string())])
            .header("x-api-key", KEY);
        if !gzip {
            req = req.header("accept-encoding", "identity");
        }
        let r = req.send().await?.error_for_status()?;
        let body: AgentListResponse = serde_json::from_slice(&r.bytes().await?)?;
        items += body.data.len() as u64;
        std::hint::black_box(body);
    }
    Ok(items)
}

fn stream_body() -> seclai::types::builder::AgentRunStreamRequest {
    seclai::types::AgentRunStreamRequest::builder().input("What changed in the last release?")
}

async fn sse_sdk(c: &Clients, tokens_only: bool) -> R<u64> {
    let events = c.sdk.agents().runs().stream(AGENT, stream_body()).send().await?;
    let mut n = 0u64;
    if tokens_only {
        let mut tokens = std::pin::pin!(events.tokens());
        while let Some(t) = tokens.try_next().await? {
            std::hint::black_box(t);
            n += 1;
        }
    } else {
        let mut events = events;
        while let Some(e) = events.try_next().await? {
            std::hint::black_box(e);
            n += 1;
        }
    }
    Ok(n)
}

#[derive(Deserialize)]
struct Token {
    #[allow(dead_code)]
    token: String,
}

/// `run_and_wait`: the run's final state, from a stream of 100,000 tokens it does not look at.
async fn wait_sdk(c: &Clients) -> R<u64> {
    let done = c.sdk.agents().runs().run_and_wait(AGENT, stream_body()).send().await?;
    if done.completion != seclai::runs::Completion::Stream {
        return Err(format!("the run finished by {:?}", done.completion).into());
    }
    std::hint::black_box(done);
    Ok(1)
}

/// The floor: split events on blank lines, read `event:` and `data:`, parse the JSON: of every
/// event, or (`all` false, the floor of waiting for the end) only of `init` and `done`.
async fn sse_floor(c: &Clients, all: bool) -> R<u64> {
    let r = c
        .http
        .post(format!("{}/agents/{AGENT}/runs/stream", c.url))
        .header("x-api-key", KEY)
        .header("accept", "text/event-stream")
        .json(&serde_json::json!({"input": "What changed in the last release?"}))
        .send()
        .await?
        .error_for_status()?;
    let mut body = r.bytes_stream();
    let mut parser = FloorParser::default();
    while let Some(chunk) = body.next().await {
        parser.push(&chunk?, all)?;
    }
    Ok(if all { parser.events } else { 1 })
}

/// The floor's event-stream parser: split events on blank lines, read `event:` and `data:`,
/// parse the JSON of every event (`all`), or only of `init` and `done`.
#[derive(Default)]
pub struct FloorParser {
    buf: Vec<u8>,
    pub events: u64,
}

impl FloorParser {
    pub fn push(&mut self, chunk: &[u8], all: bool) -> R<()> {
        self.buf.extend_from_slice(chunk);
        let buf = &self.buf;
        let mut start = 0;
        while let Some(end) = buf[start..].windows(2).position(|w| w == b"\n\n").map(|i| i + start) {
            let block = &buf[start..end];
            start = end + 2;
            let (mut event, mut data): (&[u8], &[u8]) = (b"message", b"");
            for line in block.split(|b| *b == b'\n') {
                if let Some(v) = line.strip_prefix(b"event: ") {
                    event = v;
                } else if let Some(v) = line.strip_prefix(b"data: ") {
                    data = v;
                }
            }
            if data.is_empty() {
                continue;
            }
            decode_event(event, data, all)?;
            self.events += 1;
        }
        self.buf.drain(..start);
        Ok(())
    }
}

/// The SDK's decoder doing the floor's work: every event's JSON (`all`), or only `init`'s and
/// `done`'s, the others passed over by name.
pub fn sdk_parse(chunks: &[&[u8]], all: bool) -> R<u64> {
    let mut decoder = seclai::sse::SseDecoder::new();
    let mut events = 0;
    for chunk in chunks {
        decoder.push(chunk);
        while let Some(e) = decoder.next_ref() {
            decode_event(e.event.as_bytes(), e.data, all)?;
            events += 1;
        }
    }
    Ok(events)
}

/// The JSON work both parsers do for one event: every event's (`all`), or only `init`'s and
/// `done`'s, the tokens passed over by name.
fn decode_event(event: &[u8], data: &[u8], all: bool) -> R<()> {
    match event {
        b"stream_token" if !all => {}
        b"stream_token" => {
            std::hint::black_box(serde_json::from_slice::<Token>(data)?);
        }
        b"init" | b"done" => {
            std::hint::black_box(serde_json::from_slice::<AgentRunResponse>(data)?);
        }
        _ => {
            std::hint::black_box(serde_json::from_slice::<serde_json::Value>(data)?);
        }
    }
    Ok(())
}

/// The file the upload workload sends (created by the parent).
pub fn upload_path() -> std::path::PathBuf {
    std::env::temp_dir().join("seclai-bench-upload.bin")
}

async fn upload_sdk(c: &Clients) -> R<u64> {
    let path = upload_path();
    let len = std::fs::metadata(&path)?.len();
    let done = c.sdk.sources().upload(SOURCE, seclai::upload::UploadFile::path(&path)).send().await?;
    std::hint::black_box(done);
    Ok(len)
}

async fn upload_floor(c: &Clients) -> R<u64> {
    let path = upload_path();
    let len = std::fs::metadata(&path)?.len();
    let file = tokio::fs::File::open(&path).await?;
    let stream = tokio_util_reader(file);
    let part = reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(stream), len)
        .file_name("seclai-bench-upload.bin")
        .mime_str("application/octet-stream")?;
    let form = reqwest::multipart::Form::new().part("file", part);
    let r = c
        .http
        .post(format!("{}/sources/{SOURCE}/upload", c.url))
        .header("x-api-key", KEY)
        .multipart(form)
        .send()
        .await?;
    std::hint::black_box(r.error_for_status()?.bytes().await?);
    Ok(len)
}

/// A file as a stream of 64 KiB chunks (what tokio-util's ReaderStream does).
fn tokio_util_reader(file: tokio::fs::File) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    futures::stream::unfold(file, |mut f| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    })
}

async fn download_sdk(c: &Clients) -> R<u64> {
    let d = c.sdk.sources().exports().download(SOURCE, EXPORT).idle_timeout(Duration::from_secs(30)).send().await?;
    let mut s = std::pin::pin!(d.bytes_stream());
    let mut n = 0u64;
    while let Some(chunk) = s.try_next().await? {
        n += chunk.len() as u64;
    }
    Ok(n)
}

async fn download_sdk_file(c: &Clients) -> R<u64> {
    let target = std::env::temp_dir().join("seclai-bench-download.bin");
    let n = c.sdk.sources().exports().download(SOURCE, EXPORT).to_file(&target).await?;
    std::fs::remove_file(&target)?;
    Ok(n)
}

async fn download_floor(c: &Clients) -> R<u64> {
    let r = c
        .http
        .get(format!("{}/sources/{SOURCE}/exports/{EXPORT}/download", c.url))
        .header("x-api-key", KEY)
        .send()
        .await?
        .error_for_status()?;
    let mut s = r.bytes_stream();
    let mut n = 0u64;
    while let Some(chunk) = s.next().await {
        n += chunk?.len() as u64;
    }
    Ok(n)
}
