//! A run's text and files, whatever API version the account is on.
//!
//! From `2026-09-30` a run's `output` is plain text and its files are listed in `attachments`
//! (each with a `download_url`). Before, a run whose output has files answers the *manifest*:
//! `output` is the JSON `{schema, text, attachments: [{storage_key, mime, name, label, bytes}]}`
//! and `output_content_type` is `application/vnd.seclai.manifest+json`, while `attachments` may
//! also list the files. [`RunOutput::of`] reads either into one shape, and
//! [`AgentRuns::download_file`](crate::resources::AgentRuns::download_file) fetches a file by
//! whichever handle the run gave.

use base64::Engine as _;
use serde::Deserialize;

use crate::resources::AgentRuns;
use crate::types::{AgentRunFileResponse, AgentRunResponse, AgentRunStepResponse};

/// The media type of a manifest output.
pub const MANIFEST_CONTENT_TYPE: &str = "application/vnd.seclai.manifest+json";

/// The text and the files of a run (or of one of its steps).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RunOutput {
    /// The text of the output; `None` when there is none (an unfinished run, a purged trace).
    pub text: Option<String>,
    /// The files, in order.
    pub files: Vec<RunFile>,
}

/// One file of a run.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RunFile {
    /// The name of the file in the run, when it has one.
    pub name: Option<String>,
    /// Its media type, when known.
    pub mime: Option<String>,
    /// Its size in bytes, when known.
    pub bytes: Option<u64>,
    /// A label the run gave it (manifests only).
    pub label: Option<String>,
    /// How to fetch it.
    pub location: FileLocation,
}

/// Where a run file can be fetched from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileLocation {
    /// A file of `attachments`: its id and the URL that returns it.
    Url {
        /// The file's id.
        id: String,
        /// The URL (with credentials only when it is on the API's origin).
        download_url: String,
    },
    /// A file of a manifest: its storage key, fetched through the run's attachment download.
    StorageKey(String),
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    attachments: Vec<ManifestFile>,
}

#[derive(Deserialize)]
struct ManifestFile {
    storage_key: String,
    #[serde(default)]
    mime: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    bytes: Option<u64>,
}

fn from_attachment(f: &AgentRunFileResponse) -> RunFile {
    RunFile {
        name: f.name.clone(),
        mime: Some(f.mime.clone()),
        bytes: f.bytes.and_then(|b| u64::try_from(b).ok()),
        label: None,
        location: FileLocation::Url { id: f.id.to_string(), download_url: f.download_url.clone() },
    }
}

/// Reads an output and its file list, manifest or not.
fn read(output: Option<&str>, content_type: Option<&str>, attachments: &[AgentRunFileResponse]) -> RunOutput {
    let manifest = (content_type == Some(MANIFEST_CONTENT_TYPE))
        .then(|| output.and_then(|o| serde_json::from_str::<Manifest>(o).ok()))
        .flatten();
    let listed: Vec<RunFile> = attachments.iter().map(from_attachment).collect();
    match manifest {
        Some(m) => {
            // The listed files carry a download URL; the manifest's only a storage key.
            let files = if listed.is_empty() {
                m.attachments
                    .into_iter()
                    .map(|f| RunFile {
                        name: f.name,
                        mime: f.mime,
                        bytes: f.bytes,
                        label: f.label,
                        location: FileLocation::StorageKey(f.storage_key),
                    })
                    .collect()
            } else {
                listed
            };
            RunOutput { text: m.text, files }
        }
        None => RunOutput { text: output.map(String::from), files: listed },
    }
}

impl RunOutput {
    /// The text and files of a run, on any API version.
    ///
    /// ```no_run
    /// # async fn demo(client: seclai::Client) -> seclai::Result<()> {
    /// use seclai::runs::RunOutput;
    ///
    /// let run = client.agents().runs().get("7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6").send().await?;
    /// let output = RunOutput::of(&run);
    /// println!("{}", output.text.as_deref().unwrap_or(""));
    /// for file in &output.files {
    ///     let name = file.name.clone().unwrap_or_else(|| "file".into());
    ///     client.agents().runs().download_file(&run.run_id, file).send().await?.to_file(&name).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn of(run: &AgentRunResponse) -> Self {
        read(run.output.as_deref(), run.output_content_type.as_deref(), &run.attachments)
    }

    /// The output text and files of one step of a run (on older versions its `output` is a
    /// manifest when it has files, as the run's is).
    pub fn of_step(step: &AgentRunStepResponse) -> Self {
        read(step.output.as_deref(), step.output_content_type.as_deref(), &step.attachments)
    }
}

impl AgentRuns {
    /// Downloads a file of a run ([`RunOutput::files`]): by its `download_url` (with the
    /// client's credentials only when the URL is on the API's origin), or, for a manifest
    /// file, through `GET /v2/agent-runs/{run_id}/attachments/{attachment_id}` with the
    /// URL-safe base64 of its storage key.
    pub fn download_file(&self, run_id: impl AsRef<str>, file: &RunFile) -> crate::download::DownloadUrl {
        match &file.location {
            FileLocation::Url { download_url, .. } => self.client.download_url(download_url),
            FileLocation::StorageKey(key) => {
                let id = base64::engine::general_purpose::URL_SAFE.encode(key.as_bytes());
                crate::download::DownloadUrl::from_call(self.download_attachment(run_id, id).call)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> AgentRunFileResponse {
        AgentRunFileResponse {
            bytes: Some(12),
            download_url: format!("https://api.seclai.com/files/{name}"),
            id: uuid::Uuid::nil(),
            mime: "text/csv".into(),
            name: Some(name.into()),
        }
    }

    #[test]
    fn plain_text_with_listed_files() {
        let out = read(Some("Done."), Some("text/plain"), &[file("a.csv")]);
        assert_eq!(out.text.as_deref(), Some("Done."));
        assert_eq!(out.files.len(), 1);
        assert!(
            matches!(&out.files[0].location, FileLocation::Url { download_url, .. } if download_url.ends_with("a.csv"))
        );
    }

    #[test]
    fn a_manifest_gives_its_text_and_files() {
        let manifest = r#"{"schema":"seclai.manifest/v1","text":"See the chart.","attachments":[{"storage_key":"runs/r1/chart.png","mime":"image/png","name":"chart.png","label":"Chart","bytes":2048}]}"#;
        let out = read(Some(manifest), Some(MANIFEST_CONTENT_TYPE), &[]);
        assert_eq!(out.text.as_deref(), Some("See the chart."));
        assert_eq!(out.files[0].location, FileLocation::StorageKey("runs/r1/chart.png".into()));
        assert_eq!((out.files[0].bytes, out.files[0].label.as_deref()), (Some(2048), Some("Chart")));
        // With the files also listed, the listed ones (which have a URL) win; the text stays the manifest's.
        let both = read(Some(manifest), Some(MANIFEST_CONTENT_TYPE), &[file("chart.png")]);
        assert_eq!(both.text.as_deref(), Some("See the chart."));
        assert!(matches!(both.files[0].location, FileLocation::Url { .. }));
        // A manifest type whose output is not a manifest is read as text.
        let odd = read(Some("not json"), Some(MANIFEST_CONTENT_TYPE), &[]);
        assert_eq!(odd.text.as_deref(), Some("not json"));
    }
}
