//! What `seclai` does beyond sending one request: exit codes by error class (every recorded
//! error of the spec's operations), errors on stderr, `--all` across pages in each format,
//! `agents run` in its modes, `api-version`, and Ctrl-C during a streamed run.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{command_line, seclai, spec_operations, workspace};
use seclai::cassette::Cassette;
use serde_json::{Value, json};

const AGENT: &str = "67b5555a-d8ce-41ef-bd3c-245c8b000153";

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The exit code the README documents for an HTTP status.
fn documented_code(status: u16) -> i32 {
    match status {
        401 | 403 => 3,
        404 | 410 => 4,
        409 => 5,
        402 | 429 => 7,
        500..=599 => 8,
        _ => 6,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_recorded_error_exits_with_the_code_of_its_class() {
    let server = seclai_mock::Server::start_with(seclai_mock::Options::default().cassettes_only()).await.unwrap();
    let scratch = std::env::temp_dir().join(format!("seclai-cli-errors-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let ops = spec_operations();
    let library = Cassette::load_dir(&workspace().join("cassettes")).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    // An error recorded for the same request as a success cannot be asked for by request
    // (the local server answers the success); the statuses it would cover are also checked
    // below with a server that answers them.
    let same_as_a_success = |c: &Cassette| {
        library.iter().any(|(_, s)| {
            s.operation == c.operation
                && s.response.status < 400
                && s.request.path == c.request.path
                && s.request.query == c.request.query
                && s.request.body == c.request.body
        })
    };
    for (path, c) in library.iter().filter(|(_, c)| c.response.status >= 400 && !same_as_a_success(c)) {
        let op = ops.iter().find(|o| o.id == c.operation).unwrap();
        let mut argv = command_line(op, c, &scratch);
        argv.push("--max-retries=0".into());
        let (url, key, a) = (server.base_url().to_string(), server.api_key().to_string(), argv.clone());
        let out = tokio::task::spawn_blocking(move || seclai(&url, &key, &a)).await.unwrap();
        let want = documented_code(c.response.status);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(want) {
            failures.push(format!("{}: exit {:?} instead of {want}\n{stderr}", path.display(), out.status.code()));
        } else if !stderr.starts_with(&format!("error: HTTP {}", c.response.status)) {
            failures.push(format!("{}: stderr {stderr}", path.display()));
        } else if let Some(id) = c.response.headers.get("x-request-id")
            && !stderr.contains(&format!("request id: {id}"))
        {
            failures.push(format!("{}: no request id in {stderr}", path.display()));
        }
        checked += 1;
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(checked >= 10, "only {checked} error cassettes");
    assert!(failures.is_empty(), "{} of {checked}:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_error_class_has_its_code() {
    let server = httpmock::MockServer::start_async().await;
    for (status, body) in [
        (403, json!({"error": {"code": "permission_denied", "message": "This key may not write"}})),
        (429, json!({"detail": "Too many requests"})),
        (402, json!({"detail": {"error": "insufficient_credits", "message": "Out of credits", "account_id": "a1"}})),
        (502, json!({"detail": "Bad gateway"})),
        (503, json!({"error": {"code": "database_unavailable", "message": "Try again"}})),
        (409, json!({"detail": "Busy"})),
        (422, json!({"detail": [{"loc": ["query", "limit"], "msg": "too large", "type": "less_than_equal"}]})),
    ] {
        let mock = server
            .mock_async(|when, then| {
                when.path("/agents");
                then.status(status).header("x-request-id", "req_42").json_body(body.clone());
            })
            .await;
        let (url, a) = (server.base_url(), args(&["agents", "list", "--max-retries=0"]));
        let out = tokio::task::spawn_blocking(move || seclai(&url, "sk-test", &a)).await.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(documented_code(status)), "{status}: {stderr}");
        assert!(stderr.contains("request id: req_42"), "{stderr}");
        if status == 422 {
            assert!(stderr.contains("query.limit: too large"), "field errors with their location: {stderr}");
        }
        mock.delete_async().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_without_an_answer_and_usage_errors_have_their_own_codes() {
    let server = seclai_mock::Server::start().await.unwrap();
    let url = server.base_url().to_string();
    let run = move |url: String, key: &'static str, a: Vec<String>| {
        tokio::task::spawn_blocking(move || seclai(&url, key, &a))
    };
    // A wrong key: 401, exit 3, the key never shown.
    let out = run(url.clone(), "sk-wrong-key-1234567890", args(&["agents", "list"])).await.unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("sk-wrong-key-1234567890"));
    // Nothing listens: exit 9.
    let out =
        run("http://127.0.0.1:9".into(), seclai_mock::DEFAULT_API_KEY, args(&["agents", "list", "--max-retries=0"]))
            .await
            .unwrap();
    assert_eq!(out.status.code(), Some(9), "{}", String::from_utf8_lossy(&out.stderr));
    // Outside the spec's limits: clap's error, exit 2, nothing sent.
    let before = server.received().len();
    let out = run(url.clone(), seclai_mock::DEFAULT_API_KEY, args(&["agents", "list", "--limit", "0"])).await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must be at least 1"));
    // A body that does not fit its type: exit 2, nothing sent.
    let out =
        run(url.clone(), seclai_mock::DEFAULT_API_KEY, args(&["agents", "create", "--json", "{}"])).await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing field `name`"));
    assert_eq!(server.received().len(), before, "usage errors send nothing");
    // `--format json`: the error is JSON on stderr.
    let missing = "00000000-0000-4000-8000-000000000000";
    let out =
        run(url, seclai_mock::DEFAULT_API_KEY, args(&["agents", "get", missing, "--format", "json"])).await.unwrap();
    assert_eq!(out.status.code(), Some(4));
    let e: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        (e["status"].clone(), e["exit_code"].clone(), e["operation"].clone()),
        (json!(404), json!(4), json!("get_agent"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_walks_every_page_in_each_format() {
    let server = seclai_mock::Server::start().await.unwrap();
    let (url, key) = (server.base_url().to_string(), server.api_key().to_string());
    let run = |a: Vec<String>| {
        let (url, key) = (url.clone(), key.clone());
        tokio::task::spawn_blocking(move || seclai(&url, &key, &a))
    };
    for i in 0..23 {
        let name = format!("Source {i:02}");
        let out = run(args(&["sources", "create", "--name", &name, "--source-type", "custom_index"])).await.unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let before = server.received().len();
    let out = run(args(&["sources", "list", "--all", "--limit", "5", "--format", "ndjson"])).await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 23);
    let pages = server.received()[before..].iter().filter(|r| r.path == "/sources").count();
    assert_eq!(pages, 5, "23 items in pages of 5");

    let out = run(args(&["sources", "list", "--all", "--limit", "10"])).await.unwrap();
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(all.as_array().map(Vec::len), Some(23), "--all in JSON is one array");
    let out = run(args(&["sources", "list", "--all", "--limit", "10", "--compact"])).await.unwrap();
    let compact = String::from_utf8(out.stdout).unwrap();
    assert_eq!(compact.lines().count(), 1);
    assert_eq!(serde_json::from_str::<Value>(&compact).unwrap(), all);

    let out = run(args(&["sources", "list", "--format", "table", "--limit", "3"])).await.unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = table.lines().collect();
    assert!(rows[0].starts_with("ID") && rows[0].contains("NAME"), "{table}");
    assert_eq!(rows.len(), 4, "a header and one page of 3:\n{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_run_waits_streams_polls_and_prints_events() {
    let server = seclai_mock::Server::start().await.unwrap();
    let (url, key) = (server.base_url().to_string(), server.api_key().to_string());
    let run = |a: Vec<String>| {
        let (url, key) = (url.clone(), key.clone());
        tokio::task::spawn_blocking(move || seclai(&url, &key, &a))
    };
    for mode in ["--wait", "--stream", "--poll"] {
        let out = run(args(&["agents", "run", AGENT, "--input", "hello", mode])).await.unwrap();
        assert_eq!(out.status.code(), Some(0), "{mode}: {}", String::from_utf8_lossy(&out.stderr));
        let final_run: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(final_run["status"], "completed", "{mode}");
        assert_eq!(final_run["input"], "hello", "{mode}");
        if mode == "--stream" {
            assert!(String::from_utf8_lossy(&out.stderr).contains("hello"), "the streamed text goes to stderr");
        }
    }
    let out =
        run(args(&["agents", "run", AGENT, "--input", "hi", "--events", "--event-filter", "init,done"])).await.unwrap();
    let names: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["init", "done"]);
    // Without a mode: the run as it starts.
    let out = run(args(&["agents", "run", AGENT, "--json", r#"{"input": "x", "metadata": {"k": 1}}"#])).await.unwrap();
    assert!(out.status.success());
    let started: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(started["run_id"].is_string());
    let sent = server.received().into_iter().rev().find(|r| r.path.ends_with("/runs")).unwrap();
    let body: Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body, json!({"input": "x", "metadata": {"k": 1}}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_version_set_get_clear() {
    let server = seclai_mock::Server::start().await.unwrap();
    let (url, key) = (server.base_url().to_string(), server.api_key().to_string());
    let run = |a: Vec<String>| {
        let (url, key) = (url.clone(), key.clone());
        tokio::task::spawn_blocking(move || seclai(&url, &key, &a))
    };
    let out = run(args(&["api-version", "set", "2026-07-27"])).await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["pinned_version"], "2026-07-27");
    let v: Value = serde_json::from_slice(&run(args(&["api-version", "get"])).await.unwrap().stdout).unwrap();
    assert!(v["known_versions"].is_array());
    assert_eq!(
        server.received().last().map(|r| (r.method.clone(), r.path.clone())),
        Some(("GET".into(), "/version".into()))
    );
    let sent = server.received().into_iter().rev().find(|r| r.method == "PUT").unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&sent.body).unwrap(), json!({"version": "2026-07-27"}));
    assert!(run(args(&["api-version", "clear"])).await.unwrap().status.success());
    let sent = server.received().into_iter().rev().find(|r| r.method == "PUT").unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&sent.body).unwrap(), json!({"version": null}));
    let out = run(args(&["api-version", "set", "soon"])).await.unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_a_stream_exits_130_and_names_the_run() {
    let server =
        seclai_mock::Server::start_with(seclai_mock::Options::default().token_delay(Duration::from_millis(400)))
            .await
            .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_seclai"))
        .args(["agents", "run", AGENT, "--input", "a long answer please", "--events"])
        .env_clear()
        .env("SECLAI_API_URL", server.base_url())
        .env("SECLAI_API_KEY", server.api_key())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // The reader is kept open: a closed pipe would end the tool quietly on its next line.
    let (first, stdout) = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        (line, stdout)
    })
    .await
    .unwrap();
    let init: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(init["event"], "init");
    let run_id = init["data"]["run_id"].as_str().unwrap().to_string();
    let killed = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    drop(stdout);
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("seclai agents runs get {run_id}")), "{stderr}");
}

/// The high-water mark of a running process's memory (`VmHWM`, KiB); `None` once it has exited.
fn vm_hwm(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `seclai` to the end and gives its exit code, stdout and peak memory (KiB).
///
/// The peak is sampled from `/proc/<pid>/status` while it runs: `wait4`'s `ru_maxrss` would
/// include this test process's own memory at the time of the spawn (Linux carries the parent's
/// high-water mark into a child that execs), and this process holds the local server's data.
fn run_measured(base_url: &str, key: &str, argv: &[&str]) -> (i32, String, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seclai"))
        .args(argv)
        .env_clear()
        .env("SECLAI_API_URL", base_url)
        .env("SECLAI_API_KEY", key)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let done = Arc::new(AtomicBool::new(false));
    let finished = done.clone();
    let sampler = std::thread::spawn(move || {
        let mut peak = 0;
        while !finished.load(Ordering::Relaxed) {
            if let Some(kib) = vm_hwm(pid) {
                peak = peak.max(kib);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        peak
    });
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    let status = child.wait().unwrap();
    done.store(true, Ordering::Relaxed);
    (status.code().unwrap_or(-1), out, sampler.join().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_stream_from_disk_wait_for_indexing_and_exports_download_in_one_step() {
    let server =
        seclai_mock::Server::start_with(seclai_mock::Options::default().fail_indexing("broken.md")).await.unwrap();
    let (url, key) = (server.base_url().to_string(), server.api_key().to_string());
    let dir = std::env::temp_dir().join(format!("seclai-cli-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.clone();
    let (url2, key2) = (url.clone(), key.clone());
    tokio::task::spawn_blocking(move || {
        let run = |argv: &[&str]| run_measured(&url2, &key2, argv);
        let (code, out, _) = run(&["sources", "create", "--name", "Files", "--source-type", "custom_index"]);
        assert_eq!(code, 0);
        let source = serde_json::from_str::<Value>(&out).unwrap()["id"].as_str().unwrap().to_string();

        // 100 MB from disk: memory stays far below the file's size.
        let big = d.join("big.txt");
        std::fs::File::create(&big).unwrap().set_len(100 << 20).unwrap();
        let (code, out, peak_kib) = run(&["sources", "upload", &source, "--file", big.to_str().unwrap()]);
        assert_eq!(code, 0, "{out}");
        assert!(peak_kib < 64 * 1024, "peak RSS {peak_kib} KiB for a 100 MB upload");

        // --wait follows the indexing; a failed indexing exits 10.
        let good = d.join("good.md");
        std::fs::write(&good, "# Good\n").unwrap();
        let (code, out, _) =
            run(&["sources", "upload", &source, "--file", good.to_str().unwrap(), "--wait", "--poll-interval", "20ms"]);
        assert_eq!(code, 0, "{out}");
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["indexing"]["content_status"], "completed");
        let broken = d.join("broken.md");
        std::fs::write(&broken, "# Broken\n").unwrap();
        let (code, out, _) = run(&[
            "sources",
            "upload",
            &source,
            "--file",
            broken.to_str().unwrap(),
            "--wait",
            "--poll-interval",
            "20ms",
        ]);
        assert_eq!(code, 10, "{out}");
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["indexing"]["content_status"], "failed");

        // Create, wait and download in one step (a source without the big file).
        let (_, out, _) = run(&["sources", "create", "--name", "Small", "--source-type", "custom_index"]);
        let source = serde_json::from_str::<Value>(&out).unwrap()["id"].as_str().unwrap().to_string();
        assert_eq!(run(&["sources", "upload", &source, "--file", good.to_str().unwrap()]).0, 0);
        let target = d.join("out").join("export.jsonl");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let body = r#"{"format": "jsonl"}"#;
        let (code, out, _) = run(&[
            "sources",
            "exports",
            "create",
            &source,
            "--json",
            body,
            "--wait",
            "--poll-interval",
            "20ms",
            "--output",
            target.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{out}");
        let printed: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(printed["export"]["status"], "completed");
        let written = std::fs::read(&target).unwrap();
        assert_eq!(printed["download"]["bytes"], json!(written.len()));
        let names: Vec<_> =
            std::fs::read_dir(target.parent().unwrap()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Serves `total` agents in pages of 100, each page a mock of its own.
async fn paged_agents(server: &httpmock::MockServer, total: usize) {
    let c = Cassette::load(&workspace().join("cassettes/list_agents/default.yaml")).unwrap();
    let template = c.response.body.unwrap()["data"][0].clone();
    let pages = total.div_ceil(100);
    for page in 1..=pages {
        let items: Vec<Value> = (0..100.min(total - (page - 1) * 100))
            .map(|i| {
                let mut a = template.clone();
                a["id"] = json!(format!("00000000-0000-4000-8000-{:012}", (page - 1) * 100 + i));
                a["description"] = json!("x".repeat(200));
                a
            })
            .collect();
        let body = json!({"data": items, "pagination": {"page": page, "limit": 100, "total": total, "pages": pages,
            "has_next": page < pages, "has_prev": page > 1}});
        server
            .mock_async(move |when, then| {
                when.path("/agents").query_param("page", page.to_string());
                then.status(200).json_body(body);
            })
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_prints_a_long_list_in_flat_memory() {
    let mut peaks = Vec::new();
    for total in [1_000, 10_000] {
        let server = httpmock::MockServer::start_async().await;
        paged_agents(&server, total).await;
        let url = server.base_url();
        let (code, out, peak) = tokio::task::spawn_blocking(move || {
            run_measured(
                &url,
                "sk-test",
                &["agents", "list", "--all", "--page", "1", "--limit", "100", "--format", "ndjson"],
            )
        })
        .await
        .unwrap();
        assert_eq!(code, 0);
        assert_eq!(out.lines().count(), total);
        peaks.push(peak);
    }
    // Ten times the items (about 5 MB of output) in about the same memory: a page at a time.
    assert!(peaks[1] < peaks[0] + 4 * 1024, "peak RSS {} KiB for 1,000 items, {} KiB for 10,000", peaks[0], peaks[1]);
}
