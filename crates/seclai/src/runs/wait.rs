//! Waiting for a run's end: reading its stream, or polling it, or both.
//!
//! [`RunAndWait`] reads the stream and, when it ends early, reports a timeout or an error, or
//! goes idle, falls back to polling the run until the server reports it terminal. It never hands
//! back a snapshot that is still running.

use std::time::{Duration, Instant};

use futures::StreamExt;

use super::events::RunEvent;
use super::is_terminal;
use crate::error::{Error, Result};
use crate::resources::AgentRuns;
use crate::types::{AgentRunRequest, AgentRunResponse, AgentRunStreamRequest};
use crate::wait::{Wait, WaitOptions};

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
    stream: crate::ops::agents::runs::Stream,
    poll: WaitOptions,
}

impl RunAndWait {
    /// The longest the whole wait may take (default 30 minutes); passing it is an error that
    /// carries the last state seen.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.poll.deadline = deadline;
        self
    }

    /// The first and the longest pause between polls after a fallback (default 1 s growing to
    /// 10 s).
    pub fn poll_interval(mut self, initial: Duration, max: Duration) -> Self {
        self.poll = self.poll.with_interval(initial, max);
        self
    }

    /// Every polling setting at once (the deadline included).
    pub fn wait_options(mut self, options: WaitOptions) -> Self {
        self.poll = options;
        self
    }

    /// The longest wait for the stream to start (and, after a fallback, for each poll).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.stream.call.options.timeout = Some(timeout);
        self
    }

    /// Fails over to polling when no byte of the stream arrives for this long (default: the
    /// client's `stream_idle_timeout`, 60 s).
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.stream.call.options.idle_timeout = Some(idle);
        self
    }

    /// Overrides the client's retry budget, for the start of the stream and each poll.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.stream.call.options.max_retries = Some(retries);
        self
    }

    /// Adds a header to the stream's request and to each poll.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.stream = self.stream.header(name, value);
        self
    }

    /// Starts the run and returns it once the server reports it terminal.
    pub async fn send(self) -> Result<FinishedRun> {
        let RunAndWait { stream, poll } = self;
        let started = Instant::now();
        let deadline = poll.deadline;
        let client = stream.call.client.clone();
        // The polls carry the stream's per-request settings.
        let mut poll_settings = stream.call.options.clone();
        poll_settings.idle_timeout = None;
        let mut last: Option<Box<AgentRunResponse>> = None;
        let streamed = tokio::time::timeout(deadline, async {
            // The text is not looked at here: its events are skipped by name, undecoded.
            let mut events = stream.send().await?.skip_tokens();
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
            operation: "run_streaming_agent",
            message: format!("the stream stopped ({reason:?}) before naming the run, so it cannot be polled"),
        })?;
        tracing::info!(run_id, ?reason, "the run's stream stopped short; polling the run");
        let remaining = deadline.saturating_sub(started.elapsed());
        let mut wait = client.agents().runs().wait(&run_id).wait_options(WaitOptions { deadline: remaining, ..poll });
        wait.call.options = poll_settings;
        let run = wait.send().await?;
        Ok(FinishedRun { run, completion: Completion::Polling(reason) })
    }
}

/// Builder of `run_and_poll`: starts a run (`POST /agents/{agent_id}/runs`) and polls it.
#[derive(Debug, Clone)]
#[must_use = "call `.send()` to start the run"]
pub struct RunAndPoll {
    start: crate::ops::agents::runs::Create,
    poll: WaitOptions,
}

impl RunAndPoll {
    /// The longest the wait may take (default 30 minutes).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.poll.deadline = deadline;
        self
    }

    /// The first and the longest pause between polls (default 1 s growing to 10 s).
    pub fn poll_interval(mut self, initial: Duration, max: Duration) -> Self {
        self.poll = self.poll.with_interval(initial, max);
        self
    }

    /// Every polling setting at once (the deadline included).
    pub fn wait_options(mut self, options: WaitOptions) -> Self {
        self.poll = options;
        self
    }

    /// Overrides the client's timeout of the start and of each poll.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.start = self.start.timeout(timeout);
        self
    }

    /// Overrides the client's retry budget of each request (starting a run is retried only
    /// when it never left, or when the server said when).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.start = self.start.max_retries(retries);
        self
    }

    /// Adds a header to the start and to each poll.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.start = self.start.header(name, value);
        self
    }

    /// Starts the run and returns it once terminal (a `failed` run is returned, not an error).
    pub async fn send(self) -> Result<AgentRunResponse> {
        let settings = self.start.call.options.clone();
        let client = self.start.call.client.clone();
        let started = self.start.send().await?;
        if is_terminal(&started.status) {
            return Ok(started);
        }
        let mut wait = client.agents().runs().wait(&started.run_id).wait_options(self.poll);
        wait.call.options = settings;
        wait.send().await
    }
}

impl AgentRuns {
    /// Starts a **streaming** run and returns it once the server reports it terminal: reads
    /// the event stream, and falls back to polling the run when the stream stops short (ends,
    /// times out, reports an error or goes idle). See [`RunAndWait`].
    ///
    /// ```no_run
    /// # async fn demo(client: seclai::Client) -> seclai::Result<()> {
    /// use seclai::types::AgentRunStreamRequest;
    /// use std::time::Duration;
    ///
    /// let body = AgentRunStreamRequest::builder().input("Summarize the release");
    /// let done = client.agents().runs().run_and_wait("agent-id", body).deadline(Duration::from_secs(600)).send().await?;
    /// println!("{}: {:?} ({:?})", done.run.status, done.run.output, done.completion);
    /// # Ok(()) }
    /// ```
    pub fn run_and_wait(
        &self,
        agent_id: impl AsRef<str>,
        body: impl crate::types::IntoBody<AgentRunStreamRequest>,
    ) -> RunAndWait {
        RunAndWait { stream: self.stream(agent_id, body), poll: WaitOptions::default() }
    }

    /// Starts a run with `POST /agents/{agent_id}/runs` (no stream) and polls it until it is
    /// terminal.
    pub fn run_and_poll(
        &self,
        agent_id: impl AsRef<str>,
        body: impl crate::types::IntoBody<AgentRunRequest>,
    ) -> RunAndPoll {
        RunAndPoll { start: self.create(agent_id, body), poll: WaitOptions::default() }
    }

    /// Polls a run until it is terminal (`completed` or `failed`), and returns it.
    pub fn wait(&self, run_id: impl AsRef<str>) -> Wait<AgentRunResponse> {
        let run_id = run_id.as_ref();
        Wait::new(self.get(run_id).call, format!("agent run {run_id}"), |r: &AgentRunResponse| is_terminal(&r.status))
    }
}
