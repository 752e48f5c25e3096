//! What the command-line tests share: the spec's operations, the recorded interactions, the
//! command line of a recorded request, and running `seclai`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use seclai::cassette::Cassette;
use serde_json::Value;

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub struct SpecOp {
    pub id: String,
    pub path: String,
    pub sdk: String,
    pub multipart: bool,
    pub download: bool,
    pub stream: bool,
}

pub fn spec_operations() -> Vec<SpecOp> {
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
pub fn success_cassette(library: &[(PathBuf, Cassette)], id: &str) -> Cassette {
    let all: Vec<&(PathBuf, Cassette)> = library.iter().filter(|(_, c)| c.operation == id).collect();
    let ok = |c: &Cassette| (200..300).contains(&c.response.status);
    all.iter()
        .find(|(p, c)| p.ends_with("default.yaml") && ok(c))
        .or_else(|| all.iter().find(|(_, c)| ok(c)))
        .map(|(_, c)| c.clone())
        .unwrap_or_else(|| panic!("{id} has no recorded success"))
}

/// The command line of a recorded request.
pub fn command_line(op: &SpecOp, c: &Cassette, scratch: &Path) -> Vec<String> {
    let mut argv: Vec<String> = op.sdk.split('.').map(|s| s.replace('_', "-")).collect();
    let template: Vec<&str> = op.path.split('/').collect();
    let concrete: Vec<&str> = c.request.path.split('/').collect();
    assert_eq!(template.len(), concrete.len(), "{}: the cassette's path does not fit {}", op.id, op.path);
    for (t, v) in template.iter().zip(&concrete) {
        if t.starts_with('{') {
            argv.push(seclai_mock::percent_decode(v));
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

pub fn seclai(base_url: &str, key: &str, argv: &[String]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_seclai"))
        .args(argv)
        .env_clear()
        .env("SECLAI_API_URL", base_url)
        .env("SECLAI_API_KEY", key)
        .env("SECLAI_CONFIG_DIR", "/nonexistent")
        .output()
        .unwrap()
}
