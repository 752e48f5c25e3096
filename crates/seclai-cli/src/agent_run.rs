//! `seclai agents run AGENT_ID`: start a run and, as asked, wait for it.
//!
//! - no mode: start the run (`POST /agents/{id}/runs`) and print it as it starts;
//! - `--wait`: stream the run and wait for its end, falling back to polling when the stream
//!   ends early (the SDK's `run_and_wait`), then print the final run;
//! - `--stream`: the same, printing the streamed text on stderr as it arrives, so that stdout
//!   holds only the final run;
//! - `--events`: every event as one JSON line on stdout (`--event-filter init,done`);
//! - `--poll`: start without a stream and poll until the run ends (`run_and_poll`).
//!
//! With a final run, the exit code says how it ended: 0 for `completed`, 10 otherwise.

use std::io::Write;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command};
use futures::TryStreamExt;
use serde_json::{Map, Value};

use crate::exit::code;
use crate::output::Printer;

/// The command.
pub fn command() -> Command {
    let cmd = Command::new("run")
        .about("Run an agent, and stream, wait for or poll its result")
        .long_about(
            "Run an agent. Without a mode the run is started and printed as it starts. --wait streams the run \
             and waits for its end (falling back to polling if the stream ends early) and prints the final run; \
             --stream does the same and prints the streamed text on stderr as it arrives; --events prints every \
             event as a JSON line; --poll starts without a stream and polls.\n\nWith a final run, the exit code is \
             0 when it completed and 10 otherwise.",
        )
        .arg(Arg::new("agent_id").value_name("AGENT_ID").required(true).help("ID of the agent"))
        .arg(Arg::new("input").long("input").value_name("TEXT").help("The run's input text"))
        .arg(
            Arg::new("json")
                .long("json")
                .value_name("JSON")
                .conflicts_with("json-file")
                .help("The request body, as JSON (`-`: stdin); --input overrides its `input`"),
        )
        .arg(
            Arg::new("json-file")
                .long("json-file")
                .value_name("PATH")
                .help("The request body, from a JSON file (`-`: stdin)"),
        )
        .arg(Arg::new("wait").long("wait").action(ArgAction::SetTrue).help("Wait for the run's end and print it"))
        .arg(
            Arg::new("stream")
                .long("stream")
                .action(ArgAction::SetTrue)
                .help("Like --wait, printing the streamed text on stderr as it arrives"),
        )
        .arg(
            Arg::new("events")
                .long("events")
                .action(ArgAction::SetTrue)
                .help("Print every event of the run's stream as a JSON line"),
        )
        .arg(
            Arg::new("event-filter")
                .long("event-filter")
                .value_name("TYPES")
                .value_delimiter(',')
                .requires("events")
                .help("Only these events, comma-separated (init,stream_token,done,...)"),
        )
        .arg(
            Arg::new("poll")
                .long("poll")
                .action(ArgAction::SetTrue)
                .help("Start without a stream and poll until the run ends"),
        )
        .arg(
            Arg::new("poll-interval")
                .long("poll-interval")
                .value_name("DURATION")
                .value_parser(crate::values::duration())
                .help("The first pause between polls (it grows up to 10 times) [default: 1s]"),
        )
        .arg(
            Arg::new("deadline")
                .long("deadline")
                .value_name("DURATION")
                .value_parser(crate::values::duration())
                .help("The longest the wait may take [default: 30m]"),
        )
        .arg(
            Arg::new("timeout-ms")
                .long("timeout-ms")
                .value_name("N")
                .value_parser(crate::values::int(Some(1), None))
                .hide(true)
                .help("The deadline in milliseconds (the official tool's name)"),
        )
        .group(clap::ArgGroup::new("mode").args(["wait", "stream", "events", "poll"]).multiple(false));
    crate::globals::add_to(cmd, &[])
}

fn text(m: &ArgMatches, id: &str) -> Option<String> {
    m.get_one::<String>(id).cloned()
}

fn body(m: &ArgMatches) -> Result<Value, String> {
    let mut value = crate::invoke::json_body(m).map_err(|e| e.0)?.unwrap_or_else(|| Value::Object(Map::new()));
    if let (Some(input), Some(object)) = (text(m, "input"), value.as_object_mut()) {
        object.insert("input".into(), Value::String(input));
    }
    Ok(value)
}

/// `--deadline` and `--poll-interval`, with the official `--timeout-ms` as a deadline too.
fn options(m: &ArgMatches) -> seclai::WaitOptions {
    let o = crate::files::wait_options(m);
    match m.get_one::<String>("timeout-ms").and_then(|n| n.parse().ok()) {
        Some(ms) if m.get_one::<String>("deadline").is_none() => o.with_deadline(Duration::from_millis(ms)),
        _ => o,
    }
}

fn finished(printer: Printer, run: &seclai::types::AgentRunResponse) -> u8 {
    let _ = printer.value(&serde_json::to_value(run).unwrap_or(Value::Null));
    if run.status.to_string() == "completed" { code::OK } else { code::UNSUCCESSFUL }
}

/// Runs the command.
pub async fn run(client: &seclai::Client, printer: Printer, m: &ArgMatches) -> Result<u8, seclai::Error> {
    let agent = text(m, "agent_id").unwrap_or_default();
    let body = body(m).map_err(seclai::Error::InvalidArgument)?;
    // The body goes as given (keys the SDK does not know included), checked against the
    // request type of the call that sends it.
    fn json<T>(v: &Value) -> seclai::dynamic::JsonBody<T> {
        seclai::dynamic::JsonBody::new(v.clone())
    }
    let runs = client.agents().runs();
    let flag = |id: &str| m.get_flag(id);
    if flag("poll") {
        let run = runs.run_and_poll(&agent, json(&body)).wait_options(options(m)).send().await?;
        return Ok(finished(printer, &run));
    }
    if flag("wait") {
        let done = runs.run_and_wait(&agent, json(&body)).wait_options(options(m)).send().await?;
        return Ok(finished(printer, &done.run));
    }
    if flag("stream") {
        // Tokens on stderr as they arrive; then the run as it ended, polled if the stream
        // did not say.
        let mut events = runs.stream(&agent, json(&body)).send().await?;
        crate::interrupt::note_run(events.run_id());
        let mut last: Option<seclai::types::AgentRunResponse> = None;
        while let Some(e) = events.try_next().await? {
            match e {
                seclai::runs::RunEvent::Init(r) => crate::interrupt::note_run(Some(&r.run_id.to_string())),
                seclai::runs::RunEvent::Token(t) => {
                    let mut err = std::io::stderr().lock();
                    let _ = err.write_all(t.as_bytes()).and_then(|()| err.flush());
                }
                seclai::runs::RunEvent::Done(r) => last = Some(*r),
                _ => {}
            }
        }
        eprintln!();
        let run = match last {
            Some(r) => r,
            None => match events.run_id().map(String::from) {
                Some(id) => runs.wait(&id).wait_options(options(m)).send().await?,
                None => return Err(seclai::Error::InvalidArgument("the stream ended before naming its run".into())),
            },
        };
        return Ok(finished(printer, &run));
    }
    if flag("events") {
        let filter: Option<Vec<String>> = m.get_many::<String>("event-filter").map(|v| v.cloned().collect());
        let mut events = runs.stream(&agent, json(&body)).send().await?;
        crate::interrupt::note_run(events.run_id());
        while let Some(e) = events.try_next().await? {
            let line = crate::files::event_json(&e);
            let name = line["event"].as_str().unwrap_or_default();
            if let seclai::runs::RunEvent::Init(r) = &e {
                crate::interrupt::note_run(Some(&r.run_id.to_string()));
            }
            if filter.as_ref().is_some_and(|f| !f.iter().any(|n| n == name)) {
                continue;
            }
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                break;
            }
        }
        return Ok(code::OK);
    }
    let started =
        seclai::dynamic::invoke(client, "run_agent", &serde_json::json!({"agent_id": agent, "body": body})).await?;
    let _ = printer.value(&started);
    Ok(code::OK)
}
