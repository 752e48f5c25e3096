//! Helpers shared by the loopback tests.
#![allow(dead_code)]

use std::time::Duration;

use httpmock::MockServer;
use seclai::{Client, RetryPolicy};
use serde_json::{Value, json};

pub const KEY: &str = "sk-test-0123456789";

/// Fast, deterministic retries for tests.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(4)).with_jitter(false)
}

pub fn builder(server: &MockServer) -> seclai::ClientBuilder {
    Client::builder().api_key(KEY).base_url(server.base_url()).retry_policy(fast_retries())
}

pub fn client(server: &MockServer) -> Client {
    builder(server).build().expect("client builds")
}

/// A deterministic UUID for test data.
pub fn uid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// A realistic agent summary, as the API sends it.
pub fn agent(id: &str) -> Value {
    json!({
        "id": id,
        "name": format!("Release notes {id}"),
        "description": "Summarizes release notes",
        "trigger_type": "dynamic_input",
        "created_at": "2026-07-30T10:15:00Z",
        "updated_at": "2026-07-30T10:16:00Z",
        "disabled": false,
        "disabled_at": null,
        "disabled_reason": null,
        "evaluation_mode": "eval_and_retry",
        "default_evaluation_tier": null,
        "max_retries": 3,
        "retry_on_failure": true,
        "sampling_config": null,
        "prompt_model_auto_upgrade_strategy": "none",
        "prompt_model_auto_rollback_enabled": false,
        "prompt_model_auto_rollback_triggers": null,
        "import_warnings": null
    })
}

/// A realistic run.
pub fn run(id: &str, status: &str) -> Value {
    json!({
        "run_id": id,
        "status": status,
        "error_count": 0,
        "credits": if status == "completed" { json!(0.42) } else { Value::Null },
        "priority": false,
        "input": "Summarize the latest release notes",
        "output": if status == "completed" { json!("The release adds exports.") } else { Value::Null },
        "attempts": [],
        "steps": null
    })
}

/// The spec, parsed.
pub fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/seclai.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).expect("spec readable")).expect("spec parses")
}

/// How [`Sampler`] fills enums.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Enums {
    /// The first documented value.
    Known,
    /// A value the spec does not know (forward compatibility).
    Unseen,
}

/// The unseen enum value, and the undeclared field, that forward-compatibility tests add.
pub const UNSEEN: &str = "zz_value_added_later";
pub const EXTRA_FIELD: &str = "x_field_added_later";

/// Builds a JSON value that fits a schema of the spec: every property filled, formats and
/// limits respected.
pub struct Sampler<'a> {
    pub spec: &'a Value,
    pub enums: Enums,
    /// Add an undeclared field to every object.
    pub extra_fields: bool,
}

impl Sampler<'_> {
    pub fn component(&self, name: &str) -> Value {
        self.schema(&self.spec["components"]["schemas"][name], 0)
    }

    pub fn schema(&self, s: &Value, depth: usize) -> Value {
        if depth > 30 {
            return Value::Null;
        }
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap();
            return self.schema(&self.spec["components"]["schemas"][name], depth + 1);
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            return self.schema(&all[0], depth);
        }
        if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
            return self.schema(&any[0], depth);
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            // One-value enums are constants (tags): always the constant.
            return if self.enums == Enums::Unseen && e.len() > 1 { json!(UNSEEN) } else { e[0].clone() };
        }
        match s.get("type").and_then(Value::as_str) {
            Some("object") | None if s.get("properties").is_some() => {
                let mut m = serde_json::Map::new();
                for (k, v) in s["properties"].as_object().unwrap() {
                    m.insert(k.clone(), self.schema(v, depth + 1));
                }
                if self.extra_fields {
                    m.insert(EXTRA_FIELD.into(), json!({"nested": [1, "two"]}));
                }
                Value::Object(m)
            }
            Some("object") => match s.get("additionalProperties") {
                Some(ap) if ap.is_object() && !ap.as_object().unwrap().is_empty() => {
                    json!({"key": self.schema(ap, depth + 1)})
                }
                _ => json!({"key": "value", "n": 1}),
            },
            Some("array") => json!([self.schema(&s["items"], depth + 1)]),
            Some("string") => {
                let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(1) as usize;
                let max = s.get("maxLength").and_then(Value::as_u64).unwrap_or(64) as usize;
                match s.get("format").and_then(Value::as_str) {
                    Some("uuid") => json!(uid(7)),
                    Some("date-time") => json!("2026-07-30T12:00:00Z"),
                    Some("date") => json!("2026-07-30"),
                    Some("email") => json!("someone@example.com"),
                    Some("uri") => json!("https://example.com/x"),
                    _ => json!("sample text".chars().cycle().take(min.max(6).min(max.max(1))).collect::<String>()),
                }
            }
            Some("integer") => {
                let min = s.get("minimum").and_then(Value::as_i64).unwrap_or(1);
                let exclusive = s.get("exclusiveMinimum").and_then(Value::as_bool).unwrap_or(false);
                let v = if exclusive { min + 1 } else { min.max(1) };
                let v = s.get("maximum").and_then(Value::as_i64).map_or(v, |m| v.min(m));
                json!(v)
            }
            Some("number") => {
                let v = s.get("minimum").and_then(Value::as_f64).map_or(0.5, |m| m + 0.25);
                json!(s.get("maximum").and_then(Value::as_f64).map_or(v, |m| v.min(m)))
            }
            Some("boolean") => json!(true),
            _ => json!({"any": ["json", 1]}),
        }
    }
}

/// A value of component `name` with its known enum values, and `overrides` merged in.
pub fn sample(name: &str, overrides: Value) -> Value {
    let spec = spec_cached();
    let mut v = Sampler { spec, enums: Enums::Known, extra_fields: false }.component(name);
    if let (Some(m), Some(o)) = (v.as_object_mut(), overrides.as_object()) {
        for (k, x) in o {
            m.insert(k.clone(), x.clone());
        }
    }
    v
}

pub fn spec_cached() -> &'static Value {
    static SPEC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    SPEC.get_or_init(spec)
}

// ---- SSO profiles ----

pub fn tempdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("seclai-auth-{tag}-{}-{}", std::process::id(), fastrand_u64()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn fastrand_u64() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// Writes `config` with a default profile whose domain is the local token endpoint, and a
/// cache file with `access` expiring at `expires_at`. Returns the config dir and cache path.
pub fn sso_setup(
    token_base: &str,
    access: &str,
    expires_at: chrono::DateTime<chrono::Utc>,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = tempdir("sso");
    std::fs::write(
        dir.join("config"),
        format!("[default]\nsso_account_id = acc-from-profile\nsso_client_id = client-123\nsso_domain = {token_base}\nsso_region = us-west-2\n"),
    )
    .unwrap();
    let name: String = {
        use sha1::Digest;
        let digest = sha1::Sha1::digest(format!("{token_base}|client-123").as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    };
    let cache_dir = dir.join("sso").join("cache");
    std::fs::create_dir_all(&cache_dir).unwrap();
    let cache = cache_dir.join(format!("{name}.json"));
    std::fs::write(
        &cache,
        json!({"accessToken": access, "refreshToken": "refresh-1", "idToken": "id-1", "expiresAt": expires_at.to_rfc3339(),
            "clientId": "client-123", "region": "us-west-2", "cognitoDomain": token_base})
        .to_string(),
    )
    .unwrap();
    (dir, cache)
}
