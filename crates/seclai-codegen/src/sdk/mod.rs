//! The operation layer of the `seclai` crate, generated from the spec alone (no progenitor run:
//! body and answer types are the spec's component names, which typify keeps).
//!
//! For every operation: a builder in the module of its resource path
//! (`ops::agents::runs::Get`), a method on the resource handle (`client.agents().runs().get(id)`,
//! named by `x-seclai-sdk`), deprecated aliases for former names, and, for JSON operations, a
//! `seclai::dynamic` entry. The pieces, by file:
//!
//! - `model`: the spec read into named parts (parameters, body, answer, pagination, kind);
//! - `naming`: the rule of the `x-seclai-sdk` table, checked on every build;
//! - `params`: parameters as Rust arguments and recorded calls with named limits;
//! - `operation`: one operation's builder, method and dynamic entry;
//! - this module: resource handles, the `ops` module tree, constants and snapshot parts.

pub(crate) mod model;
mod naming;
mod operation;
mod params;

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::Error;
use crate::ident::ident;
use crate::view::ViewReport;
use model::Kind;

/// The name of a resource handle: `agents.runs` -> `AgentRuns` (parents singular).
pub fn handle_name(resource: &[String]) -> String {
    use heck::ToUpperCamelCase;
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
    /// Every operation: `(operation id, x-seclai-sdk path, written by hand)`.
    pub operations: Vec<(String, String, bool)>,
}

impl Sdk {
    /// Parts for snapshots: `resources`, one `ops_<resource>` per top-level resource, `invoke`.
    pub fn parts(&self) -> Result<BTreeMap<String, String>, Error> {
        self.part_tokens
            .iter()
            .map(|(name, tokens)| {
                let f: syn::File = syn::parse2(tokens.clone()).map_err(|e| Error(format!("sdk code: {e}")))?;
                Ok((name.clone(), prettyplease::unparse(&f)))
            })
            .collect()
    }
}

/// A module tree of builders: `agents` holds the builders of `agents.*` and a module `runs`.
#[derive(Default)]
struct ModuleTree {
    items: Vec<TokenStream>,
    children: BTreeMap<String, ModuleTree>,
}

impl ModuleTree {
    fn insert(&mut self, path: &[String], item: TokenStream) {
        match path.split_first() {
            None => self.items.push(item),
            Some((head, rest)) => self.children.entry(head.clone()).or_default().insert(rest, item),
        }
    }

    fn tokens(&self, prefix: &[String]) -> TokenStream {
        let items = &self.items;
        let children: Vec<TokenStream> = self
            .children
            .iter()
            .map(|(name, child)| {
                let mut path = prefix.to_vec();
                path.push(name.clone());
                let m = ident(name);
                let doc = format!(" Builders of `client.{}()`.", path.join("()."));
                let inner = child.tokens(&path);
                quote! {
                    #[doc = #doc]
                    pub mod #m {
                        #inner
                    }
                }
            })
            .collect();
        quote!(#(#items)* #(#children)*)
    }
}

fn kind_tokens(kind: Kind) -> TokenStream {
    match kind {
        Kind::Json => quote!(crate::dynamic::OperationKind::Json),
        Kind::Upload => quote!(crate::dynamic::OperationKind::Upload),
        Kind::Stream => quote!(crate::dynamic::OperationKind::Stream),
        Kind::Download => quote!(crate::dynamic::OperationKind::Download),
    }
}

/// Generates the operation layer from the spec and its generator view.
pub fn generate(spec: &Value, view: &Value, report: &ViewReport) -> Result<Sdk, Error> {
    let resources_doc = spec["x-seclai-resources"].as_object().cloned().unwrap_or_default();
    let ops = model::operations(spec, view, report)?;
    naming::check(&ops, &resources_doc)?;
    let versions = &spec["x-seclai-versions"];
    let known: Vec<&str> = versions["known"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let default_version = versions["default"].as_str().unwrap_or_default();
    let latest_version = versions["latest"].as_str().unwrap_or_default();

    let mut resources: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut methods: BTreeMap<Vec<String>, Vec<TokenStream>> = BTreeMap::new();
    let mut tree = ModuleTree::default();
    let mut dynamic_fns = Vec::new();
    let mut invoke_arms = Vec::new();
    let mut decode_arms = Vec::new();
    let mut items_arms = Vec::new();
    let mut catalog = Vec::new();
    let mut aliases = Vec::new();
    for op in &ops {
        let resource = op.resource().to_vec();
        for i in 1..=resource.len() {
            resources.insert(resource[..i].to_vec());
        }
        let code = operation::operation(op)?;
        methods.entry(resource.clone()).or_default().push(code.method);
        aliases.extend(code.aliases);
        tree.insert(&resource, code.builder);
        if let Some(d) = code.dynamic {
            dynamic_fns.push(d.function);
            invoke_arms.push(d.invoke_arm);
            items_arms.extend(d.items_arm);
            decode_arms.push(d.decode_arm);
        }
        let (id, sdk, method, path, kind) = (&op.id, op.sdk.join("."), &op.method, &op.path, kind_tokens(op.kind));
        catalog.push(
            quote!(crate::dynamic::OperationInfo { id: #id, sdk: #sdk, method: #method, path: #path, kind: #kind },),
        );
    }
    // A former name lives on as a deprecated method of its resource, unless that name now
    // belongs to a sub-resource (`sources.embedding_migration` became one).
    for (old, alias) in aliases {
        let resource = old[..old.len() - 1].to_vec();
        if !resources.contains(&resource) {
            return Err(Error(format!(
                "the former name `{}` lives on resource `{}`, which no longer exists",
                old.join("."),
                resource.join(".")
            )));
        }
        if !resources.contains(&old) {
            methods.entry(resource).or_default().push(alias);
        }
    }

    // Resource handles.
    let mut handle_items = Vec::new();
    let mut client_accessors = Vec::new();
    for resource in &resources {
        let name = ident(&handle_name(resource));
        let key = resource.join(".");
        let doc = resources_doc.get(&key).and_then(Value::as_str).unwrap_or_default();
        let reach = format!("Reached with `client.{}()`.", resource.join("()."));
        let doc_tokens = operation_doc(&[doc, &reach]);
        let children: Vec<TokenStream> = resources
            .iter()
            .filter(|r| r.len() == resource.len() + 1 && r.starts_with(resource))
            .map(|child| {
                let cname = ident(&handle_name(child));
                let accessor = ident(child.last().expect("a child has a segment"));
                let cdoc =
                    operation_doc(&[resources_doc.get(&child.join(".")).and_then(Value::as_str).unwrap_or_default()]);
                quote! {
                    #cdoc
                    pub fn #accessor(&self) -> #cname {
                        #cname { client: self.client.clone() }
                    }
                }
            })
            .collect();
        let ms = methods.get(resource).cloned().unwrap_or_default();
        handle_items.push(quote! {
            #doc_tokens
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
            let accessor = ident(&key);
            let doc = operation_doc(&[doc]);
            client_accessors.push(quote! {
                #doc
                pub fn #accessor(&self) -> resources::#name {
                    resources::#name { client: self.clone() }
                }
            });
        }
    }

    let header = quote! {
        /// The API versions this release was built against (`x-seclai-versions.known`).
        pub const KNOWN_API_VERSIONS: &[&str] = &[#(#known),*];
        /// The version the API applies when a request names none (`x-seclai-versions.default`).
        pub const DEFAULT_API_VERSION: &str = #default_version;
        /// The newest version this release knows (`x-seclai-versions.latest`).
        pub const LATEST_API_VERSION: &str = #latest_version;

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
    for (top, child) in &tree.children {
        let tokens = child.tokens(std::slice::from_ref(top));
        parts.insert(format!("sdk__ops_{top}"), tokens);
    }
    let dynamic_tokens = quote! {
        /// Every operation of the spec.
        pub(crate) const OPERATIONS: &[crate::dynamic::OperationInfo] = &[#(#catalog)*];

        /// Calls the generated operation `operation` with JSON arguments (see [`crate::dynamic`]).
        pub(crate) fn invoke_generated<'a>(
            client: &'a crate::Client,
            operation: &str,
            args: &'a ::serde_json::Value,
        ) -> Option<::futures::future::BoxFuture<'a, crate::Result<::serde_json::Value>>> {
            Some(match operation {
                #(#invoke_arms)*
                _ => return None,
            })
        }

        /// Every item of the generated list operation `operation`, page after page (see
        /// [`crate::dynamic::items`]); `None` when it is not a list.
        pub(crate) fn items_generated(
            client: &crate::Client,
            operation: &str,
            args: &::serde_json::Value,
        ) -> Option<crate::Result<::futures::stream::BoxStream<'static, crate::Result<::serde_json::Value>>>> {
            Some(match operation {
                #(#items_arms)*
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
    let ops_tokens = tree.tokens(&[]);
    let all_tokens = quote! {
        #header
        #resources_tokens
        /// Operation builders, by resource path (`ops::agents::runs::Get` is made by
        /// `client.agents().runs().get(..)`): set optional arguments, then `send()`.
        pub mod ops {
            #ops_tokens
        }
        /// Calls by operation id (feature `dynamic`: tools need it, applications rarely do).
        #[cfg(feature = "dynamic")]
        pub(crate) mod invoke {
            #dynamic_tokens
        }
    };
    let file = syn::parse2(all_tokens).map_err(|e| Error(format!("sdk code: {e}")))?;
    let operations = ops.iter().map(|o| (o.id.clone(), o.sdk.join("."), o.kind != Kind::Json)).collect();
    Ok(Sdk { file, part_tokens: parts, operations })
}

fn operation_doc(parts: &[&str]) -> TokenStream {
    let text: Vec<&str> = parts.iter().copied().filter(|s| !s.trim().is_empty()).collect();
    let joined = text.join("\n\n");
    let lines: Vec<String> = joined.lines().map(|l| format!(" {l}")).collect();
    quote!(#(#[doc = #lines])*)
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

    fn spec_with(sdk: &str, method: &str, path: &str, paged: bool) -> Value {
        let mut op =
            serde_json::json!({"operationId": "op", "x-seclai-sdk": sdk, "responses": {"204": {"description": "ok"}}});
        if paged {
            op["x-seclai-pagination"] = serde_json::json!({"style": "page", "bare_array": true});
            op["responses"] = serde_json::json!({"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/X"}}}}}});
        }
        serde_json::json!({
            "paths": {path: {method: op}},
            "components": {"schemas": {"X": {"type": "object"}}},
            "x-seclai-resources": {"search": "s", "memory_banks": "m", "alerts": "a"},
        })
    }

    fn generate_spec(spec: &Value) -> Result<Sdk, Error> {
        let (view, report) = crate::view::generator_view(spec);
        generate(spec, &view, &report)
    }

    #[test]
    fn the_naming_rule_is_enforced_with_the_operation_and_the_rule() {
        let err = |sdk: &str, paged: bool| {
            generate_spec(&spec_with(sdk, "get", "/x", paged)).err().map(|e| e.to_string()).unwrap_or_default()
        };
        assert!(err("search.search", false).contains("repeats its resource"), "{}", err("search.search", false));
        assert!(err("memory_banks.ai_accept", false).contains("`ai_assistant` sub-resource"));
        assert!(err("alerts.history", true).contains("a list that pages"));
        assert!(err("alerts.Get", false).contains("not snake case"));
        assert!(err("undocumented.get", false).contains("no description in x-seclai-resources"));
        assert!(err("alerts.list", true).is_empty(), "{}", err("alerts.list", true));
        assert!(err("alerts.configs", true).is_empty(), "a plural names what the list holds");
        let msg = err("alerts.history", true);
        assert!(msg.contains("`op` (GET /x)") && msg.contains(naming::DOCS), "{msg}");
    }

    #[test]
    fn a_missing_name_suggests_one() {
        let mut spec = spec_with("alerts.list", "get", "/alerts/{alert_id}", false);
        spec["paths"]["/alerts/{alert_id}"]["get"].as_object_mut().unwrap().remove("x-seclai-sdk");
        let e = generate_spec(&spec).err().unwrap().to_string();
        assert!(e.contains("has no x-seclai-sdk") && e.contains("alerts.get"), "{e}");
    }
}
