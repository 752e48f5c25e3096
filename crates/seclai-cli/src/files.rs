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
            )
            .args(if op.id == "upload_file_to_source" {
                wait_args("Wait until the uploaded content is indexed (exit 10 if its indexing fails)")
            } else {
                Vec::new()
            }),
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

/// `--wait` (saying what for) with its `--deadline` and `--poll-interval`.
fn wait_args(what: &'static str) -> Vec<Arg> {
    vec![
        Arg::new("wait").long("wait").action(ArgAction::SetTrue).help(what),
        Arg::new("deadline")
            .long("deadline")
            .value_name("DURATION")
            .requires("wait")
            .value_parser(crate::values::duration())
            .help("The longest the wait may take [default: 30m]"),
        Arg::new("poll-interval")
            .long("poll-interval")
            .value_name("DURATION")
            .requires("wait")
            .value_parser(crate::values::duration())
            .help("The first pause between polls; it grows up to 10 times [default: 1s]"),
    ]
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
    /// An answer that says the awaited work failed (exit 10).
    Unsuccessful(Value),
    Done,
}

/// Runs a file or stream operation.
pub async fn run(
    client: &seclai::Client,
    op: &Operation,
    m: &ArgMatches,
    args: &Value,
    quiet: bool,
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
            let size = std::fs::metadata(path_arg(m, "file")?).map(|md| md.len()).ok();
            let bar = crate::progress::bar(quiet, "uploading", size);
            let shown = bar.clone();
            let progress = move |sent: u64, _total: u64| {
                if let Some(b) = &shown {
                    b.set_position(sent);
                }
            };
            let answer = upload(client, op.id, m, file, title, metadata, progress).await;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            match answer {
                Ok(uploaded) if m.try_get_one::<bool>("wait").ok().flatten() == Some(&true) => {
                    wait_indexed(client, m, uploaded).await
                }
                other => other.map(Outcome::Json),
            }
        }
        "download_source_export" | "download_agent_run_attachment" => download(client, op.id, m, args, quiet).await,
        "run_streaming_agent" => stream(client, m, args).await,
        other => return Err(Usage(format!("`{other}` has no command yet"))),
    })
}

/// Waits for the indexing of what `sources upload` answered; exit 10 when it failed.
async fn wait_indexed(client: &seclai::Client, m: &ArgMatches, uploaded: Value) -> seclai::Result<Outcome> {
    let Some(version) = uploaded["content_version_id"].as_str() else {
        // A duplicate: nothing new to index.
        return Ok(Outcome::Json(uploaded));
    };
    let wait = client.sources().contents().wait_indexed(path(m, "source_connection_id"), [version]);
    let outcome = wait.wait_options(wait_options(m)).send().await?;
    let item = outcome.completed.first().or(outcome.failed.first()).map(as_json).unwrap_or(Value::Null);
    let value = json!({"upload": uploaded, "indexing": item});
    Ok(if outcome.all_completed() { Outcome::Json(value) } else { Outcome::Unsuccessful(value) })
}

async fn upload(
    client: &seclai::Client,
    id: &str,
    m: &ArgMatches,
    file: seclai::upload::UploadFile,
    title: Option<String>,
    metadata: Option<Value>,
    progress: impl Fn(u64, u64) + Send + Sync + 'static,
) -> seclai::Result<Value> {
    match id {
        "upload_file_to_source" => {
            let mut b = client.sources().upload(path(m, "source_connection_id"), file).on_progress(progress);
            if let Some(t) = title {
                b = b.title(t);
            }
            if let Some(md) = metadata {
                b = b.metadata(md);
            }
            Ok(as_json(&b.send().await?))
        }
        "upload_file_to_content" => {
            let mut b =
                client.contents().upload(path(m, "source_connection_content_version"), file).on_progress(progress);
            if let Some(t) = title {
                b = b.title(t);
            }
            if let Some(md) = metadata {
                b = b.metadata(md);
            }
            Ok(as_json(&b.send().await?))
        }
        _ => Ok(as_json(&client.agents().upload_input(path(m, "agent_id"), file).on_progress(progress).send().await?)),
    }
}

fn path(m: &ArgMatches, name: &str) -> String {
    text(m, name).unwrap_or_default()
}

async fn download(
    client: &seclai::Client,
    id: &str,
    m: &ArgMatches,
    args: &Value,
    quiet: bool,
) -> Result<Outcome, seclai::Error> {
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
        Some(to) => save(answer, &to, quiet).await.map(Outcome::Json),
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

/// Writes a download to `to` (complete or not at all) with a progress bar; what was written.
pub async fn save(answer: seclai::download::Download, to: &str, quiet: bool) -> seclai::Result<Value> {
    let name = answer.file_name().map(String::from);
    let content_type = answer.content_type().map(String::from);
    let bar = crate::progress::bar(quiet, "downloading", answer.content_length());
    let bytes = match &bar {
        // Through the stream, to move the bar; still a temporary file renamed at the end.
        Some(b) => {
            let b = b.clone();
            answer.on_progress(move |received| b.set_position(received)).to_file(to).await?
        }
        None => answer.to_file(to).await?,
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(json!({"path": to, "bytes": bytes, "file_name": name, "content_type": content_type}))
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

/// The flags `sources exports create` gets beyond its operation's: wait for the export, and
/// download it in the same step.
pub fn export_args(cmd: Command) -> Command {
    cmd.args(wait_args("Wait until the export has finished and print it (exit 10 if it failed)")).arg(
        Arg::new("output")
            .long("output")
            .short('o')
            .value_name("PATH")
            .requires("wait")
            .help("With --wait: download the finished export to PATH (complete or not at all)"),
    )
}

/// The waiting settings of `--deadline` and `--poll-interval`.
pub fn wait_options(m: &ArgMatches) -> seclai::WaitOptions {
    let mut o = seclai::WaitOptions::default();
    if let Some(d) = text(m, "deadline").and_then(|d| crate::values::parse_duration(&d).ok()) {
        o = o.with_deadline(d);
    }
    if let Some(p) = text(m, "poll-interval").and_then(|p| crate::values::parse_duration(&p).ok()) {
        o = o.with_interval(p, p * 10);
    }
    o
}

/// After `sources exports create --wait [--output PATH]`: waits, downloads, says what happened.
pub async fn export_follow(
    client: &seclai::Client,
    m: &ArgMatches,
    created: Value,
    quiet: bool,
) -> seclai::Result<Outcome> {
    let source = path(m, "source_connection_id");
    let Some(export) = created["id"].as_str().map(String::from) else { return Ok(Outcome::Json(created)) };
    let exports = client.sources().exports();
    let finished = as_json(&exports.wait(&source, &export).wait_options(wait_options(m)).send().await?);
    if finished["status"] != "completed" {
        return Ok(Outcome::Unsuccessful(finished));
    }
    match text(m, "output") {
        Some(to) => {
            let saved = save(exports.download(&source, &export).send().await?, &to, quiet).await?;
            Ok(Outcome::Json(json!({"export": finished, "download": saved})))
        }
        None => Ok(Outcome::Json(finished)),
    }
}
