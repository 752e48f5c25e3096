//! `seclai mcp configure|show`: the Seclai MCP server in AI tools' config files, as the official
//! tool writes it (`mcpServers.seclai = {type: "streamable-http", url, headers: {"X-API-Key"}}`),
//! merged into what the file already holds. The key is printed only when asked (`--show-key`).

use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Value, json};

const TARGETS: [&str; 5] = ["claude-code", "cursor", "claude-desktop", "windsurf", "all"];

/// The command group.
pub fn command() -> Command {
    let g = |c: Command| crate::globals::add_to(c, &[]);
    let key = || {
        Arg::new("key")
            .long("key")
            .value_name("API_KEY")
            .help("The API key the tool sends [default: --api-key or SECLAI_API_KEY]")
    };
    g(Command::new("mcp")
        .about("The Seclai MCP server in AI tools (Claude Code, Cursor, Claude Desktop, Windsurf)")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(g(Command::new("configure")
            .about("Write the MCP server into the tools' config files")
            .arg(key())
            .arg(Arg::new("target").long("target").value_name("TOOL").default_value("all").value_parser(TARGETS))
            .arg(
                Arg::new("dir")
                    .long("dir")
                    .value_name("PATH")
                    .default_value(".")
                    .help("The project of the project-level files"),
            )))
        .subcommand(g(Command::new("show")
            .about("Print the MCP server entry (the key masked unless --show-key)")
            .arg(key())
            .arg(Arg::new("show-key").long("show-key").action(ArgAction::SetTrue).help("Print the key itself")))))
}

/// The MCP endpoint of the API the client talks to.
fn mcp_url(globals: &crate::globals::Globals) -> String {
    let base = globals.base_url.clone().unwrap_or_else(|| seclai::DEFAULT_BASE_URL.to_string());
    format!("{}/mcp", base.trim_end_matches('/'))
}

fn entry(url: &str, key: &str) -> Value {
    json!({"type": "streamable-http", "url": url, "headers": {"X-API-Key": key}})
}

/// The files of a target.
fn files(target: &str, dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let desktop = if cfg!(target_os = "macos") {
        home.join("Library/Application Support/Claude/claude_desktop_config.json")
    } else {
        home.join(".config/Claude/claude_desktop_config.json")
    };
    let all = [
        ("claude-code", dir.join(".mcp.json")),
        ("cursor", dir.join(".cursor/mcp.json")),
        ("claude-desktop", desktop),
        ("windsurf", home.join(".codeium/windsurf/mcp_config.json")),
    ];
    all.into_iter().filter(|(t, _)| target == "all" || *t == target).collect()
}

/// Puts the entry under `mcpServers.seclai`, keeping everything else the file holds.
fn merge(path: &Path, server: &Value) -> Result<(), String> {
    let mut doc: Value = match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => {
            serde_json::from_str(&text).map_err(|e| format!("{} is not JSON ({e}); not changed", path.display()))?
        }
        _ => json!({}),
    };
    if !doc.is_object() {
        return Err(format!("{} is not a JSON object; not changed", path.display()));
    }
    if !doc["mcpServers"].is_object() {
        doc["mcpServers"] = json!({});
    }
    doc["mcpServers"]["seclai"] = server.clone();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600); // it holds an API key
    }
    use std::io::Write;
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("writing {}: {e}", path.display()))
}

fn mask(key: &str) -> String {
    let tail: String = key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("****{tail}")
}

/// Runs `mcp <sub>`; the JSON to print.
pub fn run(sub: &str, m: &ArgMatches, globals: &crate::globals::Globals) -> Result<Value, String> {
    let key = m
        .get_one::<String>("key")
        .cloned()
        .or(globals.api_key.as_ref().map(|k| k.expose().to_string()))
        .ok_or("no API key: give --key, --api-key or SECLAI_API_KEY")?;
    let url = mcp_url(globals);
    if sub == "show" {
        let shown = if m.get_flag("show-key") { key } else { mask(&key) };
        return Ok(json!({"mcpServers": {"seclai": entry(&url, &shown)}}));
    }
    let target = m.get_one::<String>("target").map(String::as_str).unwrap_or("all");
    let dir = PathBuf::from(m.get_one::<String>("dir").map(String::as_str).unwrap_or("."));
    let mut written = Vec::new();
    for (tool, path) in files(target, &dir) {
        merge(&path, &entry(&url, &key))?;
        written.push(json!({"tool": tool, "path": path}));
    }
    Ok(json!({"written": written, "url": url}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_is_merged_and_other_servers_stay() {
        let dir = std::env::temp_dir().join(format!("seclai-cli-mcp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".mcp.json");
        std::fs::write(&path, r#"{"mcpServers": {"other": {"url": "x"}}, "keep": true}"#).unwrap();
        merge(&path, &entry("https://api.seclai.com/mcp", "sk-1234")).unwrap();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(doc["keep"], true);
        assert_eq!(doc["mcpServers"]["other"]["url"], "x");
        assert_eq!(doc["mcpServers"]["seclai"]["headers"]["X-API-Key"], "sk-1234");
        std::fs::write(&path, "not json").unwrap();
        assert!(merge(&path, &entry("u", "k")).unwrap_err().contains("not JSON"));
        assert_eq!(mask("sk-abcdef1234"), "****1234");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
