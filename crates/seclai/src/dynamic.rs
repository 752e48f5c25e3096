//! Calling operations by id with JSON arguments.
//!
//! [`invoke`] runs the same typed builder a user would (`client.agents().list().page(2)`),
//! reading its arguments from a JSON object: path and query parameters by their names in the
//! spec, the request body under `"body"`, and `"body": {"field": null}` for an explicit null.
//! The answer comes back as JSON. Tools use it (contract tests, a command-line client) where
//! the operation is data rather than code.
//!
//! ```no_run
//! # async fn demo(client: seclai::Client) -> seclai::Result<()> {
//! let page = seclai::dynamic::invoke(&client, "list_agents", &serde_json::json!({"limit": 5})).await?;
//! println!("{}", page["items"]);
//! # Ok(()) }
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Client, Error, Result};

/// Calls the operation `operation` (an operation id of the spec, e.g. `get_agent`) with the
/// arguments in `args` and returns the answer as JSON (a list operation answers one page:
/// `{"items": [...], "total": ..., ...}`).
pub async fn invoke(client: &Client, operation: &str, args: &Value) -> Result<Value> {
    if !args.is_object() && !args.is_null() {
        return Err(Error::invalid("the arguments must be a JSON object"));
    }
    match crate::generated::invoke::invoke_generated(client, operation, args) {
        Some(call) => call.await,
        None if OPERATIONS.iter().any(|o| o.id == operation) => Err(Error::invalid(format!(
            "`{operation}` streams or moves files: call its method on the resource instead"
        ))),
        None => Err(Error::invalid(format!("there is no operation `{operation}`"))),
    }
}

/// Every item of the list operation `operation`, page after page, as JSON: the stream a
/// command-line `--all` prints as it arrives (one page in memory at a time). Paging starts
/// where `args` says (`page`, `offset`), with its `limit` as the page size.
///
/// ```no_run
/// # async fn demo(client: seclai::Client) -> seclai::Result<()> {
/// use futures::TryStreamExt;
/// let mut agents = seclai::dynamic::items(&client, "list_agents", &serde_json::json!({}))?;
/// while let Some(agent) = agents.try_next().await? {
///     println!("{}", agent["name"]);
/// }
/// # Ok(()) }
/// ```
pub fn items(
    client: &Client,
    operation: &str,
    args: &Value,
) -> Result<futures::stream::BoxStream<'static, Result<Value>>> {
    if !args.is_object() && !args.is_null() {
        return Err(Error::invalid("the arguments must be a JSON object"));
    }
    match crate::generated::invoke::items_generated(client, operation, args) {
        Some(stream) => stream,
        None if OPERATIONS.iter().any(|o| o.id == operation) => {
            Err(Error::invalid(format!("`{operation}` is not a list that pages")))
        }
        None => Err(Error::invalid(format!("there is no operation `{operation}`"))),
    }
}

pub(crate) fn items_json<T: Serialize + 'static>(
    items: futures::stream::BoxStream<'static, Result<T>>,
) -> futures::stream::BoxStream<'static, Result<Value>> {
    use futures::StreamExt;
    items.map(|item| item.and_then(|v| to_json(&v))).boxed()
}

/// How an operation is sent and answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OperationKind {
    /// JSON in, JSON out: callable through [`invoke`].
    Json,
    /// A multipart upload (`client.sources().upload(..)` and the like).
    Upload,
    /// An event stream (`client.agents().runs().stream(..)`).
    Stream,
    /// A file (`client.sources().exports().download(..)` and the like).
    Download,
}

/// One operation of the spec, as this release knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The operation id (`list_agents`).
    pub id: &'static str,
    /// Its method path in the SDK (`agents.list`: `client.agents().list()`).
    pub sdk: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// The path template (`/agents/{agent_id}`).
    pub path: &'static str,
    /// How it is sent and answered.
    pub kind: OperationKind,
}

/// Every operation of the spec this release was generated from, sorted by SDK path.
pub const OPERATIONS: &[OperationInfo] = crate::generated::invoke::OPERATIONS;

/// A request body given as JSON, checked against the body type `T` but sent as it came: keys
/// the type does not declare, and explicit `null`s, are kept.
#[derive(Debug, Clone)]
pub struct JsonBody<T> {
    value: Value,
    _type: std::marker::PhantomData<fn() -> T>,
}

impl<T> JsonBody<T> {
    /// A body of this JSON.
    pub fn new(value: Value) -> Self {
        Self { value, _type: std::marker::PhantomData }
    }

    /// The `"body"` of `invoke`'s arguments (an empty object when absent).
    pub(crate) fn from_args(args: &Value) -> Result<Self> {
        Ok(Self::new(args.get("body").cloned().unwrap_or(Value::Object(Default::default()))))
    }
}

impl<T: DeserializeOwned> crate::types::IntoBody<T> for JsonBody<T> {
    fn into_json(self) -> std::result::Result<Value, crate::types::BuildError> {
        if let Err(e) = serde_json::from_value::<T>(self.value.clone()) {
            let name = std::any::type_name::<T>().rsplit("::").next().unwrap_or("body");
            return Err(crate::types::BuildError::new(
                leak(name),
                vec![format!("does not fit the request schema: {e}")],
            ));
        }
        Ok(self.value)
    }
}

/// A type name for [`crate::types::BuildError`], which wants one that lives forever: the few
/// body types of the spec are named once each.
fn leak(name: &str) -> &'static str {
    static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let Ok(mut names) = NAMES.lock() else { return "body" };
    if let Some(n) = names.iter().find(|n| **n == name) {
        return n;
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.push(n);
    n
}

pub(crate) fn has(args: &Value, name: &str) -> bool {
    args.get(name).is_some_and(|v| !v.is_null())
}

fn missing(name: &str) -> Error {
    Error::invalid(format!("argument `{name}` is missing"))
}

fn wrong(name: &str, what: &str) -> Error {
    Error::invalid(format!("argument `{name}` must be {what}"))
}

pub(crate) fn arg_str(args: &Value, name: &str) -> Result<String> {
    match args.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::Bool(b)) => Ok(b.to_string()),
        Some(Value::Null) | None => Err(missing(name)),
        Some(_) => Err(wrong(name, "a string")),
    }
}

pub(crate) fn arg_str_list(args: &Value, name: &str) -> Result<Vec<String>> {
    match args.get(name) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(String::from).ok_or_else(|| wrong(name, "an array of strings")))
            .collect(),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Null) | None => Err(missing(name)),
        Some(_) => Err(wrong(name, "an array of strings")),
    }
}

pub(crate) fn arg_i64(args: &Value, name: &str) -> Result<i64> {
    match args.get(name) {
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| wrong(name, "an integer")),
        Some(Value::String(s)) => s.parse().map_err(|_| wrong(name, "an integer")),
        Some(Value::Null) | None => Err(missing(name)),
        Some(_) => Err(wrong(name, "an integer")),
    }
}

pub(crate) fn arg_bool(args: &Value, name: &str) -> Result<bool> {
    match args.get(name) {
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
        Some(Value::Null) | None => Err(missing(name)),
        Some(_) => Err(wrong(name, "a boolean")),
    }
}

pub(crate) fn arg_datetime(args: &Value, name: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    let s = arg_str(args, name)?;
    chrono::DateTime::parse_from_rfc3339(&s)
        .map(|d| d.with_timezone(&chrono::Utc))
        .map_err(|_| wrong(name, "an RFC 3339 date-time"))
}

pub(crate) fn arg_date(args: &Value, name: &str) -> Result<chrono::NaiveDate> {
    let s = arg_str(args, name)?;
    s.parse().map_err(|_| wrong(name, "a date (YYYY-MM-DD)"))
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::invalid(format!("cannot render the answer as JSON: {e}")))
}

/// Decodes a success body of `operation` into its `seclai` type and renders it back as JSON:
/// the value [`invoke`] returns for that body. Lists decode into one page; operations without
/// a body decode to `null`. `None` for the streaming, upload and download operations, which
/// have their own types.
pub fn decode(operation: &str, bytes: &[u8]) -> Option<Result<Value>> {
    crate::generated::invoke::decode_generated(operation, bytes)
}

fn context(operation: &'static str) -> crate::RequestContext {
    crate::RequestContext::new(operation, reqwest::Method::GET, "")
}

pub(crate) fn decode_as<T: DeserializeOwned + Serialize>(operation: &'static str, bytes: &[u8]) -> Result<Value> {
    let value: T =
        crate::error::decode_json(bytes, reqwest::StatusCode::OK, &Default::default(), || (context(operation), None))?;
    to_json(&value)
}

pub(crate) fn decode_list<T: DeserializeOwned + Serialize>(
    operation: &'static str,
    bytes: &[u8],
    items: Option<&'static str>,
) -> Result<Value> {
    let page = crate::paginate::decode_page::<T>(bytes, items, &context(operation), 200, None, &Default::default())?;
    to_json(&page)
}

pub(crate) fn decode_empty(_operation: &'static str, bytes: &[u8]) -> Result<Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(Value::Null)
    } else {
        Err(Error::invalid("an operation without a body answered one"))
    }
}
