//! Waiting for the server's long-running jobs: agent input uploads, source exports, embedding
//! migrations and playground experiments (runs are in [`crate::runs`], content indexing in
//! [`crate::indexing`]). Each waiter is a [`Wait`] builder.
//!
//! The spec leaves the status values of these jobs open, so a job counts as finished when it
//! says so in any of the ways the API does: a final status name, a completion time, or an error.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::resources::{Agents, ModelExperiments, SourceEmbeddingMigration, SourceExports};
use crate::types::{
    ExperimentDetailResponse, ExportResponse, SourceEmbeddingMigrationResponse, UploadAgentInputApiResponse,
};
use crate::upload::UploadFile;
use crate::wait::{Wait, WaitOptions};

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

/// Whether an agent input upload has finished (`ready` or `failed`).
pub fn input_upload_finished(u: &UploadAgentInputApiResponse) -> bool {
    matches!(u.status.as_str(), "ready" | "failed")
}

impl SourceExports {
    /// Polls an export until it has finished, and returns it (a failed export is data).
    pub fn wait(&self, source_connection_id: impl AsRef<str>, export_id: impl AsRef<str>) -> Wait<ExportResponse> {
        let what = format!("export {}", export_id.as_ref());
        Wait::new(self.get(source_connection_id, export_id).call, what, export_finished)
    }

    /// Waits for an export to complete, then downloads it to `path` (through a temporary file):
    /// one step. An export that does not complete is an error carrying the server's message.
    pub fn wait_and_download(
        &self,
        source_connection_id: impl AsRef<str>,
        export_id: impl AsRef<str>,
        path: impl Into<PathBuf>,
    ) -> WaitAndDownload {
        WaitAndDownload {
            wait: self.wait(&source_connection_id, &export_id),
            download: self.download(source_connection_id, export_id),
            path: path.into(),
        }
    }
}

/// Builder of [`SourceExports::wait_and_download`].
#[derive(Debug, Clone)]
#[must_use = "call `.send()` to wait and download"]
pub struct WaitAndDownload {
    wait: Wait<ExportResponse>,
    download: crate::ops::sources::exports::Download,
    path: PathBuf,
}

impl WaitAndDownload {
    /// The longest the wait for the export may take (default 30 minutes).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.wait = self.wait.deadline(deadline);
        self
    }

    /// The first and the longest pause between polls (default 1 s growing to 10 s).
    pub fn poll_interval(mut self, initial: Duration, max: Duration) -> Self {
        self.wait = self.wait.poll_interval(initial, max);
        self
    }

    /// Every polling setting at once.
    pub fn wait_options(mut self, options: WaitOptions) -> Self {
        self.wait = self.wait.wait_options(options);
        self
    }

    /// Fails the download when no byte arrives for this long.
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.download = self.download.idle_timeout(idle);
        self
    }

    /// Overrides the client's retry budget of each request.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.wait = self.wait.max_retries(retries);
        self.download = self.download.max_retries(retries);
        self
    }

    /// Adds a header to each request.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.wait = self.wait.header(name, value);
        self.download = self.download.header(name, value);
        self
    }

    /// Waits, downloads, and returns the number of bytes written.
    pub async fn send(self) -> Result<u64> {
        let export = self.wait.send().await?;
        if export.status != "completed" {
            return Err(Error::OperationFailed {
                what: format!("export {}", export.id),
                message: export.error.clone().unwrap_or_else(|| format!("status `{}`", export.status)),
            });
        }
        self.download.to_file(&self.path).await
    }
}

impl SourceEmbeddingMigration {
    /// Polls the source's embedding migration until it has finished, and returns it (`None`
    /// when the source has no migration).
    pub fn wait(&self, source_connection_id: impl AsRef<str>) -> Wait<Option<SourceEmbeddingMigrationResponse>> {
        let what = format!("embedding migration of source {}", source_connection_id.as_ref());
        let done = |m: &Option<SourceEmbeddingMigrationResponse>| m.as_ref().is_none_or(migration_finished);
        Wait::new(self.get(source_connection_id).call, what, done)
    }
}

impl ModelExperiments {
    /// Polls a playground experiment until it has finished, and returns it.
    pub fn wait(&self, experiment_id: impl AsRef<str>) -> Wait<ExperimentDetailResponse> {
        let what = format!("experiment {}", experiment_id.as_ref());
        Wait::new(self.get(experiment_id).call, what, experiment_finished)
    }
}

impl Agents {
    /// Polls an input upload until it is `ready` or `failed`, and returns it.
    pub fn wait_input_upload(
        &self,
        agent_id: impl AsRef<str>,
        upload_id: impl AsRef<str>,
    ) -> Wait<UploadAgentInputApiResponse> {
        let what = format!("input upload {}", upload_id.as_ref());
        Wait::new(self.get_input_upload(agent_id, upload_id).call, what, input_upload_finished)
    }

    /// Uploads an input file, waits until it is ready, and returns its id (to pass as
    /// `input_upload_id` to a run). A failed upload is an error carrying the server's message.
    pub fn upload_input_and_wait(&self, agent_id: impl AsRef<str>, file: UploadFile) -> UploadInputAndWait {
        UploadInputAndWait {
            agents: self.clone(),
            agent_id: agent_id.as_ref().to_string(),
            upload: self.upload_input(agent_id, file),
            options: WaitOptions::default(),
        }
    }
}

/// Builder of [`Agents::upload_input_and_wait`].
#[derive(Debug, Clone)]
#[must_use = "call `.send()` to upload and wait"]
pub struct UploadInputAndWait {
    agents: Agents,
    agent_id: String,
    upload: crate::ops::agents::UploadInput,
    options: WaitOptions,
}

impl UploadInputAndWait {
    /// The longest the wait for the upload to be ready may take (default 30 minutes).
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

    /// Called with (bytes sent, total) as the file goes out.
    pub fn on_progress(mut self, progress: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.upload = self.upload.on_progress(progress);
        self
    }

    /// Overrides the client's timeout of the upload and of each poll.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.upload = self.upload.timeout(timeout);
        self
    }

    /// Overrides the client's retry budget of each request.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.upload = self.upload.max_retries(retries);
        self
    }

    /// Adds a header to each request.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.upload = self.upload.header(name, value);
        self
    }

    /// Uploads, waits, and returns the upload's id.
    pub async fn send(self) -> Result<String> {
        let settings = self.upload.call.options.clone();
        let uploaded = self.upload.send().await?;
        let done = if input_upload_finished(&uploaded) {
            uploaded
        } else {
            let mut wait = self.agents.wait_input_upload(&self.agent_id, &uploaded.id).wait_options(self.options);
            wait.call.options = settings;
            wait.send().await?
        };
        match done.status.as_str() {
            "ready" => Ok(done.id),
            _ => Err(Error::OperationFailed {
                what: format!("input upload {} ({})", done.id, done.filename),
                message: done.error.clone().unwrap_or_else(|| format!("status `{}`", done.status)),
            }),
        }
    }
}
