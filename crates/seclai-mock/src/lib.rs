//! A local Seclai API server, for tests and offline development.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let server = seclai_mock::Server::start().await?;
//! let client = server.client();
//! let agents = client.agents().list().send().await.expect("the local server answers");
//! println!("{} agents at {}", agents.items.len(), server.base_url());
//! # Ok(()) }
//! ```
//!
//! The server answers every operation of `openapi/seclai.yaml`:
//!
//! - it requires the API key (`X-API-Key` or `Authorization: Bearer`);
//! - it validates path, query and body against the spec and answers 422 in the API's own shape
//!   (`{"detail": [{"type", "loc", "msg"}]}`), refusing undeclared query parameters when the
//!   request sends `Seclai-Version: 2026-07-27`;
//! - it keeps state for a realistic flow (agents, knowledge bases, sources and their files,
//!   runs with streamed answers, exports and their downloads, agent input uploads);
//! - everything else is answered from the recorded interactions in `cassettes/`.

#![deny(missing_docs)]

mod cassettes;
pub mod contract;
#[cfg(any(test, fuzzing))]
pub mod fuzz;
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
mod multipart;
pub mod record;
mod server;
mod spec;
mod state;
mod validate;

pub use server::{DEFAULT_API_KEY, Options, Received, Server};
pub use spec::{Api, percent_decode};

/// The spec the server follows (the YAML text).
pub fn spec_text() -> &'static str {
    embedded::SPEC
}
