//! The local server's state through a realistic flow: as a user writes it with the `seclai`
//! SDK, as raw HTTP whose every answer is checked against the spec, and its front door
//! (authentication, request validation).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use seclai::runs::RunEvent;
use seclai::types::{
    AgentRunStreamRequest, CreateAgentRequest, CreateExportRequest, CreateKnowledgeBaseBody, CreateSourceBody,
    InlineTextUploadRequest,
};
use seclai::upload::UploadFile;
use seclai::{ApiErrorKind, WaitOptions};
use seclai_mock::{Api, Options, Server};
use serde_json::{Value, json};

const NOTES: &str = "# Release 4.2 notes\n\n- Faster retrieval for large knowledge bases\n";
const QUESTION: &str = "What changed in 4.2";
const CANONICAL: &str = "2026-07-27";

/// Polling fast enough for a local server.
fn quick() -> WaitOptions {
    WaitOptions::default()
        .with_interval(Duration::from_millis(5), Duration::from_millis(20))
        .with_deadline(Duration::from_secs(10))
}

/// The answer the local server gives to a question.
fn answer(question: &str) -> String {
    format!("You asked: {question}. This answer comes from the local Seclai server.")
}

#[tokio::test]
async fn the_whole_flow_as_a_user_writes_it() {
    let server = Server::start_with(Options::default().token_delay(Duration::from_millis(2))).await.unwrap();
    let client = server.client();

    // Every agent, ten per page.
    let agents: Vec<_> = client.agents().list().page_size(10).items().try_collect().await.unwrap();
    assert_eq!(agents.len(), 23);
    let ids: BTreeSet<&str> = agents.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), 23, "agent ids are distinct");
    let pages: Vec<_> = client.agents().list().page_size(10).pages().try_collect().await.unwrap();
    let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes, [10, 10, 3]);
    assert_eq!(pages[0].total, Some(23));

    // A source, a file (twice), a note, and a knowledge base over the source.
    let source = client
        .sources()
        .create(CreateSourceBody::builder().name("Team handbook").source_type("custom_index"))
        .send()
        .await
        .unwrap();
    let upload = || {
        client
            .sources()
            .upload(&source.id, UploadFile::bytes(NOTES.as_bytes().to_vec(), "notes.md"))
            .title("Release 4.2 notes")
    };
    let first = upload().send().await.unwrap();
    assert_eq!((first.status.as_str(), first.filename.as_str()), ("uploaded", "notes.md"));
    let again = upload().send().await.unwrap();
    assert_eq!(again.status, "duplicate");
    let note = InlineTextUploadRequest::builder()
        .text("Meals are reimbursed up to 60 EUR.")
        .title("Expense policy".to_string());
    let note = client.sources().upload_text(&source.id, note).send().await.unwrap();
    assert_eq!((note.status.as_str(), note.filename.as_str()), ("uploaded", "expense-policy.txt"));
    let source = client.sources().get(&source.id).send().await.unwrap();
    assert_eq!(source.content_count, 2);
    let kb = CreateKnowledgeBaseBody::builder().name("Docs").source_ids(vec![source.id.clone()]);
    let kb = client.knowledge_bases().create(kb).send().await.unwrap();
    assert_eq!(kb.sources.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), [source.id.as_str()]);

    // A streamed run: its tokens make the output of its `done` event.
    let agent = client.agents().create(CreateAgentRequest::builder().name("Release helper")).send().await.unwrap();
    let body = AgentRunStreamRequest::builder().input(QUESTION.to_string());
    let started = Instant::now();
    let mut events = client.agents().runs().stream(&agent.id, body.clone()).send().await.unwrap();
    let (mut tokens, mut done) = (Vec::new(), None);
    while let Some(event) = events.try_next().await.unwrap() {
        match event {
            RunEvent::Token(t) => tokens.push(t),
            RunEvent::Done(run) => done = Some(run),
            _ => {}
        }
    }
    let done = done.expect("a done event");
    assert_eq!(done.output.as_deref(), Some(tokens.concat().as_str()));
    assert_eq!(tokens.concat(), answer(QUESTION));
    assert!(tokens.len() > 5 && tokens[..tokens.len() - 1].iter().all(|t| t.ends_with(' ')), "{tokens:?}");
    assert!(started.elapsed() >= Duration::from_millis(2) * tokens.len() as u32, "tokens are paced");
    assert!(done.credits.is_some_and(|c| c > 0.0));
    let streamed: Vec<String> = client
        .agents()
        .runs()
        .stream(&agent.id, body.clone())
        .send()
        .await
        .unwrap()
        .tokens()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.concat(), answer(QUESTION));

    // Run and wait, then the agent's runs, newest first, two per page.
    let finished = client.agents().runs().run_and_wait(&agent.id, body).send().await.unwrap();
    assert_eq!(finished.run.status, seclai::types::AgentRunStatus::Completed);
    assert_eq!(finished.completion, seclai::runs::Completion::Stream);
    let fetched = client.agents().runs().get(&finished.run.run_id).send().await.unwrap();
    assert_eq!(fetched.output, finished.run.output);
    let runs = client.agents().runs().list(&agent.id).page_size(2).pages();
    let runs: Vec<_> = runs.try_collect().await.unwrap();
    assert_eq!(runs.iter().map(|p| p.items.len()).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(runs[0].items[0].run_id, finished.run.run_id, "newest first");
    assert_eq!(runs[1].items[0].run_id, done.run_id);

    // An export of the source, downloaded once it completes.
    let exports = client.sources().exports();
    let export = exports.create(&source.id, CreateExportRequest::builder().format("jsonl")).send().await.unwrap();
    assert_eq!(export.status, "pending");
    let path = std::env::temp_dir().join(format!("seclai-mock-flow-{}-{}.jsonl", std::process::id(), export.id));
    let written = exports.wait_and_download(&source.id, &export.id, &path).wait_options(quick()).send().await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(written, text.len() as u64);
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0],
        json!({"filename": "notes.md", "content_type": "text/markdown", "bytes": NOTES.len(), "text": NOTES})
    );
    assert_eq!(lines[1]["filename"], "expense-policy.txt");
    let export = exports.get(&source.id, &export.id).send().await.unwrap();
    assert_eq!((export.status.as_str(), export.item_count), ("completed", Some(2)));
    assert!(export.completed_at.is_some());

    // An input file for the agent, ready to use.
    let csv = UploadFile::bytes(b"date,rating\n2026-03-02,4\n".to_vec(), "feedback.csv");
    let upload_id = client.agents().upload_input_and_wait(&agent.id, csv).wait_options(quick()).send().await.unwrap();
    let upload = client.agents().get_input_upload(&agent.id, &upload_id).send().await.unwrap();
    assert_eq!((upload.status.as_str(), upload.filename.as_str(), upload.file_size), ("ready", "feedback.csv", 25));

    // Clean up: what was created goes, and is then not found.
    client.knowledge_bases().delete(&kb.id).send().await.unwrap();
    client.sources().delete(&source.id).send().await.unwrap();
    client.agents().delete(&agent.id).send().await.unwrap();
    let gone = client.agents().get(&agent.id).send().await.unwrap_err();
    assert_eq!(gone.api_kind(), Some(ApiErrorKind::NotFound), "{gone}");
    let gone = client.sources().get(&source.id).send().await.unwrap_err();
    assert_eq!(gone.api_kind(), Some(ApiErrorKind::NotFound), "{gone}");
    assert_eq!(client.agents().list().send().await.unwrap().total, Some(23));
}

/// Raw HTTP to the local server, each answer checked against the spec.
struct Raw {
    http: reqwest::Client,
    base: String,
    key: String,
    api: Api,
    checked: BTreeSet<String>,
}

/// A raw answer.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

/// A request to send.
#[derive(Default)]
struct Req<'a> {
    query: &'a [(&'a str, &'a str)],
    json: Option<Value>,
    multipart: Option<(String, Vec<u8>)>,
    version: Option<&'a str>,
}

/// A multipart body with one file and text fields: (content type, body).
fn multipart(file_name: &str, media_type: &str, data: &[u8], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "seclai-mock-test-boundary";
    let disposition = format!("Content-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"");
    let mut body = format!("--{boundary}\r\n{disposition}\r\nContent-Type: {media_type}\r\n\r\n").into_bytes();
    body.extend_from_slice(data);
    for (name, value) in fields {
        body.extend_from_slice(
            format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}").as_bytes(),
        );
    }
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The schema of the canonical `{data, pagination}` envelope of a list operation.
fn canonical_schema(api: &Api, operation: &str) -> Value {
    let op = api.operation(operation).unwrap();
    let legacy = api.resolve(op.success().1.unwrap());
    if legacy["properties"].get("data").is_some() {
        return legacy.clone();
    }
    let key = op.pagination().and_then(|p| p["items"].as_str()).unwrap();
    json!({
        "type": "object",
        "required": ["data", "pagination"],
        "properties": {
            "data": {"type": "array", "items": legacy["properties"][key]["items"]},
            "pagination": {"$ref": "#/components/schemas/PaginationResponse"},
        },
    })
}

impl Raw {
    fn new(server: &Server) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: server.base_url().to_string(),
            key: server.api_key().to_string(),
            api: Api::embedded(),
            checked: BTreeSet::new(),
        }
    }

    async fn send(&self, method: &str, path: &str, req: Req<'_>) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut r =
            self.http.request(method, format!("{}{path}", self.base)).header("x-api-key", &self.key).query(req.query);
        if let Some(v) = req.version {
            r = r.header("seclai-version", v);
        }
        if let Some(j) = &req.json {
            r = r.json(j);
        }
        if let Some((content_type, body)) = req.multipart {
            r = r.header("content-type", content_type).body(body);
        }
        let response = r.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        Answer { status, headers, bytes: response.bytes().await.unwrap().to_vec() }
    }

    /// Checks a body against the success schema of an operation (or its canonical envelope).
    fn check(&mut self, operation: &str, body: &Value, canonical: bool) {
        let schema = if canonical {
            canonical_schema(&self.api, operation)
        } else {
            self.api.operation(operation).unwrap().success().1.unwrap().clone()
        };
        let problems = self.api.validator(false).validate(body, &schema);
        assert!(problems.is_empty(), "{operation} (canonical: {canonical}): {problems:#?}\n{body:#}");
        self.checked.insert(format!("{operation}{}", if canonical { " (canonical)" } else { "" }));
    }

    /// Sends a request that must succeed with the operation's success status, and checks its body.
    async fn ok(&mut self, operation: &str, method: &str, path: &str, req: Req<'_>) -> Value {
        let canonical = req.version == Some(CANONICAL);
        let answer = self.send(method, path, req).await;
        let (status, schema) = self.api.operation(operation).unwrap().success();
        assert_eq!(answer.status, status, "{operation}: {}", String::from_utf8_lossy(&answer.bytes));
        if schema.is_none() {
            assert!(answer.bytes.is_empty(), "{operation} answers no body");
            return Value::Null;
        }
        let body = answer.json();
        self.check(operation, &body, canonical);
        body
    }
}

/// The `(event, data)` pairs of an event stream.
fn events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let event = block.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data: Vec<&str> = block.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
            assert_eq!(data.len(), 1, "one data line per event: {block}");
            Some((event.to_string(), serde_json::from_str(data[0]).unwrap()))
        })
        .collect()
}

#[tokio::test]
async fn every_stateful_answer_follows_the_spec() {
    let server = Server::start().await.unwrap();
    let mut raw = Raw::new(&server);
    let canonical = || Req { version: Some(CANONICAL), ..Req::default() };

    // Agents.
    let page = raw.ok("list_agents", "GET", "/agents", Req { query: &[("limit", "10")], ..Req::default() }).await;
    assert_eq!(page["pagination"]["total"], 23);
    let last = raw
        .ok(
            "list_agents",
            "GET",
            "/agents",
            Req { query: &[("page", "3"), ("limit", "10")], version: Some(CANONICAL), ..Req::default() },
        )
        .await;
    assert_eq!((last["data"].as_array().unwrap().len(), &last["pagination"]["has_next"]), (3, &json!(false)));
    let seeded = page["data"][0]["id"].as_str().unwrap().to_string();
    raw.ok("get_agent", "GET", &format!("/agents/{seeded}"), Req::default()).await;
    let agent = raw
        .ok("create_agent", "POST", "/agents", Req { json: Some(json!({"name": "Digest"})), ..Req::default() })
        .await;
    let agent_id = agent["id"].as_str().unwrap().to_string();
    let update =
        json!({"description": "Weekly digest", "max_retries": 2, "sampling_config": null, "set_sampling_config": true});
    let updated = raw
        .ok("update_agent", "PUT", &format!("/agents/{agent_id}"), Req { json: Some(update), ..Req::default() })
        .await;
    assert_eq!((&updated["description"], &updated["max_retries"]), (&json!("Weekly digest"), &json!(2)));

    // Sources and their files.
    let source = raw
        .ok(
            "create_source",
            "POST",
            "/sources",
            Req { json: Some(json!({"name": "Handbook", "source_type": "custom_index"})), ..Req::default() },
        )
        .await;
    let source_id = source["id"].as_str().unwrap().to_string();
    let file = || {
        Some(multipart(
            "notes.md",
            "text/markdown",
            NOTES.as_bytes(),
            &[("title", "Notes"), ("metadata", r#"{"team": "docs"}"#)],
        ))
    };
    let up = raw
        .ok(
            "upload_file_to_source",
            "POST",
            &format!("/sources/{source_id}/upload"),
            Req { multipart: file(), ..Req::default() },
        )
        .await;
    assert_eq!(up["status"], "uploaded");
    let dup = raw
        .ok(
            "upload_file_to_source",
            "POST",
            &format!("/sources/{source_id}/upload"),
            Req { multipart: file(), ..Req::default() },
        )
        .await;
    assert_eq!(dup["status"], "duplicate");
    let text = json!({"text": "# Expense policy\n", "title": "Expense policy", "content_type": "text/markdown"});
    let inline = raw
        .ok(
            "upload_inline_text_to_source",
            "POST",
            &format!("/sources/{source_id}"),
            Req { json: Some(text), ..Req::default() },
        )
        .await;
    assert_eq!(inline["filename"], "expense-policy.md");
    let got = raw.ok("get_source", "GET", &format!("/sources/{source_id}"), Req::default()).await;
    assert_eq!(got["content_count"], 2);
    raw.ok("list_sources", "GET", "/sources", Req::default()).await;
    raw.ok("list_sources", "GET", "/sources", canonical()).await;

    // Knowledge bases, in both list envelopes.
    let kb = json!({"name": "Docs", "source_ids": [source_id], "default_top_k": 5});
    let kb =
        raw.ok("create_knowledge_base", "POST", "/knowledge_bases", Req { json: Some(kb), ..Req::default() }).await;
    let kb_id = kb["id"].as_str().unwrap().to_string();
    raw.ok("get_knowledge_base", "GET", &format!("/knowledge_bases/{kb_id}"), Req::default()).await;
    let legacy = raw.ok("list_knowledge_bases", "GET", "/knowledge_bases", Req::default()).await;
    assert_eq!((&legacy["total"], &legacy["knowledge_bases"][0]["id"]), (&json!(1), &json!(kb_id)));
    let new = raw.ok("list_knowledge_bases", "GET", "/knowledge_bases", canonical()).await;
    assert_eq!(new["pagination"]["total"], 1);
    let renamed = raw
        .ok(
            "update_knowledge_base",
            "PUT",
            &format!("/knowledge_bases/{kb_id}"),
            Req { json: Some(json!({"name": "Docs v2"})), ..Req::default() },
        )
        .await;
    assert_eq!(renamed["name"], "Docs v2");

    // Runs: plain, streamed, read back, listed, cancelled.
    let run_body = || Some(json!({"input": QUESTION}));
    let run = raw
        .ok("run_agent", "POST", &format!("/agents/{agent_id}/runs"), Req { json: run_body(), ..Req::default() })
        .await;
    assert_eq!((&run["status"], &run["output"]), (&json!("completed"), &json!(answer(QUESTION))));
    let run_id = run["run_id"].as_str().unwrap().to_string();
    let with_steps = raw
        .ok(
            "get_agent_run",
            "GET",
            &format!("/agents/runs/{run_id}"),
            Req { query: &[("include_step_outputs", "true")], ..Req::default() },
        )
        .await;
    assert_eq!(with_steps["steps"][0]["output"], json!(answer(QUESTION)));
    let stream =
        raw.send("POST", &format!("/agents/{agent_id}/runs/stream"), Req { json: run_body(), ..Req::default() }).await;
    assert_eq!((stream.status, stream.header("content-type")), (200, "text/event-stream; charset=utf-8"));
    let text = String::from_utf8(stream.bytes.clone()).unwrap();
    assert!(text.starts_with(": keepalive\n\n"));
    let events = events(&text);
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).filter(|e| *e != "stream_token").collect();
    assert_eq!(names, ["init", "status", "step_started", "stream_end", "done"]);
    for (event, data) in &events {
        if event == "init" || event == "done" {
            raw.check("run_streaming_agent", data, false);
        }
    }
    let tokens: String =
        events.iter().filter(|(e, _)| e == "stream_token").map(|(_, d)| d["token"].as_str().unwrap()).collect();
    assert_eq!(tokens, answer(QUESTION));
    let runs = raw
        .ok(
            "list_agent_runs",
            "GET",
            &format!("/agents/{agent_id}/runs"),
            Req { query: &[("limit", "1")], ..Req::default() },
        )
        .await;
    assert_eq!(
        runs["pagination"],
        json!({"page": 1, "limit": 1, "total": 2, "pages": 2, "has_next": true, "has_prev": false})
    );
    raw.ok("list_agent_runs", "GET", &format!("/agents/{agent_id}/runs"), canonical()).await;
    raw.ok("delete_agent_run", "DELETE", &format!("/agents/runs/{run_id}"), Req::default()).await;

    // Exports: pending, running, completed, downloadable only then.
    let export = raw
        .ok(
            "create_source_export",
            "POST",
            &format!("/sources/{source_id}/exports"),
            Req { json: Some(json!({"format": "jsonl"})), ..Req::default() },
        )
        .await;
    assert_eq!(export["status"], "pending");
    let export_path = format!("/sources/{source_id}/exports/{}", export["id"].as_str().unwrap());
    let early = raw.send("GET", &format!("{export_path}/download"), Req::default()).await;
    assert_eq!((early.status, early.json()), (409, json!({"detail": "Export is not ready yet"})));
    let running = raw.ok("get_source_export", "GET", &export_path, Req::default()).await;
    assert_eq!(running["status"], "running");
    let completed = raw.ok("get_source_export", "GET", &export_path, Req::default()).await;
    assert_eq!(completed["status"], "completed");
    assert!(completed["completed_at"].is_string());
    raw.ok("list_source_exports", "GET", &format!("/sources/{source_id}/exports"), Req::default()).await;
    raw.ok("list_source_exports", "GET", &format!("/sources/{source_id}/exports"), canonical()).await;
    let file = raw.send("GET", &format!("{export_path}/download"), Req::default()).await;
    assert_eq!((file.status, file.header("content-type")), (200, "application/x-ndjson"));
    let name = format!("attachment; filename=\"export-{}.jsonl\"", export["id"].as_str().unwrap());
    assert_eq!(file.header("content-disposition"), name);
    assert_eq!(completed["file_size_bytes"], json!(file.header("content-length").parse::<u64>().unwrap()));
    assert_eq!(String::from_utf8(file.bytes).unwrap().lines().count(), 2);

    // Agent input uploads.
    let input = Some(multipart("q1.csv", "text/csv", b"date,rating\n", &[]));
    let input = raw
        .ok(
            "upload_agent_input",
            "POST",
            &format!("/agents/{agent_id}/upload-input"),
            Req { multipart: input, ..Req::default() },
        )
        .await;
    assert_eq!(
        (&input["status"], &input["file_size"], &input["content_type"]),
        (&json!("processing"), &json!(12), &json!("text/csv"))
    );
    let upload_path = format!("/agents/{agent_id}/input-uploads/{}", input["id"].as_str().unwrap());
    let ready = raw.ok("get_agent_input_upload", "GET", &upload_path, Req::default()).await;
    assert_eq!(ready["status"], "ready");

    // Unknown ids are not found, unless a cassette recorded the very path.
    let missing = raw.send("GET", "/agents/00000000-0000-4000-8000-000000000000", Req::default()).await;
    assert_eq!((missing.status, missing.json()), (404, json!({"detail": "Agent not found"})));
    let missing = raw.send("GET", "/agents/00000000-0000-4000-8000-000000000000/runs", Req::default()).await;
    assert_eq!((missing.status, missing.json()), (404, json!({"detail": "Agent not found"})));
    let missing = raw
        .send("POST", "/agents/00000000-0000-4000-8000-000000000000/runs", Req { json: run_body(), ..Req::default() })
        .await;
    assert_eq!((missing.status, missing.json()), (404, json!({"detail": "Agent not found"})));
    let recorded = raw.send("GET", "/agents/66bc471e-3685-480f-802a-baf1d4574338", Req::default()).await;
    assert_eq!((recorded.status, recorded.header("x-request-id")), (404, "req_01J8G5X1S8WARNSDWYPBQXJ5M5"));
    let recorded = raw.send("GET", "/agents/runs/cd1b63de-a22d-4893-aeb8-dfbb59747870", Req::default()).await;
    assert_eq!(recorded.status, 200, "the cassette answers a run it recorded");

    // Deleting.
    raw.ok("delete_knowledge_base", "DELETE", &format!("/knowledge_bases/{kb_id}"), Req::default()).await;
    raw.ok("delete_source", "DELETE", &format!("/sources/{source_id}"), Req::default()).await;
    raw.ok("delete_agent", "DELETE", &format!("/agents/{agent_id}"), Req::default()).await;
    for path in [format!("/agents/{agent_id}"), format!("/sources/{source_id}"), format!("/knowledge_bases/{kb_id}")] {
        assert_eq!(raw.send("GET", &path, Req::default()).await.status, 404, "{path}");
    }

    let expected = [
        "create_agent",
        "create_knowledge_base",
        "create_source",
        "create_source_export",
        "delete_agent_run",
        "get_agent",
        "get_agent_input_upload",
        "get_agent_run",
        "get_knowledge_base",
        "get_source",
        "get_source_export",
        "list_agent_runs",
        "list_agent_runs (canonical)",
        "list_agents",
        "list_agents (canonical)",
        "list_knowledge_bases",
        "list_knowledge_bases (canonical)",
        "list_source_exports",
        "list_source_exports (canonical)",
        "list_sources",
        "list_sources (canonical)",
        "run_agent",
        "run_streaming_agent",
        "update_agent",
        "update_knowledge_base",
        "upload_agent_input",
        "upload_file_to_source",
        "upload_inline_text_to_source",
    ];
    assert_eq!(raw.checked.iter().map(String::as_str).collect::<Vec<_>>(), expected);
}

#[tokio::test]
async fn the_front_door_checks_keys_and_queries() {
    let server = Server::start().await.unwrap();
    let raw = Raw::new(&server);
    let anonymous = reqwest::get(format!("{}/agents", server.base_url())).await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);

    let zero = raw.send("GET", "/agents", Req { query: &[("limit", "0")], ..Req::default() }).await;
    assert_eq!(zero.status, 422);
    assert_eq!(zero.json()["detail"][0]["loc"], json!(["query", "limit"]));

    let extra = [("colour", "blue")];
    let strict = raw.send("GET", "/agents", Req { query: &extra, version: Some(CANONICAL), ..Req::default() }).await;
    assert_eq!(strict.status, 422);
    assert_eq!(strict.json()["detail"][0]["type"], "extra_forbidden");
    let lenient = raw.send("GET", "/agents", Req { query: &extra, ..Req::default() }).await;
    assert_eq!(lenient.status, 200, "older versions ignore undeclared parameters");

    let client = server.client_builder().api_key("sk-wrong").build().unwrap();
    let refused = client.agents().list().send().await.unwrap_err();
    assert_eq!(refused.api_kind(), Some(ApiErrorKind::Unauthorized), "{refused}");
}
