//! A lean loopback server with pre-rendered answers, run in its own process so that the
//! client's CPU time is the client's alone.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// Agents in the listing workload.
pub const TOTAL_AGENTS: usize = 10_000;
/// Agents on the one large page of the compression workload (about 2.7 MB of JSON).
pub const BIG_PAGE_AGENTS: usize = 6_500;
/// Page numbers from this one up answer the large page.
pub const BIG_PAGE: usize = 1_000;
/// Bytes of one chunk of a streamed answer (as a network would cut it).
pub const CHUNK: usize = 16 * 1024;

/// A realistic agent of about 400 bytes.
pub fn agent(i: usize) -> Value {
    json!({
        "id": format!("5f0c8a52-7d1e-4b9a-9c3f-{i:012}"),
        "name": format!("Release notes digest {i}"),
        "description": "Summarizes the release notes of every product every Monday",
        "trigger_type": "schedule",
        "created_at": "2026-07-30T10:15:00Z",
        "updated_at": "2026-07-30T10:16:00Z",
        "disabled": false,
        "disabled_at": null,
        "disabled_reason": null,
        "evaluation_mode": "eval_and_retry",
        "default_evaluation_tier": "balanced",
        "max_retries": 3,
        "retry_on_failure": true,
        "prompt_model_auto_upgrade_strategy": "none",
        "prompt_model_auto_rollback_enabled": false
    })
}

/// A run with output.
pub fn run(id: &str, status: &str, output: Option<&str>) -> Value {
    json!({"run_id": id, "status": status, "error_count": 0, "credits": 1.25, "priority": true,
        "input": "What changed in the last release?", "output": output, "attempts": [],
        "output_content_type": "text/plain"})
}

/// The large page of the compression workload, as JSON.
pub fn big_page() -> Bytes {
    let items: Vec<Value> = (0..BIG_PAGE_AGENTS).map(agent).collect();
    Bytes::from(
        json!({"data": items, "pagination": {"page": BIG_PAGE, "limit": BIG_PAGE_AGENTS, "total": BIG_PAGE_AGENTS,
            "pages": 1, "has_next": false, "has_prev": false}})
        .to_string(),
    )
}

/// `bytes` compressed with gzip (the default level, as servers use).
pub fn gzip(bytes: &[u8]) -> Bytes {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("in memory");
    Bytes::from(e.finish().expect("in memory"))
}

/// The event stream of a run with `tokens` token events.
pub fn sse_body(tokens: usize) -> Bytes {
    let id = "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
    let mut s = String::with_capacity(tokens * 48 + 1024);
    s.push_str(": keepalive\n\n");
    s.push_str(&format!("event: init\ndata: {}\n\n", run(id, "pending", None)));
    for i in 0..tokens {
        s.push_str(&format!("event: stream_token\ndata: {{\"token\":\"word{} \"}}\n\n", i % 1000));
    }
    s.push_str(&format!("event: stream_end\ndata: {{\"run_id\":\"{id}\"}}\n\n"));
    s.push_str(&format!("event: done\ndata: {}\n\n", run(id, "completed", Some("The release adds exports."))));
    Bytes::from(s)
}

struct Canned {
    agent: Bytes,
    pages: Vec<Bytes>,
    page_size: usize,
    big_page: Bytes,
    big_page_gzip: Bytes,
    sse: Bytes,
    upload_answer: Bytes,
    download_block: Bytes,
}

type Body = BoxBody<Bytes, Infallible>;

fn full(b: Bytes) -> Body {
    Full::new(b).boxed()
}

fn chunked(b: Bytes) -> Body {
    let chunks: Vec<Bytes> = (0..b.len()).step_by(CHUNK).map(|i| b.slice(i..(i + CHUNK).min(b.len()))).collect();
    StreamBody::new(futures::stream::iter(chunks.into_iter().map(|c| Ok::<_, Infallible>(Frame::data(c))))).boxed()
}

fn json_response(b: Bytes) -> Response<Body> {
    Response::builder().header("content-type", "application/json").body(full(b)).expect("valid response")
}

async fn handle(c: Arc<Canned>, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().clone();
    if method == hyper::Method::GET && path == "/agents" {
        let page: usize =
            query.split('&').find_map(|p| p.strip_prefix("page=")).and_then(|v| v.parse().ok()).unwrap_or(1);
        if page >= BIG_PAGE {
            let gzip =
                req.headers().get("accept-encoding").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("gzip"));
            let (body, encoding) =
                if gzip { (c.big_page_gzip.clone(), "gzip") } else { (c.big_page.clone(), "identity") };
            return Response::builder()
                .header("content-type", "application/json")
                .header("content-encoding", encoding)
                .body(chunked(body))
                .expect("valid response");
        }
        let body = c.pages.get(page - 1).cloned().unwrap_or_else(|| Bytes::from(empty_page(page, c.page_size)));
        return json_response(body);
    }
    if method == hyper::Method::GET && path.starts_with("/agents/") {
        return json_response(c.agent.clone());
    }
    if method == hyper::Method::POST && path.ends_with("/runs/stream") {
        // Drain the request body, then stream the events.
        let _ = req.into_body().collect().await;
        return Response::builder()
            .header("content-type", "text/event-stream")
            .body(chunked(c.sse.clone()))
            .expect("valid");
    }
    if method == hyper::Method::POST && path.ends_with("/upload") {
        let mut body = req.into_body();
        let mut n = 0usize;
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.map(|f| f.into_data().unwrap_or_default()) {
                n += data.len();
            } else {
                break;
            }
        }
        let _ = n;
        return json_response(c.upload_answer.clone());
    }
    if method == hyper::Method::GET && path.ends_with("/download") {
        // The size comes in the query (`?bytes=N`): the SDK does not send it, so the floor and the
        // SDK both ask for `/download` and get the default of 1 GiB.
        let total: usize =
            query.split('&').find_map(|p| p.strip_prefix("bytes=")).and_then(|v| v.parse().ok()).unwrap_or(1 << 30);
        let block = c.download_block.clone();
        let n = total / block.len();
        let frames = futures::stream::iter((0..n).map(move |_| Ok::<_, Infallible>(Frame::data(block.clone()))));
        return Response::builder()
            .header("content-type", "application/octet-stream")
            .header("content-length", (n * c.download_block.len()).to_string())
            .header("content-disposition", "attachment; filename=\"export.jsonl\"")
            .body(StreamBody::new(frames).boxed())
            .expect("valid");
    }
    Response::builder().status(404).body(full(Bytes::from_static(b"{\"detail\":\"Not Found\"}"))).expect("valid")
}

fn empty_page(page: usize, size: usize) -> String {
    json!({"data": [], "pagination": {"page": page, "limit": size, "total": TOTAL_AGENTS, "pages": TOTAL_AGENTS / size, "has_next": false, "has_prev": true}}).to_string()
}

/// Serves on `127.0.0.1:port` forever; prints the port on stdout.
pub async fn serve(port: u16, tokens: usize) {
    let page_size = 100;
    let pages = (0..TOTAL_AGENTS / page_size)
        .map(|p| {
            let items: Vec<Value> = (0..page_size).map(|i| agent(p * page_size + i)).collect();
            let pages = TOTAL_AGENTS / page_size;
            Bytes::from(
                json!({"data": items, "pagination": {"page": p + 1, "limit": page_size, "total": TOTAL_AGENTS,
                    "pages": pages, "has_next": p + 1 < pages, "has_prev": p > 0}})
                .to_string(),
            )
        })
        .collect();
    let big = big_page();
    let canned = Arc::new(Canned {
        agent: Bytes::from(agent(1).to_string()),
        pages,
        page_size,
        big_page_gzip: gzip(&big),
        big_page: big,
        sse: sse_body(tokens),
        upload_answer: Bytes::from(
            json!({"content_version_id": "cv1", "source_connection_content_version_id": "scv1", "filename": "big.bin", "status": "uploaded"}).to_string(),
        ),
        download_block: Bytes::from(vec![b'x'; 64 * 1024]),
    });
    let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
    println!("{}", listener.local_addr().expect("addr").port());
    use std::io::Write;
    std::io::stdout().flush().ok();
    loop {
        let Ok((socket, _)) = listener.accept().await else { continue };
        let _ = socket.set_nodelay(true);
        let c = canned.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let c = c.clone();
                async move { Ok::<_, Infallible>(handle(c, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(socket), service)
                .await;
        });
    }
}
