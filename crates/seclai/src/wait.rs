//! One way to wait for long work: poll with a growing interval (with jitter) until the state
//! is final or the caller's deadline passes. Dropping the future cancels the wait.
//!
//! Every waiter is a builder in the grammar of the operations: made by a method that takes ids
//! (`client.agents().runs().wait(run_id)`), with `.deadline()`, `.poll_interval()` (or one
//! [`WaitOptions`]), the per-request `.timeout()`, `.max_retries()` and `.header()` of each poll,
//! and `.send()`.

use std::future::Future;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::call::Call;
use crate::error::{Error, Result};

/// How to poll. The defaults: first poll after 1 s, interval growing by half each time up to
/// 10 s, with jitter, for at most 30 minutes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WaitOptions {
    /// The first interval.
    pub initial_interval: Duration,
    /// The longest interval.
    pub max_interval: Duration,
    /// Each interval is the previous one times this factor (at least 1).
    pub multiplier: f64,
    /// Randomize each interval by up to a quarter, so that waiters do not poll in step.
    pub jitter: bool,
    /// Give up after this long; the error keeps the last state seen.
    pub deadline: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(10),
            multiplier: 1.5,
            jitter: true,
            deadline: Duration::from_secs(30 * 60),
        }
    }
}

impl WaitOptions {
    /// Sets the deadline.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets the first and the longest interval.
    pub fn with_interval(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_interval = initial;
        self.max_interval = max.max(initial);
        self
    }

    /// Turns jitter on or off.
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    pub(crate) fn interval(&self, n: u32) -> Duration {
        let base = self.initial_interval.as_secs_f64() * self.multiplier.max(1.0).powi(n.min(64) as i32);
        let base = base.min(self.max_interval.as_secs_f64());
        let secs = if self.jitter { base * (0.75 + fastrand::f64() * 0.25) } else { base };
        Duration::from_secs_f64(secs)
    }
}

/// A wait for long work: repeats one request until its answer says the work has ended.
///
/// ```no_run
/// # async fn demo(client: seclai::Client) -> seclai::Result<()> {
/// use std::time::Duration;
///
/// let run = client
///     .agents()
///     .runs()
///     .wait("7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6")
///     .deadline(Duration::from_secs(600))
///     .poll_interval(Duration::from_secs(2), Duration::from_secs(15))
///     .send()
///     .await?;
/// println!("{}", run.status);
/// # Ok(()) }
/// ```
#[must_use = "call `.send()` to wait"]
pub struct Wait<T> {
    pub(crate) call: Call,
    options: WaitOptions,
    what: String,
    done: fn(&T) -> bool,
}

impl<T> Clone for Wait<T> {
    fn clone(&self) -> Self {
        Self { call: self.call.clone(), options: self.options.clone(), what: self.what.clone(), done: self.done }
    }
}

impl<T> std::fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wait")
            .field("what", &self.what)
            .field("options", &self.options)
            .field("call", &self.call)
            .finish()
    }
}

impl<T: DeserializeOwned + Serialize> Wait<T> {
    /// A wait repeating `call` until `done` holds of its answer.
    pub(crate) fn new(call: Call, what: String, done: fn(&T) -> bool) -> Self {
        Self { call, options: WaitOptions::default(), what, done }
    }

    /// The longest the whole wait may take (default 30 minutes); passing it is an error that
    /// carries the last state seen.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.options.deadline = deadline;
        self
    }

    /// The first and the longest pause between polls (default 1 s growing to 10 s).
    pub fn poll_interval(mut self, initial: Duration, max: Duration) -> Self {
        self.options = self.options.with_interval(initial, max);
        self
    }

    /// Every polling setting at once.
    pub fn wait_options(mut self, options: WaitOptions) -> Self {
        self.options = options;
        self
    }

    crate::call::request_options!();

    /// Polls until the work has ended, and returns its final state (a failed job is data, not
    /// an error; see each waiter).
    pub async fn send(self) -> Result<T> {
        let Wait { call, options, what, done } = self;
        poll_until(&options, &what, || call.clone().send_json::<T>(), done).await
    }
}

/// Polls `fetch` until `done` says the state is final, then returns it. Errors of `fetch` end
/// the wait (each fetch already retried transient failures).
pub(crate) async fn poll_until<T, F, Fut>(
    options: &WaitOptions,
    what: &str,
    mut fetch: F,
    done: impl Fn(&T) -> bool,
) -> Result<T>
where
    T: Serialize,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let started = Instant::now();
    let mut n = 0;
    loop {
        let state = fetch().await?;
        if done(&state) {
            return Ok(state);
        }
        let pause = options.interval(n);
        n += 1;
        if started.elapsed() + pause > options.deadline {
            return Err(Error::WaitTimeout {
                what: what.to_string(),
                waited: started.elapsed(),
                last_state: serde_json::to_string(&state).unwrap_or_else(|e| format!("(unprintable: {e})")),
            });
        }
        tracing::debug!(what, poll = n, pause_ms = pause.as_millis() as u64, "still waiting");
        tokio::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_grow_to_the_cap() {
        let o = WaitOptions::default().with_jitter(false);
        let secs: Vec<f64> = (0..8).map(|n| o.interval(n).as_secs_f64()).collect();
        assert_eq!(secs[0], 1.0);
        assert_eq!(secs[1], 1.5);
        assert!((secs[2] - 2.25).abs() < 1e-9);
        assert_eq!(secs[7], 10.0);
    }

    #[tokio::test(start_paused = true)]
    async fn polls_until_done_and_gives_up_at_the_deadline_with_the_last_state() {
        let o = WaitOptions::default().with_jitter(false).with_deadline(Duration::from_secs(5));
        let mut calls = 0;
        let r = poll_until(
            &o,
            "counter",
            || {
                calls += 1;
                let v = calls;
                async move { Ok(v) }
            },
            |v| *v == 3,
        )
        .await
        .unwrap();
        assert_eq!(r, 3);
        let e = poll_until(&o, "never", || async { Ok("pending") }, |_| false).await.unwrap_err();
        match e {
            Error::WaitTimeout { last_state, waited, .. } => {
                assert_eq!(last_state, "\"pending\"");
                assert!(waited <= Duration::from_secs(5));
            }
            other => panic!("{other:?}"),
        }
    }
}
