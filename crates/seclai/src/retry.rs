//! When to try a request again, and how long to wait first.
//!
//! One policy for every operation. The rule that matters most: a request that may have
//! reached the server is repeated only when repeating it is harmless (idempotent methods) or
//! when the server explicitly said to (429/503 with `Retry-After`). A `POST` that starts a run
//! is therefore never sent twice because a response got lost.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Retry settings. The defaults: 2 retries, exponential backoff from 0.5 s doubling up to 8 s
/// with jitter, and `Retry-After` honoured up to 60 s.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// The first backoff delay.
    pub initial_backoff: Duration,
    /// The longest backoff delay.
    pub max_backoff: Duration,
    /// The longest `Retry-After` the client waits for; a longer one returns the error at once,
    /// with [`crate::Error::retry_after`] set.
    pub max_retry_after: Duration,
    /// Randomize each delay (between half and all of it) so that clients do not retry in step.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self { max_retries: 0, ..Self::default() }
    }

    /// Sets the number of retries.
    pub fn with_max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Sets the first and the longest backoff delay.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Sets the longest `Retry-After` to wait for.
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// Turns jitter on or off.
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// The delay before retry number `retry` (1-based).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1).min(20));
        let delay = self.initial_backoff.saturating_mul(factor).min(self.max_backoff);
        if self.jitter && !delay.is_zero() {
            let half = delay / 2;
            half + Duration::from_nanos(fastrand::u64(0..=half.as_nanos().min(u64::MAX as u128) as u64))
        } else {
            delay
        }
    }
}

/// Whether repeating a request with this method is harmless.
pub(crate) fn is_idempotent(method: &reqwest::Method) -> bool {
    matches!(
        *method,
        reqwest::Method::GET
            | reqwest::Method::HEAD
            | reqwest::Method::PUT
            | reqwest::Method::DELETE
            | reqwest::Method::OPTIONS
    )
}

/// `Retry-After` as a delay: either seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Why a request is retried (for traces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The connection could not be established: the request never left.
    Connect,
    /// A timeout or broken connection on an idempotent request.
    Transient,
    /// A retryable status.
    Status(u16),
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Connect => f.write_str("connection failed before sending"),
            Reason::Transient => f.write_str("timeout or broken connection"),
            Reason::Status(s) => write!(f, "HTTP {s}"),
        }
    }
}

/// What to do after an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then try again.
    Retry(Duration, Reason),
    /// Return the error.
    Stop,
}

/// The decision after a transport error. `sent` is false when the request provably never
/// reached the server (the connection was not established).
pub(crate) fn after_error(
    policy: &RetryPolicy,
    retries_done: u32,
    idempotent: bool,
    replayable: bool,
    never_sent: bool,
) -> Decision {
    if retries_done >= policy.max_retries || !replayable {
        return Decision::Stop;
    }
    if never_sent {
        Decision::Retry(policy.backoff(retries_done + 1), Reason::Connect)
    } else if idempotent {
        Decision::Retry(policy.backoff(retries_done + 1), Reason::Transient)
    } else {
        Decision::Stop
    }
}

/// The decision after an error status.
pub(crate) fn after_status(
    policy: &RetryPolicy,
    retries_done: u32,
    idempotent: bool,
    replayable: bool,
    status: u16,
    retry_after: Option<Duration>,
) -> Decision {
    if retries_done >= policy.max_retries || !replayable {
        return Decision::Stop;
    }
    let retryable = match status {
        // The server says when: safe for any method, the request was refused.
        429 | 503 if retry_after.is_some() => true,
        408 | 429 | 500 | 502 | 503 | 504 => idempotent,
        _ => false,
    };
    if !retryable {
        return Decision::Stop;
    }
    match retry_after {
        Some(after) if after > policy.max_retry_after => Decision::Stop,
        Some(after) => Decision::Retry(after, Reason::Status(status)),
        None => Decision::Retry(policy.backoff(retries_done + 1), Reason::Status(status)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn fixed() -> RetryPolicy {
        RetryPolicy::default().with_jitter(false)
    }

    #[test]
    fn backoff_doubles_from_half_a_second_to_eight() {
        let p = fixed();
        let delays: Vec<u64> = (1..=7).map(|r| p.backoff(r).as_millis() as u64).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_delay() {
        let p = RetryPolicy::default();
        for _ in 0..200 {
            let d = p.backoff(3);
            assert!(d >= Duration::from_millis(1000) && d <= Duration::from_millis(2000), "{d:?}");
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        h.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        h.insert(RETRY_AFTER, HeaderValue::from_str(&past).unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn a_post_is_retried_only_when_it_never_left_or_the_server_said_when() {
        let p = fixed();
        assert_eq!(after_error(&p, 0, false, true, true), Decision::Retry(Duration::from_millis(500), Reason::Connect));
        assert_eq!(after_error(&p, 0, false, true, false), Decision::Stop, "a dropped response may hide a created run");
        assert_eq!(after_status(&p, 0, false, true, 500, None), Decision::Stop);
        assert_eq!(after_status(&p, 0, false, true, 429, None), Decision::Stop);
        assert_eq!(
            after_status(&p, 0, false, true, 429, Some(Duration::from_secs(2))),
            Decision::Retry(Duration::from_secs(2), Reason::Status(429))
        );
        assert_eq!(
            after_status(&p, 0, false, true, 503, Some(Duration::from_secs(1))),
            Decision::Retry(Duration::from_secs(1), Reason::Status(503))
        );
    }

    #[test]
    fn idempotent_requests_retry_transient_failures_within_budget() {
        let p = fixed();
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(after_status(&p, 0, true, true, s, None), Decision::Retry(_, Reason::Status(x)) if x == s)
            );
        }
        for s in [400, 401, 403, 404, 409, 410, 422, 501] {
            assert_eq!(after_status(&p, 0, true, true, s, None), Decision::Stop, "{s}");
        }
        assert!(matches!(after_error(&p, 1, true, true, false), Decision::Retry(_, Reason::Transient)));
        assert_eq!(after_error(&p, 2, true, true, false), Decision::Stop, "budget of 2 retries spent");
        assert_eq!(after_status(&p, 0, true, false, 503, None), Decision::Stop, "a one-shot body cannot be replayed");
    }

    #[test]
    fn a_retry_after_beyond_the_cap_stops_at_once() {
        let p = fixed();
        assert_eq!(after_status(&p, 0, true, true, 429, Some(Duration::from_secs(61))), Decision::Stop);
        assert!(matches!(after_status(&p, 0, true, true, 429, Some(Duration::from_secs(60))), Decision::Retry(..)));
    }
}
