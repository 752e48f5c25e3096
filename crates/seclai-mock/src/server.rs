//! The HTTP server: authentication, routing by the spec, request validation, then the
//! stateful world, then the cassettes.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::cassettes::{Incoming as Wanted, Library};
use crate::multipart::{self, Part};
use crate::spec::{Api, percent_decode};
use crate::state::World;

/// The API key the server accepts unless told otherwise.
pub const DEFAULT_API_KEY: &str = "sk-seclai-mock-local";

/// How to start a server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// The key requests must carry (`X-API-Key`, or `Authorization: Bearer`).
    pub api_key: String,
    /// The loopback port (0: any free port).
    pub port: u16,
    /// The pause between the events of a streamed run (to show tokens arriving).
    pub token_delay: Duration,
    /// Answer only from these cassettes, with no state (for contract tests of recordings).
    pub(crate) replay_only: Option<Arc<Library>>,
    /// An uploaded file of this name ends its indexing `failed` (to test waiting for uploads).
    pub fail_indexing: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            api_key: DEFAULT_API_KEY.to_string(),
            port: 0,
            token_delay: Duration::ZERO,
            replay_only: None,
            fail_indexing: None,
        }
    }
}

impl Options {
    /// Sets the API key.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// Sets the port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets the pause between streamed events.
    pub fn token_delay(mut self, delay: Duration) -> Self {
        self.token_delay = delay;
        self
    }

    /// Makes the indexing of an uploaded file of this name fail.
    pub fn fail_indexing(mut self, file_name: impl Into<String>) -> Self {
        self.fail_indexing = Some(file_name.into());
        self
    }

    /// Answers only from the cassettes under `cassettes/` (built in), keeping no state: each
    /// request gets the recorded answer that fits it best. For tests that check what a tool
    /// sends and prints for each recorded interaction.
    pub fn cassettes_only(self) -> Self {
        self.replay_only(Library::embedded())
    }

    /// Answers only from `library`, keeping no state.
    pub(crate) fn replay_only(mut self, library: Library) -> Self {
        self.replay_only = Some(Arc::new(library));
        self
    }
}

/// A request the server received (after authentication).
#[derive(Debug, Clone)]
pub struct Received {
    /// The method.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query parameters, decoded.
    pub query: Vec<(String, String)>,
    /// Every header, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

/// An answer: status, headers, and a body sent whole or in timed chunks.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// The headers.
    pub headers: Vec<(String, String)>,
    /// The body chunks, each sent after its pause.
    pub chunks: Vec<(Duration, Bytes)>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: &Value) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            chunks: vec![(Duration::ZERO, Bytes::from(body.to_string()))],
        }
    }

    /// An answer without a body.
    pub fn empty(status: u16) -> Self {
        Reply { status, headers: Vec::new(), chunks: Vec::new() }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// What a handler gets to see of a request.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The operation id.
    pub operation: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The path parameters, decoded.
    pub path_params: &'a BTreeMap<String, String>,
    /// The query parameters, decoded.
    pub query: &'a [(String, String)],
    /// The `Seclai-Version` header.
    pub version: Option<&'a str>,
    /// The JSON body.
    pub json: Option<&'a Value>,
    /// The parts of a multipart body.
    pub parts: &'a [Part],
    /// The cassettes, as templates.
    pub library: &'a Library,
    /// The pause between streamed events.
    pub token_delay: Duration,
}

impl Ctx<'_> {
    /// A query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of a query parameter sent several times (`?id=a&id=b`), in order.
    pub fn query_all(&self, name: &str) -> Vec<&str> {
        self.query.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// Whether the request opted in to the canonical list envelope.
    pub fn canonical_lists(&self) -> bool {
        self.version.is_some_and(|v| v >= "2026-07-27")
    }
}

struct App {
    api: Arc<Api>,
    library: Arc<Library>,
    world: Option<Mutex<World>>,
    options: Options,
    received: Mutex<Vec<Received>>,
}

/// A running local Seclai server; stopped when dropped.
pub struct Server {
    addr: SocketAddr,
    base_url: String,
    api_key: String,
    app: Arc<App>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

type Body = BoxBody<Bytes, Infallible>;

impl Server {
    /// Starts a server on a free loopback port with the default key.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(Options::default()).await
    }

    /// Starts a server with these options.
    pub async fn start_with(options: Options) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", options.port)).await?;
        let addr = listener.local_addr()?;
        let (library, world) = match &options.replay_only {
            Some(library) => (library.clone(), None),
            None => {
                let library = Arc::new(Library::embedded());
                let world = World::new(&library, options.fail_indexing.clone());
                (library, Some(Mutex::new(world)))
            }
        };
        let api_key = options.api_key.clone();
        let app = Arc::new(App { api: Api::shared(), library, world, options, received: Mutex::new(Vec::new()) });
        let serving = app.clone();
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = &mut rx => return,
                };
                let Ok((socket, _)) = accepted else { continue };
                let app = serving.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let app = app.clone();
                        async move { Ok::<_, Infallible>(handle(&app, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        Ok(Self { addr, base_url: format!("http://{addr}"), api_key, app, shutdown: Some(tx) })
    }

    /// The base URL (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key the server accepts.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Every request received so far (after authentication), oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.app.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// A `seclai` client for this server.
    pub fn client(&self) -> seclai::Client {
        self.client_builder().build().expect("a client for the local server builds")
    }

    /// A `seclai` client builder for this server (to add settings).
    pub fn client_builder(&self) -> seclai::ClientBuilder {
        seclai::Client::builder().api_key(self.api_key.clone()).base_url(self.base_url.clone())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn to_response(reply: Reply) -> Response<Body> {
    let mut builder =
        Response::builder().status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    for (k, v) in &reply.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let paced = reply.chunks.iter().any(|(d, _)| !d.is_zero());
    let body: Body = if paced {
        let frames = futures::stream::unfold(reply.chunks.into_iter(), |mut it| async move {
            let (delay, chunk) = it.next()?;
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Some((Ok::<_, Infallible>(Frame::data(chunk)), it))
        });
        BodyExt::boxed(StreamBody::new(frames))
    } else {
        let all: Vec<u8> = reply.chunks.into_iter().flat_map(|(_, c)| c.to_vec()).collect();
        BodyExt::boxed(Full::new(Bytes::from(all)))
    };
    builder.body(body).unwrap_or_else(|_| Response::new(BodyExt::boxed(Full::new(Bytes::new()))))
}

/// Parses `a=1&b=two%20words` into decoded pairs.
fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " ")))
        })
        .collect()
}

async fn handle(app: &App, req: Request<Incoming>) -> Response<Body> {
    to_response(answer(app, req).await)
}

async fn answer(app: &App, req: Request<Incoming>) -> Reply {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = parse_query(req.uri().query().unwrap_or(""));
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(String::from);
    let key = header("x-api-key")
        .or_else(|| header("authorization").and_then(|a| a.strip_prefix("Bearer ").map(String::from)));
    if key.as_deref() != Some(app.options.api_key.as_str()) {
        return Reply::json(401, &json!({"detail": "Not authenticated"}));
    }
    let version = header("seclai-version");
    let content_type = header("content-type").unwrap_or_default();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Reply::json(400, &json!({"detail": "The request body could not be read"})),
    };
    if let Ok(mut log) = app.received.lock() {
        log.push(Received {
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            headers,
            body: body.clone(),
        });
    }
    let Some((op, path_params)) = app.api.find(&method, &path) else {
        return Reply::json(404, &json!({"detail": "Not Found"}));
    };
    let strict_query = version.as_deref().is_some_and(|v| v >= "2026-07-27");
    let is_multipart = op.spec.pointer("/requestBody/content/multipart~1form-data").is_some();
    let (json_body, parts) = if is_multipart {
        match multipart::parse(&content_type, &body) {
            Ok(parts) => (None, parts),
            Err(e) => return Reply::json(422, &json!({"detail": [{"type": "multipart", "loc": ["body"], "msg": e}]})),
        }
    } else {
        (serde_json::from_slice::<Value>(&body).ok(), Vec::new())
    };
    let mut problems =
        app.api.check_request(op, &path_params, &query, (!is_multipart).then_some(&body[..]), strict_query);
    if is_multipart {
        match parts.iter().find(|p| p.name == "file") {
            None => problems.push(json!({"type": "missing", "loc": ["body", "file"], "msg": "Field required"})),
            Some(f) if f.data.is_empty() => {
                problems.push(json!({"type": "value_error", "loc": ["body", "file"], "msg": "The file is empty"}))
            }
            Some(_) => {}
        }
        if let Some(m) = parts.iter().find(|p| p.name == "metadata")
            && !serde_json::from_slice::<Value>(&m.data).is_ok_and(|v| v.is_object())
        {
            problems.push(
                json!({"type": "value_error", "loc": ["body", "metadata"], "msg": "metadata must be a JSON object"}),
            );
        }
    }
    if !problems.is_empty() {
        return Reply::json(422, &json!({"detail": problems}));
    }
    let ctx = Ctx {
        operation: &op.id,
        path: &path,
        path_params: &path_params,
        query: &query,
        version: version.as_deref(),
        json: json_body.as_ref(),
        parts: &parts,
        library: &app.library,
        token_delay: app.options.token_delay,
    };
    let stateful = app.world.as_ref().and_then(|w| w.lock().ok().and_then(|mut w| w.handle(&ctx)));
    if let Some(reply) = stateful {
        return reply;
    }
    let wanted = Wanted { path: &path, query: &query, version: version.as_deref(), body: json_body.as_ref() };
    match app.library.choose(&op.id, &wanted) {
        Some(entry) => cassette_reply(&entry.cassette),
        None => Reply::json(501, &json!({"detail": format!("the local server has no answer for {}", op.id)})),
    }
}

/// The recorded answer of a cassette.
pub fn cassette_reply(c: &seclai::cassette::Cassette) -> Reply {
    let r = &c.response;
    let mut headers: Vec<(String, String)> = r.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    if r.body.is_some() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
        headers.push(("content-type".into(), "application/json".into()));
    }
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-length"));
    let body = r.body_bytes();
    let chunks = if body.is_empty() { Vec::new() } else { vec![(Duration::ZERO, Bytes::from(body))] };
    Reply { status: r.status, headers, chunks }
}
