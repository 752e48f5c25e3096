//! The operations that move files or stream, run through their SDK methods: uploads streamed
//! from disk, downloads streamed to a file (atomically) or to stdout, and a run's event stream
//! as NDJSON.

use std::io::Write;

use clap::{Arg, ArgAction, ArgMatches, Command};
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::invoke::Usage;
use crate::table::{Kind, Operation};

/// The flags of a file or stream operation.
pub fn args(op: &Operation, cmd: Command) -> Command {
    match op.kind {
        Kind::Upload => cmd
            .arg(Arg::new("file").long("file").value_name("PATH").required(true).help("The file to upload (streamed)"))
            .arg(Arg::new("title").long("title").value_name("TEXT").help("The content's title"))
            .arg(
                Arg::new("metadata")
                    .long("metadata")
                    .value_name("JSON")
                    .value_parser(crate::values::json())
                    .help("Metadata of the content, a JSON object"),
            )
            .arg(Arg::new("file-name").long("file-name").value_name("NAME").help("The name sent for the file"))
            .arg(
                Arg::new("mime-type")
                    .long("mime-type")
                    .value_name("TYPE")
                    .help("The file's MIME type [default: from its extension]"),
            ),
        Kind::Download => cmd.arg(
            Arg::new("output")
                .long("output")
                .short('o')
                .value_name("PATH")
                .help("Write the file here (complete or not at all); without it the bytes go to stdout"),
        ),
        Kind::Stream => cmd.arg(
            Arg::new("tokens-only")
                .long("tokens-only")
                .action(ArgAction::SetTrue)
                .help("Print only the streamed text, as it arrives"),
        ),
        Kind::Json => cmd,
    }
}

fn text(m: &ArgMatches, id: &str) -> Option<String> {
    m.try_get_one::<String>(id).ok().flatten().cloned()
}

fn path_arg(m: &ArgMatches, name: &str) -> Result<String, Usage> {
    text(m, name).ok_or_else(|| Usage(format!("{} is missing", name.to_uppercase())))
}

/// What a file or stream operation printed: a JSON answer, or nothing more (bytes already out).
pub enum Outcome {
    Json(Value),
    Done,
}

/// Runs a file or stream operation.
pub async fn run(
    client: &seclai::Client,
    op: &Operation,
    m: &ArgMatches,
    args: &Value,
) -> Result<Result<Outcome, seclai::Error>, Usage> {
    Ok(match op.id {
        "upload_file_to_source" | "upload_file_to_content" | "upload_agent_input" => {
            let mut file = seclai::upload::UploadFile::path(path_arg(m, "file")?);
            if let Some(n) = text(m, "file-name") {
                file = file.file_name(n);
            }
            if let Some(t) = text(m, "mime-type") {
                file = file.mime_type(t);
            }
            let metadata: Option<Value> = text(m, "metadata").and_then(|s| serde_json::from_str(&s).ok());
            let title = text(m, "title");
            upload(client, op.id, m, file, title, metadata).await.map(Outcome::Json)
        }
        "download_source_export" | "download_agent_run_attachment" => download(client, op.id, m, args).await,
        "run_streaming_agent" => stream(client, m, args).await,
        other => return Err(Usage(format!("`{other}` has no command yet"))),
    })
}

async fn upload(
    client: &seclai::Client,
    id: &str,
    m: &ArgMatches,
    file: seclai::upload::UploadFile,
    title: Option<String>,
    metadata: Option<Value>,
) -> seclai::Result<Value> {
    match id {
        "upload_file_to_source" => {
            let mut b = client.sources().upload(path(m, "source_connection_id"), file);
            if let Some(t) = title {
                b = b.title(t);
            }
            if let Some(md) = metadata {
                b = b.metadata(md);
            }
            Ok(as_json(&b.send().await?))
        }
        "upload_file_to_content" => {
            let mut b = client.contents().upload(path(m, "source_connection_content_version"), file);
            if let Some(t) = title {
                b = b.title(t);
            }
            if let Some(md) = metadata {
                b = b.metadata(md);
            }
            Ok(as_json(&b.send().await?))
        }
        _ => Ok(as_json(&client.agents().upload_input(path(m, "agent_id"), file).send().await?)),
    }
}

fn path(m: &ArgMatches, name: &str) -> String {
    text(m, name).unwrap_or_default()
}

async fn download(client: &seclai::Client, id: &str, m: &ArgMatches, args: &Value) -> Result<Outcome, seclai::Error> {
    let answer = match id {
        "download_source_export" => {
            client.sources().exports().download(path(m, "source_connection_id"), path(m, "export_id")).send().await?
        }
        _ => {
            let mut b = client.agents().runs().download_attachment(path(m, "run_id"), path(m, "attachment_id"));
            if let Some(n) = args.get("download_name").and_then(Value::as_str) {
                b = b.download_name(n);
            }
            b.send().await?
        }
    };
    match text(m, "output") {
        Some(to) => {
            let name = answer.file_name().map(String::from);
            let content_type = answer.content_type().map(String::from);
            let bytes = answer.to_file(&to).await?;
            Ok(Outcome::Json(json!({"path": to, "bytes": bytes, "file_name": name, "content_type": content_type})))
        }
        None => {
            let mut chunks = std::pin::pin!(answer.bytes_stream());
            let mut out = std::io::stdout().lock();
            while let Some(chunk) = chunks.try_next().await? {
                if out.write_all(&chunk).is_err() {
                    break; // a closed pipe
                }
            }
            let _ = out.flush();
            Ok(Outcome::Done)
        }
    }
}

/// One event as a JSON line: `{"event": NAME, "data": ...}`.
pub fn event_json(e: &seclai::runs::RunEvent) -> Value {
    use seclai::runs::RunEvent as E;
    let run = |r: &seclai::types::AgentRunResponse| serde_json::to_value(r).unwrap_or(Value::Null);
    match e {
        E::Init(r) => json!({"event": "init", "data": run(r)}),
        E::Status(d) => json!({"event": "status", "data": d}),
        E::Step { event, data } => json!({"event": event, "data": data}),
        E::Token(t) => json!({"event": "stream_token", "data": {"token": t}}),
        E::StreamEnd(d) => json!({"event": "stream_end", "data": d}),
        E::Done(r) => json!({"event": "done", "data": run(r)}),
        E::Timeout { data, .. } => json!({"event": "timeout", "data": data}),
        E::Error { data, .. } => json!({"event": "error", "data": data}),
        E::Unknown { event, data } => {
            json!({"event": event, "data": serde_json::from_str::<Value>(data).unwrap_or(Value::String(data.clone()))})
        }
        _ => json!({"event": "unknown"}),
    }
}

async fn stream(client: &seclai::Client, m: &ArgMatches, args: &Value) -> Result<Outcome, seclai::Error> {
    let body = seclai::dynamic::JsonBody::new(args.get("body").cloned().unwrap_or(json!({})));
    let mut events = client.agents().runs().stream(path(m, "agent_id"), body).send().await?;
    let tokens_only = m.try_get_one::<bool>("tokens-only").ok().flatten().copied().unwrap_or(false);
    crate::interrupt::note_run(events.run_id());
    while let Some(e) = events.try_next().await? {
        if let seclai::runs::RunEvent::Init(r) = &e {
            crate::interrupt::note_run(Some(&r.run_id.to_string()));
        }
        let mut out = std::io::stdout().lock();
        let line = match (&e, tokens_only) {
            (seclai::runs::RunEvent::Token(t), true) => t.clone(),
            (_, true) => continue,
            (e, false) => format!("{}\n", event_json(e)),
        };
        if out.write_all(line.as_bytes()).and_then(|()| out.flush()).is_err() {
            break;
        }
    }
    if tokens_only {
        println!();
    }
    Ok(Outcome::Done)
}

fn as_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
