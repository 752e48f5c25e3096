//! Configuration and the credential chain, over loopback: which credential wins, the
//! environment, SSO profiles with a local token endpoint, the version guard, and secrets
//! kept out of every printout.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{KEY, agent};
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use seclai::auth::{Secret, TokenFuture, TokenProvider};
use seclai::{Client, ClientBuilder, Error};
use serde_json::json;

async fn agent_server() -> MockServer {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path_suffix("/agents/a1");
            then.status(200).json_body(agent("a1"));
        })
        .await;
    server
}

struct Counting(Arc<AtomicUsize>);

impl TokenProvider for Counting {
    fn token(&self) -> TokenFuture<'_> {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move { Ok(Secret::new(format!("provided-{n}"))) })
    }
}

#[tokio::test]
async fn the_first_credential_of_the_chain_wins() {
    let server = agent_server().await;
    let key_only = server.mock_async(|when, then| {
        when.method(GET).path("/agents/k").header("x-api-key", KEY).header_missing("authorization");
        then.status(200).json_body(agent("k"));
    });
    let key_only = key_only.await;
    let c = Client::builder()
        .api_key(KEY)
        .bearer_token("bearer-secret")
        .token_provider(Counting(Arc::default()))
        .base_url(server.base_url())
        .build()
        .unwrap();
    c.agents().get("k").send().await.unwrap();
    key_only.assert_async().await;

    let bearer = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/agents/b")
                .header("authorization", "Bearer bearer-secret")
                .header_missing("x-api-key");
            then.status(200).json_body(agent("b"));
        })
        .await;
    let c = Client::builder().bearer_token("bearer-secret").base_url(server.base_url()).build().unwrap();
    c.agents().get("b").send().await.unwrap();
    bearer.assert_async().await;
}

#[tokio::test]
async fn a_token_provider_is_asked_on_every_request() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/p").header_matches("authorization", "^Bearer provided-[0-9]+$");
            then.status(200).json_body(agent("p"));
        })
        .await;
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Client::builder().token_provider(Counting(calls.clone())).base_url(server.base_url()).build().unwrap();
    for _ in 0..3 {
        c.agents().get("p").send().await.unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    m.assert_calls_async(3).await;
}

#[tokio::test]
async fn the_environment_supplies_key_url_and_a_custom_key_header() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/proxy/seclai/agents/e").header("authorization-key", "env-key");
            then.status(200).json_body(agent("e"));
        })
        .await;
    let url = format!("{}/proxy/seclai/", server.base_url());
    let env = move |k: &str| match k {
        "SECLAI_API_KEY" => Some("env-key".to_string()),
        "SECLAI_API_URL" => Some(url.clone()),
        _ => None,
    };
    let c = ClientBuilder::from_env_with(env).api_key_header("Authorization-Key").build().unwrap();
    assert!(c.base_url().ends_with("/proxy/seclai"), "the base path is kept: {}", c.base_url());
    c.agents().get("e").send().await.unwrap();
    m.assert_async().await;
}

#[tokio::test]
async fn an_explicit_key_beats_the_environment_and_new_never_reads_it() {
    let env = |k: &str| (k == "SECLAI_API_KEY").then(|| "env-key".to_string());
    let c = ClientBuilder::from_env_with(env).api_key("explicit").build().unwrap();
    assert!(format!("{c:?}").contains("from the builder"), "{c:?}");
    // Client::new takes its key and nothing else; a missing key is an error, not a lookup.
    let c = Client::new("only-this").unwrap();
    assert_eq!(c.base_url(), seclai::DEFAULT_BASE_URL);
}

#[test]
fn no_credential_is_a_configuration_error_naming_what_was_tried() {
    let dir = tempdir("nocred");
    let dir_s = dir.to_string_lossy().to_string();
    let env = move |k: &str| (k == "SECLAI_CONFIG_DIR").then(|| dir_s.clone());
    let e = ClientBuilder::from_env_with(env).build().unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Config(_)));
    for part in
        ["an API key", "a bearer token", "a token provider", "SECLAI_API_KEY", "SSO profile `default`", "config"]
    {
        assert!(msg.contains(part), "{part} missing from: {msg}");
    }
    let e = Client::builder().build().unwrap_err().to_string();
    assert!(e.contains("no credentials found"), "{e}");
}

#[test]
fn the_version_guard_refuses_unknown_versions_unless_allowed() {
    let b = || Client::builder().api_key("k");
    assert!(b().api_version("2026-07-27").build().is_ok());
    let e = b().api_version("2099-01-01").build().unwrap_err().to_string();
    assert!(e.contains("unknown to this release"), "{e}");
    assert!(b().api_version("2099-01-01").allow_unknown_api_version(true).build().is_ok());
    assert!(b().api_version("next").allow_unknown_api_version(true).build().is_err());
}

#[test]
fn known_versions_are_the_spec_versions() {
    let spec = common::spec();
    let known: Vec<&str> =
        spec["x-seclai-versions"]["known"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(seclai::KNOWN_API_VERSIONS, known.as_slice());
    assert_eq!(seclai::LATEST_API_VERSION, spec["x-seclai-versions"]["latest"].as_str().unwrap());
    assert_eq!(seclai::DEFAULT_API_VERSION, spec["x-seclai-versions"]["default"].as_str().unwrap());
}

#[tokio::test]
async fn client_wide_headers_go_on_every_request_and_the_version_only_when_set() {
    let server = MockServer::start_async().await;
    let with = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/agents/h")
                .header("seclai-version", "2026-07-27")
                .header("x-account-id", "acc-1")
                .header("x-team", "blue")
                .header("user-agent", format!("seclai-rust/{} my-app/2.0", env!("CARGO_PKG_VERSION")));
            then.status(200).json_body(agent("h"));
        })
        .await;
    let c = Client::builder()
        .api_key("k")
        .base_url(server.base_url())
        .api_version("2026-07-27")
        .account_id("acc-1")
        .default_header(
            reqwest::header::HeaderName::from_static("x-team"),
            reqwest::header::HeaderValue::from_static("blue"),
        )
        .user_agent_suffix("my-app/2.0")
        .build()
        .unwrap();
    c.agents().get("h").send().await.unwrap();
    with.assert_async().await;

    let without = server
        .mock_async(|when, then| {
            when.method(GET).path("/agents/n").header_missing("seclai-version").header_missing("x-account-id");
            then.status(200).json_body(agent("n"));
        })
        .await;
    Client::builder().api_key("k").base_url(server.base_url()).build().unwrap().agents().get("n").send().await.unwrap();
    without.assert_async().await;
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let b = Client::builder().api_key("sk-live-SECRET").bearer_token("jwt-SECRET");
    let shown = format!("{b:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    let c = b.build().unwrap();
    assert!(!format!("{c:?}").contains("SECRET"));
}

// ---- SSO profiles ----

use common::{sso_setup, tempdir};

fn sso_client(api: &MockServer, dir: &std::path::Path) -> Client {
    let dir = dir.to_string_lossy().to_string();
    let url = api.base_url();
    ClientBuilder::from_env_with(move |k| match k {
        "SECLAI_CONFIG_DIR" => Some(dir.clone()),
        "SECLAI_API_URL" => Some(url.clone()),
        _ => None,
    })
    .retry_policy(common::fast_retries())
    .build()
    .unwrap()
}

#[tokio::test]
async fn a_valid_cached_sso_token_is_used_as_is() {
    let api = MockServer::start_async().await;
    let tokens = MockServer::start_async().await;
    let refresh = tokens.mock_async(|when, then| {
        when.method(POST).path("/oauth2/token");
        then.status(500);
    });
    let refresh = refresh.await;
    let m = api
        .mock_async(|when, then| {
            when.method(GET)
                .path("/agents/s")
                .header("authorization", "Bearer cached-access")
                .header("x-account-id", "acc-from-profile");
            then.status(200).json_body(agent("s"));
        })
        .await;
    let (dir, _) = sso_setup(&tokens.base_url(), "cached-access", chrono::Utc::now() + chrono::Duration::hours(1));
    sso_client(&api, &dir).agents().get("s").send().await.unwrap();
    m.assert_async().await;
    assert_eq!(refresh.calls_async().await, 0);
}

#[tokio::test]
async fn an_expiring_sso_token_is_refreshed_once_for_concurrent_requests() {
    let api = MockServer::start_async().await;
    let tokens = MockServer::start_async().await;
    let refresh = tokens
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth2/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .form_urlencoded_tuple("grant_type", "refresh_token")
                .form_urlencoded_tuple("client_id", "client-123")
                .form_urlencoded_tuple("refresh_token", "refresh-1");
            then.status(200).delay(Duration::from_millis(100)).json_body(
                json!({"access_token": "fresh-access", "id_token": "id-2", "expires_in": 3600, "token_type": "Bearer"}),
            );
        })
        .await;
    let m = api
        .mock_async(|when, then| {
            when.method(GET).path("/agents/s").header("authorization", "Bearer fresh-access");
            then.status(200).json_body(agent("s"));
        })
        .await;
    // Expires within the 30 s margin: refreshed before use.
    let (dir, cache) =
        sso_setup(&tokens.base_url(), "stale-access", chrono::Utc::now() + chrono::Duration::seconds(10));
    let c = sso_client(&api, &dir);
    let calls: Vec<_> = (0..8).map(|_| c.agents().get("s").send()).collect();
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    assert_eq!(refresh.calls_async().await, 1, "concurrent refreshes are coalesced into one");
    m.assert_calls_async(8).await;

    // The cache was rewritten atomically, private, and keeps the refresh token.
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    assert_eq!(written["accessToken"], "fresh-access");
    assert_eq!(written["refreshToken"], "refresh-1");
    assert_eq!(written["idToken"], "id-2");
    let expires = chrono::DateTime::parse_from_rfc3339(written["expiresAt"].as_str().unwrap()).unwrap();
    assert!(expires > chrono::Utc::now() + chrono::Duration::minutes(55));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(cache.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
    }
    let leftovers: Vec<_> = std::fs::read_dir(cache.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
}

#[tokio::test]
async fn a_failed_refresh_is_a_clear_configuration_error() {
    let api = MockServer::start_async().await;
    let tokens = MockServer::start_async().await;
    tokens
        .mock_async(|when, then| {
            when.method(POST).path("/oauth2/token");
            then.status(400).json_body(json!({"error": "invalid_grant"}));
        })
        .await;
    let (dir, _) = sso_setup(&tokens.base_url(), "stale", chrono::Utc::now() - chrono::Duration::hours(1));
    let e = sso_client(&api, &dir).agents().get("s").send().await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Config(_)), "{msg}");
    assert!(msg.contains("refreshing the token failed with HTTP 400") && msg.contains("sign in again"), "{msg}");
    assert!(!msg.contains("refresh-1"), "the refresh token is not printed: {msg}");
}

#[tokio::test]
async fn the_profile_and_sso_settings_come_from_the_environment() {
    let api = MockServer::start_async().await;
    let tokens = MockServer::start_async().await;
    let dir = tempdir("profile");
    std::fs::write(dir.join("config"), "[default]\nsso_client_id = nope\n[profile work]\nsso_client_id = file-client\nsso_domain = unused.example.com\n").unwrap();
    let dir_s = dir.to_string_lossy().to_string();
    let token_base = tokens.base_url();
    // SECLAI_SSO_DOMAIN and SECLAI_SSO_CLIENT_ID override the file; the cache is keyed by them.
    let (_, cache_template) = sso_setup(&token_base, "env-access", chrono::Utc::now() + chrono::Duration::hours(1));
    let cache_dir = dir.join("sso").join("cache");
    std::fs::create_dir_all(&cache_dir).unwrap();
    std::fs::copy(&cache_template, cache_dir.join(cache_template.file_name().unwrap())).unwrap();
    let m = api
        .mock_async(|when, then| {
            when.method(GET).path("/agents/w").header("authorization", "Bearer env-access");
            then.status(200).json_body(agent("w"));
        })
        .await;
    let url = api.base_url();
    let c = ClientBuilder::from_env_with(move |k| match k {
        "SECLAI_CONFIG_DIR" => Some(dir_s.clone()),
        "SECLAI_PROFILE" => Some("work".into()),
        "SECLAI_SSO_DOMAIN" => Some(token_base.clone()),
        "SECLAI_SSO_CLIENT_ID" => Some("client-123".into()),
        "SECLAI_API_URL" => Some(url.clone()),
        _ => None,
    })
    .build()
    .unwrap();
    c.agents().get("w").send().await.unwrap();
    m.assert_async().await;
}
