//! Rust SDK for the [Seclai](https://seclai.com) API.
//!
//! ```no_run
//! # async fn demo() -> seclai::Result<()> {
//! use futures::TryStreamExt;
//!
//! // SECLAI_API_KEY (or an SSO profile) from the environment.
//! let client = seclai::Client::from_env()?;
//!
//! // Every list pages automatically.
//! let mut agents = client.agents().list().page_size(100).items();
//! while let Some(agent) = agents.try_next().await? {
//!     println!("{} {}", agent.id, agent.name);
//! }
//!
//! // Typed errors, with the request id for support.
//! match client.agents().get("no-such-agent").send().await {
//!     Err(e) if e.api_kind() == Some(seclai::ApiErrorKind::NotFound) => println!("not found: {e}"),
//!     other => println!("{other:?}"),
//! }
//! # Ok(()) }
//! ```
//!
//! - [`Client`]: configuration, the credential chain (API key, bearer token, token provider,
//!   `SECLAI_API_KEY`, SSO profile) and one request path with retries and tracing.
//! - Resources: `client.agents()`, `client.agents().runs()`, `client.knowledge_bases()`, ...
//!   one method per operation of the API, each returning a builder with per-request
//!   `timeout`, `max_retries` and `header` settings.
//! - [`Error`]: API errors by kind with request id and parsed body, connection failures,
//!   timeouts, decode failures with the JSON path, configuration errors, invalid arguments.
//! - [`Page`]: one page of a list; list builders also stream pages or items.
//! - [`types`]: the request and response types, generated from the spec. Enums are open.
//!   With the feature `schemars`, each has a JSON Schema (`seclai::schema`).

#![deny(missing_docs)]

pub mod auth;
mod call;
#[cfg(feature = "record")]
pub mod cassette;
mod client;
mod config;
pub mod download;
#[cfg(feature = "dynamic")]
pub mod dynamic;
mod error;
#[cfg(any(test, fuzzing))]
pub mod fuzz;
mod idle;
pub mod indexing;
pub mod jobs;
mod paginate;
mod redact;
mod request;
mod retry;
pub mod runs;
#[cfg(feature = "schemars")]
pub mod schema;
/// The SSE decoder, for the local server's checks of recorded streams; not a stable API.
#[doc(hidden)]
pub mod sse;
pub mod sso;
mod transport;
pub mod upload;
mod wait;
pub mod webhooks;

/// The README's example compiles (checked by `cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExamples;

#[allow(clippy::all, clippy::pedantic)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/sdk.rs"));
}

pub use client::Client;
pub use config::{
    ClientBuilder, DEFAULT_API_KEY_HEADER, DEFAULT_API_VERSION, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_STREAM_IDLE_TIMEOUT, DEFAULT_TIMEOUT, KNOWN_API_VERSIONS, LATEST_API_VERSION,
};
pub use error::{
    ApiError, ApiErrorKind, BodyError, ContentError, DecodeError, DefinitionError, Error, ErrorBody, FieldError,
    RedirectError, RequestContext, Result,
};
pub use generated::{ops, resources};
pub use paginate::Page;
pub use request::RawRequest;
pub use retry::RetryPolicy;
pub use transport::install_crypto_provider;
pub use wait::{Wait, WaitOptions};

/// The request and response types of the API, generated from the spec (re-exported from
/// `seclai-raw`). Every enum is open: values added by the server later decode to `Unknown`.
pub use seclai_raw::types;

/// Re-exported for the date-time arguments and fields of some operations.
pub use chrono;
/// Re-exported for the UUID fields of some types.
pub use uuid;
