//! The code of one operation: its builder (`ops::agents::runs::Get`), the resource method that
//! makes it, and, for JSON operations, its `seclai::dynamic` entry.
//!
//! Builders only record arguments; checks, sending, retries and decoding are the hand-written
//! runtime's (`call.rs`, `client.rs`, `paginate.rs`). Hand-written operations (uploads, the
//! event stream, downloads) get their struct, constructor and settings here too; only their
//! `send` (and setters of their own, such as an upload's title) are written by hand.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::model::{Kind, Location, Operation, Pagination};
use super::params;
use crate::ident::{ident, plain};

fn doc_lines(parts: &[Option<&str>]) -> TokenStream {
    let text: Vec<&str> = parts.iter().flatten().copied().filter(|s| !s.trim().is_empty()).collect();
    let joined = text.join("\n\n");
    let lines: Vec<String> = joined.lines().map(|l| format!(" {l}")).collect();
    quote!(#(#[doc = #lines])*)
}

/// The generated pieces of one operation.
pub struct OperationCode {
    /// The builder, for the `ops` module of its resource path.
    pub builder: TokenStream,
    /// The method of the resource handle (plus deprecated aliases, by their resource path).
    pub method: TokenStream,
    /// Deprecated aliases: `(former x-seclai-sdk path, method tokens)`.
    pub aliases: Vec<(Vec<String>, TokenStream)>,
    /// The `seclai::dynamic` function and its dispatch and decode arms (JSON operations).
    pub dynamic: Option<DynamicCode>,
}

/// The `seclai::dynamic` pieces of one operation.
pub struct DynamicCode {
    pub function: TokenStream,
    pub invoke_arm: TokenStream,
    /// For a list: the arm that walks every page.
    pub items_arm: Option<TokenStream>,
    pub decode_arm: TokenStream,
}

/// Arguments of the constructor and the resource method.
struct Signature {
    args: Vec<TokenStream>,
    names: Vec<TokenStream>,
    docs: Vec<String>,
    /// The dynamic expressions of the arguments, in order.
    dynamic: Vec<TokenStream>,
}

fn signature(op: &Operation) -> Signature {
    let mut s = Signature { args: Vec::new(), names: Vec::new(), docs: Vec::new(), dynamic: Vec::new() };
    for p in op.params.iter().filter(|p| p.location == Location::Path) {
        let var = &p.rust;
        s.args.push(quote!(#var: impl AsRef<str>));
        s.names.push(quote!(#var));
        s.dynamic.push(params::dynamic_arg(&p.name, &p.kind));
        s.docs.push(format!("- `{}`: {}", plain(var), p.description.as_deref().unwrap_or("path parameter")));
    }
    for p in op.params.iter().filter(|p| p.location == Location::Query && p.required) {
        let var = &p.rust;
        let (ty, _) = params::query(&p.name, &p.kind, var, &quote!(call));
        s.args.push(quote!(#var: #ty));
        s.names.push(quote!(#var));
        s.dynamic.push(params::dynamic_arg(&p.name, &p.kind));
        s.docs.push(format!("- `{}`: {}", plain(var), p.description.as_deref().unwrap_or("query parameter")));
    }
    if let Some(body) = &op.body {
        s.args.push(quote!(body: impl crate::types::IntoBody<#body>));
        s.names.push(quote!(body));
        s.dynamic.push(quote!(crate::dynamic::JsonBody::<#body>::from_args(args)?));
        s.docs.push("- `body`: the request body: a value, or its builder (`types::<Body>::builder()`).".into());
    }
    if op.kind == Kind::Upload {
        s.args.push(quote!(file: crate::upload::UploadFile));
        s.names.push(quote!(file));
        s.docs.push("- `file`: what to upload (a path, bytes or a reader).".into());
    }
    s
}

/// The statements that build the path, piece by piece, each parameter encoded in place.
fn path_statements(op: &Operation) -> Result<TokenStream, crate::Error> {
    let mut pieces = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e);
        let literal = &rest[..start];
        if !literal.is_empty() {
            pieces.push(quote!(path.push_str(#literal);));
        }
        let name = &rest[start + 1..end];
        let p = op
            .params
            .iter()
            .find(|p| p.location == Location::Path && p.name == name)
            .ok_or_else(|| crate::Error(format!("{}: path parameter `{name}` is not declared", op.id)))?;
        pieces.push(params::path_segment(name, &p.kind, &p.rust));
        rest = &rest[(end + 1).min(rest.len())..];
    }
    if !rest.is_empty() {
        pieces.push(quote!(path.push_str(#rest);));
    }
    let capacity = op.path.len() + 32 * op.params.iter().filter(|p| p.location == Location::Path).count();
    Ok(quote! {
        let mut path = String::with_capacity(#capacity);
        #(#pieces)*
        call.path = path;
    })
}

fn pagination_tokens(p: Option<&Pagination>) -> TokenStream {
    let Some(p) = p else { return quote!(None) };
    let style = match p.style.as_str() {
        "page" => quote!(crate::paginate::Style::Page),
        "offset" => quote!(crate::paginate::Style::Offset),
        _ => quote!(crate::paginate::Style::Limit),
    };
    let items = match &p.items {
        Some(k) => quote!(Some(#k)),
        None => quote!(None),
    };
    let default_limit = match p.default_limit {
        Some(l) => quote!(Some(#l)),
        None => quote!(None),
    };
    quote!(Some(crate::paginate::Pagination { style: #style, items: #items, default_limit: #default_limit }))
}

fn send_methods(op: &Operation) -> TokenStream {
    if op.kind != Kind::Json {
        return quote!();
    }
    let Some(p) = &op.pagination else {
        return match &op.response {
            None => quote! {
                /// Sends the request.
                pub async fn send(self) -> crate::Result<()> {
                    self.call.send_empty().await
                }
            },
            Some(response) => quote! {
                /// Sends the request and decodes the answer.
                pub async fn send(self) -> crate::Result<#response> {
                    self.call.send_json().await
                }
            },
        };
    };
    let item = &p.item;
    let items_key = match &p.items {
        Some(k) => quote!(Some(#k)),
        None => quote!(None),
    };
    let walk_doc = if p.style == "limit" {
        " This list is not paged (one request, up to `limit` items); the stream yields that one page."
    } else {
        " Walks every page from the one this builder starts at, and stops when the server says there is no more (or on an empty or short page)."
    };
    let page_size = op.params.iter().any(|p| p.name == "limit").then(|| {
        quote! {
            /// The page size: an alias of `limit`.
            pub fn page_size(self, size: i64) -> Self {
                self.limit(size)
            }
        }
    });
    quote! {
        #page_size
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
    }
}

/// The code of `op`.
pub fn operation(op: &Operation) -> Result<OperationCode, crate::Error> {
    let id = &op.id;
    let method_name = op.method_name();
    let builder = op.builder_name();
    let builder_path = op.builder_path();
    let http_method = ident(&op.method);
    let endpoint = op.endpoint();
    let sig = signature(op);
    let Signature { args, names, docs, .. } = &sig;

    // Optional query parameters are setters; required ones are recorded by the constructor.
    let mut setters = Vec::new();
    let mut ctor_stmts = Vec::new();
    for p in op.params.iter().filter(|p| p.location == Location::Query) {
        let var = &p.rust;
        if p.required {
            let (_, stmt) = params::query(&p.name, &p.kind, var, &quote!(call));
            ctor_stmts.push(stmt);
            continue;
        }
        let (ty, stmt) = params::query(&p.name, &p.kind, var, &quote!(self.call));
        let limits = params::limits(&p.kind).map(|l| format!("Limits: {l}."));
        let doc =
            doc_lines(&[p.description.as_deref(), Some(&format!("Query parameter `{}`.", p.name)), limits.as_deref()]);
        setters.push(quote! {
            #doc
            pub fn #var(mut self, #var: #ty) -> Self {
                #stmt
                self
            }
        });
    }
    let body_stmt = op.body.as_ref().map(|_| quote!(call.json_body(body.into_json());));
    let path_stmt = path_statements(op)?;
    let pagination = pagination_tokens(op.pagination.as_ref());
    let (extra_field, extra_init, settings) = match op.kind {
        Kind::Upload => (
            quote!(pub(crate) upload: crate::upload::UploadParts,),
            quote!(upload: crate::upload::UploadParts::new(file),),
            quote!(crate::call::request_options!();),
        ),
        Kind::Stream | Kind::Download => (quote!(), quote!(), quote!(crate::call::stream_options!();)),
        Kind::Json => (quote!(), quote!(), quote!(crate::call::request_options!();)),
    };
    let expect = match op.kind {
        Kind::Stream => quote!(crate::transport::Expect::EventStream),
        Kind::Download => quote!(crate::transport::Expect::File),
        Kind::Json | Kind::Upload => quote!(crate::transport::Expect::Json),
    };
    let send = send_methods(op);
    let handwritten_note = match op.kind {
        Kind::Json => None,
        Kind::Upload => Some("Its `send` uploads the file (see [`crate::upload`])."),
        Kind::Stream => Some("Its `send` starts the run and returns its events (see [`crate::runs`])."),
        Kind::Download => Some("Its `send` starts the download (see [`crate::download`])."),
    };
    let builder_doc = doc_lines(&[
        Some(&format!(
            "Builder of `client.{}()` ({endpoint}): {}",
            op.sdk.join("()."),
            op.summary.as_deref().unwrap_or(id)
        )),
        Some("Set optional arguments, then call `send`."),
        handwritten_note,
    ]);
    let must_use = "call `.send()` (or a stream method) to make the request";
    let builder_tokens = quote! {
        #builder_doc
        #[derive(Debug, Clone)]
        #[must_use = #must_use]
        pub struct #builder {
            pub(crate) call: crate::call::Call,
            #extra_field
        }
        impl #builder {
            pub(crate) fn new(client: crate::Client, #(#args),*) -> Self {
                static OPERATION: crate::call::Operation = crate::call::Operation {
                    id: #id,
                    method: ::reqwest::Method::#http_method,
                    pagination: #pagination,
                    expect: #expect,
                };
                let mut call = crate::call::Call::new(client, &OPERATION);
                #path_stmt
                #(#ctor_stmts)*
                #body_stmt
                Self { call, #extra_init }
            }
            #(#setters)*
            #settings
            #send
        }
    };

    let arg_doc = (!docs.is_empty()).then(|| format!("Arguments:\n{}", docs.join("\n")));
    let method_doc =
        doc_lines(&[op.summary.as_deref(), op.description.as_deref(), Some(&endpoint), arg_doc.as_deref()]);
    let method = quote! {
        #method_doc
        pub fn #method_name(&self, #(#args),*) -> #builder_path {
            #builder_path::new(self.client.clone(), #(#names),*)
        }
    };
    let aliases = op
        .deprecated
        .iter()
        .map(|old| {
            let name = ident(old.last().expect("a method"));
            let note = format!("renamed to `{}`", op.sdk.join("."));
            let doc = format!(" Deprecated: {note} ({endpoint}).");
            let tokens = quote! {
                #[doc = #doc]
                #[deprecated(note = #note)]
                pub fn #name(&self, #(#args),*) -> #builder_path {
                    #builder_path::new(self.client.clone(), #(#names),*)
                }
            };
            (old.clone(), tokens)
        })
        .collect();
    Ok(OperationCode { builder: builder_tokens, method, aliases, dynamic: dynamic(op, &sig) })
}

/// `seclai::dynamic`: the same call with arguments from JSON, through the resource method.
fn dynamic(op: &Operation, sig: &Signature) -> Option<DynamicCode> {
    if op.kind != Kind::Json {
        return None;
    }
    let id = &op.id;
    let chain: Vec<Ident> = op.resource().iter().map(|s| ident(s)).collect();
    let method_name = op.method_name();
    let function = ident(&format!("build_{id}"));
    let builder_path = op.builder_path();
    let dyn_args = &sig.dynamic;
    let setters: Vec<TokenStream> = op
        .params
        .iter()
        .filter(|p| p.location == Location::Query && !p.required)
        .map(|p| {
            let (name, var) = (&p.name, &p.rust);
            let read = params::dynamic_arg(name, &p.kind);
            quote! {
                if crate::dynamic::has(args, #name) {
                    builder = builder.#var(#read);
                }
            }
        })
        .collect();
    // One function reads the arguments into the builder a user would write; sending it (one
    // answer, or every page of a list) is the caller's choice.
    let function_tokens = quote! {
        #[allow(unused_variables)]
        pub(crate) fn #function(client: &crate::Client, args: &::serde_json::Value) -> crate::Result<#builder_path> {
            #[allow(unused_mut)]
            let mut builder = client.#(#chain()).*.#method_name(#(#dyn_args),*);
            #(#setters)*
            Ok(builder)
        }
    };
    let invoke_arm = quote! {
        #id => Box::pin(async move { crate::dynamic::to_json(&#function(client, args)?.send().await?) }),
    };
    let items_arm = op
        .pagination
        .as_ref()
        .map(|_| quote!(#id => #function(client, args).map(|builder| crate::dynamic::items_json(builder.items())),));
    let decode_arm = match &op.pagination {
        Some(p) => {
            let item = &p.item;
            let items_key = match &p.items {
                Some(k) => quote!(Some(#k)),
                None => quote!(None),
            };
            quote!(#id => crate::dynamic::decode_list::<#item>(#id, bytes, #items_key),)
        }
        None => match &op.response {
            None => quote!(#id => crate::dynamic::decode_empty(#id, bytes),),
            Some(response) => quote!(#id => crate::dynamic::decode_as::<#response>(#id, bytes),),
        },
    };
    Some(DynamicCode { function: function_tokens, invoke_arm, items_arm, decode_arm })
}
