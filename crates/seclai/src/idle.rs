//! A response body read chunk by chunk, failing when no byte arrives for a while.
//!
//! Streams and downloads have no total timeout (a long run or a big file must not be cut off);
//! an idle timeout still notices a connection that stalls. A body that breaks off, or ends
//! before its announced length, is an [`Error::Body`] with the byte counts.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;

use crate::error::{Error, RequestContext, Result, body_error, request_id};
use crate::redact::Secrets;

/// The body of a response, with an idle timeout.
pub(crate) struct IdleBody {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    idle: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
    context: RequestContext,
    status: u16,
    request_id: Option<String>,
    /// The announced length (of an uncompressed body), and what arrived so far.
    expected: Option<u64>,
    received: u64,
    done: bool,
    /// When the client records: the body so far, written as a cassette when it ends.
    #[cfg(feature = "record")]
    tape: Option<crate::cassette::Tape>,
}

impl IdleBody {
    pub(crate) fn new(response: reqwest::Response, idle: Duration, context: RequestContext, secrets: &Secrets) -> Self {
        let status = response.status().as_u16();
        let request_id = request_id(response.headers(), secrets);
        let expected = response.content_length();
        Self {
            body: Box::pin(response.bytes_stream()),
            idle,
            sleep: Box::pin(tokio::time::sleep(idle)),
            context,
            status,
            request_id,
            expected,
            received: 0,
            done: false,
            #[cfg(feature = "record")]
            tape: None,
        }
    }

    /// Records the body as it streams by (see [`crate::cassette::Tape`]).
    #[cfg(feature = "record")]
    pub(crate) fn record(mut self, tape: Option<crate::cassette::Tape>) -> Self {
        self.tape = tape;
        self
    }

    /// The body ended (or broke): the recording, if any, is written with what came.
    fn finish(&mut self) {
        self.done = true;
        #[cfg(feature = "record")]
        if let Some(tape) = self.tape.take() {
            tape.finish();
        }
    }

    fn broken(&self, source: Option<reqwest::Error>) -> Error {
        body_error(
            source,
            self.context.clone(),
            self.status,
            self.received,
            self.expected,
            self.request_id.clone(),
            Some(self.idle),
        )
    }
}

impl Stream for IdleBody {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes>>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match this.body.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let deadline = tokio::time::Instant::now() + this.idle;
                this.sleep.as_mut().reset(deadline);
                this.received += chunk.len() as u64;
                #[cfg(feature = "record")]
                if let Some(tape) = this.tape.as_mut() {
                    tape.push(&chunk);
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.finish();
                Poll::Ready(Some(Err(this.broken(Some(e)))))
            }
            Poll::Ready(None) => {
                this.finish();
                // hyper reports a short body itself; this is the check of last resort.
                match this.expected {
                    Some(n) if n != this.received => Poll::Ready(Some(Err(this.broken(None)))),
                    _ => Poll::Ready(None),
                }
            }
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.finish();
                    Poll::Ready(Some(Err(Error::Timeout { context: this.context.clone(), after: this.idle })))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}
