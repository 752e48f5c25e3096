//! Check (3): a cassette served over loopback, the `seclai` method called as a user would,
//! and what it sent and returned compared with the cassette.

use futures::TryStreamExt;
use seclai::cassette::{Cassette, QueryParams};
use serde_json::{Value, json};

use super::{Failure, Report};
use crate::cassettes::Library;
use crate::spec::{Api, Operation};
use crate::{Options, Server};

/// JSON equality with numbers compared by value (`1` equals `1.0`).
pub fn equivalent(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equivalent(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equivalent(v, w)))
        }
        _ => a == b,
    }
}

/// The arguments of `seclai::dynamic::invoke` that reproduce the cassette's request.
fn invoke_args(api: &Api, op: &Operation, c: &Cassette) -> Value {
    let mut args = serde_json::Map::new();
    if let Some((_, params)) = api.find(&c.request.method, &c.request.path) {
        for (k, v) in params {
            args.insert(k, json!(v));
        }
    }
    for (k, v) in c.request.query.iter() {
        let list = op.spec["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["name"] == k && p["in"] == "query" && p["schema"]["type"] == "array");
        if list {
            args.insert(k.to_string(), json!(c.request.query.all(k)));
        } else {
            args.insert(k.to_string(), json!(v));
        }
    }
    if let Some(b) = &c.request.body {
        args.insert("body".into(), b.clone());
    }
    Value::Object(args)
}

/// Check (3): replays the cassette on loopback and calls the `seclai` method.
pub async fn replay(api: &Api, file: &str, c: &Cassette) -> Vec<Failure> {
    let mut r = Report { file, cassette: c, failures: Vec::new() };
    let Some(op) = api.operation(&c.operation) else { return r.failures };
    let mut library = Library::default();
    library.add(file.to_string(), c.clone());
    let server = match Server::start_with(Options::default().replay_only(library)).await {
        Ok(s) => s,
        Err(e) => {
            r.fail("replay", format!("cannot start the local server: {e}"));
            return r.failures;
        }
    };
    let mut builder = server.client_builder().max_retries(0);
    if let Some(v) = c.request.headers.get("seclai-version") {
        builder = builder.api_version(v.clone()).allow_unknown_api_version(true);
    }
    let client = match builder.build() {
        Ok(cl) => cl,
        Err(e) => {
            r.fail("replay", e.to_string());
            return r.failures;
        }
    };
    let status = c.response.status;
    let outcome: Result<Option<Value>, seclai::Error> = match op.id.as_str() {
        "run_streaming_agent" => replay_stream(&mut r, &client, api, c).await,
        "upload_file_to_source" | "upload_file_to_content" | "upload_agent_input" => {
            replay_upload(&client, api, op, c).await
        }
        "download_source_export" | "download_agent_run_attachment" => replay_download(&client, api, op, c).await,
        _ => seclai::dynamic::invoke(&client, &op.id, &invoke_args(api, op, c)).await.map(Some),
    };
    match outcome {
        Ok(value) if (200..300).contains(&status) => {
            if let (Some(got), Some(Ok(expected))) = (value, seclai::dynamic::decode(&op.id, &c.response.body_bytes()))
                && !equivalent(&got, &expected)
            {
                r.fail("result", format!("the method returned {got} but the cassette decodes to {expected}"));
            }
        }
        Ok(_) => r.fail("result", format!("the method succeeded, but the cassette answers HTTP {status}")),
        Err(e) if (200..300).contains(&status) => r.fail("result", format!("the method failed: {e}")),
        Err(e) => {
            if e.status() != Some(status) {
                r.fail("result", format!("expected an HTTP {status} error, got: {e}"));
            }
        }
    }
    compare_request(&mut r, &server, c);
    r.failures
}

fn compare_request(r: &mut Report<'_>, server: &Server, c: &Cassette) {
    let received = server.received();
    let Some(got) = received.last() else {
        r.fail("request", "the method sent nothing");
        return;
    };
    if got.method != c.request.method || got.path != c.request.path {
        r.fail(
            "request",
            format!("sent {} {}, the cassette records {} {}", got.method, got.path, c.request.method, c.request.path),
        );
    }
    let query: QueryParams = got.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    if query != c.request.query {
        r.fail("request.query", format!("sent {query:?}, the cassette records {:?}", c.request.query));
    }
    if let Some(want) = &c.request.body {
        match serde_json::from_slice::<Value>(&got.body) {
            Ok(sent) if equivalent(&sent, want) => {}
            Ok(sent) => r.fail("request.body", format!("sent {sent}, the cassette records {want}")),
            Err(_) => r.fail("request.body", "sent no JSON body"),
        }
    }
    if let Some(parts) = &c.request.multipart {
        let ct = got.headers.iter().find(|(k, _)| k == "content-type").map(|(_, v)| v.as_str()).unwrap_or_default();
        match crate::multipart::parse(ct, &got.body) {
            Ok(sent) => {
                for want in parts {
                    match sent.iter().find(|p| p.name == want.name) {
                        None => r.fail(format!("request.multipart.{}", want.name), "not sent"),
                        Some(p) => {
                            // The metadata field is JSON text: compared as JSON, not byte for byte.
                            let same = if want.name == "metadata" {
                                let parse = |b: &[u8]| serde_json::from_slice::<Value>(b).ok();
                                parse(&p.data).zip(parse(&want.bytes())).is_some_and(|(a, b)| equivalent(&a, &b))
                            } else {
                                p.data == want.bytes()
                            };
                            if !same {
                                r.fail(format!("request.multipart.{}", want.name), "the content differs");
                            }
                            if want.filename.is_some() && p.filename != want.filename {
                                r.fail(
                                    format!("request.multipart.{}", want.name),
                                    format!("file name {:?}, expected {:?}", p.filename, want.filename),
                                );
                            }
                            if want.content_type.is_some() && p.content_type != want.content_type {
                                r.fail(
                                    format!("request.multipart.{}", want.name),
                                    format!("type {:?}, expected {:?}", p.content_type, want.content_type),
                                );
                            }
                        }
                    }
                }
            }
            Err(e) => r.fail("request.multipart", e),
        }
    }
    if let Some(v) = c.request.headers.get("seclai-version")
        && !got.headers.iter().any(|(k, x)| k == "seclai-version" && x == v)
    {
        r.fail("request.headers.seclai-version", format!("not sent as {v}"));
    }
}

fn path_param(api: &Api, c: &Cassette, name: &str) -> String {
    api.find(&c.request.method, &c.request.path).and_then(|(_, p)| p.get(name).cloned()).unwrap_or_default()
}

async fn replay_stream(
    r: &mut Report<'_>,
    client: &seclai::Client,
    api: &Api,
    c: &Cassette,
) -> Result<Option<Value>, seclai::Error> {
    let body: seclai::types::AgentRunStreamRequest =
        serde_json::from_value(c.request.body.clone().unwrap_or(json!({})))
            .map_err(|e| seclai::Error::InvalidArgument(e.to_string()))?;
    let events: Vec<seclai::runs::RunEvent> =
        client.agents().runs().stream(path_param(api, c, "agent_id"), body).send().await?.try_collect().await?;
    // What the recording holds: its events, and its final run.
    let bytes = c.response.body_bytes();
    let (count, last_run) = if c.response.content_type().is_some_and(|t| t.starts_with("application/json")) {
        (1, serde_json::from_slice::<seclai::types::AgentRunResponse>(&bytes).ok())
    } else {
        let mut decoder = seclai::sse::SseDecoder::new();
        decoder.push(&bytes);
        let (mut count, mut done) = (0, None);
        while let Some(e) = decoder.next_event() {
            count += 1;
            if e.event == "done" {
                done = serde_json::from_slice::<seclai::types::AgentRunResponse>(&e.data).ok();
            }
        }
        (count, done)
    };
    if events.len() != count {
        r.fail("result.events", format!("the stream yielded {} events, the recording holds {count}", events.len()));
    }
    let got = events.iter().rev().find_map(|e| match e {
        seclai::runs::RunEvent::Done(run) => Some(run.as_ref().clone()),
        _ => None,
    });
    if got != last_run {
        r.fail("result.done", "the final run differs from the recorded `done` event");
    }
    Ok(None)
}

async fn replay_upload(
    client: &seclai::Client,
    api: &Api,
    op: &Operation,
    c: &Cassette,
) -> Result<Option<Value>, seclai::Error> {
    let parts = c.request.multipart.clone().unwrap_or_default();
    let file = parts.iter().find(|p| p.name == "file").cloned().unwrap_or(seclai::cassette::MultipartPart {
        name: "file".into(),
        filename: None,
        content_type: None,
        text: None,
        base64: None,
        omitted: None,
    });
    let mut upload =
        seclai::upload::UploadFile::bytes(file.bytes(), file.filename.clone().unwrap_or_else(|| "file.bin".into()));
    if let Some(t) = &file.content_type {
        upload = upload.mime_type(t.clone());
    }
    let field =
        |name: &str| parts.iter().find(|p| p.name == name).map(|p| String::from_utf8_lossy(&p.bytes()).into_owned());
    let title = field("title");
    let metadata = field("metadata").and_then(|m| serde_json::from_str::<Value>(&m).ok());
    macro_rules! send {
        ($builder:expr) => {{
            let mut b = $builder;
            if let Some(t) = &title {
                b = b.title(t.clone());
            }
            if let Some(m) = &metadata {
                b = b.metadata(m.clone());
            }
            json(b.send().await?)?
        }};
    }
    let v = match op.id.as_str() {
        "upload_file_to_source" => send!(client.sources().upload(path_param(api, c, "source_connection_id"), upload)),
        "upload_file_to_content" => {
            send!(client.contents().upload(path_param(api, c, "source_connection_content_version"), upload))
        }
        // An agent input takes the file alone.
        _ => json(client.agents().upload_input(path_param(api, c, "agent_id"), upload).send().await?)?,
    };
    Ok(Some(v))
}

/// An answer rendered as JSON.
fn json<T: serde::Serialize>(v: T) -> Result<Value, seclai::Error> {
    serde_json::to_value(v).map_err(|e| seclai::Error::InvalidArgument(e.to_string()))
}

async fn replay_download(
    client: &seclai::Client,
    api: &Api,
    op: &Operation,
    c: &Cassette,
) -> Result<Option<Value>, seclai::Error> {
    let download = if op.id == "download_source_export" {
        let (source, export) = (path_param(api, c, "source_connection_id"), path_param(api, c, "export_id"));
        client.sources().exports().download(source, export).send().await?
    } else {
        let mut d = client
            .agents()
            .runs()
            .download_attachment(path_param(api, c, "run_id"), path_param(api, c, "attachment_id"));
        if let Some(name) = c.request.query.get("download_name") {
            d = d.download_name(name);
        }
        d.send().await?
    };
    let bytes = download.bytes().await?;
    if bytes.as_ref() != c.response.body_bytes().as_slice() {
        return Err(seclai::Error::InvalidArgument("the downloaded bytes differ from the recorded file".into()));
    }
    Ok(None)
}
