//! Agent runs beyond plain requests: the typed events of a run's stream, waiting for a run's
//! end, and its text and files on any API version.
//!
//! - [`events`](RunEvent): what a stream says, decoded without copying;
//! - the stream itself ([`RunEventStream`], from `client.agents().runs().stream(..).send()`);
//! - waiting ([`RunAndWait`], [`RunAndPoll`], `client.agents().runs().wait(run_id)`);
//! - [`RunOutput`]: the text and files of a finished run.

mod events;
mod output;
mod stream;
mod wait;

pub use events::RunEvent;
pub use output::{FileLocation, MANIFEST_CONTENT_TYPE, RunFile, RunOutput};
pub use stream::{RunEventStream, Tokens};
pub use wait::{Completion, FallbackReason, FinishedRun, RunAndPoll, RunAndWait};

use crate::types::AgentRunStatus;

/// Whether a run status is final: `completed` or `failed`. `queued`, `waiting_human` and
/// `waiting_scheduled` can last long but are not final, and neither is a status this version
/// does not know.
pub fn is_terminal(status: &AgentRunStatus) -> bool {
    matches!(status, AgentRunStatus::Completed | AgentRunStatus::Failed)
}
