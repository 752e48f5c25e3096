//! A response body read chunk by chunk, failing when no byte arrives for a while.
//!
//! Streams and downloads have no total timeout (a long run or a big file must not be cut off);
//! an idle timeout still notices a connection that stalls.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;

use crate::client::transport_error;
use crate::error::{Error, RequestContext, Result};

/// The body of a response, with an idle timeout.
pub(crate) struct IdleBody {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    idle: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
    context: RequestContext,
    done: bool,
}

impl IdleBody {
    pub(crate) fn new(response: reqwest::Response, idle: Duration, context: RequestContext) -> Self {
        Self::from_stream(Box::pin(response.bytes_stream()), idle, context)
    }

    pub(crate) fn from_stream(
        body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
        idle: Duration,
        context: RequestContext,
    ) -> Self {
        Self { body, idle, sleep: Box::pin(tokio::time::sleep(idle)), context, done: false }
    }

    pub(crate) fn context(&self) -> &RequestContext {
        &self.context
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
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                Poll::Ready(Some(Err(transport_error(e, this.context.clone(), Some(this.idle)))))
            }
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.done = true;
                    Poll::Ready(Some(Err(Error::Timeout { context: this.context.clone(), after: this.idle })))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}
