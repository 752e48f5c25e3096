#![allow(dead_code)]
//! A tiny HTTP/1.1 server on loopback for what a mock server cannot do: stream a body in
//! timed chunks, stop in the middle of it, hang, or capture very large request bodies.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as received.
#[derive(Debug, Clone)]
pub struct Captured {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// How the answer ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The body is complete.
    Finish,
    /// The connection closes right after the chunks (a cut).
    Close,
    /// The connection stays open and silent.
    Hang,
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Body chunks, each sent after its delay.
    pub chunks: Vec<(Duration, Vec<u8>)>,
    /// Announce this Content-Length instead of using chunked encoding.
    pub content_length: Option<usize>,
    pub end: End,
}

impl Reply {
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        let b = body.to_string().into_bytes();
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            content_length: Some(b.len()),
            chunks: vec![(Duration::ZERO, b)],
            end: End::Finish,
        }
    }

    pub fn sse(chunks: Vec<(Duration, Vec<u8>)>, end: End) -> Self {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), "text/event-stream".into())],
            chunks,
            content_length: None,
            end,
        }
    }
}

type Handler = Arc<dyn Fn(&Captured, usize) -> Reply + Send + Sync>;

/// The server: its URL and every request it received.
pub struct RawServer {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Captured>>>,
}

impl RawServer {
    /// Starts a server answering with `handler(request, index of the request)`.
    pub async fn start(handler: impl Fn(&Captured, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let seen = requests.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else { return };
                let (seen, handler) = (seen.clone(), handler.clone());
                tokio::spawn(async move { serve(socket, seen, handler).await });
            }
        });
        RawServer { url, requests }
    }

    pub fn requests(&self) -> Vec<Captured> {
        self.requests.lock().unwrap().clone()
    }
}

async fn read_request(socket: &mut TcpStream) -> Option<Captured> {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 256 * 1024];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = buf[head_end + 4..].to_vec();
    let get = |k: &str| headers.iter().find(|(h, _)| h == k).map(|(_, v)| v.clone());
    if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while body.len() < len {
            let n = socket.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        // Read until the terminating chunk, then decode.
        while !body.ends_with(b"0\r\n\r\n") {
            let n = socket.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        let mut decoded = Vec::new();
        let mut rest = &body[..];
        loop {
            let i = rest.windows(2).position(|w| w == b"\r\n")?;
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..i]).ok()?.trim(), 16).ok()?;
            if size == 0 {
                break;
            }
            decoded.extend_from_slice(&rest[i + 2..i + 2 + size]);
            rest = &rest[i + 2 + size + 2..];
        }
        body = decoded;
    }
    Some(Captured { method, path, headers, body })
}

async fn serve(mut socket: TcpStream, seen: Arc<Mutex<Vec<Captured>>>, handler: Handler) {
    while let Some(request) = read_request(&mut socket).await {
        let index = {
            let mut s = seen.lock().unwrap();
            s.push(request.clone());
            s.len() - 1
        };
        let reply = handler(&request, index);
        let mut head = format!("HTTP/1.1 {} X\r\n", reply.status);
        for (k, v) in &reply.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        let chunked = reply.content_length.is_none();
        match reply.content_length {
            Some(n) => head.push_str(&format!("content-length: {n}\r\n")),
            None => head.push_str("transfer-encoding: chunked\r\n"),
        }
        head.push_str("\r\n");
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for (delay, data) in &reply.chunks {
            if !delay.is_zero() {
                tokio::time::sleep(*delay).await;
            }
            let frame = if chunked {
                let mut f = format!("{:x}\r\n", data.len()).into_bytes();
                f.extend_from_slice(data);
                f.extend_from_slice(b"\r\n");
                f
            } else {
                data.clone()
            };
            if data.is_empty() {
                continue;
            }
            if socket.write_all(&frame).await.is_err() {
                return;
            }
            let _ = socket.flush().await;
        }
        match reply.end {
            End::Finish => {
                if chunked && socket.write_all(b"0\r\n\r\n").await.is_err() {
                    return;
                }
            }
            End::Close => {
                let _ = socket.shutdown().await;
                return;
            }
            End::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
        }
    }
}

/// A server that accepts connections and reads requests but never answers: every request
/// ends in the client's timeout. Returns its URL.
pub async fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    url
}
