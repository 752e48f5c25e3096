//! Streaming runs over loopback: typed events, every way a stream can go wrong, and the
//! fallback of `run_and_wait` to polling.

mod common;
#[path = "common/raw.rs"]
mod raw;

use std::time::Duration;

use common::run;
use futures::{StreamExt, TryStreamExt};
use raw::{End, RawServer, Reply};
use seclai::runs::{Completion, FallbackReason, RunEvent};
use seclai::sse::SseDecoder;
use seclai::{Client, Error, types};
use serde_json::json;

const RUN: &str = "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

fn event(name: &str, data: serde_json::Value) -> Vec<u8> {
    format!("event: {name}\ndata: {data}\n\n").into_bytes()
}

fn client(url: &str) -> Client {
    Client::builder().api_key(common::KEY).base_url(url).retry_policy(common::fast_retries()).build().unwrap()
}

fn body() -> types::builder::AgentRunStreamRequest {
    types::AgentRunStreamRequest::builder().input("Summarize the release")
}

/// A realistic stream: keep-alive, init, status, a step, tokens, stream end, done.
fn full_stream() -> Vec<u8> {
    let mut s = b": keepalive\n\n".to_vec();
    s.extend(event("init", run(RUN, "pending")));
    s.extend(event("status", json!({"run_id": RUN, "status": "processing"})));
    s.extend(event("step_started", json!({"run_id": RUN, "step_id": "s1", "step_type": "streaming_result"})));
    for t in ["The ", "release ", "adds ", "exports."] {
        s.extend(event("stream_token", json!({"token": t})));
    }
    s.extend(event("stream_end", json!({"run_id": RUN})));
    s.extend(event("done", run(RUN, "completed")));
    s
}

/// Serves `POST /agents/a1/runs/stream` with `stream`, and `GET /agents/runs/RUN` with `polled`.
async fn server(stream: Reply, polled: &'static str) -> RawServer {
    RawServer::start(move |req, _| {
        if req.method == "POST" && req.path == "/agents/a1/runs/stream" {
            stream.clone()
        } else if req.method == "GET" && req.path == format!("/agents/runs/{RUN}") {
            Reply::json(200, &run(RUN, polled))
        } else {
            Reply::json(404, &json!({"detail": "not found"}))
        }
    })
    .await
}

fn whole(bytes: Vec<u8>) -> Reply {
    Reply::sse(vec![(Duration::ZERO, bytes)], End::Finish)
}

#[tokio::test]
async fn a_stream_yields_typed_events_in_order() {
    let s = server(whole(full_stream()), "completed").await;
    let events: Vec<RunEvent> =
        client(&s.url).agents().runs().stream("a1", body()).send().await.unwrap().try_collect().await.unwrap();
    assert!(matches!(&events[0], RunEvent::Init(r) if r.run_id == RUN && r.status == types::AgentRunStatus::Pending));
    assert!(matches!(&events[1], RunEvent::Status(v) if v["status"] == "processing"));
    assert!(matches!(&events[2], RunEvent::Step { event, .. } if event == "step_started"));
    let tokens: String =
        events.iter().filter_map(|e| if let RunEvent::Token(t) = e { Some(t.as_str()) } else { None }).collect();
    assert_eq!(tokens, "The release adds exports.");
    assert!(
        matches!(events.last(), Some(RunEvent::Done(r)) if r.output.as_deref() == Some("The release adds exports."))
    );
    let req = &s.requests()[0];
    assert_eq!(req.header("accept"), Some("text/event-stream"));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&req.body).unwrap()["input"], "Summarize the release");
}

#[tokio::test]
async fn the_token_helper_yields_only_text_even_when_split_across_chunks() {
    let bytes = full_stream();
    // Chunks of 7 bytes: every event straddles chunk boundaries.
    let chunks = bytes.chunks(7).map(|c| (Duration::ZERO, c.to_vec())).collect();
    let s = server(Reply::sse(chunks, End::Finish), "completed").await;
    let text: Vec<String> =
        client(&s.url).agents().runs().stream("a1", body()).send().await.unwrap().tokens().try_collect().await.unwrap();
    assert_eq!(text.concat(), "The release adds exports.");
}

#[test]
fn every_split_of_a_recorded_stream_yields_the_same_events() {
    let text = full_stream();
    let decode = |cuts: &[usize]| {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        let mut last = 0;
        for &c in cuts.iter().chain(std::iter::once(&text.len())) {
            d.push(&text[last..c]);
            last = c;
            while let Some(e) = d.next_event() {
                out.push(e);
            }
        }
        out
    };
    let reference = decode(&[]);
    assert_eq!(reference.len(), 9);
    // Every single cut, and 3000 random multi-cuts (seeded: reproducible).
    for i in 0..=text.len() {
        assert_eq!(decode(&[i]), reference, "cut at {i}");
    }
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..3000 {
        let mut cuts: Vec<usize> = (0..rng.usize(1..20)).map(|_| rng.usize(0..=text.len())).collect();
        cuts.sort_unstable();
        assert_eq!(decode(&cuts), reference, "cuts {cuts:?}");
    }
}

#[test]
fn every_split_of_each_recorded_cassette_stream_yields_the_same_events() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../cassettes/run_streaming_agent");
    let mut streams = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let c = seclai::cassette::Cassette::load(&entry.path()).unwrap();
        let Some(text) = c.response.text else { continue };
        let bytes = text.into_bytes();
        let decode = |cuts: &[usize]| {
            let mut d = SseDecoder::new();
            let (mut out, mut last) = (Vec::new(), 0);
            for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
                d.push(&bytes[last..cut]);
                last = cut;
                while let Some(e) = d.next_event() {
                    out.push(e);
                }
            }
            out
        };
        let reference = decode(&[]);
        assert!(!reference.is_empty(), "{}", entry.path().display());
        for i in 0..=bytes.len() {
            assert_eq!(decode(&[i]), reference, "{} cut at {i}", entry.path().display());
        }
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..500 {
            let mut cuts: Vec<usize> = (0..rng.usize(2..40)).map(|_| rng.usize(0..=bytes.len())).collect();
            cuts.sort_unstable();
            assert_eq!(decode(&cuts), reference, "{} cuts {cuts:?}", entry.path().display());
        }
        streams += 1;
    }
    assert!(streams >= 5, "the recorded streams: {streams}");
}

#[tokio::test]
async fn an_unknown_event_in_the_middle_is_kept_and_the_stream_goes_on() {
    let mut bytes = event("init", run(RUN, "pending"));
    bytes.extend(event("tool_call_started", json!({"tool": "search", "args": {"q": "x"}})));
    bytes.extend(event("stream_token", json!({"token": "ok"})));
    bytes.extend(event("done", run(RUN, "completed")));
    let s = server(whole(bytes), "completed").await;
    let events: Vec<RunEvent> =
        client(&s.url).agents().runs().stream("a1", body()).send().await.unwrap().try_collect().await.unwrap();
    assert_eq!(events.len(), 4);
    assert!(
        matches!(&events[1], RunEvent::Unknown { event, data } if event == "tool_call_started" && data.contains("search"))
    );
    assert!(matches!(&events[3], RunEvent::Done(_)));
}

#[tokio::test]
async fn run_and_wait_returns_the_done_run_from_the_stream() {
    let s = server(whole(full_stream()), "completed").await;
    let done = client(&s.url).agents().runs().run_and_wait("a1", body()).send().await.unwrap();
    assert_eq!(done.completion, Completion::Stream);
    assert_eq!(done.run.status, types::AgentRunStatus::Completed);
    assert_eq!(s.requests().len(), 1, "no polling needed");
}

#[tokio::test]
async fn an_error_event_falls_back_to_polling() {
    let mut bytes = event("init", run(RUN, "pending"));
    bytes.extend(event("stream_token", json!({"token": "The "})));
    bytes.extend(event("error", json!({"run_id": RUN, "error": "Model provider unavailable"})));
    let s = server(whole(bytes.clone()), "failed").await;
    let events: Vec<RunEvent> =
        client(&s.url).agents().runs().stream("a1", body()).send().await.unwrap().try_collect().await.unwrap();
    assert!(
        matches!(events.last(), Some(RunEvent::Error { run_id: Some(r), message: Some(m), .. }) if r == RUN && m.contains("unavailable"))
    );

    let s = server(whole(bytes), "failed").await;
    let done = client(&s.url).agents().runs().run_and_wait("a1", body()).send().await.unwrap();
    assert_eq!(
        done.completion,
        Completion::Polling(FallbackReason::ErrorEvent(Some("Model provider unavailable".into())))
    );
    assert_eq!(done.run.status, types::AgentRunStatus::Failed, "a failed run is data, not an error");
}

#[tokio::test]
async fn a_timeout_event_falls_back_to_polling() {
    let mut bytes = event("init", run(RUN, "pending"));
    bytes.extend(event("timeout", json!({"run_id": RUN, "message": "stream window closed"})));
    let s = server(whole(bytes), "completed").await;
    let done = client(&s.url).agents().runs().run_and_wait("a1", body()).send().await.unwrap();
    assert_eq!(done.completion, Completion::Polling(FallbackReason::TimeoutEvent));
    assert_eq!(done.run.status, types::AgentRunStatus::Completed);
}

#[tokio::test]
async fn a_stream_cut_in_the_middle_of_an_event_falls_back_to_polling() {
    let mut bytes = event("init", run(RUN, "pending"));
    bytes.extend(b"event: done\ndata: {\"run_id\":\"".to_vec());
    // The connection drops in the middle of `done`.
    let s = server(Reply::sse(vec![(Duration::ZERO, bytes.clone())], End::Close), "completed").await;
    let mut events = client(&s.url).agents().runs().stream("a1", body()).send().await.unwrap();
    assert!(matches!(events.next().await, Some(Ok(RunEvent::Init(_)))));
    assert!(events.next().await.unwrap().is_err(), "the cut is reported, not swallowed");

    let s = server(Reply::sse(vec![(Duration::ZERO, bytes.clone())], End::Close), "completed").await;
    let done = client(&s.url).agents().runs().run_and_wait("a1", body()).send().await.unwrap();
    assert!(
        matches!(done.completion, Completion::Polling(FallbackReason::Disconnected(_) | FallbackReason::EndedEarly)),
        "{:?}",
        done.completion
    );
    assert_eq!(done.run.status, types::AgentRunStatus::Completed);

    // A complete HTTP body whose last event is incomplete.
    let s = server(whole(bytes), "completed").await;
    let done = client(&s.url).agents().runs().run_and_wait("a1", body()).send().await.unwrap();
    assert_eq!(done.completion, Completion::Polling(FallbackReason::EndedEarly));
}

#[tokio::test]
async fn an_idle_stream_times_out_and_falls_back_to_polling() {
    let mut bytes = event("init", run(RUN, "processing"));
    bytes.extend(b": keepalive\n\n".to_vec());
    let s = server(Reply::sse(vec![(Duration::ZERO, bytes)], End::Hang), "completed").await;
    let c = client(&s.url);
    let mut events =
        c.agents().runs().stream("a1", body()).idle_timeout(Duration::from_millis(300)).send().await.unwrap();
    assert!(matches!(events.next().await, Some(Ok(RunEvent::Init(_)))));
    let started = std::time::Instant::now();
    let e = events.next().await.unwrap().unwrap_err();
    assert!(matches!(e, Error::Timeout { after, .. } if after == Duration::from_millis(300)), "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(events.next().await.is_none());

    let done =
        c.agents().runs().run_and_wait("a1", body()).idle_timeout(Duration::from_millis(300)).send().await.unwrap();
    assert_eq!(done.completion, Completion::Polling(FallbackReason::Idle));
}

#[tokio::test]
async fn keep_alives_keep_a_slow_stream_open_longer_than_the_idle_timeout() {
    // 6 keep-alives 150 ms apart: 900 ms in all, with a 400 ms idle timeout.
    let mut chunks = vec![(Duration::ZERO, event("init", run(RUN, "pending")))];
    for _ in 0..6 {
        chunks.push((Duration::from_millis(150), b": keepalive\n\n".to_vec()));
    }
    chunks.push((Duration::from_millis(150), event("done", run(RUN, "completed"))));
    let s = server(Reply::sse(chunks, End::Finish), "completed").await;
    let done = client(&s.url)
        .agents()
        .runs()
        .run_and_wait("a1", body())
        .idle_timeout(Duration::from_millis(400))
        .send()
        .await
        .unwrap();
    assert_eq!(done.completion, Completion::Stream);
}

#[tokio::test]
async fn keep_alive_only_then_end_is_an_early_end_without_a_run() {
    let s = server(whole(b": keepalive\n\n: keepalive\n\n".to_vec()), "completed").await;
    let c = client(&s.url);
    let events: Vec<RunEvent> =
        c.agents().runs().stream("a1", body()).send().await.unwrap().try_collect().await.unwrap();
    assert!(events.is_empty());
    let e = c.agents().runs().run_and_wait("a1", body()).send().await.unwrap_err();
    assert!(matches!(e, Error::Protocol { .. }) && e.to_string().contains("before naming the run"), "{e}");
}

#[tokio::test]
async fn a_done_that_does_not_decode_is_an_error_not_a_silent_fallback() {
    let mut bytes = event("init", run(RUN, "pending"));
    bytes.extend(event("done", json!({"run_id": RUN, "status": "completed", "error_count": "many"})));
    let s = server(whole(bytes), "completed").await;
    let e = client(&s.url).agents().runs().run_and_wait("a1", body()).send().await.unwrap_err();
    assert!(matches!(&e, Error::Decode(d) if d.path.contains("done") && d.path.contains("error_count")), "{e}");
}

#[tokio::test]
async fn a_done_that_is_not_terminal_is_polled_not_returned() {
    let mut bytes = event("init", run(RUN, "pending"));
    bytes.extend(event("done", run(RUN, "waiting_human")));
    let s = server(whole(bytes), "completed").await;
    let done = client(&s.url).agents().runs().run_and_wait("a1", body()).send().await.unwrap();
    assert_eq!(done.completion, Completion::Polling(FallbackReason::NotTerminal));
    assert_eq!(done.run.status, types::AgentRunStatus::Completed);
}

#[tokio::test]
async fn a_json_answer_instead_of_a_stream_is_the_final_run() {
    let s = server(Reply::json(200, &run(RUN, "completed")), "completed").await;
    let c = client(&s.url);
    let events: Vec<RunEvent> =
        c.agents().runs().stream("a1", body()).send().await.unwrap().try_collect().await.unwrap();
    assert!(matches!(events.as_slice(), [RunEvent::Done(r)] if r.run_id == RUN));
    let done = c.agents().runs().run_and_wait("a1", body()).send().await.unwrap();
    assert_eq!(done.completion, Completion::Stream);
}

#[tokio::test]
async fn insufficient_credits_before_the_stream_starts_is_a_typed_error() {
    let s = RawServer::start(|_, _| {
        Reply::json(
            402,
            &json!({"detail": {"error": "insufficient_credits", "message": "No credits left", "account_id": "acc"}}),
        )
    })
    .await;
    let e = client(&s.url).agents().runs().run_and_wait("a1", body()).send().await.unwrap_err();
    assert_eq!(e.api_kind(), Some(seclai::ApiErrorKind::InsufficientCredits));
    assert_eq!(s.requests().len(), 1, "starting a run is not retried");
}

#[tokio::test]
async fn the_deadline_bounds_the_whole_wait_and_keeps_the_last_state() {
    let bytes = event("init", run(RUN, "pending"));
    let s = server(Reply::sse(vec![(Duration::ZERO, bytes)], End::Close), "waiting_human").await;
    let poll = seclai::WaitOptions::default()
        .with_interval(Duration::from_millis(20), Duration::from_millis(40))
        .with_deadline(Duration::from_millis(400));
    let e = client(&s.url).agents().runs().run_and_wait("a1", body()).wait_options(poll).send().await.unwrap_err();
    match e {
        Error::WaitTimeout { last_state, .. } => assert!(last_state.contains("waiting_human"), "{last_state}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn run_and_poll_creates_once_and_polls_to_the_end() {
    let s = RawServer::start(|req, _| {
        if req.method == "POST" {
            Reply::json(200, &run(RUN, "queued"))
        } else {
            Reply::json(200, &run(RUN, if rand_done() { "completed" } else { "processing" }))
        }
    })
    .await;
    let poll = seclai::WaitOptions::default().with_interval(Duration::from_millis(5), Duration::from_millis(10));
    let r = client(&s.url)
        .agents()
        .runs()
        .run_and_poll("a1", types::AgentRunRequest::builder())
        .wait_options(poll)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status, types::AgentRunStatus::Completed);
    let posts = s.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 1);
}

/// Completes on the third poll.
fn rand_done() -> bool {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static POLLS: AtomicUsize = AtomicUsize::new(0);
    POLLS.fetch_add(1, Ordering::SeqCst) >= 2
}

#[test]
fn terminal_statuses_come_from_the_spec() {
    use seclai::runs::is_terminal;
    use types::AgentRunStatus as S;
    assert!(is_terminal(&S::Completed) && is_terminal(&S::Failed));
    for s in [S::Pending, S::Processing, S::Queued, S::WaitingHuman, S::WaitingScheduled, S::from("archived")] {
        assert!(!is_terminal(&s), "{s}");
    }
}

#[tokio::test]
async fn a_stream_whose_answer_never_starts_times_out_on_the_wait_for_it() {
    let url = raw::silent_server().await;
    let c = Client::builder().api_key(common::KEY).base_url(&url).max_retries(0).build().unwrap();
    let body = || types::AgentRunStreamRequest::builder().input("go");
    let e = c.agents().runs().stream("a1", body()).timeout(Duration::from_millis(200)).send().await.unwrap_err();
    let Error::Timeout { after, context } = &e else { panic!("{e:?}") };
    assert_eq!((*after, context.operation), (Duration::from_millis(200), "run_streaming_agent"));
    let e = c.agents().runs().stream("a1", body()).idle_timeout(Duration::from_millis(250)).send().await.unwrap_err();
    assert!(matches!(e, Error::Timeout { after, .. } if after == Duration::from_millis(250)), "{e:?}");
}

#[tokio::test]
async fn run_and_wait_passes_over_tokens_undecoded_and_keeps_its_fallback_rules() {
    // Token events whose data is not even JSON: `stream()` reports the first one, while
    // `run_and_wait`, which never looks at the text, passes over them by name.
    let mut bytes = event("init", run(RUN, "pending"));
    for _ in 0..3 {
        bytes.extend(b"event: stream_token\ndata: not json {\n\n".to_vec());
    }
    bytes.extend(event("done", run(RUN, "completed")));
    let s = server(whole(bytes.clone()), "completed").await;
    let c = client(&s.url);
    let mut events = c.agents().runs().stream("a1", body()).send().await.unwrap();
    assert!(matches!(events.next().await, Some(Ok(RunEvent::Init(_)))));
    assert!(matches!(events.next().await, Some(Err(Error::Decode(_)))), "a bad token is an error when read");
    let done = c.agents().runs().run_and_wait("a1", body()).send().await.unwrap();
    assert_eq!(done.completion, Completion::Stream);
    assert_eq!(done.run.status, types::AgentRunStatus::Completed);

    // No `init`: the run is named by a status event; tokens follow, then the stream ends early.
    // The run id still comes from the status event, and the run is polled.
    let mut bytes = event("status", json!({"run_id": RUN, "status": "processing"}));
    for t in ["a", "b"] {
        bytes.extend(event("stream_token", json!({"token": t})));
    }
    let s = server(whole(bytes), "completed").await;
    let done = client(&s.url).agents().runs().run_and_wait("a1", body()).send().await.unwrap();
    assert_eq!(done.completion, Completion::Polling(FallbackReason::EndedEarly));
    assert_eq!(s.requests().len(), 2, "the stream, then one poll of the run the status named");

    // A `done` after many tokens in small chunks (events cut across chunk boundaries).
    let mut bytes = event("init", run(RUN, "pending"));
    for i in 0..500 {
        bytes.extend(event("stream_token", json!({"token": format!("w{i} ")})));
    }
    bytes.extend(event("done", run(RUN, "completed")));
    let chunks: Vec<(Duration, Vec<u8>)> = bytes.chunks(7).map(|c| (Duration::ZERO, c.to_vec())).collect();
    let s = server(Reply::sse(chunks.clone(), End::Finish), "failed").await;
    let done = client(&s.url).agents().runs().run_and_wait("a1", body()).send().await.unwrap();
    assert_eq!((done.completion, done.run.status), (Completion::Stream, types::AgentRunStatus::Completed));
    let s = server(Reply::sse(chunks, End::Finish), "failed").await;
    let tokens: Vec<String> =
        client(&s.url).agents().runs().stream("a1", body()).send().await.unwrap().tokens().try_collect().await.unwrap();
    assert_eq!(tokens.len(), 500);
    assert_eq!(tokens[499], "w499 ");
}
