//! `seclai configure sso`, `auth login` (PKCE against a fake authorization server on loopback,
//! the browser played by the test), then the cached sign-in used by a command, `auth status`,
//! `auth refresh` and `auth logout`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use base64::Engine;
use serde_json::Value;
use sha2::Digest;

/// A token endpoint: answers each POST with tokens, and keeps the form bodies it received.
fn fake_token_server(access_token: String) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    std::thread::spawn(move || {
        for (n, socket) in listener.incoming().enumerate() {
            let Ok(mut socket) = socket else { continue };
            let mut reader = BufReader::new(socket.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            seen.lock().unwrap().push(String::from_utf8(body).unwrap());
            let answer = format!(
                r#"{{"access_token": "{access_token}", "refresh_token": "rt-{n}", "id_token": "id-{n}", "expires_in": 3600}}"#
            );
            let _ = write!(
                socket,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (port, bodies)
}

fn form_value(body: &str, name: &str) -> Option<String> {
    body.split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .map(|v| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_pkce_then_use_check_refresh_and_end_the_sign_in() {
    let api = seclai_mock::Server::start().await.unwrap();
    let (token_port, bodies) = fake_token_server(api.api_key().to_string());
    let dir = std::env::temp_dir().join(format!("seclai-cli-login-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let base_url = api.base_url().to_string();
    let d = dir.clone();
    tokio::task::spawn_blocking(move || {
        let seclai = |args: &[&str]| {
            let out = Command::new(env!("CARGO_BIN_EXE_seclai"))
                .args(args)
                .args(["--config-dir", d.to_str().unwrap()])
                .env_clear()
                .env("SECLAI_API_URL", &base_url)
                .output()
                .unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).to_string(),
                String::from_utf8_lossy(&out.stderr).to_string(),
            )
        };
        let domain = format!("http://127.0.0.1:{token_port}");
        let (code, _, err) =
            seclai(&["configure", "sso", "--sso-domain", &domain, "--client-id", "cli-test", "--region", "us-west-2"]);
        assert_eq!(code, Some(0), "{err}");

        // Sign in: the tool prints the address; the test plays the browser.
        let port = free_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_seclai"))
            .args(["auth", "login", "--no-browser", "--port", &port.to_string(), "--config-dir", d.to_str().unwrap()])
            .env_clear()
            .env("SECLAI_API_URL", &base_url)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let url = loop {
            let mut line = String::new();
            assert!(stderr.read_line(&mut line).unwrap() > 0, "no address printed");
            if line.starts_with(&domain) {
                break line.trim().to_string();
            }
        };
        assert!(url.starts_with(&format!("{domain}/oauth2/authorize?response_type=code&client_id=cli-test")), "{url}");
        let query = |name: &str| form_value(url.split_once('?').unwrap().1, name).unwrap();
        assert_eq!(query("redirect_uri"), format!("http://127.0.0.1:{port}/callback"));
        assert_eq!(query("code_challenge_method"), "S256");
        assert_eq!(query("scope"), "openid profile email");
        // Wait for the callback server to listen, then come back with the code.
        loop {
            let _ = stderr.read_line(&mut String::new());
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
        }
        let mut browser = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(browser, "GET /callback?code=the-code&state={} HTTP/1.1\r\nHost: x\r\n\r\n", query("state")).unwrap();
        let mut page = String::new();
        browser.read_to_string(&mut page).unwrap();
        assert!(page.contains("Signed in"), "{page}");
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let signed_in: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(signed_in["status"], "authenticated");
        assert!(signed_in["me"]["account_id"].is_string(), "{signed_in}");

        // The token request proves the verifier behind the challenge.
        let form = bodies.lock().unwrap()[0].clone();
        assert_eq!(form_value(&form, "grant_type").as_deref(), Some("authorization_code"));
        assert_eq!(form_value(&form, "code").as_deref(), Some("the-code"));
        let verifier = form_value(&form, "code_verifier").unwrap();
        let challenge =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
        assert_eq!(challenge, query("code_challenge"));

        // The cache (mode 0600) and the account id in the profile.
        let cache_dir = d.join("sso/cache");
        let cache = std::fs::read_dir(&cache_dir).unwrap().flatten().next().unwrap().path();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(std::fs::read_to_string(&cache).unwrap().contains("rt-0"));
        let config = std::fs::read_to_string(d.join("config")).unwrap();
        assert!(config.contains("sso_account_id = "), "{config}");

        // A command signs in with the cached token; no API key anywhere.
        let (code, out, err) = seclai(&["me"]);
        assert_eq!(code, Some(0), "{err}");
        assert!(out.contains("account_id"));
        let (_, out, _) = seclai(&["auth", "status"]);
        let status: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            (status["status"].as_str(), status["has_refresh_token"].as_bool()),
            (Some("authenticated"), Some(true))
        );
        let (code, _, err) = seclai(&["auth", "refresh"]);
        assert_eq!(code, Some(0), "{err}");
        let form = bodies.lock().unwrap()[1].clone();
        assert_eq!(form_value(&form, "grant_type").as_deref(), Some("refresh_token"));
        assert_eq!(form_value(&form, "refresh_token").as_deref(), Some("rt-0"));
        let (_, out, _) = seclai(&["auth", "logout"]);
        assert!(out.contains("\"signed_out\": true"), "{out}");
        let (_, out, _) = seclai(&["auth", "status"]);
        assert!(out.contains("not_authenticated"), "{out}");
        let (_, out, _) = seclai(&["configure", "list", "--compact"]);
        assert!(out.contains("\"sso_client_id\":\"cli-test\""), "{out}");
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
