//! The event stream of a run: parsed inside the future that reads the body (no task or channel
//! per event), with an idle timeout rather than a total one, so that a long run is never cut
//! off while a connection that stalls is noticed.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;

use super::events::{Origin, RunEvent};
use super::is_terminal;
use crate::error::{Error, RequestContext, Result};
use crate::error::{read_body, request_id};
use crate::idle::IdleBody;
use crate::redact::Secrets;
use crate::sse::SseDecoder;
use crate::types::AgentRunResponse;

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
    /// `stream_token` events are passed over by name, undecoded (for a caller that waits for
    /// the end and never looks at the text: `run_and_wait`).
    skip_tokens: bool,
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

    /// Passes over `stream_token` events without decoding them.
    pub(super) fn skip_tokens(mut self) -> Self {
        self.skip_tokens = true;
        self
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
                if this.skip_tokens && event.event == "stream_token" {
                    continue;
                }
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
                }
                Poll::Ready(Some(Err(e))) => {
                    this.finished = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    this.finished = true;
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

impl crate::ops::agents::runs::Stream {
    /// Starts the run and returns its event stream.
    pub async fn send(self) -> Result<RunEventStream> {
        self.call.check()?;
        let idle = self.call.options.idle_timeout.unwrap_or(self.call.client.stream_idle_timeout());
        let context = self.call.context();
        let request = self.call.request();
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
            skip_tokens: false,
        };
        if is_json {
            // Some deployments answer the run itself instead of a stream.
            let mut response = response;
            let read = read_body(&mut response, || context.clone(), Some(idle), &secrets);
            let bytes = tokio::time::timeout(idle, read)
                .await
                .map_err(|_| Error::Timeout { context: context.clone(), after: idle })??;
            #[cfg(feature = "record")]
            if let Some(req) = &recording {
                self.call.client.record(req, response.status().as_u16(), response.headers(), &bytes);
            }
            let run: AgentRunResponse =
                crate::error::decode_json(&bytes, reqwest::StatusCode::OK, &secrets, || (context, request_id))?;
            stream.run_id = Some(run.run_id.clone());
            let terminal = is_terminal(&run.status);
            stream.single =
                Some(Ok(if terminal { RunEvent::Done(Box::new(run)) } else { RunEvent::Init(Box::new(run)) }));
        } else {
            #[cfg(feature = "record")]
            let tape = recording.map(|req| {
                let (status, headers) = (response.status().as_u16(), response.headers());
                crate::cassette::Tape::new(&self.call.client, &req, status, headers, crate::cassette::KEPT_STREAM_BYTES)
            });
            let body = IdleBody::new(response, idle, context, &secrets);
            #[cfg(feature = "record")]
            let body = body.record(tape);
            stream.body = Some(body);
        }
        Ok(stream)
    }
}
