//! Every operation of the spec is a command: for each operation (read from the spec, not from
//! the tool's table), the test builds the command line a user would type from its recorded
//! interaction (`cassettes/<operation>/`), runs `seclai` against the local server answering
//! from the cassettes, and checks the request the server received and what the tool printed.
//! A new operation without a command, or a command that sends something else, fails it.

use std::path::{Path, PathBuf};
use std::process::Output;

use seclai::cassette::Cassette;
use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct SpecOp {
    id: String,
    path: String,
    sdk: String,
    multipart: bool,
    download: bool,
    stream: bool,
}

fn spec_operations() -> Vec<SpecOp> {
    let text = std::fs::read_to_string(workspace().join("openapi/seclai.yaml")).unwrap();
    let spec: Value = serde_yaml::from_str(&text).unwrap();
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (_, op) in item.as_object().unwrap() {
            let Some(id) = op["operationId"].as_str() else { continue };
            let ok = op["responses"].as_object().unwrap().iter().find(|(s, _)| s.starts_with('2')).map(|(_, r)| r);
            let content = ok.and_then(|r| r["content"].as_object());
            let stream = content.is_some_and(|c| c.contains_key("text/event-stream"));
            let json = content.is_some_and(|c| c.contains_key("application/json"));
            out.push(SpecOp {
                id: id.to_string(),
                path: path.clone(),
                sdk: op["x-seclai-sdk"].as_str().unwrap().to_string(),
                multipart: op.pointer("/requestBody/content/multipart~1form-data").is_some(),
                download: content.is_some() && !json && !stream,
                stream,
            });
        }
    }
    out
}

/// The recorded success of an operation: `default.yaml`, else any 2xx.
fn success_cassette(library: &[(PathBuf, Cassette)], id: &str) -> Cassette {
    let all: Vec<&(PathBuf, Cassette)> = library.iter().filter(|(_, c)| c.operation == id).collect();
    let ok = |c: &Cassette| (200..300).contains(&c.response.status);
    all.iter()
        .find(|(p, c)| p.ends_with("default.yaml") && ok(c))
        .or_else(|| all.iter().find(|(_, c)| ok(c)))
        .map(|(_, c)| c.clone())
        .unwrap_or_else(|| panic!("{id} has no recorded success"))
}

/// The command line of a recorded request.
fn command_line(op: &SpecOp, c: &Cassette, scratch: &Path) -> Vec<String> {
    let mut argv: Vec<String> = op.sdk.split('.').map(|s| s.replace('_', "-")).collect();
    let template: Vec<&str> = op.path.split('/').collect();
    let concrete: Vec<&str> = c.request.path.split('/').collect();
    assert_eq!(template.len(), concrete.len(), "{}: the cassette's path does not fit {}", op.id, op.path);
    for (t, v) in template.iter().zip(&concrete) {
        if t.starts_with('{') {
            argv.push(percent_decode(v));
        }
    }
    for (k, v) in c.request.query.iter() {
        argv.push(format!("--{}={v}", k.replace('_', "-")));
    }
    if let Some(body) = &c.request.body {
        argv.push("--json".into());
        argv.push(body.to_string());
    }
    if let Some(parts) = &c.request.multipart {
        for p in parts {
            match (p.name.as_str(), &p.filename) {
                ("file", Some(name)) => {
                    let file = scratch.join(format!("{}-{name}", op.id));
                    std::fs::write(&file, p.bytes()).unwrap();
                    argv.extend(["--file".into(), file.display().to_string(), "--file-name".into(), name.clone()]);
                    if let Some(t) = &p.content_type {
                        argv.extend(["--mime-type".into(), t.clone()]);
                    }
                }
                (name, _) => argv.extend([format!("--{name}"), String::from_utf8(p.bytes()).unwrap()]),
            }
        }
    }
    if let Some(v) = c.request.headers.get("seclai-version") {
        argv.push(format!("--api-version={v}"));
    }
    if op.download {
        argv.extend(["--output".into(), scratch.join(format!("{}.out", op.id)).display().to_string()]);
    }
    argv.push("--compact".into());
    argv
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn seclai(base_url: &str, key: &str, argv: &[String]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_seclai"))
        .args(argv)
        .env_clear()
        .env("SECLAI_API_URL", base_url)
        .env("SECLAI_API_KEY", key)
        .env("SECLAI_CONFIG_DIR", "/nonexistent")
        .output()
        .unwrap()
}

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
