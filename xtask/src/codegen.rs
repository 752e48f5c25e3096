//! `cargo xtask codegen [--check]`: the generated code, as reviewable snapshots.
//!
//! The snapshots are plain files in insta's format (a short header, then the code), written
//! here directly, so that `cargo insta` can still show them; `--check` prints a unified diff per
//! part that drifted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the snapshots of the raw client live, relative to the workspace root.
pub const RAW_SNAPSHOTS: &str = "crates/seclai-raw/snapshots";
/// Where the snapshots of the `seclai` operation layer live.
pub const SDK_SNAPSHOTS: &str = "crates/seclai/snapshots";
/// Where the snapshot of the command-line tool's command table lives.
pub const CLI_SNAPSHOTS: &str = "crates/seclai-cli/snapshots";
/// Where the snapshot of the typed mocks (`seclai-httpmock`) lives.
pub const HTTPMOCK_SNAPSHOTS: &str = "crates/seclai-httpmock/snapshots";

/// Every generated part, keyed by snapshot file stem, for the spec text `yaml`.
pub fn generate_parts(yaml: &str) -> Result<BTreeMap<String, (PathBuf, String)>, String> {
    let generated = seclai_codegen::generate(yaml).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for (name, code) in generated.raw.parts() {
        out.insert(format!("raw__{name}"), (PathBuf::from(RAW_SNAPSHOTS), code));
    }
    for (name, code) in generated.sdk.parts().map_err(|e| e.to_string())? {
        out.insert(name, (PathBuf::from(SDK_SNAPSHOTS), code));
    }
    let cli = seclai_codegen::cli::generate_cli(yaml).map_err(|e| e.to_string())?;
    out.insert("cli__commands".to_string(), (PathBuf::from(CLI_SNAPSHOTS), prettyplease::unparse(&cli)));
    let mocks = seclai_codegen::httpmock::generate_httpmock(yaml).map_err(|e| e.to_string())?;
    out.insert("httpmock__mocks".to_string(), (PathBuf::from(HTTPMOCK_SNAPSHOTS), prettyplease::unparse(&mocks)));
    Ok(out)
}

/// The text of a snapshot file: insta's header, then the code.
pub fn snapshot_file(code: &str) -> String {
    format!("---\nsource: xtask/src/codegen.rs\n---\n{}\n", code.trim_end())
}

/// Writes every part as a snapshot file under `root`, and removes snapshots of parts that no
/// longer exist. Returns the number of parts written.
pub fn write(root: &Path, yaml: &str) -> Result<usize, String> {
    let parts = generate_parts(yaml)?;
    let dirs: std::collections::BTreeSet<&PathBuf> = parts.values().map(|(d, _)| d).collect();
    for dir in dirs {
        let dir = root.join(dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in std::fs::read_dir(&dir).map_err(|e| e.to_string())? {
            let path = entry.map_err(|e| e.to_string())?.path();
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
            if path.extension().is_some_and(|e| e == "snap") && !parts.contains_key(&stem) {
                std::fs::remove_file(&path).map_err(|e| e.to_string())?;
            }
        }
    }
    for (name, (dir, code)) in &parts {
        let path = root.join(dir).join(format!("{name}.snap"));
        std::fs::write(&path, snapshot_file(code)).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(parts.len())
}

/// The content of an insta snapshot file (everything after its metadata header).
pub fn snapshot_content(file: &str) -> &str {
    // Header: "---\n<yaml>\n---\n<content>"
    let rest = file.strip_prefix("---\n").unwrap_or(file);
    match rest.find("\n---\n") {
        Some(i) => &rest[i + 5..],
        None => rest,
    }
}

/// Compares what `yaml` generates with the snapshots under `root`. `Err` holds a readable
/// report: one unified diff per drifted part, and the parts missing or left over.
pub fn check(root: &Path, yaml: &str) -> Result<usize, String> {
    let parts = generate_parts(yaml)?;
    let mut report = String::new();
    for (name, (dir, code)) in &parts {
        let path = root.join(dir).join(format!("{name}.snap"));
        let Ok(file) = std::fs::read_to_string(&path) else {
            report.push_str(&format!("missing snapshot {} (run `cargo xtask codegen`)\n", path.display()));
            continue;
        };
        let committed = snapshot_content(&file);
        if committed.trim_end() != code.trim_end() {
            let diff = similar::TextDiff::from_lines(committed.trim_end(), code.trim_end());
            report.push_str(&format!("generated code differs from {}:\n", path.display()));
            report.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header("committed snapshot", "generated from the spec")
                    .to_string(),
            );
            report.push('\n');
        }
    }
    let dirs: std::collections::BTreeSet<&PathBuf> = parts.values().map(|(d, _)| d).collect();
    for dir in dirs {
        for entry in std::fs::read_dir(root.join(dir)).into_iter().flatten().flatten() {
            let path = entry.path();
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            if path.extension().is_some_and(|e| e == "snap") && !parts.contains_key(stem) {
                report.push_str(&format!("snapshot {} has no generated part any more\n", path.display()));
            }
        }
    }
    if report.is_empty() {
        Ok(parts.len())
    } else {
        Err(format!("{report}\nThe snapshots are out of date: run `cargo xtask codegen` and review the diff."))
    }
}
