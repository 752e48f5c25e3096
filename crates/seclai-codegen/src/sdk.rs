//! The operation layer of the `seclai` crate, generated from the spec.
//!
//! For every operation that progenitor can describe, this emits a fluent builder
//! (`ops::ListAgents`) and a method on a resource handle (`client.agents().list()`), named by
//! the operation's `x-seclai-sdk`. The builders only record arguments; validation, sending,
//! retries and decoding happen in the hand-written runtime of `seclai` (`call.rs`,
//! `client.rs`, `paginate.rs`), so this layer stays declarative:
//!
//! - path and query parameters with the spec's limits (checked before sending);
//! - the request body, typed by the raw client's types, with `clear_<field>()` for optional
//!   nullable fields (an explicit `null`);
//! - the response type, read from the raw client's generated `send` so both always agree;
//! - for list operations, the pagination description (`x-seclai-pagination`).
//!
//! Operations with a multipart body, an event stream or a file response are written by hand
//! in `seclai` and listed in `HANDWRITTEN_OPERATIONS`, so coverage can be checked.

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;

use crate::Error;
use crate::view::ViewReport;

fn ident(s: &str) -> Ident {
    let s = match s {
        "type" | "move" | "ref" | "self" | "match" | "mod" | "fn" | "loop" | "in" | "use" => format!("r#{s}"),
        other => other.to_string(),
    };
    if let Some(raw) = s.strip_prefix("r#") {
        Ident::new_raw(raw, Span::call_site())
    } else {
        Ident::new(&s, Span::call_site())
    }
}

fn gen_err(msg: impl Into<String>) -> Error {
    Error(msg.into())
}

/// What the raw client's generated code says of one operation.
#[derive(Debug, Clone, Default)]
struct RawOp {
    /// The type of `send`'s success value (`types::X`, `()`, ...), as tokens under `crate::`.
    response: Option<TokenStream>,
    /// The body type (`types::X`).
    body: Option<TokenStream>,
}

/// Reads, for each raw builder, the response type of `send` and the type its `body` takes.
fn raw_operations(file: &syn::File) -> BTreeMap<String, RawOp> {
    let mut out: BTreeMap<String, RawOp> = BTreeMap::new();
    let builder = file.items.iter().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|c| &c.1),
        _ => None,
    });
    for item in builder.into_iter().flatten() {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(p) = &*imp.self_ty else { continue };
        let Some(name) = p.path.segments.last().map(|s| s.ident.to_string()) else { continue };
        for it in &imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            let entry = out.entry(name.clone()).or_default();
            if f.sig.ident == "send" {
                // -> Result<ResponseValue<T>, Error<()>>
                if let syn::ReturnType::Type(_, ty) = &f.sig.output {
                    entry.response = first_generic(ty).and_then(first_generic).map(|t| requalify(quote!(#t)));
                }
            } else if f.sig.ident == "body" {
                // where V: TryInto<types::X>
                let bound = f.sig.generics.where_clause.as_ref().and_then(|w| w.predicates.first());
                if let Some(syn::WherePredicate::Type(pt)) = bound
                    && let Some(syn::TypeParamBound::Trait(tb)) = pt.bounds.first()
                    && let Some(seg) = tb.path.segments.last()
                    && let syn::PathArguments::AngleBracketed(a) = &seg.arguments
                    && let Some(syn::GenericArgument::Type(t)) = a.args.first()
                {
                    entry.body = Some(requalify(quote!(#t)));
                }
            }
        }
    }
    out
}

fn first_generic(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(a) = &seg.arguments else { return None };
    a.args.iter().find_map(|g| match g {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// `types::X` (as seen from the raw crate root) becomes `crate::types::X` in `seclai`.
fn requalify(tokens: TokenStream) -> TokenStream {
    let s = tokens.to_string().replace("types ::", "crate :: types ::").replace("crate :: crate ::", "crate ::");
    s.parse().unwrap_or(tokens)
}

/// A parameter's Rust shape.
enum ParamKind {
    Str {
        min_len: Option<u64>,
        max_len: Option<u64>,
        uuid: bool,
    },
    /// An array of strings, sent as the parameter repeated (`?id=a&id=b`).
    StrList {
        max_items: Option<u64>,
        uuid: bool,
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

fn enum_ref(schema: &Value) -> Option<String> {
    let r = schema.get("$ref").or_else(|| schema.pointer("/allOf/0/$ref"))?.as_str()?;
    r.strip_prefix("#/components/schemas/").map(String::from)
}

fn param_kind(schema: &Value, where_: &str) -> Result<ParamKind, Error> {
    if let Some(name) = enum_ref(schema) {
        return Ok(ParamKind::Enum(name));
    }
    let int = |k: &str| schema.get(k).and_then(Value::as_f64).map(|v| v as i64);
    Ok(match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("string"), Some("date-time")) => ParamKind::DateTime,
        (Some("string"), Some("date")) => ParamKind::Date,
        (Some("string"), fmt) => ParamKind::Str {
            min_len: schema["minLength"].as_u64(),
            max_len: schema["maxLength"].as_u64(),
            uuid: fmt == Some("uuid"),
        },
        (Some("integer"), _) => ParamKind::Int {
            min: int("minimum"),
            exclusive_min: schema["exclusiveMinimum"].as_bool().unwrap_or(false),
            max: int("maximum"),
        },
        (Some("boolean"), _) => ParamKind::Bool,
        (Some("array"), _) if schema["items"]["type"] == "string" => ParamKind::StrList {
            max_items: schema["maxItems"].as_u64(),
            uuid: schema["items"]["format"].as_str() == Some("uuid"),
        },
        other => {
            return Err(gen_err(format!("{where_}: parameter type {other:?} is not supported by the SDK generator")));
        }
    })
}

fn opt<T: quote::ToTokens>(v: Option<T>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// The argument type and the statement recording a query parameter.
fn query_setter(name: &str, kind: &ParamKind, var: &Ident) -> (TokenStream, TokenStream) {
    match kind {
        ParamKind::Str { min_len, max_len, uuid } => {
            let (min, max) = (opt(min_len.map(|v| v as usize)), opt(max_len.map(|v| v as usize)));
            (quote!(impl Into<String>), quote!(self.call.query_str(#name, #var.into(), #min, #max, #uuid);))
        }
        ParamKind::Int { min, exclusive_min, max } => {
            let (min, max) = (opt(*min), opt(*max));
            (quote!(i64), quote!(self.call.query_int(#name, #var, #min, #exclusive_min, #max);))
        }
        ParamKind::StrList { max_items, uuid } => {
            let max = opt(max_items.map(|v| v as usize));
            (
                quote!(impl IntoIterator<Item = impl Into<String>>),
                quote!(self.call.query_list(#name, #var.into_iter().map(Into::into).collect(), #max, #uuid);),
            )
        }
        ParamKind::Bool => (quote!(bool), quote!(self.call.query_display(#name, #var);)),
        ParamKind::DateTime => {
            (quote!(::chrono::DateTime<::chrono::Utc>), quote!(self.call.query_datetime(#name, #var);))
        }
        ParamKind::Date => (quote!(::chrono::NaiveDate), quote!(self.call.query_display(#name, #var);)),
        ParamKind::Enum(e) => {
            let t = ident(e);
            (quote!(impl Into<crate::types::#t>), quote!(self.call.query_display(#name, #var.into());))
        }
    }
}

/// The expression that reads a parameter of this kind from the JSON `args` of `invoke`.
fn dynamic_arg(name: &str, kind: &ParamKind) -> TokenStream {
    match kind {
        ParamKind::Str { .. } => quote!(crate::dynamic::arg_str(args, #name)?),
        ParamKind::StrList { .. } => quote!(crate::dynamic::arg_str_list(args, #name)?),
        ParamKind::Int { .. } => quote!(crate::dynamic::arg_i64(args, #name)?),
        ParamKind::Bool => quote!(crate::dynamic::arg_bool(args, #name)?),
        ParamKind::DateTime => quote!(crate::dynamic::arg_datetime(args, #name)?),
        ParamKind::Date => quote!(crate::dynamic::arg_date(args, #name)?),
        ParamKind::Enum(_) => quote!(crate::dynamic::arg_str(args, #name)?.as_str()),
    }
}

fn doc_lines(parts: &[Option<&str>]) -> TokenStream {
    let text: Vec<&str> = parts.iter().flatten().copied().filter(|s| !s.trim().is_empty()).collect();
    let joined = text.join("\n\n");
    let lines: Vec<String> = joined.lines().map(|l| format!(" {l}")).collect();
    quote!(#(#[doc = #lines])*)
}

/// One operation, as the generator sees it.
struct Op<'a> {
    id: String,
    method: String,
    path: String,
    sdk: Vec<String>,
    spec: &'a Value,
}

/// The name of a resource handle: `agents.runs` -> `AgentRuns` (parents singular).
pub fn handle_name(resource: &[String]) -> String {
    let mut name = String::new();
    for (i, seg) in resource.iter().enumerate() {
        let camel = seg.to_upper_camel_case();
        if i + 1 < resource.len() {
            name.push_str(camel.strip_suffix('s').unwrap_or(&camel));
        } else {
            name.push_str(&camel);
        }
    }
    name
}

/// The generated operation layer.
#[derive(Clone)]
pub struct Sdk {
    /// The whole file.
    pub file: syn::File,
    /// The snapshot parts, unformatted (formatting is left to [`Sdk::parts`]: builds do not
    /// need it).
    part_tokens: BTreeMap<String, TokenStream>,
    /// Operations reachable through generated builders.
    pub generated_operations: Vec<String>,
    /// Operations the `seclai` crate writes by hand (multipart, streams, files).
    pub handwritten_operations: Vec<(String, String)>,
}

impl Sdk {
    /// Parts for snapshots: `resources` and one `ops_<resource>` per top-level resource.
    pub fn parts(&self) -> Result<BTreeMap<String, String>, Error> {
        self.part_tokens
            .iter()
            .map(|(name, tokens)| {
                let f: syn::File = syn::parse2(tokens.clone()).map_err(|e| gen_err(format!("sdk code: {e}")))?;
                Ok((name.clone(), prettyplease::unparse(&f)))
            })
            .collect()
    }
}

/// Generates the operation layer from the spec, its generator view, and the raw client.
pub(crate) fn generate(spec: &Value, view: &Value, report: &ViewReport, raw_file: &syn::File) -> Result<Sdk, Error> {
    let raw = raw_operations(raw_file);
    let resources_doc = spec["x-seclai-resources"].as_object().cloned().unwrap_or_default();
    let versions = &spec["x-seclai-versions"];
    let known: Vec<&str> = versions["known"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let default_version = versions["default"].as_str().unwrap_or_default();
    let latest_version = versions["latest"].as_str().unwrap_or_default();

    // Every operation of the spec, by its x-seclai-sdk path.
    let mut all: Vec<Op> = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let Some(id) = op["operationId"].as_str() else { continue };
            let sdk = op["x-seclai-sdk"]
                .as_str()
                .ok_or_else(|| gen_err(format!("operation `{id}` has no x-seclai-sdk")))?
                .split('.')
                .map(String::from)
                .collect::<Vec<_>>();
            if sdk.len() < 2 {
                return Err(gen_err(format!("x-seclai-sdk of `{id}` must be `resource.method`")));
            }
            // The generator view holds the shapes progenitor saw (hoisted enums, no headers).
            let view_op = view["paths"][path][method.as_str()].clone();
            let spec_op = if view_op.is_null() { op } else { &view["paths"][path][method.as_str()] };
            all.push(Op { id: id.into(), method: method.to_uppercase(), path: path.clone(), sdk, spec: spec_op });
        }
    }
    all.sort_by(|a, b| a.sdk.cmp(&b.sdk));

    let handwritten_ids: Vec<&String> =
        report.multipart_operations.iter().chain(&report.byte_stream_operations).collect();
    let mut handwritten = Vec::new();
    let mut generated_ids = Vec::new();

    // resource path -> (methods tokens, builder tokens)
    let mut methods: BTreeMap<Vec<String>, Vec<TokenStream>> = BTreeMap::new();
    let mut builders: BTreeMap<String, Vec<TokenStream>> = BTreeMap::new();
    let mut resources: BTreeMap<Vec<String>, ()> = BTreeMap::new();
    let mut dynamic_fns = Vec::new();
    let mut dynamic_arms = Vec::new();
    let mut decode_arms = Vec::new();
    for op in &all {
        let resource = op.sdk[..op.sdk.len() - 1].to_vec();
        for i in 1..=resource.len() {
            resources.insert(resource[..i].to_vec(), ());
        }
        if handwritten_ids.contains(&&op.id) {
            handwritten.push((op.id.clone(), op.sdk.join(".")));
            continue;
        }
        let (method_tokens, builder_tokens, dynamic_tokens, decode_arm) = operation(op, &raw, view)?;
        dynamic_fns.push(dynamic_tokens);
        decode_arms.push(decode_arm);
        let (id, f) = (&op.id, ident(&format!("invoke_{}", op.id)));
        dynamic_arms.push(quote!(#id => Box::pin(#f(client, args)),));
        methods.entry(resource.clone()).or_default().push(method_tokens);
        builders.entry(resource[0].clone()).or_default().push(builder_tokens);
        generated_ids.push(op.id.clone());
    }

    // Resource handles.
    let mut handle_items = Vec::new();
    let mut client_accessors = Vec::new();
    for resource in resources.keys() {
        let name = ident(&handle_name(resource));
        let key = resource.join(".");
        let doc = resources_doc.get(&key).and_then(Value::as_str).unwrap_or("Operations of this resource.");
        let doc = doc_lines(&[Some(doc), Some(&format!("Reached with `client.{}()`.", resource.join("().")))]);
        let accessor = ident(resource.last().unwrap_or(&key));
        let children: Vec<TokenStream> = resources
            .keys()
            .filter(|r| r.len() == resource.len() + 1 && r.starts_with(resource))
            .map(|child| {
                let cname = ident(&handle_name(child));
                let cacc = ident(child.last().expect("child has a segment"));
                let cdoc = resources_doc.get(&child.join(".")).and_then(Value::as_str).unwrap_or("Sub-resource.");
                let cdoc = doc_lines(&[Some(cdoc)]);
                quote! {
                    #cdoc
                    pub fn #cacc(&self) -> #cname {
                        #cname { client: self.client.clone() }
                    }
                }
            })
            .collect();
        let ms = methods.get(resource).cloned().unwrap_or_default();
        handle_items.push(quote! {
            #doc
            #[derive(Debug, Clone)]
            pub struct #name {
                pub(crate) client: crate::Client,
            }
            impl #name {
                #(#children)*
                #(#ms)*
            }
        });
        if resource.len() == 1 {
            let doc = doc_lines(&[resources_doc.get(&key).and_then(Value::as_str)]);
            client_accessors.push(quote! {
                #doc
                pub fn #accessor(&self) -> resources::#name {
                    resources::#name { client: self.clone() }
                }
            });
        }
    }

    let handwritten_entries: Vec<TokenStream> = handwritten.iter().map(|(id, sdk)| quote!((#id, #sdk))).collect();
    let generated_entries: Vec<&String> = generated_ids.iter().collect();
    let header = quote! {
        /// The API versions this release was built against (`x-seclai-versions.known`).
        pub const KNOWN_API_VERSIONS: &[&str] = &[#(#known),*];
        /// The version the API applies when a request names none (`x-seclai-versions.default`).
        pub const DEFAULT_API_VERSION: &str = #default_version;
        /// The newest version this release knows (`x-seclai-versions.latest`).
        pub const LATEST_API_VERSION: &str = #latest_version;
        /// Operations with a generated builder, by operation id.
        pub const GENERATED_OPERATIONS: &[&str] = &[#(#generated_entries),*];
        /// Operations written by hand (multipart bodies, event streams, files):
        /// `(operation id, x-seclai-sdk path)`.
        pub const HANDWRITTEN_OPERATIONS: &[(&str, &str)] = &[#(#handwritten_entries),*];

        impl crate::Client {
            #(#client_accessors)*
        }
    };
    let resources_tokens = quote! {
        /// Resource handles: one per resource of the API, reached from [`crate::Client`].
        pub mod resources {
            #(#handle_items)*
        }
    };
    let mut parts = BTreeMap::new();
    parts.insert("sdk__resources".to_string(), quote!(#header #resources_tokens));
    let mut op_modules = Vec::new();
    for (top, items) in &builders {
        let module = quote! { #(#items)* };
        parts.insert(format!("sdk__ops_{top}"), module.clone());
        op_modules.push(module);
    }
    let dynamic_tokens = quote! {
        /// Calls the generated operation `operation` with JSON arguments (see [`crate::dynamic`]).
        pub(crate) fn invoke_generated<'a>(
            client: &'a crate::Client,
            operation: &str,
            args: &'a ::serde_json::Value,
        ) -> Option<::futures::future::BoxFuture<'a, crate::Result<::serde_json::Value>>> {
            Some(match operation {
                #(#dynamic_arms)*
                _ => return None,
            })
        }
        #(#dynamic_fns)*

        /// Decodes a success body of the generated operation `operation` into its `seclai`
        /// type, rendered back as JSON (see [`crate::dynamic::decode`]).
        pub(crate) fn decode_generated(operation: &str, bytes: &[u8]) -> Option<crate::Result<::serde_json::Value>> {
            Some(match operation {
                #(#decode_arms)*
                _ => return None,
            })
        }
    };
    parts.insert("sdk__invoke".to_string(), dynamic_tokens.clone());
    let all_tokens = quote! {
        #header
        #resources_tokens
        /// Operation builders: set optional arguments, then `send()`.
        pub mod ops {
            #(#op_modules)*
        }
        /// Calls by operation id (feature `dynamic`: tools need it, applications rarely do).
        #[cfg(feature = "dynamic")]
        pub(crate) mod invoke {
            #dynamic_tokens
        }
    };
    let file = syn::parse2(all_tokens).map_err(|e| gen_err(format!("sdk code: {e}")))?;
    Ok(Sdk { file, part_tokens: parts, generated_operations: generated_ids, handwritten_operations: handwritten })
}

/// The resource method and the builder of one operation.
/// The generated pieces of one operation: resource method, builder, `invoke` function and
/// `decode` arm.
type OperationTokens = (TokenStream, TokenStream, TokenStream, TokenStream);

fn operation(op: &Op, raw: &BTreeMap<String, RawOp>, view: &Value) -> Result<OperationTokens, Error> {
    let spec = op.spec;
    let builder_name = op.id.to_upper_camel_case();
    let builder = ident(&builder_name);
    let raw_op = raw.get(&builder_name).cloned().unwrap_or_default();
    let method_name = ident(op.sdk.last().expect("sdk path has a method"));
    let id = &op.id;
    let http_method = ident(&op.method);
    let summary = spec["summary"].as_str();
    let description = spec["description"].as_str();
    let endpoint = format!("`{} {}`", op.method, op.path);

    // Parameters.
    let params: Vec<&Value> = spec["parameters"].as_array().into_iter().flatten().collect();
    let mut ctor_args = Vec::new();
    let mut ctor_names = Vec::new();
    let mut ctor_stmts = Vec::new();
    let mut setters = Vec::new();
    let mut path_args: Vec<(String, Ident, bool)> = Vec::new();
    let mut arg_docs = Vec::new();
    let mut dyn_ctor = Vec::new();
    let mut dyn_setters = Vec::new();
    for p in &params {
        let name = p["name"].as_str().unwrap_or_default();
        // A list parameter repeats one name (`content_version_id`); its setter takes several.
        let is_list = p["schema"]["type"] == "array";
        let rust_name = match name.to_snake_case() {
            n if is_list && !n.ends_with('s') => format!("{n}s"),
            n => n,
        };
        let var = ident(&rust_name);
        let pdoc = p["description"].as_str();
        let where_ = format!("{id}({name})");
        match p["in"].as_str() {
            Some("path") => {
                let uuid = p["schema"]["format"].as_str() == Some("uuid");
                path_args.push((name.to_string(), var.clone(), uuid));
                ctor_args.push(quote!(#var: impl AsRef<str>));
                ctor_names.push(quote!(#var));
                dyn_ctor.push(quote!(crate::dynamic::arg_str(args, #name)?));
                arg_docs.push(format!("- `{}`: {}", name.to_snake_case(), pdoc.unwrap_or("path parameter")));
            }
            Some("query") => {
                let kind = param_kind(&p["schema"], &where_)?;
                let (ty, stmt) = query_setter(name, &kind, &var);
                if p["required"].as_bool() == Some(true) {
                    let stmt = stmt.to_string().replace("self . call", "call").parse::<TokenStream>().unwrap_or(stmt);
                    ctor_args.push(quote!(#var: #ty));
                    ctor_names.push(quote!(#var));
                    dyn_ctor.push(dynamic_arg(name, &kind));
                    ctor_stmts.push(stmt);
                    arg_docs.push(format!("- `{}`: {}", name.to_snake_case(), pdoc.unwrap_or("query parameter")));
                } else {
                    let read = dynamic_arg(name, &kind);
                    dyn_setters.push(quote! {
                        if crate::dynamic::has(args, #name) {
                            builder = builder.#var(#read);
                        }
                    });
                    let doc = doc_lines(&[pdoc, Some(&format!("Query parameter `{name}`."))]);
                    setters.push(quote! {
                        #doc
                        pub fn #var(mut self, #var: #ty) -> Self {
                            #stmt
                            self
                        }
                    });
                }
            }
            other => return Err(gen_err(format!("{where_}: parameters in {other:?} are not supported"))),
        }
    }

    // Body.
    let has_body = spec.get("requestBody").is_some();
    let mut body_field = quote!();
    let mut body_init = quote!();
    let mut body_send = quote!();
    let mut generics = quote!();
    let mut where_clause = quote!();
    if has_body {
        let body_ty = raw_op.body.clone().ok_or_else(|| gen_err(format!("{id}: the raw client has no body type")))?;
        ctor_args.push(quote!(body: B));
        ctor_names.push(quote!(body));
        dyn_ctor.push(quote!(crate::dynamic::arg_body::<#body_ty>(args)?));
        generics = quote!(<B>);
        where_clause = quote!(where B: TryInto<#body_ty>, B::Error: ::std::fmt::Display);
        body_field = quote! {
            body: ::std::result::Result<#body_ty, String>,
            nulls: Vec<&'static str>,
        };
        body_init = quote! {
            body: body.try_into().map_err(|e| e.to_string()),
            nulls: Vec::new(),
        };
        body_send = quote!(self.call.json_body(self.body, &self.nulls););
        arg_docs.push("- `body`: the request body (a value or its builder).".to_string());
        for field in nullable_optional_fields(view, spec)? {
            let clear = ident(&format!("clear_{}", field.to_snake_case()));
            let doc = format!(" Sends `{field}: null`, which clears the field (omitting it keeps the current value).");
            dyn_setters.push(quote! {
                if crate::dynamic::is_explicit_null(args, #field) {
                    builder = builder.#clear();
                }
            });
            setters.push(quote! {
                #[doc = #doc]
                pub fn #clear(mut self) -> Self {
                    if !self.nulls.contains(&#field) {
                        self.nulls.push(#field);
                    }
                    self
                }
            });
        }
    }

    // Response and pagination.
    let pagination = &spec["x-seclai-pagination"];
    let response = raw_op.response.clone().ok_or_else(|| gen_err(format!("{id}: the raw client has no send type")))?;
    let is_empty = response.to_string().replace(' ', "") == "()";
    let self_arg = if has_body { quote!(mut self) } else { quote!(self) };
    let pagination_tokens;
    let send;
    if pagination.is_object() {
        let item = list_item_type(view, spec, pagination, id)?;
        let style = match pagination["style"].as_str() {
            Some("page") => quote!(crate::paginate::Style::Page),
            Some("offset") => quote!(crate::paginate::Style::Offset),
            Some("limit") => quote!(crate::paginate::Style::Limit),
            other => return Err(gen_err(format!("{id}: unknown pagination style {other:?}"))),
        };
        let items_key = opt(pagination["items"].as_str());
        let default_limit =
            opt(params.iter().find(|p| p["name"] == "limit").and_then(|p| p["schema"]["default"].as_i64()));
        pagination_tokens = quote!(Some(crate::paginate::Pagination { style: #style, items: #items_key, default_limit: #default_limit }));
        let walk_doc = if pagination["style"] == "limit" {
            " This list is not paged (one request, up to `limit` items); the stream yields that one page."
        } else {
            " Walks every page from the one this builder starts at, and stops when the server says there is no more (or on an empty or short page)."
        };
        send = quote! {
            /// Sends the request and returns one page.
            pub async fn send(self) -> crate::Result<crate::Page<#item>> {
                crate::paginate::fetch_page(self.call, #items_key).await
            }
            #[doc = " A stream of pages."]
            #[doc = ""]
            #[doc = #walk_doc]
            pub fn pages(self) -> ::futures::stream::BoxStream<'static, crate::Result<crate::Page<#item>>> {
                crate::paginate::pages(self.call)
            }
            #[doc = " A stream of items, page after page."]
            #[doc = ""]
            #[doc = #walk_doc]
            pub fn items(self) -> ::futures::stream::BoxStream<'static, crate::Result<#item>> {
                crate::paginate::items(self.call)
            }
            /// Collects the items of every page, stopping after `max` items when given.
            pub async fn collect(self, max: Option<usize>) -> crate::Result<Vec<#item>> {
                crate::paginate::collect(self.call, max).await
            }
        };
    } else if is_empty {
        pagination_tokens = quote!(None);
        send = quote! {
            /// Sends the request.
            pub async fn send(#self_arg) -> crate::Result<()> {
                #body_send
                self.call.send_empty().await
            }
        };
    } else {
        pagination_tokens = quote!(None);
        send = quote! {
            /// Sends the request and decodes the answer.
            pub async fn send(#self_arg) -> crate::Result<#response> {
                #body_send
                self.call.send_json().await
            }
        };
    }
    let mut send = send;
    if pagination.is_object() && has_body {
        return Err(gen_err(format!("{id}: a list operation with a body is not supported")));
    }
    if pagination.is_object() {
        let has_limit = params.iter().any(|p| p["name"] == "limit");
        if has_limit {
            send = quote! {
                /// The page size: an alias of `limit`.
                pub fn page_size(self, size: i64) -> Self {
                    self.limit(size)
                }
                #send
            };
        }
    }

    // The path, built piece by piece: literal text, then each parameter encoded in place.
    let mut path_pieces = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
        let literal = &rest[..start];
        if !literal.is_empty() {
            path_pieces.push(quote!(path.push_str(#literal);));
        }
        let name = &rest[start + 1..end];
        let (_, var, uuid) = path_args
            .iter()
            .find(|(n, _, _)| n == name)
            .ok_or_else(|| gen_err(format!("{id}: path parameter `{name}` is not declared")))?;
        path_pieces.push(quote!(call.push_segment(&mut path, #name, #var.as_ref(), #uuid);));
        rest = &rest[(end + 1).min(rest.len())..];
    }
    if !rest.is_empty() {
        path_pieces.push(quote!(path.push_str(#rest);));
    }
    let capacity = op.path.len() + 32 * path_args.len();
    let path_stmt = quote! {
        let mut path = String::with_capacity(#capacity);
        #(#path_pieces)*
        call.path = path;
    };
    let arg_doc_text = if arg_docs.is_empty() { None } else { Some(format!("Arguments:\n{}", arg_docs.join("\n"))) };
    let method_doc = doc_lines(&[summary, description, Some(&endpoint), arg_doc_text.as_deref()]);
    let builder_doc = doc_lines(&[
        Some(&format!("Builder of `{}` ({}): {}", op.sdk.join("."), endpoint, summary.unwrap_or(id))),
        Some("Set optional arguments, then call `send`."),
    ]);
    let must_use = "call `.send()` (or a stream method) to make the request";
    let method_tokens = quote! {
        #method_doc
        pub fn #method_name #generics(&self, #(#ctor_args),*) -> super::ops::#builder #where_clause {
            super::ops::#builder::new(self.client.clone(), #(#ctor_names),*)
        }
    };
    let builder_tokens = quote! {
        #builder_doc
        #[derive(Debug, Clone)]
        #[must_use = #must_use]
        pub struct #builder {
            call: crate::call::Call,
            #body_field
        }
        impl #builder {
            pub(crate) fn new #generics(client: crate::Client, #(#ctor_args),*) -> Self #where_clause {
                static OPERATION: crate::call::Operation = crate::call::Operation {
                    id: #id,
                    method: ::reqwest::Method::#http_method,
                    pagination: #pagination_tokens,
                };
                let mut call = crate::call::Call::new(client, &OPERATION);
                #path_stmt
                #(#ctor_stmts)*
                Self { call, #body_init }
            }
            #(#setters)*
            crate::call::request_options!();
            #send
        }
    };
    // `invoke`: the same call, with arguments from JSON, going through the resource method.
    let chain: Vec<Ident> = op.sdk[..op.sdk.len() - 1].iter().map(|s| ident(s)).collect();
    let dyn_fn = ident(&format!("invoke_{id}"));
    let dyn_send = quote!(crate::dynamic::to_json(&builder.send().await?));
    let dynamic_tokens = quote! {
        #[allow(unused_variables)]
        pub(crate) async fn #dyn_fn(client: &crate::Client, args: &::serde_json::Value) -> crate::Result<::serde_json::Value> {
            #[allow(unused_mut)]
            let mut builder = client.#(#chain()).*.#method_name(#(#dyn_ctor),*);
            #(#dyn_setters)*
            #dyn_send
        }
    };
    let decode_arm = if pagination.is_object() {
        let item = list_item_type(view, spec, pagination, id)?;
        let items_key = opt(pagination["items"].as_str());
        quote!(#id => crate::dynamic::decode_list::<#item>(#id, bytes, #items_key),)
    } else if is_empty {
        quote!(#id => crate::dynamic::decode_empty(#id, bytes),)
    } else {
        quote!(#id => crate::dynamic::decode_as::<#response>(#id, bytes),)
    };
    Ok((method_tokens, builder_tokens, dynamic_tokens, decode_arm))
}

/// The optional, nullable fields of an operation's JSON body (candidates for `clear_*`).
fn nullable_optional_fields(view: &Value, op: &Value) -> Result<Vec<String>, Error> {
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    let Some(name) = enum_ref(schema) else { return Ok(Vec::new()) };
    let Some(component) = view.pointer(&format!("/components/schemas/{name}")) else {
        return Ok(Vec::new());
    };
    let required: Vec<&str> =
        component["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let mut out = Vec::new();
    for (field, s) in component["properties"].as_object().into_iter().flatten() {
        if !required.contains(&field.as_str()) && s["nullable"].as_bool() == Some(true) {
            out.push(field.clone());
        }
    }
    Ok(out)
}

/// The item type of a list: the `$ref` of the items array in the legacy envelope.
fn list_item_type(view: &Value, op: &Value, pagination: &Value, id: &str) -> Result<TokenStream, Error> {
    let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
    let items_schema = if pagination.get("bare_array").and_then(Value::as_bool) == Some(true) {
        schema["items"].clone()
    } else {
        let key = pagination["items"].as_str().ok_or_else(|| gen_err(format!("{id}: pagination without items key")))?;
        let env = enum_ref(schema).ok_or_else(|| gen_err(format!("{id}: list response is not a component")))?;
        view.pointer(&format!("/components/schemas/{env}/properties/{key}/items"))
            .cloned()
            .ok_or_else(|| gen_err(format!("{id}: envelope {env} has no `{key}` array")))?
    };
    // `item_schema` names the item type where the spec leaves the items untyped.
    let named = pagination["item_schema"].as_str().map(String::from).or_else(|| enum_ref(&items_schema));
    match named {
        Some(item) => {
            let t = ident(&item);
            Ok(quote!(crate::types::#t))
        }
        None if items_schema.as_object().is_some_and(|m| m.is_empty()) => Ok(quote!(::serde_json::Value)),
        None => Err(gen_err(format!("{id}: list items are neither a component schema nor untyped"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_names_read_well() {
        let n = |s: &str| handle_name(&s.split('.').map(String::from).collect::<Vec<_>>());
        assert_eq!(n("agents"), "Agents");
        assert_eq!(n("agents.runs"), "AgentRuns");
        assert_eq!(n("sources.exports"), "SourceExports");
        assert_eq!(n("agents.ai_assistant"), "AgentAiAssistant");
        assert_eq!(n("identity"), "Identity");
    }

    #[test]
    fn raw_types_are_requalified_for_the_seclai_crate() {
        assert_eq!(requalify(quote!(types::AgentRunResponse)).to_string(), "crate :: types :: AgentRunResponse");
        assert_eq!(
            requalify(quote!(::std::vec::Vec<types::X>)).to_string(),
            ":: std :: vec :: Vec < crate :: types :: X >"
        );
    }
}
