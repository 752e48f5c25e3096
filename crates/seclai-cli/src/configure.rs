//! `seclai configure sso|list`: the SSO profiles of `<config dir>/config`, the INI file the
//! official SDKs and CLI share (`[default]`, `[profile NAME]`; keys `sso_domain`,
//! `sso_client_id`, `sso_region`, `sso_account_id`), written with mode 0600.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use clap::{Arg, ArgMatches, Command};
use serde_json::{Value, json};

/// The command group.
pub fn command() -> Command {
    let g = |c: Command| crate::globals::add_to(c, &[]);
    g(Command::new("configure")
        .about("SSO profiles of the config file")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(g(Command::new("sso")
            .about("Create or update an SSO profile (asks on stderr for what the flags leave out)")
            .arg(
                Arg::new("profile-name").long("profile-name").value_name("NAME").help("The profile [default: default]"),
            )
            .arg(
                Arg::new("sso-domain")
                    .long("sso-domain")
                    .value_name("HOST")
                    .help("The SSO domain, e.g. auth.seclai.com"),
            )
            .arg(Arg::new("client-id").long("client-id").value_name("ID").help("The OAuth client id"))
            .arg(Arg::new("region").long("region").value_name("REGION").help("The SSO region, e.g. us-west-2"))))
        .subcommand(g(Command::new("list").about("The profiles of the config file"))))
}

fn section_name(profile: &str) -> String {
    if profile == "default" { "[default]".to_string() } else { format!("[profile {profile}]") }
}

/// Sets `key = value` in the profile's section, keeping every other line of the file.
pub fn set_key(dir: &Path, profile: &str, key: &str, value: &str) -> std::io::Result<()> {
    let path = dir.join("config");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let header = section_name(profile);
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let start = lines.iter().position(|l| l.trim() == header);
    let entry = format!("{key} = {value}");
    match start {
        None => {
            if lines.last().is_some_and(|l| !l.trim().is_empty()) {
                lines.push(String::new());
            }
            lines.push(header);
            lines.push(entry);
        }
        Some(s) => {
            let end =
                lines[s + 1..].iter().position(|l| l.trim_start().starts_with('[')).map_or(lines.len(), |i| s + 1 + i);
            let existing = (s + 1..end).find(|&i| lines[i].split_once('=').is_some_and(|(k, _)| k.trim() == key));
            match existing {
                Some(i) => lines[i] = entry,
                None => {
                    // After the section's last non-empty line.
                    let at = (s + 1..end).rev().find(|&i| !lines[i].trim().is_empty()).map_or(s + 1, |i| i + 1);
                    lines.insert(at, entry);
                }
            }
        }
    }
    write_private(&path, &(lines.join("\n") + "\n"))
}

/// Writes through a temporary file renamed into place, mode 0600 (directory 0700).
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".config.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let mut f = options.open(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// The profiles: `name -> {key: value}` (read as the SDK reads them).
pub fn profiles(dir: &Path) -> Value {
    serde_json::to_value(seclai::sso::profiles(dir)).unwrap_or_else(|_| json!({}))
}

fn ask(question: &str, default: Option<&str>) -> Result<String, String> {
    if !std::io::stdin().is_terminal() {
        return Err(format!("{question}: give it as a flag (stdin is not a terminal)"));
    }
    match default {
        Some(d) => eprint!("{question} [{d}]: "),
        None => eprint!("{question}: "),
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
    let answer = line.trim();
    match (answer.is_empty(), default) {
        (true, Some(d)) => Ok(d.to_string()),
        (true, None) => Err(format!("{question} is required")),
        (false, _) => Ok(answer.to_string()),
    }
}

/// Runs `configure <sub>`; the JSON to print.
pub fn run(sub: &str, m: &ArgMatches, globals: &crate::globals::Globals) -> Result<Value, String> {
    let dir = crate::auth::config_dir(globals)?;
    if sub == "list" {
        return Ok(profiles(&dir));
    }
    let name = m.get_one::<String>("profile-name").cloned().or(globals.profile.clone()).unwrap_or("default".into());
    let existing = profiles(&dir);
    let current = |k: &str| existing[&name][k].as_str().map(String::from);
    let value = |flag: &str, key: &str, question: &str, fallback: Option<&str>| -> Result<String, String> {
        match m.get_one::<String>(flag) {
            Some(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            Some(_) => Err(format!("--{flag} is empty")),
            None => ask(question, current(key).as_deref().or(fallback)),
        }
    };
    let domain = value("sso-domain", "sso_domain", "SSO domain", Some("auth.seclai.com"))?;
    let client_id = value("client-id", "sso_client_id", "SSO client id", None)?;
    let region = value("region", "sso_region", "SSO region", Some("us-west-2"))?;
    for (k, v) in [("sso_domain", &domain), ("sso_client_id", &client_id), ("sso_region", &region)] {
        set_key(&dir, &name, k, v).map_err(|e| format!("cannot write {}: {e}", dir.join("config").display()))?;
    }
    Ok(json!({"profile": name, "config": dir.join("config"), "settings": profiles(&dir)[&name].clone()}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_set_in_its_section_and_every_other_line_stays() {
        let dir = std::env::temp_dir().join(format!("seclai-cli-ini-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config"), "# mine\n[default]\nsso_client_id = a\n\n[profile work]\nsso_region = eu\n")
            .unwrap();
        set_key(&dir, "default", "sso_account_id", "acc").unwrap();
        set_key(&dir, "work", "sso_region", "us").unwrap();
        set_key(&dir, "new", "sso_client_id", "n").unwrap();
        let text = std::fs::read_to_string(dir.join("config")).unwrap();
        assert_eq!(
            text,
            "# mine\n[default]\nsso_client_id = a\nsso_account_id = acc\n\n[profile work]\nsso_region = us\n\n[profile new]\nsso_client_id = n\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(dir.join("config")).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(profiles(&dir)["work"]["sso_region"], "us");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
