//! Agent runs beyond plain requests: the event stream of a run, and waiting for its end.
//!
//! The stream is parsed inside the future that reads the body (no task or channel per
//! event), with an idle timeout rather than a total one: a long run is never cut off, while a
//! connection that stalls is noticed. [`RunAndWait`] reads the stream and, when it ends early,
//! reports a timeout or error, or goes idle, falls back to polling the run until the server
//! reports it terminal. It never hands back a snapshot that is still running.

mod output;

pub use output::{FileLocation, MANIFEST_CONTENT_TYPE, RunFile, RunOutput};

use std::borrow::Cow;
use std::fmt::Display;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::Value;

use crate::call::{Call, Operation};
use crate::client::{Request, request_id, transport_error};
use crate::error::{DecodeError, Error, RequestContext, Result};
use crate::idle::IdleBody;
use crate::redact::Secrets;
use crate::resources::AgentRuns;
use crate::sse::{SseDecoder, SseEventRef};
use crate::transport::Expect;
use crate::types::{AgentRunRequest, AgentRunResponse, AgentRunStatus, AgentRunStreamRequest};
use crate::wait::{WaitOptions, poll_until};

/// Whether a run status is final: `completed` or `failed`. `queued`, `waiting_human` and
/// `waiting_scheduled` can last long but are not final, and neither is a status this version
/// does not know.
pub fn is_terminal(status: &AgentRunStatus) -> bool {
    matches!(status, AgentRunStatus::Completed | AgentRunStatus::Failed)
}

/// One event of a run's stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RunEvent {
    /// `init`: the run as it starts (its `run_id` identifies it from now on).
    Init(Box<AgentRunResponse>),
    /// `status`: the run changed status.
    Status(Value),
    /// A step event (`step_started`, `step_completed`, ...): the event name and its data.
    Step {
        /// The event name.
        event: String,
        /// The event's JSON data.
        data: Value,
    },
    /// `stream_token`: a piece of text from a streaming-result step.
    Token(String),
    /// `stream_end`: the streaming-result step finished.
    StreamEnd(Value),
    /// `done`: the run as it ended.
    Done(Box<AgentRunResponse>),
    /// `timeout`: the server stopped streaming; the run goes on and can be polled.
    Timeout {
        /// The run, to poll with `client.agents().runs().get(run_id)`.
        run_id: Option<String>,
        /// The event's JSON data.
        data: Value,
    },
    /// `error`: the stream failed; the run may still finish and can be polled.
    Error {
        /// The run.
        run_id: Option<String>,
        /// The server's message, when it gave one.
        message: Option<String>,
        /// The event's JSON data.
        data: Value,
    },
    /// An event this version does not know, kept as it came.
    Unknown {
        /// The event name.
        event: String,
        /// The raw data.
        data: String,
    },
}

#[derive(Deserialize)]
struct Token<'a> {
    #[serde(borrow)]
    token: Cow<'a, str>,
}

fn json_or_text(data: &[u8]) -> Value {
    serde_json::from_slice(data).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(data).into_owned()))
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(String::from)
}

/// The typed events of a run's stream.
pub struct RunEventStream {
    /// `None` when the server answered JSON (see `single`).
    body: Option<IdleBody>,
    decoder: SseDecoder,
    context: RequestContext,
    request_id: Option<String>,
    run_id: Option<String>,
    secrets: Secrets,
    /// A JSON answer instead of a stream: its one event.
    single: Option<Result<RunEvent>>,
    finished: bool,
    /// When the client records: the cassette being filled, written when the stream ends.
    #[cfg(feature = "record")]
    tape: Option<(crate::Client, crate::cassette::Cassette, Vec<u8>)>,
}

impl std::fmt::Debug for RunEventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunEventStream")
            .field("run_id", &self.run_id)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl RunEventStream {
    /// The run id, once an event has named it.
    pub fn run_id(&self) -> Option<&str> {
        self.run_id.as_deref()
    }

    /// Only the text tokens.
    pub fn tokens(self) -> Tokens {
        Tokens { events: self }
    }
}

/// The text tokens of a run's stream (see [`RunEventStream::tokens`]).
#[derive(Debug)]
pub struct Tokens {
    events: RunEventStream,
}

impl Tokens {
    /// The run id, once an event has named it.
    pub fn run_id(&self) -> Option<&str> {
        self.events.run_id()
    }
}

impl Stream for Tokens {
    type Item = Result<String>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<String>>> {
        loop {
            match futures::ready!(Pin::new(&mut self.events).poll_next(cx)) {
                Some(Ok(RunEvent::Token(t))) => return Poll::Ready(Some(Ok(t))),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }
}

/// What a run stream knows besides its bytes: for errors, and the run id.
struct Origin<'a> {
    context: &'a RequestContext,
    request_id: &'a Option<String>,
    run_id: &'a mut Option<String>,
    secrets: &'a Secrets,
}

impl Origin<'_> {
    fn decode_error(&self, e: &SseEventRef<'_>, path: String, message: String) -> Error {
        let path = format!("event `{}` data: {path}", e.event);
        DecodeError::error(self.context.clone(), 200, path, message, e.data, self.request_id.clone(), self.secrets)
    }

    fn decode_run(&self, e: &SseEventRef<'_>) -> Result<Box<AgentRunResponse>> {
        serde_json::from_slice::<AgentRunResponse>(e.data).map(Box::new).map_err(|first| {
            let de = &mut serde_json::Deserializer::from_slice(e.data);
            let (path, message) = match serde_path_to_error::deserialize::<_, AgentRunResponse>(de) {
                Err(err) => (err.path().to_string(), err.into_inner().to_string()),
                Ok(_) => (".".into(), first.to_string()),
            };
            self.decode_error(e, path, message)
        })
    }

    /// The typed event of a decoded SSE event.
    fn convert(&mut self, e: SseEventRef<'_>) -> Result<RunEvent> {
        let event = match e.event {
            "init" => {
                let run = self.decode_run(&e)?;
                *self.run_id = Some(run.run_id.clone());
                RunEvent::Init(run)
            }
            "done" => {
                let run = self.decode_run(&e)?;
                self.run_id.get_or_insert_with(|| run.run_id.clone());
                RunEvent::Done(run)
            }
            "stream_token" => match serde_json::from_slice::<Token>(e.data) {
                Ok(t) => RunEvent::Token(t.token.into_owned()),
                Err(err) => return Err(self.decode_error(&e, "token".into(), err.to_string())),
            },
            "stream_end" => RunEvent::StreamEnd(json_or_text(e.data)),
            "status" => RunEvent::Status(json_or_text(e.data)),
            "timeout" => {
                let data = json_or_text(e.data);
                RunEvent::Timeout { run_id: str_field(&data, "run_id").or_else(|| self.run_id.clone()), data }
            }
            "error" => {
                let data = json_or_text(e.data);
                let message = str_field(&data, "error")
                    .or_else(|| str_field(&data, "message"))
                    .or_else(|| data.as_str().map(String::from))
                    .map(|m| self.secrets.redact(&m).into_owned());
                RunEvent::Error { run_id: str_field(&data, "run_id").or_else(|| self.run_id.clone()), message, data }
            }
            name if name.starts_with("step") => RunEvent::Step { event: name.to_string(), data: json_or_text(e.data) },
            name => RunEvent::Unknown { event: name.to_string(), data: String::from_utf8_lossy(e.data).into_owned() },
        };
        if self.run_id.is_none()
            && let RunEvent::Status(v) | RunEvent::Step { data: v, .. } | RunEvent::StreamEnd(v) = &event
        {
            *self.run_id = str_field(v, "run_id");
        }
        Ok(event)
    }
}

impl RunEventStream {
    /// Writes the recorded stream as a cassette (when the client records).
    fn write_tape(&mut self) {
        #[cfg(feature = "record")]
        if let Some((client, mut cassette, text)) = self.tape.take() {
            cassette.response.text = Some(String::from_utf8_lossy(&text).into_owned());
            client.write_cassette(cassette);
        }
    }
}

impl Stream for RunEventStream {
    type Item = Result<RunEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(single) = this.single.take() {
            this.finished = true;
            return Poll::Ready(Some(single));
        }
        loop {
            if let Some(event) = this.decoder.next_ref() {
                let mut origin = Origin {
                    context: &this.context,
                    request_id: &this.request_id,
                    run_id: &mut this.run_id,
                    secrets: &this.secrets,
                };
                return Poll::Ready(Some(origin.convert(event)));
            }
            if this.decoder.overflowed() {
                this.finished = true;
                this.body = None;
                this.write_tape();
                return Poll::Ready(Some(Err(Error::Protocol {
                    operation: this.context.operation,
                    message: format!("an event of the stream exceeds {} MiB", crate::sse::MAX_EVENT_BYTES >> 20),
                })));
            }
            if this.finished {
                return Poll::Ready(None);
            }
            let Some(body) = this.body.as_mut() else {
                this.finished = true;
                return Poll::Ready(None);
            };
            match Pin::new(body).poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    this.decoder.push(&chunk);
                    #[cfg(feature = "record")]
                    if let Some((_, _, text)) = this.tape.as_mut() {
                        text.extend_from_slice(&chunk);
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    this.finished = true;
                    this.write_tape();
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    this.finished = true;
                    this.write_tape();
                    if this.decoder.has_partial_event() {
                        return Poll::Ready(Some(Err(Error::Protocol {
                            operation: this.context.operation,
                            message: "the event stream ended in the middle of an event".into(),
                        })));
                    }
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

static STREAM_RUN: Operation = Operation { id: "run_streaming_agent", method: reqwest::Method::POST, pagination: None };

/// Builder of `agents.runs.stream` (`POST /agents/{agent_id}/runs/stream`): starts a priority
/// run and streams its events.
#[derive(Debug, Clone)]
#[must_use = "call `.send()` to start the run"]
pub struct StreamRun {
    call: Call,
    body: std::result::Result<AgentRunStreamRequest, String>,
    idle_timeout: Option<Duration>,
}

impl StreamRun {
    /// Fails the stream when no byte (not even a keep-alive) arrives for this long
    /// (default: the client's `stream_idle_timeout`, 60 s).
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.idle_timeout = Some(idle);
        self
    }

    crate::call::retries_and_headers!();

    /// Starts the run and returns its event stream.
    pub async fn send(mut self) -> Result<RunEventStream> {
        self.call.json_body(self.body, &[]);
        self.call.check()?;
        let idle = self.idle_timeout.unwrap_or(self.call.client.stream_idle_timeout());
        let context =
            RequestContext { operation: STREAM_RUN.id, method: reqwest::Method::POST, path: self.call.path.clone() };
        let request = Request {
            total_timeout: false,
            accept: Some("text/event-stream"),
            expect: Expect::EventStream,
            ..self.call.request()
        };
        #[cfg(feature = "record")]
        let recording = self.call.client.is_recording().then(|| request.clone());
        let response = self.call.client.execute(request).await?;
        let secrets = self.call.client.secrets().clone();
        let request_id = request_id(response.headers(), &secrets);
        let is_json = crate::transport::content_type(response.headers()).is_some_and(crate::transport::is_json);
        let mut stream = RunEventStream {
            body: None,
            decoder: SseDecoder::new(),
            context: context.clone(),
            request_id: request_id.clone(),
            run_id: None,
            secrets: secrets.clone(),
            single: None,
            finished: false,
            #[cfg(feature = "record")]
            tape: None,
        };
        if is_json {
            // Some deployments answer the run itself instead of a stream.
            let bytes = tokio::time::timeout(idle, response.bytes())
                .await
                .map_err(|_| Error::Timeout { context: context.clone(), after: idle })?
                .map_err(|e| transport_error(e, context.clone(), Some(idle)))?;
            let run: AgentRunResponse =
                crate::client::decode_json(&bytes, reqwest::StatusCode::OK, &secrets, || (context, request_id))?;
            stream.run_id = Some(run.run_id.clone());
            let terminal = is_terminal(&run.status);
            stream.single =
                Some(Ok(if terminal { RunEvent::Done(Box::new(run)) } else { RunEvent::Init(Box::new(run)) }));
        } else {
            #[cfg(feature = "record")]
            if let Some(req) = recording {
                let cassette = crate::cassette::from_exchange(
                    &req,
                    self.call.client.client_headers(),
                    200,
                    response.headers(),
                    b"",
                );
                stream.tape = Some((self.call.client.clone(), cassette, Vec::new()));
            }
            stream.body = Some(IdleBody::new(response, idle, context));
        }
        Ok(stream)
    }
}

/// How [`RunAndWait`] got its result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Completion {
    /// From the stream's `done` event.
    Stream,
    /// From polling the run, after the stream stopped short for this reason.
    Polling(FallbackReason),
}

/// Why [`RunAndWait`] fell back to polling.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FallbackReason {
    /// The stream ended without a `done` event (or was cut in the middle of one).
    EndedEarly,
    /// The server sent a `timeout` event.
    TimeoutEvent,
    /// The server sent an `error` event, with its message.
    ErrorEvent(Option<String>),
    /// No byte arrived within the idle timeout.
    Idle,
    /// The connection broke.
    Disconnected(String),
    /// `done` carried a status that is not final.
    NotTerminal,
}

/// A run that the server reported terminal, and how it was obtained.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FinishedRun {
    /// The run; `failed` is a normal outcome, reported here as data.
    pub run: AgentRunResponse,
    /// Whether it came from the stream or from polling.
    pub completion: Completion,
}

/// Builder of `run_and_wait`: starts a streaming run and waits for its end.
#[derive(Debug, Clone)]
#[must_use = "call `.send()` to start the run"]
pub struct RunAndWait {
    stream: StreamRun,
    poll: WaitOptions,
}

impl RunAndWait {
    /// The longest the whole wait may take (default 30 minutes); passing it is an error that
    /// carries the last state seen.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.poll.deadline = deadline;
        self
    }

    /// How to poll after a fallback.
    pub fn poll_options(mut self, options: WaitOptions) -> Self {
        self.poll = options;
        self
    }

    /// See [`StreamRun::idle_timeout`].
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.stream = self.stream.idle_timeout(idle);
        self
    }

    /// Starts the run and returns it once the server reports it terminal.
    pub async fn send(self) -> Result<FinishedRun> {
        let RunAndWait { stream, poll } = self;
        let started = Instant::now();
        let deadline = poll.deadline;
        let client = stream.call.client.clone();
        let mut last: Option<Box<AgentRunResponse>> = None;
        let streamed = tokio::time::timeout(deadline, async {
            let mut events = stream.send().await?;
            let reason = loop {
                match events.next().await {
                    Some(Ok(RunEvent::Done(run))) => {
                        if is_terminal(&run.status) {
                            return Ok(Ok(*run));
                        }
                        last = Some(run);
                        break FallbackReason::NotTerminal;
                    }
                    Some(Ok(RunEvent::Init(run))) => last = Some(run),
                    Some(Ok(RunEvent::Timeout { .. })) => break FallbackReason::TimeoutEvent,
                    Some(Ok(RunEvent::Error { message, .. })) => break FallbackReason::ErrorEvent(message),
                    Some(Ok(_)) => {}
                    // A `done` or `init` that does not decode is an error, never swallowed.
                    Some(Err(e @ Error::Decode(_))) => return Err(e),
                    Some(Err(Error::Timeout { .. })) => break FallbackReason::Idle,
                    Some(Err(Error::Protocol { .. })) | None => break FallbackReason::EndedEarly,
                    Some(Err(e)) => break FallbackReason::Disconnected(e.to_string()),
                }
            };
            Ok(Err((events.run_id().map(String::from), reason)))
        })
        .await;
        let (run_id, reason) = match streamed {
            Ok(Ok(Ok(run))) => return Ok(FinishedRun { run, completion: Completion::Stream }),
            Ok(Ok(Err(fallback))) => fallback,
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                return Err(Error::WaitTimeout {
                    what: "the agent run's stream".into(),
                    waited: started.elapsed(),
                    last_state: last.map_or("null".into(), |r| serde_json::to_string(&r).unwrap_or_default()),
                });
            }
        };
        let run_id = run_id.or_else(|| last.as_ref().map(|r| r.run_id.clone())).ok_or_else(|| Error::Protocol {
            operation: STREAM_RUN.id,
            message: format!("the stream stopped ({reason:?}) before naming the run, so it cannot be polled"),
        })?;
        tracing::info!(run_id, ?reason, "the run's stream stopped short; polling the run");
        let remaining = deadline.saturating_sub(started.elapsed());
        let options = WaitOptions { deadline: remaining, ..poll };
        let run = wait_for_run(&client.agents().runs(), &run_id, &options).await?;
        Ok(FinishedRun { run, completion: Completion::Polling(reason) })
    }
}

/// Polls a run until it is terminal.
async fn wait_for_run(runs: &AgentRuns, run_id: &str, options: &WaitOptions) -> Result<AgentRunResponse> {
    poll_until(
        options,
        &format!("agent run {run_id}"),
        || runs.get(run_id).send(),
        |r: &AgentRunResponse| is_terminal(&r.status),
    )
    .await
}

/// Builder of `run_and_poll`: starts a run (`POST /agents/{agent_id}/runs`) and polls it.
#[derive(Debug, Clone)]
#[must_use = "call `.send()` to start the run"]
pub struct RunAndPoll {
    start: crate::ops::RunAgent,
    runs: AgentRuns,
    poll: WaitOptions,
}

impl RunAndPoll {
    /// The longest the wait may take (default 30 minutes).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.poll.deadline = deadline;
        self
    }

    /// How to poll.
    pub fn poll_options(mut self, options: WaitOptions) -> Self {
        self.poll = options;
        self
    }

    /// Starts the run and returns it once terminal (a `failed` run is returned, not an error).
    pub async fn send(self) -> Result<AgentRunResponse> {
        let started = self.start.send().await?;
        if is_terminal(&started.status) {
            return Ok(started);
        }
        wait_for_run(&self.runs, &started.run_id, &self.poll).await
    }
}

impl AgentRuns {
    /// Starts a priority run and streams its events (`POST /agents/{agent_id}/runs/stream`).
    ///
    /// ```no_run
    /// # async fn demo(client: seclai::Client) -> seclai::Result<()> {
    /// use futures::TryStreamExt;
    /// use seclai::runs::RunEvent;
    ///
    /// let body = seclai::types::AgentRunStreamRequest::builder().input(Some("Summarize today's notes".to_string()));
    /// let mut events = client.agents().runs().stream("agent-id", body).send().await?;
    /// while let Some(event) = events.try_next().await? {
    ///     match event {
    ///         RunEvent::Token(t) => print!("{t}"),
    ///         RunEvent::Done(run) => println!("\n{} credits", run.credits.unwrap_or(0.0)),
    ///         _ => {}
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream<B>(&self, agent_id: impl AsRef<str>, body: B) -> StreamRun
    where
        B: TryInto<AgentRunStreamRequest>,
        B::Error: Display,
    {
        let mut call = Call::new(self.client.clone(), &STREAM_RUN);
        let segment = call.segment("agent_id", agent_id.as_ref(), false);
        call.path = format!("/agents/{segment}/runs/stream");
        StreamRun { call, body: body.try_into().map_err(|e| e.to_string()), idle_timeout: None }
    }

    /// Starts a streaming run and returns it once the server reports it terminal, falling
    /// back to polling when the stream stops short. See [`RunAndWait`].
    ///
    /// ```no_run
    /// # async fn demo(client: seclai::Client) -> seclai::Result<()> {
    /// let body = seclai::types::AgentRunStreamRequest::builder().input(Some("hello".to_string()));
    /// let done = client.agents().runs().run_and_wait("agent-id", body).deadline(std::time::Duration::from_secs(600)).send().await?;
    /// println!("{}: {:?}", done.run.status, done.run.output);
    /// # Ok(()) }
    /// ```
    pub fn run_and_wait<B>(&self, agent_id: impl AsRef<str>, body: B) -> RunAndWait
    where
        B: TryInto<AgentRunStreamRequest>,
        B::Error: Display,
    {
        RunAndWait { stream: self.stream(agent_id, body), poll: WaitOptions::default() }
    }

    /// Starts a run with `POST /agents/{agent_id}/runs` and polls it until it is terminal.
    pub fn run_and_poll<B>(&self, agent_id: impl AsRef<str>, body: B) -> RunAndPoll
    where
        B: TryInto<AgentRunRequest>,
        B::Error: Display,
    {
        RunAndPoll { start: self.create(agent_id, body), runs: self.clone(), poll: WaitOptions::default() }
    }

    /// Polls an existing run until it is terminal.
    pub async fn wait(&self, run_id: &str, options: &WaitOptions) -> Result<AgentRunResponse> {
        wait_for_run(self, run_id, options).await
    }
}
