//! Uploads and downloads over loopback, checked on the server side: multipart parts, names,
//! media types, metadata; sizes refused before sending; retried uploads re-sending the whole
//! file; downloads streamed to disk with no partial file left behind.

mod common;
#[path = "common/raw.rs"]
mod raw;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::TryStreamExt;
use raw::{Captured, End, RawServer, Reply};
use seclai::upload::{MAX_UPLOAD_BYTES, UploadFile};
use seclai::{ApiErrorKind, Client, Error, WaitOptions};
use serde_json::json;

fn client(url: &str) -> Client {
    Client::builder().api_key(common::KEY).base_url(url).retry_policy(common::fast_retries()).build().unwrap()
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("seclai-files-{tag}-{}-{:x}", std::process::id(), fastrand::u64(..)));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One part of a multipart body.
#[derive(Debug)]
struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

fn parts(req: &Captured) -> Vec<Part> {
    let ct = req.header("content-type").expect("a content type");
    let boundary = ct.split("boundary=").nth(1).expect("a boundary").trim_matches('"');
    let delim = format!("--{boundary}");
    let body = &req.body;
    let mut out = Vec::new();
    let positions: Vec<usize> =
        body.windows(delim.len()).enumerate().filter(|(_, w)| *w == delim.as_bytes()).map(|(i, _)| i).collect();
    for pair in positions.windows(2) {
        let section = &body[pair[0] + delim.len() + 2..pair[1] - 2];
        let split = section.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&section[..split]).to_string();
        let disposition = head.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition")).unwrap();
        let field = |k: &str| {
            disposition
                .split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix(&format!("{k}=\"")))
                .map(|v| v.trim_end_matches('"').to_string())
        };
        out.push(Part {
            name: field("name").unwrap(),
            filename: field("filename"),
            content_type: head.lines().find_map(|l| {
                l.strip_prefix("Content-Type: ").or_else(|| l.strip_prefix("content-type: ")).map(String::from)
            }),
            data: section[split + 4..].to_vec(),
        });
    }
    out
}

fn uploaded() -> Reply {
    Reply::json(
        200,
        &json!({"content_version_id": "cv1", "source_connection_content_version_id": "scv1", "filename": "notes.md", "status": "uploaded"}),
    )
}

#[tokio::test]
async fn a_file_on_disk_is_sent_as_multipart_with_its_name_type_title_and_metadata() {
    let dir = tempdir("up");
    let path = dir.join("notes.md");
    std::fs::write(&path, "# Release notes\n\nExports are here.\n").unwrap();
    let s = RawServer::start(|_, _| uploaded()).await;
    let progress = Arc::new(AtomicU64::new(0));
    let p = progress.clone();
    let answer = client(&s.url)
        .sources()
        .upload("src-1", UploadFile::path(&path))
        .title("Release notes")
        .metadata(json!({"team": "docs", "tags": ["release"]}))
        .on_progress(move |sent, total| {
            assert!(sent <= total);
            p.store(sent, Ordering::SeqCst);
        })
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status, "uploaded");
    let req = &s.requests()[0];
    assert_eq!((req.method.as_str(), req.path.as_str()), ("POST", "/sources/src-1/upload"));
    assert!(req.header("content-length").is_some(), "the length is announced, not chunked");
    let ps = parts(req);
    let file = ps.iter().find(|p| p.name == "file").unwrap();
    assert_eq!(file.filename.as_deref(), Some("notes.md"));
    assert_eq!(file.content_type.as_deref(), Some("text/markdown"));
    assert_eq!(file.data, std::fs::read(&path).unwrap());
    assert_eq!(ps.iter().find(|p| p.name == "title").unwrap().data, b"Release notes");
    let metadata: serde_json::Value =
        serde_json::from_slice(&ps.iter().find(|p| p.name == "metadata").unwrap().data).unwrap();
    assert_eq!(metadata, json!({"team": "docs", "tags": ["release"]}));
    assert_eq!(progress.load(Ordering::SeqCst), std::fs::metadata(&path).unwrap().len());
}

#[tokio::test]
async fn bytes_and_content_uploads_guess_or_take_the_media_type() {
    let s = RawServer::start(|_, _| uploaded()).await;
    let c = client(&s.url);
    c.contents().upload("cv-9", UploadFile::bytes(&b"a,b\n1,2\n"[..], "table.csv")).send().await.unwrap();
    c.contents().upload("cv-9", UploadFile::bytes(&b"\x00\x01"[..], "blob.unknownext")).send().await.unwrap();
    c.contents()
        .upload("cv-9", UploadFile::bytes(&b"{}"[..], "x.bin").mime_type("application/json"))
        .send()
        .await
        .unwrap();
    let types: Vec<Option<String>> = s.requests().iter().map(|r| parts(r).remove(0).content_type).collect();
    assert_eq!(
        types,
        [Some("text/csv".into()), Some("application/octet-stream".into()), Some("application/json".into())]
    );
    assert_eq!(s.requests()[0].path, "/contents/cv-9/upload");
}

#[tokio::test]
async fn empty_oversized_missing_files_and_bad_metadata_send_nothing() {
    let dir = tempdir("bad");
    let s = RawServer::start(|_, _| uploaded()).await;
    let c = client(&s.url);
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let e = c.sources().upload("s", UploadFile::path(&empty)).send().await.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)) && e.to_string().contains("is empty"), "{e}");

    // A sparse file one byte over the limit: checked by size, never read.
    let big = dir.join("big.bin");
    std::fs::File::create(&big).unwrap().set_len(MAX_UPLOAD_BYTES + 1).unwrap();
    let e = c.sources().upload("s", UploadFile::path(&big)).send().await.unwrap_err();
    assert!(e.to_string().contains("209715201 bytes, more than the 209715200"), "{e}");
    let e = c.agents().upload_input("a", UploadFile::path(&big)).send().await.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");

    let e = c.sources().upload("s", UploadFile::path(dir.join("nope.pdf"))).send().await.unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    let e = c
        .sources()
        .upload("s", UploadFile::bytes(&b"x"[..], "x.txt"))
        .metadata(json!(["not", "an", "object"]))
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("metadata must be a JSON object"), "{e}");
    assert!(s.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_retried_upload_sends_the_whole_file_again_and_a_reader_is_sent_once() {
    let dir = tempdir("retry");
    let path = dir.join("data.jsonl");
    let content: Vec<u8> = (0..20_000).flat_map(|i| format!("{{\"row\":{i}}}\n").into_bytes()).collect();
    std::fs::write(&path, &content).unwrap();
    // The first attempt is refused with 503 + Retry-After: safe to retry even a POST.
    let refuse_first = |_: &Captured, i: usize| {
        if i == 0 {
            let mut r = Reply::json(503, &json!({"detail": "busy"}));
            r.headers.push(("retry-after".into(), "0".into()));
            r
        } else {
            uploaded()
        }
    };
    let s = RawServer::start(refuse_first).await;
    client(&s.url).sources().upload("s", UploadFile::path(&path)).send().await.unwrap();
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(parts(r).remove(0).data, content, "each attempt carries the whole file");
    }

    let s = RawServer::start(refuse_first).await;
    let reader = tokio::fs::File::open(&path).await.unwrap();
    let e = client(&s.url)
        .sources()
        .upload("s", UploadFile::reader(reader, content.len() as u64, "data.jsonl"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(s.requests().len(), 1, "a one-shot reader is not retried");
}

#[tokio::test]
async fn an_agent_input_upload_waits_until_ready_and_returns_its_id() {
    let s = RawServer::start(|req, i| {
        if req.method == "POST" {
            Reply::json(202, &json!({"id": "up-1", "status": "processing", "filename": "brief.pdf", "content_type": "application/pdf", "file_size": 5}))
        } else {
            let status = if i < 3 { "processing" } else { "ready" };
            Reply::json(200, &json!({"id": "up-1", "status": status, "filename": "brief.pdf", "content_type": "application/pdf", "file_size": 5}))
        }
    })
    .await;
    let poll = WaitOptions::default().with_interval(Duration::from_millis(5), Duration::from_millis(10));
    let id = client(&s.url)
        .agents()
        .upload_input_and_wait("a1", UploadFile::bytes(&b"%PDF-"[..], "brief.pdf"))
        .wait_options(poll.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(id, "up-1");
    let reqs = s.requests();
    assert_eq!(reqs[0].path, "/agents/a1/upload-input");
    assert_eq!(parts(&reqs[0])[0].content_type.as_deref(), Some("application/pdf"));
    assert_eq!(reqs.last().unwrap().path, "/agents/a1/input-uploads/up-1");

    let failed = RawServer::start(|req, _| {
        let status = if req.method == "POST" { "processing" } else { "failed" };
        Reply::json(200, &json!({"id": "up-2", "status": status, "filename": "x.exe", "content_type": "application/octet-stream", "file_size": 1, "error": "Unsupported file type"}))
    })
    .await;
    let e = client(&failed.url)
        .agents()
        .upload_input_and_wait("a1", UploadFile::bytes(&b"x"[..], "x.exe"))
        .wait_options(poll)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::OperationFailed { message, .. } if message == "Unsupported file type"), "{e}");
}

const SRC: &str = "0b3c9a7e-4d2f-4e1a-9c8b-7a6d5e4f3c2b";
const EXP: &str = "9f8e7d6c-5b4a-4321-8fed-cba987654321";

fn file_reply(body: &[u8], announced: Option<usize>, end: End) -> Reply {
    Reply {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/x-ndjson".into()),
            ("content-disposition".into(), "attachment; filename=\"export.jsonl\"".into()),
        ],
        chunks: body.chunks(1000).map(|c| (Duration::ZERO, c.to_vec())).collect(),
        content_length: announced,
        end,
    }
}

#[tokio::test]
async fn an_export_downloads_as_a_stream_with_its_name_type_and_length() {
    let body: Vec<u8> = (0..500).flat_map(|i| format!("{{\"id\":{i},\"text\":\"row {i}\"}}\n").into_bytes()).collect();
    let b = body.clone();
    let s = RawServer::start(move |_, _| file_reply(&b, Some(b.len()), End::Finish)).await;
    let d = client(&s.url).sources().exports().download(SRC, EXP).send().await.unwrap();
    assert_eq!(d.file_name(), Some("export.jsonl"));
    assert_eq!(d.content_type(), Some("application/x-ndjson"));
    assert_eq!(d.content_length(), Some(body.len() as u64));
    let chunks: Vec<bytes::Bytes> = d.bytes_stream().try_collect().await.unwrap();
    assert_eq!(chunks.concat(), body);
    assert_eq!(s.requests()[0].path, format!("/sources/{SRC}/exports/{EXP}/download"));
}

#[tokio::test]
async fn download_to_writes_the_file_atomically() {
    let dir = tempdir("dl");
    let body = vec![b'x'; 300_000];
    let b = body.clone();
    let s = RawServer::start(move |_, _| file_reply(&b, Some(b.len()), End::Finish)).await;
    let target = dir.join("out.jsonl");
    let n = client(&s.url).sources().exports().download(SRC, EXP).to_file(&target).await.unwrap();
    assert_eq!(n, body.len() as u64);
    assert_eq!(std::fs::read(&target).unwrap(), body);
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["out.jsonl"], "no temporary file is left");
}

#[tokio::test]
async fn a_cut_download_leaves_no_file_and_no_partial_file() {
    let dir = tempdir("cut");
    let body = vec![b'y'; 50_000];
    // Announces 50,000 bytes, sends 20,000, closes.
    let s = RawServer::start(move |_, _| file_reply(&body[..20_000], Some(50_000), End::Close)).await;
    let target = dir.join("cut.jsonl");
    let e = client(&s.url).sources().exports().download(SRC, EXP).to_file(&target).await.unwrap_err();
    let Error::Body(cut) = &e else { panic!("{e:?}") };
    assert_eq!((cut.received, cut.expected, cut.status), (20_000, Some(50_000), 200));
    assert!(cut.is_cut() && e.is_retryable());
    let line = e.to_string();
    assert!(
        line.starts_with(
            &format!("the body of the answer to download_source_export GET /sources/{SRC}/exports/{EXP}/download (HTTP 200) broke off after 20000 bytes of the 50000 announced: ")
        ),
        "{line}"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "neither the file nor a partial file exists");

    // Chunked, cut before the final chunk.
    let s = RawServer::start(|_, _| file_reply(&[b'z'; 5000], None, End::Close)).await;
    let e = client(&s.url).sources().exports().download(SRC, EXP).to_file(&target).await.unwrap_err();
    let Error::Body(cut) = &e else { panic!("{e:?}") };
    assert_eq!((cut.received, cut.expected), (5000, None));
    assert!(e.to_string().contains("broke off after 5000 bytes (no length announced): "), "{e}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[tokio::test]
async fn a_download_given_up_half_way_leaves_no_partial_file() {
    let dir = tempdir("dropped");
    // Sends part of the file, then nothing: the caller stops waiting (a timeout of its own,
    // Ctrl-C in a command-line tool) and drops the download.
    let s = RawServer::start(|_, _| file_reply(&[b'w'; 30_000], Some(100_000), End::Hang)).await;
    let target = dir.join("dropped.jsonl");
    let download = client(&s.url).sources().exports().download(SRC, EXP).to_file(&target);
    let gave_up = tokio::time::timeout(Duration::from_millis(300), download).await;
    assert!(gave_up.is_err(), "the server never finishes");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[tokio::test]
async fn a_stalled_download_hits_the_idle_timeout() {
    let s = RawServer::start(|_, _| file_reply(b"partial", None, End::Hang)).await;
    let d = client(&s.url)
        .sources()
        .exports()
        .download(SRC, EXP)
        .idle_timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap();
    let e = d.bytes().await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e}");
}

#[tokio::test]
async fn not_ready_and_expired_exports_are_distinct_errors() {
    let s = RawServer::start(|_, i| {
        if i == 0 {
            Reply::json(409, &json!({"detail": "Export is not ready yet"}))
        } else {
            Reply::json(410, &json!({"detail": "Export has expired"}))
        }
    })
    .await;
    let c = client(&s.url);
    let e = c.sources().exports().download(SRC, EXP).send().await.unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::Conflict));
    let e = c.sources().exports().download(SRC, EXP).send().await.unwrap_err();
    assert_eq!(e.api_kind(), Some(ApiErrorKind::Gone));
    assert!(e.to_string().contains("expired"));
}

#[tokio::test]
async fn an_export_is_awaited_then_downloaded() {
    let export = |status: &str| {
        common::sample(
            "ExportResponse",
            json!({"id": EXP, "source_connection_id": SRC, "status": status,
            "completed_at": if status == "completed" { json!("2026-07-30T12:00:00Z") } else { json!(null) }, "error": null}),
        )
    };
    let s = RawServer::start(move |req, i| {
        if req.path.ends_with("/download") {
            file_reply(b"{\"id\":1}\n", Some(9), End::Finish)
        } else {
            Reply::json(200, &export(if i < 2 { "running" } else { "completed" }))
        }
    })
    .await;
    let dir = tempdir("wait");
    let poll = WaitOptions::default().with_interval(Duration::from_millis(5), Duration::from_millis(10));
    let n = client(&s.url)
        .sources()
        .exports()
        .wait_and_download(SRC, EXP, dir.join("e.jsonl"))
        .wait_options(poll)
        .send()
        .await
        .unwrap();
    assert_eq!(n, 9);
    assert_eq!(s.requests().iter().filter(|r| !r.path.ends_with("/download")).count(), 3);
}

#[tokio::test]
async fn an_attachment_downloads_with_its_requested_name() {
    let run_id = "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
    let s = RawServer::start(|_, _| Reply {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/pdf".into()),
            ("content-disposition".into(), "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf".into()),
        ],
        chunks: vec![(Duration::ZERO, b"%PDF-1.4 tiny".to_vec())],
        content_length: Some(13),
        end: End::Finish,
    })
    .await;
    let d = client(&s.url)
        .agents()
        .runs()
        .download_attachment(run_id, "YWdlbnQtcnVucy9y")
        .download_name("résumé.pdf")
        .send()
        .await
        .unwrap();
    assert_eq!(d.file_name(), Some("résumé.pdf"));
    assert_eq!(d.bytes().await.unwrap().as_ref(), b"%PDF-1.4 tiny");
    assert_eq!(
        s.requests()[0].path,
        format!("/v2/agent-runs/{run_id}/attachments/YWdlbnQtcnVucy9y?download_name=r%C3%A9sum%C3%A9.pdf")
    );
}

#[tokio::test]
async fn an_upload_that_times_out_reports_the_timeout_that_applied() {
    let url = raw::silent_server().await;
    let file = || UploadFile::bytes(&b"a,b\n1,2\n"[..], "table.csv");
    // The client's timeout (no per-request one): reported as it is, not as 0 s.
    let c = Client::builder()
        .api_key(common::KEY)
        .base_url(&url)
        .max_retries(0)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = c.sources().upload(SRC, file()).send().await.unwrap_err();
    let Error::Timeout { after, context } = &e else { panic!("{e:?}") };
    assert_eq!(*after, Duration::from_millis(300));
    assert_eq!(context.operation, "upload_file_to_source");
    assert!(e.to_string().starts_with("timed out after 300ms (upload_file_to_source POST /sources/"), "{e}");
    // A per-request timeout wins.
    let e = c.sources().upload(SRC, file()).timeout(Duration::from_millis(150)).send().await.unwrap_err();
    assert!(matches!(e, Error::Timeout { after, .. } if after == Duration::from_millis(150)), "{e:?}");
}

#[tokio::test]
async fn a_download_whose_answer_never_starts_times_out_on_the_wait_for_it() {
    let url = raw::silent_server().await;
    let c = Client::builder().api_key(common::KEY).base_url(&url).max_retries(0).build().unwrap();
    let e = c.sources().exports().download(SRC, EXP).timeout(Duration::from_millis(200)).send().await.unwrap_err();
    assert!(matches!(e, Error::Timeout { after, .. } if after == Duration::from_millis(200)), "{e:?}");
    // Without a timeout, the idle timeout bounds the wait for the answer too.
    let e = c.sources().exports().download(SRC, EXP).idle_timeout(Duration::from_millis(250)).send().await.unwrap_err();
    assert!(matches!(e, Error::Timeout { after, .. } if after == Duration::from_millis(250)), "{e:?}");
}
