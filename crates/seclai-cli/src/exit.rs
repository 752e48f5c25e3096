//! Errors on stderr (one readable line, then the details the API gave) and exit codes a script
//! can branch on.

use seclai::{ApiErrorKind, Error};
use serde_json::{Value, json};

/// The exit codes, as `--help` and the README list them.
pub mod code {
    /// Success.
    pub const OK: u8 = 0;
    /// Any other failure (a local file, an answer that could not be read, ...).
    pub const OTHER: u8 = 1;
    /// Bad usage: unknown command or flag, a value outside the spec's limits (clap's code).
    pub const USAGE: u8 = 2;
    /// 401 or 403: no valid credential, or not allowed.
    pub const AUTH: u8 = 3;
    /// 404 or 410: no such resource (any more).
    pub const NOT_FOUND: u8 = 4;
    /// 409: conflicts with the current state.
    pub const CONFLICT: u8 = 5;
    /// 400, 422 and other 4xx: the API refused the request as sent.
    pub const REJECTED: u8 = 6;
    /// 429 or 402: rate limited, out of credits, or a plan limit.
    pub const LIMITED: u8 = 7;
    /// 5xx: the server failed.
    pub const SERVER: u8 = 8;
    /// No answer: connection failure, timeout, redirect refused, a body cut short.
    pub const CONNECTION: u8 = 9;
    /// The run (or other awaited work) finished, but not successfully, or waiting timed out.
    pub const UNSUCCESSFUL: u8 = 10;
    /// Interrupted (Ctrl-C).
    pub const INTERRUPTED: u8 = 130;
}

/// The help text of the exit codes.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    success
  1    other failure (local file, unreadable answer)
  2    usage error (unknown command or flag, value outside the API's limits)
  3    authentication or permission (401, 403)
  4    not found (404, 410)
  5    conflict (409)
  6    request refused (400, 422, other 4xx)
  7    rate limited or out of credits (429, 402)
  8    server error (5xx)
  9    no answer (connection, timeout, refused redirect, cut body)
  10   the awaited work finished unsuccessfully, or waiting timed out
  130  interrupted";

/// The exit code of an error.
pub fn code_of(e: &Error) -> u8 {
    if let Some(kind) = e.api_kind() {
        return match kind {
            ApiErrorKind::Unauthorized | ApiErrorKind::Forbidden => code::AUTH,
            ApiErrorKind::NotFound | ApiErrorKind::Gone => code::NOT_FOUND,
            ApiErrorKind::Conflict => code::CONFLICT,
            ApiErrorKind::RateLimited | ApiErrorKind::InsufficientCredits | ApiErrorKind::PaymentRequired => {
                code::LIMITED
            }
            ApiErrorKind::ServerError => code::SERVER,
            _ => code::REJECTED,
        };
    }
    match e {
        Error::Connection { .. } | Error::Timeout { .. } | Error::Redirect(_) | Error::Body(_) => code::CONNECTION,
        Error::InvalidArgument(_) => code::USAGE,
        Error::OperationFailed { .. } | Error::WaitTimeout { .. } => code::UNSUCCESSFUL,
        _ => code::OTHER,
    }
}

/// The error as JSON (for `--format json` on stderr).
pub fn to_json(e: &Error) -> Value {
    let mut v = json!({"message": e.to_string(), "exit_code": code_of(e)});
    if let Some(api) = e.as_api() {
        v["status"] = json!(api.status);
        v["kind"] = json!(format!("{:?}", api.kind));
        v["request_id"] = json!(api.request_id);
        v["operation"] = json!(api.context.operation);
        if let Ok(body) = serde_json::from_slice::<Value>(&api.raw_body) {
            v["body"] = body;
        }
    }
    v
}

/// The readable lines: `error: ...`, then the request id and each field error.
pub fn to_text(e: &Error) -> String {
    let mut out = format!("error: {e}\n");
    if let Some(api) = e.as_api() {
        if let Some(id) = &api.request_id {
            out.push_str(&format!("  request id: {id}\n"));
        }
        for f in api.body.field_errors() {
            out.push_str(&format!("  {}: {}\n", f.location(), f.msg));
        }
        if let seclai::ErrorBody::InvalidAgentDefinition { errors, .. } = &api.body {
            for d in errors {
                let at = match (d.line, d.column) {
                    (Some(l), Some(c)) => format!("line {l}, column {c}"),
                    (Some(l), None) => format!("line {l}"),
                    _ => "definition".to_string(),
                };
                let path = d.path.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
                out.push_str(&format!("  {at}{path}: {}\n", d.message));
            }
        }
    }
    out
}

/// Prints the error on stderr and gives its exit code.
pub fn report(e: &Error, as_json: bool) -> u8 {
    if as_json {
        eprintln!("{}", to_json(e));
    } else {
        eprint!("{}", to_text(e));
    }
    code_of(e)
}
