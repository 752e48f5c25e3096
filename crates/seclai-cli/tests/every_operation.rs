//! Every operation of the spec is a command: for each operation (read from the spec, not from
//! the tool's table), the test builds the command line a user would type from its recorded
//! interaction (`cassettes/<operation>/`), runs `seclai` against the local server answering
//! from the cassettes, and checks the request the server received and what the tool printed.
//! A new operation without a command, or a command that sends something else, fails it.

mod common;

use common::{command_line, seclai, spec_operations, success_cassette, workspace};
use seclai::cassette::Cassette;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_of_the_spec_runs_as_a_command() {
    let server = seclai_mock::Server::start_with(seclai_mock::Options::default().cassettes_only()).await.unwrap();
    let scratch = std::env::temp_dir().join(format!("seclai-cli-every-op-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let ops = spec_operations();
    let library = Cassette::load_dir(&workspace().join("cassettes")).unwrap();
    assert!(!ops.is_empty());
    let mut failures = Vec::new();
    for op in &ops {
        let c = success_cassette(&library, &op.id);
        let argv = command_line(op, &c, &scratch);
        let before = server.received().len();
        let (url, key, args) = (server.base_url().to_string(), server.api_key().to_string(), argv.clone());
        let out = tokio::task::spawn_blocking(move || seclai(&url, &key, &args)).await.unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let shown = format!("`seclai {}`", argv.join(" "));
        if !out.status.success() {
            failures.push(format!("{shown}: exit {:?}\n{stderr}", out.status.code()));
            continue;
        }
        // What the server received is the recorded request.
        let received = server.received();
        let Some(sent) = received.get(before) else {
            failures.push(format!("{shown}: sent nothing"));
            continue;
        };
        if sent.method != c.request.method || sent.path != c.request.path {
            failures.push(format!(
                "{shown}: sent {} {} instead of {} {}",
                sent.method, sent.path, c.request.method, c.request.path
            ));
            continue;
        }
        let mut want: Vec<(String, String)> = c.request.query.iter().map(|(k, v)| (k.into(), v.into())).collect();
        let mut got = sent.query.clone();
        want.sort();
        got.sort();
        if want != got {
            failures.push(format!("{shown}: query {got:?} instead of {want:?}"));
            continue;
        }
        if let Some(body) = &c.request.body {
            let sent_body: Value = serde_json::from_slice(&sent.body).unwrap_or(Value::Null);
            if &sent_body != body {
                failures.push(format!("{shown}: body {sent_body} instead of {body}"));
                continue;
            }
        }
        // What the tool printed is the answer, as the SDK reads it.
        let answer = c.response.body_bytes();
        if op.download {
            let file = std::fs::read(scratch.join(format!("{}.out", op.id))).unwrap_or_default();
            if file != answer {
                failures.push(format!("{shown}: the file differs from the download"));
            }
        } else if op.stream {
            let events: Vec<Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
            let recorded = String::from_utf8_lossy(&answer).matches("event:").count();
            if events.is_empty() || events.len() != recorded {
                failures.push(format!("{shown}: {} events printed, {recorded} recorded", events.len()));
            }
        } else if !op.multipart {
            let printed: Value = serde_json::from_str(stdout.trim()).unwrap_or(Value::String(stdout.clone()));
            let expected = seclai::dynamic::decode(&op.id, &answer).unwrap().unwrap();
            if printed != expected {
                failures.push(format!("{shown}: printed {printed} instead of {expected}"));
            }
        } else if !stdout.trim_start().starts_with('{') {
            failures.push(format!("{shown}: printed {stdout}"));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(failures.is_empty(), "{} of {} operations failed:\n{}", failures.len(), ops.len(), failures.join("\n"));
}
