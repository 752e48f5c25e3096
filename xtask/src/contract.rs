//! `cargo xtask contract [dir]`: checks cassettes (ours, or your recordings) against the spec and
//! the `seclai` crate: schemas, decoding, and a loopback replay through the SDK's methods.

use std::path::Path;

use seclai::cassette::Cassette;
use seclai_mock::Api;
use seclai_mock::contract::{Failure, check, replay};

/// Checks every cassette under `dir`; returns (cassettes checked, failures).
pub async fn run(dir: &Path) -> Result<(usize, Vec<Failure>), String> {
    let cassettes = Cassette::load_dir(dir).map_err(|e| e.to_string())?;
    let api = Api::shared();
    let mut failures = Vec::new();
    for (path, c) in &cassettes {
        let file = path.strip_prefix(dir).unwrap_or(path).display().to_string();
        failures.extend(check(&api, &file, c));
        failures.extend(replay(&api, &file, c).await);
    }
    Ok((cassettes.len(), failures))
}
