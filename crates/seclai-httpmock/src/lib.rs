//! Typed [httpmock] mocks of every operation of the Seclai API, for the tests of code that
//! uses the `seclai` crate.
//!
//! Start an `httpmock::MockServer`, point a `seclai::Client` at it, mock the operations your
//! code calls with `mock_<operation id>` (a typed `when` for the path, query and body, a typed
//! `then` for each status the API declares), call your code, and check the mock was hit:
//!
//! ```
//! use seclai_httpmock::MockServerExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> seclai::Result<()> {
//! let server = httpmock::MockServer::start_async().await;
//! let agent: seclai::types::AgentSummaryResponse = serde_json::from_value(serde_json::json!({
//!     "id": "a1", "name": "Release notes", "description": null,
//!     "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-01T10:00:00Z"
//! })).expect("an agent");
//! let m = server
//!     .mock_get_agent_async(|when, then| {
//!         when.agent_id("a1");
//!         then.ok(&agent);
//!     })
//!     .await;
//!
//! let client = seclai::Client::builder().api_key("sk-test").base_url(server.base_url()).build()?;
//! let got = client.agents().get("a1").send().await?;
//! assert_eq!(got.name, "Release notes");
//! m.assert_async().await;
//! # Ok(()) }
//! ```
//!
//! Beyond one answer per operation:
//! - streamed runs: `then.events(&[RunEvent::..])` (the SSE text of typed events) or
//!   `then.sse(text)` (raw SSE, to test what a server might send);
//! - lists: `server.mock_<list operation>_pages(&items, limit, Envelope::..)` answers every
//!   page of `items`, in the envelope of the API version you choose ([`pages::Envelope`]);
//! - uploads: `when.file_name(..)`, `when.field(..)`, `when.body_contains(..)`;
//! - downloads: `then.file(bytes, content_type)`;
//! - errors: `then.validation_error(&..)`, `then.insufficient_credits(&..)`,
//!   `then.service_unavailable(&..).header("retry-after", "2")`, and `then.json(status, &body)`
//!   for anything else.
//!
//! The mocks are generated from `openapi/seclai.yaml` with the SDK (`seclai-codegen`), so they
//! take the same types the SDK returns and never drift from the spec. Paths are matched by
//! template (`/agents/{agent_id}` matches any one segment until `when.agent_id(..)` names it);
//! a request matches the first mock that fits, as in httpmock.
//!
//! [httpmock]: https://docs.rs/httpmock

#![deny(missing_docs)]

/// The README's example compiles (`cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

pub mod pages;
pub mod paths;
pub mod sse;

/// The request and response types the mocks take: `seclai`'s own.
pub use seclai::types;

#[allow(missing_docs, clippy::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/mocks.rs"));
}

pub use generated::*;

/// JSON of a value the mocks send or expect. The values are the SDK's own types, which always
/// serialize.
pub(crate) fn to_json(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_else(|e| panic!("seclai-httpmock: a value did not serialize: {e}"))
}
