//! The command table of the `seclai` command-line tool (`crates/seclai-cli`), generated from the
//! spec: one command per operation, at the operation's `x-seclai-sdk` path spelled in kebab case
//! (`agents.runs.get` is `seclai agents runs get`), with its parameters, its body's top-level
//! fields and the spec's limits, enums and texts.
//!
//! The table is data, not code: the tool builds its clap command tree from it at start-up, so a
//! new operation becomes a command by regenerating, and the rules of the tree (names, flags,
//! checks) are hand-written once in the tool.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::Error;
use crate::sdk::model::{self, Format, Kind, Location, ParamKind};

/// Generates the command table from the spec text.
pub fn generate_cli(yaml: &str) -> Result<syn::File, Error> {
    let spec = crate::load_spec(yaml)?;
    let (view, report) = crate::view::generator_view(&spec);
    let ops = model::operations(&spec, &view, &report)?;
    let mut entries = Vec::new();
    for op in &ops {
        entries.push(operation(&spec, &view, op)?);
    }
    let groups: Vec<TokenStream> = spec["x-seclai-resources"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(path, about)| {
            let command = command_path(&path.split('.').map(String::from).collect::<Vec<_>>());
            let about = first_paragraph(about.as_str().unwrap_or_default());
            quote!(crate::table::Group { command: &[#(#command),*], about: #about },)
        })
        .collect();
    let tokens = quote! {
        /// Every operation of the spec, as a command (sorted by command path).
        pub(crate) const OPERATIONS: &[crate::table::Operation] = &[#(#entries)*];
        /// The resource groups, with the spec's description of each.
        pub(crate) const GROUPS: &[crate::table::Group] = &[#(#groups)*];
    };
    syn::parse2(tokens).map_err(|e| Error(format!("cli table: {e}")))
}

/// `["agents", "ai_assistant", "step_config"]` -> `["agents", "ai-assistant", "step-config"]`.
fn command_path(sdk: &[String]) -> Vec<String> {
    sdk.iter().map(|s| s.replace('_', "-")).collect()
}

fn first_paragraph(text: &str) -> String {
    text.split("\n\n").next().unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ")
}

fn opt<T: quote::ToTokens>(v: Option<T>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

fn operation(spec: &Value, view: &Value, op: &model::Operation) -> Result<TokenStream, Error> {
    let id = &op.id;
    let command = command_path(&op.sdk);
    let former: Vec<TokenStream> = op
        .deprecated
        .iter()
        .map(|p| {
            let c = command_path(p);
            quote!(&[#(#c),*])
        })
        .collect();
    let kind = match op.kind {
        Kind::Json => quote!(crate::table::Kind::Json),
        Kind::Upload => quote!(crate::table::Kind::Upload),
        Kind::Stream => quote!(crate::table::Kind::Stream),
        Kind::Download => quote!(crate::table::Kind::Download),
    };
    let (method, path) = (&op.method, &op.path);
    let summary = op.summary.clone().unwrap_or_default();
    let description = op.description.clone().unwrap_or_default();
    let mut params = Vec::new();
    for p in &op.params {
        let value = param_value(view, &p.kind, id)?;
        let location = match p.location {
            Location::Path => quote!(crate::table::Location::Path),
            Location::Query => quote!(crate::table::Location::Query),
        };
        let (name, required) = (&p.name, p.required);
        let help = first_paragraph(p.description.as_deref().unwrap_or_default());
        params.push(quote! {
            crate::table::Param { name: #name, location: #location, required: #required, value: #value, help: #help },
        });
    }
    let original = spec["paths"][&op.path][op.method.to_lowercase()].clone();
    let body = match original.pointer("/requestBody/content/application~1json/schema") {
        Some(schema) if op.kind != Kind::Upload => {
            let name =
                model::component_ref(schema).ok_or_else(|| Error(format!("{id}: a body must be a component")))?;
            let component = &spec["components"]["schemas"][&name];
            let required_body = original["requestBody"]["required"] == true;
            let fields = body_fields(spec, component, id)?;
            quote!(Some(crate::table::Body { schema: #name, required: #required_body, fields: &[#(#fields)*] }))
        }
        _ => quote!(None),
    };
    let paging = match op.pagination.as_ref().map(|p| p.style.as_str()) {
        Some("page") => quote!(Some(crate::table::Paging::Page)),
        Some("offset") => quote!(Some(crate::table::Paging::Offset)),
        Some("limit") => quote!(Some(crate::table::Paging::Limit)),
        _ => quote!(None),
    };
    Ok(quote! {
        crate::table::Operation {
            id: #id,
            command: &[#(#command),*],
            former: &[#(#former),*],
            kind: #kind,
            method: #method,
            path: #path,
            summary: #summary,
            description: #description,
            params: &[#(#params)*],
            body: #body,
            paging: #paging,
        },
    })
}

/// The values an enum component admits (of the spec, or hoisted by the generator view: give
/// the view for parameters).
fn enum_values(spec: &Value, component: &str, at: &str) -> Result<Vec<String>, Error> {
    let values = spec["components"]["schemas"][component]["enum"]
        .as_array()
        .ok_or_else(|| Error(format!("{at}: `{component}` is not an enum")))?;
    Ok(values.iter().filter_map(Value::as_str).map(String::from).collect())
}

fn param_value(spec: &Value, kind: &ParamKind, at: &str) -> Result<TokenStream, Error> {
    Ok(match kind {
        ParamKind::Str { format: Format::Uuid, .. } => quote!(crate::table::Value::Uuid),
        ParamKind::Str { min_len, max_len, .. } => {
            let (min, max) = (opt(*min_len), opt(*max_len));
            quote!(crate::table::Value::Text { min_len: #min, max_len: #max })
        }
        ParamKind::StrList { max_items, format } => {
            let max = opt(*max_items);
            let uuid = *format == Format::Uuid;
            quote!(crate::table::Value::TextList { max_items: #max, uuid: #uuid })
        }
        ParamKind::Int { min, exclusive_min, max } => {
            let min = opt(min.map(|m| if *exclusive_min { m + 1 } else { m }));
            let max = opt(*max);
            quote!(crate::table::Value::Int { min: #min, max: #max })
        }
        ParamKind::Bool => quote!(crate::table::Value::Bool),
        ParamKind::DateTime => quote!(crate::table::Value::DateTime),
        ParamKind::Date => quote!(crate::table::Value::Date),
        ParamKind::Enum(name) => {
            let values = enum_values(spec, name, at)?;
            quote!(crate::table::Value::Enum(&[#(#values),*]))
        }
    })
}

/// The top-level fields of a body that read well as flags: strings, numbers, booleans, enums,
/// arrays of strings (a repeated flag) and objects (a JSON value). Anything else is set through
/// `--json`.
fn body_fields(spec: &Value, component: &Value, at: &str) -> Result<Vec<TokenStream>, Error> {
    let required: Vec<&str> =
        component["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let mut fields = Vec::new();
    for (name, schema) in component["properties"].as_object().into_iter().flatten() {
        let Some(value) = field_value(spec, schema, &format!("{at}.{name}"))? else { continue };
        let help = first_paragraph(schema["description"].as_str().unwrap_or_default());
        let is_required = required.contains(&name.as_str());
        fields.push(quote! {
            crate::table::Field { name: #name, required: #is_required, value: #value, help: #help },
        });
    }
    Ok(fields)
}

fn field_value(spec: &Value, schema: &Value, at: &str) -> Result<Option<TokenStream>, Error> {
    if let Some(name) = model::component_ref(schema) {
        let target = &spec["components"]["schemas"][&name];
        if target.get("enum").is_some() && target["type"] == "string" {
            let values = enum_values(spec, &name, at)?;
            return Ok(Some(quote!(crate::table::Value::Enum(&[#(#values),*]))));
        }
        if target["type"] == "object" {
            return Ok(Some(quote!(crate::table::Value::Json)));
        }
        return Ok(None);
    }
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    let exclusive = schema["exclusiveMinimum"] == true;
    Ok(Some(match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("string"), _) if schema.get("enum").is_some() => {
            let values: Vec<&str> = schema["enum"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            quote!(crate::table::Value::Enum(&[#(#values),*]))
        }
        (Some("string"), Some("uuid")) => quote!(crate::table::Value::Uuid),
        (Some("string"), Some("date-time")) => quote!(crate::table::Value::DateTime),
        (Some("string"), Some("date")) => quote!(crate::table::Value::Date),
        (Some("string"), _) => {
            let (min, max) = (opt(schema["minLength"].as_u64()), opt(schema["maxLength"].as_u64()));
            quote!(crate::table::Value::Text { min_len: #min, max_len: #max })
        }
        (Some("integer"), _) => {
            let min = opt(num("minimum").map(|m| m as i64 + i64::from(exclusive)));
            let max = opt(num("maximum").map(|m| m as i64));
            quote!(crate::table::Value::Int { min: #min, max: #max })
        }
        (Some("number"), _) => {
            let (min, max) = (opt(num("minimum")), opt(num("maximum")));
            quote!(crate::table::Value::Number { min: #min, max: #max, exclusive_min: #exclusive })
        }
        (Some("boolean"), _) => quote!(crate::table::Value::Bool),
        (Some("array"), _) if schema["items"]["type"] == "string" => {
            let max = opt(schema["maxItems"].as_u64());
            let uuid = schema["items"]["format"] == "uuid";
            quote!(crate::table::Value::TextList { max_items: #max, uuid: #uuid })
        }
        (Some("object"), _) | (None, _) if schema.get("items").is_none() => quote!(crate::table::Value::Json),
        _ => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_paths_are_kebab_case() {
        let p = |s: &str| command_path(&s.split('.').map(String::from).collect::<Vec<_>>());
        assert_eq!(p("agents.ai_assistant.step_config"), ["agents", "ai-assistant", "step-config"]);
        assert_eq!(p("cloud_drives.rejections"), ["cloud-drives", "rejections"]);
    }

    #[test]
    fn body_fields_keep_the_specs_limits() {
        let spec = serde_json::json!({"components": {"schemas": {"Mode": {"type": "string", "enum": ["a", "b"]}}}});
        let at = "t";
        let v = |s: Value| field_value(&spec, &s, at).unwrap().map(|t| t.to_string().replace(' ', ""));
        assert_eq!(
            v(serde_json::json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 200})).unwrap(),
            "crate::table::Value::Int{min:Some(1i64),max:Some(200i64)}"
        );
        assert!(
            v(serde_json::json!({"allOf": [{"$ref": "#/components/schemas/Mode"}]})).unwrap().contains("\"a\",\"b\"")
        );
        assert_eq!(v(serde_json::json!({"type": "array", "items": {"type": "object"}})), None);
    }
}
