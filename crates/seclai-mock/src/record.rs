//! Recording your own cassettes from the API with a read-only tour (`cargo xtask record`, or
//! `seclai-mock record`).
//!
//! The tour only reads (identity, version, lists and the first item of each), so it is safe on a
//! production account. Every interaction is written, scrubbed, by the client's recording option.

use std::path::{Path, PathBuf};

use seclai::Client;

/// Where and with what to record.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The directory the cassettes go to.
    pub out: PathBuf,
    /// The base URL (default: `SECLAI_API_URL` or the production API).
    pub base_url: Option<String>,
    /// The API key (default: `SECLAI_API_KEY`).
    pub api_key: Option<String>,
}

/// One step of the tour and how it went.
#[derive(Debug)]
pub struct Step {
    /// What was asked.
    pub what: &'static str,
    /// `Ok(detail)` or the error.
    pub outcome: Result<String, String>,
}

fn client(r: &Recording) -> Result<Client, String> {
    let mut b = seclai::ClientBuilder::from_env().record_to(&r.out);
    if let Some(url) = &r.base_url {
        b = b.base_url(url.clone());
    }
    if let Some(key) = &r.api_key {
        b = b.api_key(key.clone());
    }
    b.build().map_err(|e| e.to_string())
}

/// Runs the read-only tour; returns its steps. Errors of single steps (a 403 on email domains
/// for an account key, say) are recorded and do not stop the tour.
pub async fn tour(r: &Recording) -> Result<Vec<Step>, String> {
    std::fs::create_dir_all(&r.out).map_err(|e| format!("{}: {e}", r.out.display()))?;
    let c = client(r)?;
    let mut steps = Vec::new();
    let mut step = |what: &'static str, outcome: Result<String, seclai::Error>| {
        steps.push(Step { what, outcome: outcome.map_err(|e| e.to_string()) });
    };
    step("who am I", c.identity().me().send().await.map(|_| "ok".into()));
    step("API version", c.version().get().send().await.map(|v| v.effective_version));
    let agents = c.agents().list().limit(5).send().await;
    let first_agent = agents.as_ref().ok().and_then(|p| p.items.first().map(|a| a.id.clone()));
    step("agents", agents.map(|p| format!("{} of {:?}", p.items.len(), p.total)));
    if let Some(id) = first_agent {
        step("an agent", c.agents().get(&id).send().await.map(|a| a.name));
        let runs = c.agents().runs().list(&id).limit(5).send().await;
        let first_run = runs.as_ref().ok().and_then(|p| p.items.first().map(|r| r.run_id.clone()));
        step("its runs", runs.map(|p| p.items.len().to_string()));
        if let Some(run) = first_run {
            step("a run", c.agents().runs().get(&run).send().await.map(|r| r.status.to_string()));
        }
    }
    let kbs = c.knowledge_bases().list().limit(5).send().await;
    let first_kb = kbs.as_ref().ok().and_then(|p| p.items.first().map(|k| k.id.clone()));
    step("knowledge bases", kbs.map(|p| p.items.len().to_string()));
    if let Some(id) = first_kb {
        step("a knowledge base", c.knowledge_bases().get(&id).send().await.map(|k| k.name));
    }
    let sources = c.sources().list().limit(5).send().await;
    let first_source = sources.as_ref().ok().and_then(|p| p.items.first().map(|s| s.id.clone()));
    step("sources", sources.map(|p| p.items.len().to_string()));
    if let Some(id) = first_source {
        step("a source", c.sources().get(&id).send().await.map(|s| s.name));
    }
    step("memory banks", c.memory_banks().list().limit(5).send().await.map(|p| p.items.len().to_string()));
    step("solutions", c.solutions().list().limit(5).send().await.map(|p| p.items.len().to_string()));
    step("models", c.models().list().send().await.map(|m| m.len().to_string()));
    step("alerts", c.alerts().list().limit(5).send().await.map(|p| p.items.len().to_string()));
    step("email domains", c.email_domains().list().send().await.map(|_| "ok".into()));
    step("documentation search", c.search().docs("agents").limit(3).send().await.map(|p| p.items.len().to_string()));
    Ok(steps)
}

/// The cassettes under `dir`, as files.
pub fn written(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
            if f.path().extension().is_some_and(|x| x == "yaml") {
                out.push(f.path());
            }
        }
    }
    out.sort();
    out
}
