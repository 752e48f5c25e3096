//! What the generator knows of one operation, read from the spec and its generator view into
//! named parts: where it is in the SDK, its parameters, its body, its answer and how it pages.

use heck::ToUpperCamelCase;
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use serde_json::Value;

use crate::Error;
use crate::ident::ident;
use crate::view::ViewReport;

/// How an operation is sent and answered, which decides who writes its `send`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// JSON in, JSON (or nothing) out: generated entirely.
    Json,
    /// A multipart upload: `send` is written by hand (`crate::upload`).
    Upload,
    /// An event stream: `send` is written by hand (`crate::runs`).
    Stream,
    /// A file: `send` is written by hand (`crate::download`).
    Download,
}

/// Text formats a parameter is checked against before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Uuid,
}

/// A parameter's Rust shape and the spec's limits on it.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    Str {
        min_len: Option<u64>,
        max_len: Option<u64>,
        format: Format,
    },
    /// An array of strings, sent as the parameter repeated (`?id=a&id=b`).
    StrList {
        max_items: Option<u64>,
        format: Format,
    },
    Int {
        min: Option<i64>,
        exclusive_min: bool,
        max: Option<i64>,
    },
    Bool,
    DateTime,
    Date,
    Enum(String),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
}

/// One path or query parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// The name in the spec (and on the wire).
    pub name: String,
    /// The Rust argument or setter name.
    pub rust: Ident,
    pub location: Location,
    pub required: bool,
    pub kind: ParamKind,
    pub description: Option<String>,
}

/// How a list operation pages (`x-seclai-pagination`).
#[derive(Debug, Clone)]
pub struct Pagination {
    /// `page`, `offset` or `limit` (one request).
    pub style: String,
    /// The array's key in the legacy envelope (`None`: a bare array).
    pub items: Option<String>,
    /// The item type.
    pub item: TokenStream,
    /// The spec's default `limit`.
    pub default_limit: Option<i64>,
}

/// One operation.
pub struct Operation {
    pub id: String,
    /// `GET`, `POST`, ...
    pub method: String,
    pub path: String,
    /// The `x-seclai-sdk` path: resources, then the method.
    pub sdk: Vec<String>,
    /// Older `x-seclai-sdk` paths, kept as deprecated aliases.
    pub deprecated: Vec<Vec<String>>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub kind: Kind,
    pub params: Vec<Param>,
    /// The JSON body's type, when there is one.
    pub body: Option<TokenStream>,
    /// The type `send` decodes the answer into; `None` when the answer has no body (or the
    /// operation is hand-written and names its own).
    pub response: Option<TokenStream>,
    pub pagination: Option<Pagination>,
}

impl Operation {
    /// The resource path (`["agents", "runs"]`).
    pub fn resource(&self) -> &[String] {
        &self.sdk[..self.sdk.len() - 1]
    }

    /// The method name (`get`).
    pub fn method_name(&self) -> Ident {
        ident(self.sdk.last().expect("an sdk path has a method"))
    }

    /// The builder type's name (`Get`), in the module of the resource path.
    pub fn builder_name(&self) -> Ident {
        ident(&self.sdk.last().expect("an sdk path has a method").to_upper_camel_case())
    }

    /// `ops::agents::runs::Get`, from the crate root.
    pub fn builder_path(&self) -> TokenStream {
        let modules: Vec<Ident> = self.resource().iter().map(|r| ident(r)).collect();
        let name = self.builder_name();
        quote!(crate::ops::#(#modules::)*#name)
    }

    /// `` `GET /agents/{agent_id}` ``.
    pub fn endpoint(&self) -> String {
        format!("`{} {}`", self.method, self.path)
    }
}

fn gen_err(msg: impl Into<String>) -> Error {
    Error(msg.into())
}

/// The name of a component referenced by `schema` (`$ref`, or the one `allOf` entry).
pub fn component_ref(schema: &Value) -> Option<String> {
    let r = schema.get("$ref").or_else(|| schema.pointer("/allOf/0/$ref"))?.as_str()?;
    r.strip_prefix("#/components/schemas/").map(String::from)
}

/// The Rust type of a component, as typify names it, from the `seclai` crate.
pub fn type_of(component: &str) -> TokenStream {
    let t = ident(&component.to_upper_camel_case());
    quote!(crate::types::#t)
}

fn param_kind(schema: &Value, at: &str) -> Result<ParamKind, Error> {
    if let Some(name) = component_ref(schema) {
        return Ok(ParamKind::Enum(name));
    }
    let format = |f: Option<&str>| if f == Some("uuid") { Format::Uuid } else { Format::Text };
    let int = |k: &str| schema.get(k).and_then(Value::as_f64).map(|v| v as i64);
    Ok(match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("string"), Some("date-time")) => ParamKind::DateTime,
        (Some("string"), Some("date")) => ParamKind::Date,
        (Some("string"), f) => ParamKind::Str {
            min_len: schema["minLength"].as_u64(),
            max_len: schema["maxLength"].as_u64(),
            format: format(f),
        },
        (Some("integer"), _) => ParamKind::Int {
            min: int("minimum"),
            exclusive_min: schema["exclusiveMinimum"].as_bool().unwrap_or(false),
            max: int("maximum"),
        },
        (Some("boolean"), _) => ParamKind::Bool,
        (Some("array"), _) if schema["items"]["type"] == "string" => ParamKind::StrList {
            max_items: schema["maxItems"].as_u64(),
            format: format(schema["items"]["format"].as_str()),
        },
        other => return Err(gen_err(format!("{at}: parameter type {other:?} is not supported by the SDK generator"))),
    })
}

/// The Rust name of a parameter: snake case, and plural for a list (`content_version_id`,
/// repeated, is set with `content_version_ids`).
fn param_rust_name(name: &str, kind: &ParamKind) -> Ident {
    use heck::ToSnakeCase;
    let snake = name.to_snake_case();
    match kind {
        ParamKind::StrList { .. } if !snake.ends_with('s') => ident(&format!("{snake}s")),
        _ => ident(&snake),
    }
}

/// The type a success answer decodes into, from its JSON schema.
pub(crate) fn response_type(id: &str, schema: &Value) -> Result<TokenStream, Error> {
    if let Some(name) = component_ref(schema) {
        let t = type_of(&name);
        return Ok(if schema["nullable"] == true { quote!(::std::option::Option<#t>) } else { t });
    }
    if schema["type"] == "array"
        && let Some(item) = component_ref(&schema["items"])
    {
        let t = type_of(&item);
        return Ok(quote!(::std::vec::Vec<#t>));
    }
    if schema["type"] == "object" && schema.get("properties").is_none() {
        return Ok(quote!(::serde_json::Map<::std::string::String, ::serde_json::Value>));
    }
    if schema.as_object().is_some_and(|m| m.is_empty()) {
        return Ok(quote!(::serde_json::Value));
    }
    Err(gen_err(format!(
        "{id}: the success answer's schema is neither a component, a list of one, an object or untyped"
    )))
}

/// The item type of a list: `item_schema`, else the `$ref` of the items array.
fn list_item(view: &Value, schema: &Value, pagination: &Value, id: &str) -> Result<TokenStream, Error> {
    let items_schema = if pagination["bare_array"] == true {
        schema["items"].clone()
    } else {
        let key = pagination["items"].as_str().ok_or_else(|| gen_err(format!("{id}: pagination without items key")))?;
        let env = component_ref(schema).ok_or_else(|| gen_err(format!("{id}: list response is not a component")))?;
        view.pointer(&format!("/components/schemas/{env}/properties/{key}/items"))
            .cloned()
            .ok_or_else(|| gen_err(format!("{id}: envelope {env} has no `{key}` array")))?
    };
    match pagination["item_schema"].as_str().map(String::from).or_else(|| component_ref(&items_schema)) {
        Some(item) => Ok(type_of(&item)),
        None if items_schema.as_object().is_some_and(|m| m.is_empty()) => Ok(quote!(::serde_json::Value)),
        None => Err(gen_err(format!("{id}: list items are neither a component schema nor untyped"))),
    }
}

fn sdk_path(value: &Value, id: &str) -> Result<Vec<String>, Error> {
    let text = value.as_str().ok_or_else(|| gen_err(format!("x-seclai-sdk of `{id}` must be a string")))?;
    let path: Vec<String> = text.split('.').map(String::from).collect();
    if path.len() < 2 {
        return Err(gen_err(format!("x-seclai-sdk of `{id}` must be `resource.method`, got `{text}`")));
    }
    Ok(path)
}

/// Every operation of the spec, sorted by SDK path, with the shapes of the generator view.
pub fn operations(spec: &Value, view: &Value, report: &ViewReport) -> Result<Vec<Operation>, Error> {
    let mut all = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, original) in item.as_object().into_iter().flatten() {
            let Some(id) = original["operationId"].as_str() else { continue };
            let Some(sdk) = original.get("x-seclai-sdk") else {
                return Err(gen_err(super::naming::missing(id, &method.to_uppercase(), path)));
            };
            let sdk = sdk_path(sdk, id)?;
            let deprecated = original["x-seclai-sdk-deprecated"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| sdk_path(v, id))
                .collect::<Result<Vec<_>, _>>()?;
            // The view holds what progenitor saw (hoisted enums, no client-wide headers); the
            // hand-written operations are gone from it, so their own spec entry is read.
            let view_op = &view["paths"][path][method.as_str()];
            let spec_op = if view_op.is_null() { original } else { view_op };
            let kind = if report.multipart_operations.iter().any(|o| o == id) {
                Kind::Upload
            } else if report.byte_stream_operations.iter().any(|o| o == id) {
                let ok = success(original).map(|(_, r)| r).unwrap_or(&Value::Null);
                if ok["content"].get("text/event-stream").is_some() { Kind::Stream } else { Kind::Download }
            } else {
                Kind::Json
            };
            all.push(operation(id, method, path, sdk, deprecated, spec_op, original, view, kind)?);
        }
    }
    all.sort_by(|a, b| a.sdk.cmp(&b.sdk));
    Ok(all)
}

/// The success response of an operation.
fn success(op: &Value) -> Option<(&String, &Value)> {
    op["responses"].as_object()?.iter().find(|(s, _)| s.starts_with('2'))
}

#[allow(clippy::too_many_arguments)]
fn operation(
    id: &str,
    method: &str,
    path: &str,
    sdk: Vec<String>,
    deprecated: Vec<Vec<String>>,
    spec: &Value,
    original: &Value,
    view: &Value,
    kind: Kind,
) -> Result<Operation, Error> {
    let mut params = Vec::new();
    for p in spec["parameters"].as_array().into_iter().flatten() {
        let name = p["name"].as_str().unwrap_or_default().to_string();
        let at = format!("{id}({name})");
        let location = match p["in"].as_str() {
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            // Client-wide headers are dropped by the view; the spec of hand-written operations
            // still references them.
            None if p.get("$ref").is_some() => continue,
            other => return Err(gen_err(format!("{at}: parameters in {other:?} are not supported"))),
        };
        let kind = match location {
            Location::Path if p["schema"]["format"] == "uuid" => {
                ParamKind::Str { min_len: None, max_len: None, format: Format::Uuid }
            }
            Location::Path => ParamKind::Str { min_len: None, max_len: None, format: Format::Text },
            Location::Query => param_kind(&p["schema"], &at)?,
        };
        params.push(Param {
            rust: param_rust_name(&name, &kind),
            name,
            location,
            required: location == Location::Path || p["required"] == true,
            kind,
            description: p["description"].as_str().map(String::from),
        });
    }
    let body = match kind {
        Kind::Upload => None,
        _ => spec.pointer("/requestBody/content/application~1json/schema").map(|s| {
            component_ref(s)
                .map(|c| type_of(&c))
                .ok_or_else(|| gen_err(format!("{id}: a request body must be a component")))
        }),
    }
    .transpose()?;
    let ok = success(original).map(|(_, r)| r);
    let json = ok.and_then(|r| r.pointer("/content/application~1json/schema"));
    let response = match (kind, json) {
        (Kind::Json, Some(schema)) => Some(response_type(id, schema)?),
        // No body; hand-written operations name their own answers.
        _ => None,
    };
    let pagination = match &spec["x-seclai-pagination"] {
        Value::Object(_) => {
            let p = &spec["x-seclai-pagination"];
            let schema = json.ok_or_else(|| gen_err(format!("{id}: a list answers JSON")))?;
            let style = p["style"].as_str().unwrap_or_default().to_string();
            if !matches!(style.as_str(), "page" | "offset" | "limit") {
                return Err(gen_err(format!("{id}: unknown pagination style `{style}`")));
            }
            if body.is_some() {
                return Err(gen_err(format!("{id}: a list operation with a body is not supported")));
            }
            let default_limit = params
                .iter()
                .find(|p| p.name == "limit")
                .and_then(|_| spec["parameters"].as_array())
                .and_then(|ps| ps.iter().find(|p| p["name"] == "limit"))
                .and_then(|p| p["schema"]["default"].as_i64());
            Some(Pagination {
                style,
                items: p["items"].as_str().map(String::from),
                item: list_item(view, schema, p, id)?,
                default_limit,
            })
        }
        _ => None,
    };
    Ok(Operation {
        id: id.to_string(),
        method: method.to_uppercase(),
        path: path.to_string(),
        sdk,
        deprecated,
        summary: spec["summary"].as_str().map(String::from),
        description: spec["description"].as_str().map(String::from),
        kind,
        params,
        body,
        response,
        pagination,
    })
}
