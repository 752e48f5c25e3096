//! `seclai auth login|logout|status|refresh`: SSO sign-in with the profile of the config
//! directory, as the official tool does it (OAuth 2 authorization code with PKCE, a callback on
//! `127.0.0.1:<port>/callback`, tokens cached where the SDKs read them, file mode 0600), through
//! `seclai::sso`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Value, json};
use sha2::Digest;

/// The command group.
pub fn command() -> Command {
    let g = |c: Command| crate::globals::add_to(c, &[]);
    g(Command::new("auth")
        .about("Sign in with an SSO profile, and inspect or end the sign-in")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(g(Command::new("login")
            .about("Sign in in a browser (OAuth 2 with PKCE) and cache the tokens")
            .arg(
                Arg::new("port")
                    .long("port")
                    .value_name("N")
                    .default_value("9876")
                    .value_parser(clap::value_parser!(u16))
                    .help("The local port of the callback (http://127.0.0.1:N/callback)"),
            )
            .arg(
                Arg::new("no-browser")
                    .long("no-browser")
                    .action(ArgAction::SetTrue)
                    .help("Print the address to open instead of opening a browser"),
            )
            .arg(
                Arg::new("wait")
                    .long("wait")
                    .value_name("DURATION")
                    .default_value("5m")
                    .value_parser(crate::values::duration())
                    .help("How long to wait for the browser to come back"),
            )))
        .subcommand(g(Command::new("logout").about("Remove the cached tokens of the profile")))
        .subcommand(g(Command::new("status").about("Whether the profile is signed in, and until when")))
        .subcommand(g(Command::new("refresh").about("Renew the access token with the cached refresh token"))))
}

/// The config directory: `--config-dir`, `SECLAI_CONFIG_DIR`, else `~/.seclai`.
pub fn config_dir(globals: &crate::globals::Globals) -> Result<PathBuf, String> {
    globals
        .config_dir
        .clone()
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".seclai")))
        .ok_or_else(|| "no config directory: give --config-dir or set HOME".to_string())
}

fn profile(globals: &crate::globals::Globals) -> String {
    globals.profile.clone().unwrap_or_else(|| "default".to_string())
}

fn status_json(session: &seclai::sso::SsoSession, status: &seclai::sso::TokenStatus) -> Value {
    let state = match status.state {
        seclai::sso::TokenState::Authenticated => "authenticated",
        seclai::sso::TokenState::Expired => "expired",
        _ => "not_authenticated",
    };
    json!({
        "profile": session.profile_name(),
        "status": state,
        "expires_at": status.expires_at,
        "has_refresh_token": status.has_refresh_token,
        "account_id": session.account_id(),
    })
}

/// A PKCE verifier (43 characters of the unreserved set) and its S256 challenge.
fn pkce() -> (String, String) {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let verifier: String = (0..64).map(|_| CHARS[fastrand::usize(..CHARS.len())] as char).collect();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Waits for the browser's redirect and answers it; the `code` and `state` it carried.
fn receive_callback(listener: &TcpListener) -> Result<(String, String), String> {
    loop {
        let (mut socket, _) = listener.accept().map_err(|e| format!("the callback server failed: {e}"))?;
        let mut line = String::new();
        BufReader::new(&socket).read_line(&mut line).map_err(|e| e.to_string())?;
        let target = line.split_whitespace().nth(1).unwrap_or_default().to_string();
        let Some(query) = target.strip_prefix("/callback?") else {
            let _ = socket.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            continue;
        };
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .map(|v| percent_encoding::percent_decode_str(&v.replace('+', " ")).decode_utf8_lossy().into_owned())
        };
        let (page, outcome) = match (param("code"), param("state"), param("error")) {
            (Some(code), Some(state), _) => ("Signed in to Seclai. You can close this tab.", Ok((code, state))),
            (_, _, Some(error)) => {
                ("Sign-in failed. See the terminal.", Err(format!("the sign-in was refused: {error}")))
            }
            _ => ("Sign-in failed. See the terminal.", Err("the callback carried no code".to_string())),
        };
        let html = format!("<!doctype html><title>Seclai</title><p>{page}</p>");
        let _ = write!(
            socket,
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
            html.len()
        );
        return outcome;
    }
}

fn open_browser(url: &str) -> bool {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}

/// Runs `auth <sub>`; the JSON to print.
pub async fn run(sub: &str, m: &ArgMatches, globals: &crate::globals::Globals) -> Result<Value, seclai::Error> {
    let dir = config_dir(globals).map_err(seclai::Error::InvalidArgument)?;
    let session = seclai::sso::SsoSession::open(&dir, &profile(globals))?;
    match sub {
        "status" => Ok(status_json(&session, &session.status()?)),
        "logout" => {
            let removed = session.sign_out()?;
            Ok(json!({"profile": session.profile_name(), "signed_out": removed}))
        }
        "refresh" => {
            let status = session.refresh().await?;
            Ok(status_json(&session, &status))
        }
        _ => login(&session, m, globals).await,
    }
}

async fn login(
    session: &seclai::sso::SsoSession,
    m: &ArgMatches,
    globals: &crate::globals::Globals,
) -> Result<Value, seclai::Error> {
    let port = *m.get_one::<u16>("port").unwrap_or(&9876);
    let wait = m
        .get_one::<String>("wait")
        .and_then(|w| crate::values::parse_duration(w).ok())
        .unwrap_or(Duration::from_secs(300));
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| seclai::Error::InvalidArgument(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let (verifier, challenge) = pkce();
    let state: String = (0..32).map(|_| fastrand::alphanumeric()).collect();
    let url = session.authorize_url(&redirect, &state, &challenge);
    if m.get_flag("no-browser") || !open_browser(&url) {
        eprintln!("Open this address to sign in:\n{url}");
    } else {
        eprintln!("Opened the browser to sign in (else open {url})");
    }
    eprintln!("Waiting for authentication callback on {redirect} ...");
    let received = tokio::time::timeout(wait, tokio::task::spawn_blocking(move || receive_callback(&listener)))
        .await
        .map_err(|_| seclai::Error::InvalidArgument(format!("no sign-in within {wait:?}")))?
        .map_err(|e| seclai::Error::InvalidArgument(e.to_string()))?;
    let (code, returned_state) = received.map_err(seclai::Error::InvalidArgument)?;
    if returned_state != state {
        return Err(seclai::Error::InvalidArgument("the callback's state does not match: sign-in refused".into()));
    }
    let status = session.sign_in_with_code(&code, &verifier, &redirect).await?;
    // As the official tool: the caller's account, remembered in the profile.
    let mut who = Value::Null;
    if let Ok(client) = globals.sso_client()
        && let Ok(me) = client.identity().me().send().await
    {
        who = serde_json::to_value(&me).unwrap_or(Value::Null);
        if let (Some(account), Ok(dir)) = (who["account_id"].as_str(), config_dir(globals)) {
            let _ = crate::configure::set_key(&dir, session.profile_name(), "sso_account_id", account);
        }
    }
    let mut out = status_json(session, &status);
    out["me"] = who;
    Ok(out)
}
