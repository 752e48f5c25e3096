//! The typed mocks of `seclai-httpmock`, generated from the spec: for every operation, a
//! matcher type (`GetAgentWhen`: its path and query parameters, its body), a response type
//! (`GetAgentThen`: one method per status the spec declares, with the body's Rust type, and
//! the helpers of its kind: an event stream, a file), and `mock_<operation id>` (and its
//! `_async` twin) on `httpmock::MockServer` through the trait `MockServerExt`.
//!
//! The generated code names types as `crate::types::X`: the crate re-exports `seclai::types`,
//! so the mocks take exactly the types the SDK returns. What is not per operation (SSE text of
//! run events, list envelopes, the regular expressions of paths) is hand-written in the crate.

use heck::ToUpperCamelCase;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;

use crate::Error;
use crate::sdk::model::{self, Kind, Location, Operation, ParamKind};

/// Generates the mocks from the spec text.
pub fn generate_httpmock(yaml: &str) -> Result<syn::File, Error> {
    let spec = crate::load_spec(yaml)?;
    let (view, report) = crate::view::generator_view(&spec);
    let ops = model::operations(&spec, &view, &report)?;
    let mut items = Vec::new();
    let mut trait_fns = Vec::new();
    let mut impl_fns = Vec::new();
    let mut ids = Vec::new();
    for op in &ops {
        let (types, decl, def) = operation(&spec, op)?;
        items.push(types);
        trait_fns.push(decl);
        impl_fns.push(def);
        ids.push(op.id.clone());
    }
    let tokens = quote! {
        /// The operation id of every operation that has a mock (sorted by SDK path).
        pub const OPERATIONS: &[&str] = &[#(#ids),*];

        /// A typed mock for every operation of the API, on `httpmock::MockServer`.
        pub trait MockServerExt {
            #(#trait_fns)*
        }

        impl MockServerExt for ::httpmock::MockServer {
            #(#impl_fns)*
        }

        #(#items)*
    };
    syn::parse2(tokens).map_err(|e| Error(format!("httpmock code: {e}")))
}

fn id(name: &str) -> Ident {
    crate::ident::ident(name)
}

/// The method of a `Then` for a status: its name and a sentence.
fn status_method(status: &str) -> Option<(&'static str, &'static str)> {
    Some(match status {
        "200" => ("ok", "200 OK"),
        "201" => ("created", "201 Created"),
        "202" => ("accepted", "202 Accepted"),
        "204" => ("no_content", "204 No Content"),
        "400" => ("bad_request", "400 Bad Request"),
        "401" => ("unauthorized", "401 Unauthorized"),
        "402" => ("insufficient_credits", "402 Payment Required (insufficient credits)"),
        "403" => ("forbidden", "403 Forbidden"),
        "404" => ("not_found", "404 Not Found"),
        "409" => ("conflict", "409 Conflict"),
        "410" => ("gone", "410 Gone"),
        "413" => ("payload_too_large", "413 Payload Too Large"),
        "422" => ("validation_error", "422 Unprocessable Entity (validation)"),
        "429" => ("too_many_requests", "429 Too Many Requests"),
        "503" => ("service_unavailable", "503 Service Unavailable"),
        _ => return None,
    })
}

/// The JSON schema of a response (resolving a `$ref` to `components/responses`).
fn response_schema<'a>(spec: &'a Value, response: &'a Value) -> (&'a Value, bool) {
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(r) => r.strip_prefix("#/components/responses/").map_or(response, |n| &spec["components"]["responses"][n]),
        None => response,
    };
    let content = &response["content"];
    let json = content.get("application/json").map(|c| &c["schema"]);
    (json.unwrap_or(&Value::Null), content.is_object())
}

/// A `Then` method per status the spec declares.
fn then_methods(spec: &Value, op: &Operation, original: &Value) -> Result<Vec<TokenStream>, Error> {
    let mut out = Vec::new();
    for (status, response) in original["responses"].as_object().into_iter().flatten() {
        let Some((name, what)) = status_method(status) else {
            return Err(Error(format!("{}: no mock method for status {status}", op.id)));
        };
        let code: u16 = status.parse().map_err(|_| Error(format!("{}: status {status}", op.id)))?;
        let name = id(name);
        let (schema, has_content) = response_schema(spec, response);
        let success = code < 300;
        if success && matches!(op.kind, Kind::Stream | Kind::Download) && schema.is_null() {
            continue; // the kind's own helpers answer these (`events`, `sse`, `file`)
        }
        if schema.is_null() {
            if has_content {
                continue;
            }
            let doc = format!(" Answers {what}, without a body.");
            out.push(quote! {
                #[doc = #doc]
                pub fn #name(self) -> Self {
                    Self(self.0.status(#code))
                }
            });
            continue;
        }
        let ty = model::response_type(&op.id, schema).unwrap_or_else(|_| quote!(::serde_json::Value));
        let doc = format!(" Answers {what} with this body.");
        out.push(quote! {
            #[doc = #doc]
            pub fn #name(self, body: &#ty) -> Self {
                self.json(#code, body)
            }
        });
    }
    Ok(out)
}

/// The `When` setters of an operation's parameters.
fn when_params(op: &Operation) -> Vec<TokenStream> {
    let path_params: Vec<&str> =
        op.params.iter().filter(|p| p.location == Location::Path).map(|p| p.name.as_str()).collect();
    op.params
        .iter()
        .map(|p| {
            let rust = &p.rust;
            let name = &p.name;
            match p.location {
                Location::Path => {
                    let index = path_params.iter().position(|n| *n == p.name).unwrap_or_default();
                    let template = &op.path;
                    let doc = format!(" The path parameter `{name}` is this value.");
                    quote! {
                        #[doc = #doc]
                        pub fn #rust(self, value: impl ::std::convert::AsRef<str>) -> Self {
                            Self(self.0.path_matches(crate::paths::with_param(#template, #index, value.as_ref())))
                        }
                    }
                }
                Location::Query => {
                    let doc = format!(" The query parameter `{name}` is this value.");
                    match &p.kind {
                        ParamKind::StrList { .. } => {
                            let doc = format!(" The query parameter `{name}` is repeated with each of these values.");
                            quote! {
                                #[doc = #doc]
                                pub fn #rust<V: ::std::fmt::Display>(self, values: impl ::std::iter::IntoIterator<Item = V>) -> Self {
                                    let mut when = self.0;
                                    for v in values {
                                        when = when.query_param(#name, v.to_string());
                                    }
                                    Self(when)
                                }
                            }
                        }
                        _ => quote! {
                            #[doc = #doc]
                            pub fn #rust(self, value: impl ::std::fmt::Display) -> Self {
                                Self(self.0.query_param(#name, value.to_string()))
                            }
                        },
                    }
                }
            }
        })
        .collect()
}

/// The `When` and `Then` types of one operation, the trait's declarations and their bodies.
fn operation(spec: &Value, op: &Operation) -> Result<(TokenStream, TokenStream, TokenStream), Error> {
    let camel = op.id.to_upper_camel_case();
    let when = Ident::new(&format!("{camel}When"), Span::call_site());
    let then = Ident::new(&format!("{camel}Then"), Span::call_site());
    let original = &spec["paths"][op.path.as_str()][op.method.to_lowercase().as_str()];
    let method = Ident::new(&op.method.to_uppercase(), Span::call_site());
    let template = &op.path;
    let call = format!("client.{}()", op.sdk.join("()."));
    let endpoint = op.endpoint();
    let when_doc = format!(" What a request to {endpoint} (`{call}`) must be for the mock to answer it.");
    let then_doc = format!(" How the mock answers {endpoint} (`{call}`).");
    let params = when_params(op);
    let body = match (&op.body, op.kind) {
        (Some(ty), _) => quote! {
            /// The JSON body equals this value.
            pub fn body(self, value: &#ty) -> Self {
                Self(self.0.json_body(crate::to_json(value)))
            }
            /// The JSON body includes this JSON (the other keys may be anything).
            pub fn body_includes(self, partial: ::serde_json::Value) -> Self {
                Self(self.0.json_body_includes(partial.to_string()))
            }
        },
        (None, Kind::Upload) => quote! {
            /// The uploaded file has this name.
            pub fn file_name(self, name: &str) -> Self {
                Self(self.0.body_includes(::std::format!("filename=\"{name}\"")))
            }
            /// The multipart body contains this text (of the file or of a field).
            pub fn body_contains(self, text: &str) -> Self {
                Self(self.0.body_includes(text))
            }
            /// The form field `name` has this value.
            pub fn field(self, name: &str, value: &str) -> Self {
                Self(self.0.body_includes(::std::format!("name=\"{name}\"\r\n\r\n{value}")))
            }
        },
        (None, _) => quote!(),
    };
    let statuses = then_methods(spec, op, original)?;
    let kind_helpers = match op.kind {
        Kind::Stream => quote! {
            /// Answers 200 with these events as `text/event-stream`.
            pub fn events(self, events: &[::seclai::runs::RunEvent]) -> Self {
                self.sse(crate::sse::events(events))
            }
            /// Answers 200 with this `text/event-stream` body as it is.
            pub fn sse(self, body: impl ::std::convert::Into<::std::string::String>) -> Self {
                Self(self.0.status(200u16).header("content-type", "text/event-stream").body(body.into()))
            }
        },
        Kind::Download => quote! {
            /// Answers 200 with this file.
            pub fn file(self, bytes: impl ::std::convert::Into<::std::vec::Vec<u8>>, content_type: &str) -> Self {
                Self(self.0.status(200u16).header("content-type", content_type).body(bytes.into()))
            }
        },
        _ => quote!(),
    };
    let pages_fn = op.pagination.as_ref().map(|p| {
        let item = &p.item;
        let style = match p.style.as_str() {
            "page" => quote!(crate::pages::Style::Page),
            "offset" => quote!(crate::pages::Style::Offset),
            _ => quote!(crate::pages::Style::Limit),
        };
        let key = match &p.items {
            Some(k) => quote!(::std::option::Option::Some(#k)),
            None => quote!(::std::option::Option::None),
        };
        let name = Ident::new(&format!("mock_{}_pages", op.id), Span::call_site());
        let doc = format!(
            " Mocks every page of {endpoint} over `items`, `limit` a page, in `envelope`: one mock per page, matched by its `page` or `offset` (and `limit`)."
        );
        (
            quote! {
                #[doc = #doc]
                fn #name(&self, items: &[#item], limit: usize, envelope: crate::pages::Envelope) -> ::std::vec::Vec<::httpmock::Mock<'_>>;
            },
            quote! {
                fn #name(&self, items: &[#item], limit: usize, envelope: crate::pages::Envelope) -> ::std::vec::Vec<::httpmock::Mock<'_>> {
                    let items = items.iter().map(crate::to_json).collect();
                    crate::pages::mock_all(self, ::httpmock::Method::#method, #template, #style, #key, items, limit, envelope)
                }
            },
        )
    });
    let (pages_decl, pages_def) = pages_fn.unzip();
    let types = quote! {
        #[doc = #when_doc]
        pub struct #when(::httpmock::When);

        impl #when {
            /// The raw matcher, for what the typed setters do not cover.
            pub fn into_inner(self) -> ::httpmock::When {
                self.0
            }
            /// A request header has this value.
            pub fn header(self, name: &str, value: &str) -> Self {
                Self(self.0.header(name, value))
            }
            #(#params)*
            #body
        }

        #[doc = #then_doc]
        pub struct #then(::httpmock::Then);

        impl #then {
            /// The raw response, for what the typed methods do not cover.
            pub fn into_inner(self) -> ::httpmock::Then {
                self.0
            }
            /// Answers `status` with this JSON body (any status, any body: an error the spec
            /// does not list, a body of a newer API version).
            pub fn json(self, status: u16, body: &impl ::serde::Serialize) -> Self {
                Self(self.0.status(status).header("content-type", "application/json").json_body(crate::to_json(body)))
            }
            /// Adds a response header (`retry-after`, `x-request-id`, ...).
            pub fn header(self, name: &str, value: &str) -> Self {
                Self(self.0.header(name, value))
            }
            /// Answers after this delay (to test timeouts).
            pub fn delay(self, delay: ::std::time::Duration) -> Self {
                Self(self.0.delay(delay))
            }
            #(#statuses)*
            #kind_helpers
        }
    };
    let name = Ident::new(&format!("mock_{}", op.id), Span::call_site());
    let name_async = Ident::new(&format!("mock_{}_async", op.id), Span::call_site());
    let doc = format!(" Mocks {endpoint} (`{call}`): the request must be this method and path, and what `when` adds.");
    let doc_async = format!(" [`MockServerExt::{name}`], from async code.");
    let decl = quote! {
        #[doc = #doc]
        fn #name(&self, f: impl ::std::ops::FnOnce(#when, #then)) -> ::httpmock::Mock<'_>;
        #[doc = #doc_async]
        fn #name_async(&self, f: impl ::std::ops::FnOnce(#when, #then)) -> impl ::std::future::Future<Output = ::httpmock::Mock<'_>>;
        #pages_decl
    };
    let def = quote! {
        fn #name(&self, f: impl ::std::ops::FnOnce(#when, #then)) -> ::httpmock::Mock<'_> {
            self.mock(|when, then| {
                let when = when.method(::httpmock::Method::#method).path_matches(crate::paths::template(#template));
                f(#when(when), #then(then))
            })
        }
        fn #name_async(&self, f: impl ::std::ops::FnOnce(#when, #then)) -> impl ::std::future::Future<Output = ::httpmock::Mock<'_>> {
            self.mock_async(|when, then| {
                let when = when.method(::httpmock::Method::#method).path_matches(crate::paths::template(#template));
                f(#when(when), #then(then))
            })
        }
        #pages_def
    };
    Ok((types, decl, def))
}
