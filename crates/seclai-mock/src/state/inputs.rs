//! Agent input uploads: accepted `processing`, `ready` from the first read on.

use serde_json::{Value, json};

use super::template::{merge, template};
use super::{Missing, Outcome, World, new_id, param};
use crate::multipart::Part;
use crate::server::{Ctx, Reply};

/// An uploaded input file of an agent.
#[derive(Debug, Clone)]
pub(super) struct InputUpload {
    /// The agent's id.
    pub(super) agent_id: String,
    /// The upload, as answered.
    body: Value,
    /// The characters of the file's text (0 when it is not UTF-8 text).
    characters: usize,
}

impl InputUpload {
    /// The upload id.
    pub(super) fn id(&self) -> &str {
        self.body["id"].as_str().unwrap_or_default()
    }

    /// The file name.
    pub(super) fn filename(&self) -> &str {
        self.body["filename"].as_str().unwrap_or_default()
    }
}

/// The `file` part of a multipart body (the server checked that it is there).
pub(super) fn file_part<'a>(ctx: &Ctx<'a>) -> Option<&'a Part> {
    ctx.parts.iter().find(|p| p.name == "file")
}

/// The name of an uploaded file (`upload.bin` when it has none).
pub(super) fn file_name(part: &Part) -> String {
    part.filename.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "upload.bin".into())
}

/// The media type of an uploaded file (`application/octet-stream` when it has none).
pub(super) fn media_type(part: &Part) -> String {
    part.content_type.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| "application/octet-stream".into())
}

impl World {
    /// `POST /agents/{agent_id}/upload-input`: accepted, `processing` (202).
    pub(super) fn upload_agent_input(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let agent_id = self.agent(param(ctx, "agent_id"))?.id().to_string();
        let Some(part) = file_part(ctx) else {
            return Ok(super::invalid(json!(["body", "file"]), "missing", "Field required"));
        };
        let mut body = template(ctx.library, "upload_agent_input");
        merge(
            &mut body,
            json!({
                "id": new_id(),
                "status": "processing",
                "filename": file_name(part),
                "content_type": media_type(part),
                "file_size": part.data.len(),
                "error": null,
            }),
        );
        let characters = std::str::from_utf8(&part.data).map_or(0, |t| t.chars().count());
        self.inputs.push(InputUpload { agent_id, body: body.clone(), characters });
        Ok(Reply::json(202, &body))
    }

    /// `GET /agents/{agent_id}/input-uploads/{upload_id}`: `ready` from the first read on.
    pub(super) fn get_agent_input_upload(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let (agent_id, upload_id) = (param(ctx, "agent_id"), param(ctx, "upload_id"));
        self.agent(agent_id)?;
        let upload = self
            .inputs
            .iter_mut()
            .find(|u| u.agent_id == agent_id && u.id() == upload_id)
            .ok_or(Missing("Input upload"))?;
        if upload.body["status"] == "processing" {
            let mut ready = template(ctx.library, "get_agent_input_upload");
            merge(&mut ready, upload.body.clone());
            merge(&mut ready, json!({"status": "ready", "extracted_characters": upload.characters}));
            upload.body = ready;
        }
        Ok(Reply::json(200, &upload.body))
    }
}
