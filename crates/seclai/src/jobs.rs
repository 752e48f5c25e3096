//! Waiting for the server's long-running jobs: source exports, embedding migrations and
//! playground experiments (runs and input uploads have their own helpers).
//!
//! The spec leaves the status values of these jobs open, so a job counts as finished when it
//! says so in any of the ways the API does: a final status name, a completion time, or an error.

use std::path::Path;

use crate::error::{Error, Result};
use crate::resources::{ModelExperiments, SourceExports, Sources};
use crate::types::{ExperimentDetailResponse, ExportResponse, SourceEmbeddingMigrationResponse};
use crate::wait::{WaitOptions, poll_until};

/// Status names that end a job.
const FINAL: [&str; 7] = ["completed", "complete", "succeeded", "failed", "error", "cancelled", "canceled"];

fn is_final(status: &str, completed_at: bool, error: bool) -> bool {
    FINAL.contains(&status) || status == "expired" || completed_at || error
}

/// Whether an export has finished (successfully or not).
pub fn export_finished(e: &ExportResponse) -> bool {
    is_final(&e.status, e.completed_at.is_some(), e.error.is_some())
}

/// Whether an embedding migration has finished.
pub fn migration_finished(m: &SourceEmbeddingMigrationResponse) -> bool {
    is_final(&m.status, m.completed_at.is_some(), m.failure_message.is_some())
}

/// Whether a playground experiment has finished.
pub fn experiment_finished(x: &ExperimentDetailResponse) -> bool {
    is_final(&x.status, x.completed_at.is_some(), x.error_message.is_some())
}

impl SourceExports {
    /// Polls an export until it has finished, and returns it (a failed export is data).
    pub async fn wait(
        &self,
        source_connection_id: &str,
        export_id: &str,
        options: &WaitOptions,
    ) -> Result<ExportResponse> {
        poll_until(
            options,
            &format!("export {export_id}"),
            || self.get(source_connection_id, export_id).send(),
            export_finished,
        )
        .await
    }

    /// Waits for an export to complete, then downloads it to `path`. An export that does not
    /// complete is an error carrying the server's message.
    pub async fn wait_and_download(
        &self,
        source_connection_id: &str,
        export_id: &str,
        path: impl AsRef<Path>,
        options: &WaitOptions,
    ) -> Result<u64> {
        let export = self.wait(source_connection_id, export_id, options).await?;
        if export.status != "completed" {
            return Err(Error::OperationFailed {
                what: format!("export {export_id}"),
                message: export.error.clone().unwrap_or_else(|| format!("status `{}`", export.status)),
            });
        }
        self.download(source_connection_id, export_id).to_file(path).await
    }
}

impl Sources {
    /// Polls the source's embedding migration until it has finished, and returns it.
    pub async fn wait_embedding_migration(
        &self,
        source_connection_id: &str,
        options: &WaitOptions,
    ) -> Result<SourceEmbeddingMigrationResponse> {
        let what = format!("embedding migration of source {source_connection_id}");
        let done = |m: &Option<SourceEmbeddingMigrationResponse>| m.as_ref().is_none_or(migration_finished);
        let last = poll_until(options, &what, || self.embedding_migration(source_connection_id).send(), done).await?;
        last.ok_or_else(|| Error::OperationFailed { what, message: "the source has no embedding migration".into() })
    }
}

impl ModelExperiments {
    /// Polls a playground experiment until it has finished, and returns it.
    pub async fn wait(&self, experiment_id: &str, options: &WaitOptions) -> Result<ExperimentDetailResponse> {
        poll_until(
            options,
            &format!("experiment {experiment_id}"),
            || self.get(experiment_id).send(),
            experiment_finished,
        )
        .await
    }
}
