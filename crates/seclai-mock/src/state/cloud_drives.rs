//! Cloud-drive connections: seeded from `cassettes/list_cloud_drives/default.yaml`, then read,
//! renamed or pointed at another folder, disconnected, and deleted unless something uses them.
//!
//! Who uses a connection is seeded too: the agents of
//! `cassettes/list_cloud_drive_agents/default.yaml` use the connection that cassette names, and
//! the seeded connection on a shared drive feeds a content source. Those are what make a delete
//! answer 409, as the API does.

use serde_json::{Value, json};

use super::template::now;
use super::{Missing, Outcome, Record, World, field, invalid, param};
use crate::cassettes::Library;
use crate::server::{Ctx, Reply};

/// A connection and what depends on it.
#[derive(Debug, Clone)]
pub(super) struct Drive {
    /// The connection, as answered.
    record: Record,
    /// The agents using it (`AgentUsingCloudDriveResponseModel` bodies).
    agents: Vec<Value>,
    /// Content sources fed by it.
    sources: usize,
}

impl Drive {
    fn id(&self) -> &str {
        self.record.id()
    }
}

/// A stable identifier of a shared drive, from its name (the mock has no provider to ask).
fn shared_drive_id(name: &str) -> String {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("0A{hash:016X}")
}

impl World {
    /// The connections of the cassettes, with the agents and sources that use them.
    pub(super) fn seed_cloud_drives(&mut self, library: &Library) {
        let Some(entry) = library.of("list_cloud_drives").iter().find(|e| e.file.ends_with("/default.yaml")) else {
            return;
        };
        let seeds = entry.cassette.response.body.clone().and_then(|b| b.as_array().cloned()).unwrap_or_default();
        let users = library.of("list_cloud_drive_agents").iter().find(|e| e.file.ends_with("/default.yaml"));
        for body in seeds {
            let seq = self.next_seq();
            let id = body["id"].as_str().unwrap_or_default().to_string();
            let agents = users
                .filter(|e| e.cassette.request.path == format!("/cloud-drives/{id}/agents"))
                .and_then(|e| e.cassette.response.body.clone())
                .and_then(|b| b.as_array().cloned())
                .unwrap_or_default();
            let sources = usize::from(body["drive_id"].is_string());
            self.cloud_drives.push(Drive { record: Record { seq, body }, agents, sources });
        }
    }

    fn drive(&self, ctx: &Ctx<'_>) -> Result<&Drive, Missing> {
        let id = param(ctx, "connection_id");
        self.cloud_drives.iter().find(|d| d.id() == id).ok_or(Missing("Cloud drive connection"))
    }

    fn drive_mut(&mut self, ctx: &Ctx<'_>) -> Result<&mut Drive, Missing> {
        let id = param(ctx, "connection_id");
        self.cloud_drives.iter_mut().find(|d| d.id() == id).ok_or(Missing("Cloud drive connection"))
    }

    /// `GET /cloud-drives`: every connection, oldest first.
    pub(super) fn list_cloud_drives(&mut self, ctx: &Ctx<'_>) -> Outcome {
        Ok(unpaged(ctx, self.cloud_drives.iter().map(|d| d.record.body.clone()).collect()))
    }

    /// `GET /cloud-drives/{connection_id}`.
    pub(super) fn get_cloud_drive(&mut self, ctx: &Ctx<'_>) -> Outcome {
        Ok(Reply::json(200, &self.drive(ctx)?.record.body))
    }

    /// `GET /cloud-drives/{connection_id}/agents`.
    pub(super) fn list_cloud_drive_agents(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let agents = self.drive(ctx)?.agents.clone();
        Ok(unpaged(ctx, agents))
    }

    /// `PATCH /cloud-drives/{connection_id}`: a new name, or a new folder. An empty folder is
    /// the whole drive; `/Shared drives/<name>/...` is on the shared drive `<name>`; any other
    /// path is on the user's own drive. A new folder resets the sync cursor.
    pub(super) fn update_cloud_drive(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let name = field(ctx, "name").as_str().map(str::trim).map(String::from);
        let folder = field(ctx, "folder_path").as_str().map(|f| f.trim().trim_end_matches('/').to_string());
        if name.as_deref() == Some("") {
            return Ok(invalid(json!(["body", "name"]), "string_too_short", "String should have at least 1 character"));
        }
        let shared = folder.as_deref().and_then(|f| f.strip_prefix("/Shared drives"));
        let shared_name =
            shared.map(|rest| rest.trim_start_matches('/').split('/').next().unwrap_or_default().to_string());
        if shared_name.as_deref() == Some("") {
            return Ok(invalid(
                json!(["body", "folder_path"]),
                "value_error",
                "Value error, a shared-drive folder reads /Shared drives/<drive name>/<folder>",
            ));
        }
        let drive = self.drive_mut(ctx)?;
        let body = &mut drive.record.body;
        if let Some(name) = name {
            body["name"] = json!(name);
        }
        if let Some(folder) = folder
            && body["folder_path"] != json!(folder)
        {
            match shared_name {
                Some(drive_name) => {
                    body["drive_id"] = json!(shared_drive_id(&drive_name));
                    body["drive_name"] = json!(drive_name);
                }
                None => {
                    body["drive_id"] = Value::Null;
                    body["drive_name"] = Value::Null;
                }
            }
            body["drive_name_stale"] = json!(false);
            body["folder_path"] = json!(folder);
            // The sync cursor starts over in the new folder.
            body["last_synced_at"] = Value::Null;
        }
        body["updated_at"] = json!(now());
        Ok(Reply::json(200, body))
    }

    /// `POST /cloud-drives/{connection_id}/disconnect`: tokens gone, record kept.
    pub(super) fn disconnect_cloud_drive(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let drive = self.drive_mut(ctx)?;
        let body = &mut drive.record.body;
        body["status"] = json!("disconnected");
        body["connected"] = json!(false);
        body["realtime_updates"] = json!(false);
        body["updated_at"] = json!(now());
        Ok(Reply::json(200, body))
    }

    /// `DELETE /cloud-drives/{connection_id}`: refused with 409 while an agent or a content
    /// source uses the connection.
    pub(super) fn delete_cloud_drive(&mut self, ctx: &Ctx<'_>) -> Outcome {
        let drive = self.drive(ctx)?;
        let mut users = Vec::new();
        if !drive.agents.is_empty() {
            users.push(format!("{} agent(s)", drive.agents.len()));
        }
        if drive.sources > 0 {
            users.push(format!("{} content source(s)", drive.sources));
        }
        if !users.is_empty() {
            let detail =
                format!("The cloud-drive connection is still in use by {}; remove those first.", users.join(" and "));
            return Ok(Reply::json(409, &json!({ "detail": detail })));
        }
        let id = drive.id().to_string();
        self.cloud_drives.retain(|d| d.id() != id);
        self.forget(&id);
        Ok(Reply::json(200, &json!({"ok": true})))
    }
}

/// A list that is not paged: a plain array, or from `2026-07-27` one page holding everything.
fn unpaged(ctx: &Ctx<'_>, items: Vec<Value>) -> Reply {
    if !ctx.canonical_lists() {
        return Reply::json(200, &Value::Array(items));
    }
    let n = items.len();
    let pagination = json!({"page": 1, "limit": n.max(1), "total": n, "pages": usize::from(n > 0), "has_next": false, "has_prev": false});
    Reply::json(200, &json!({"data": items, "pagination": pagination}))
}
