//! Code generation for the Seclai Rust SDK: one function from `openapi/seclai.yaml` to Rust.
//!
//! The pipeline is `spec -> generator view -> progenitor (+ open enums) -> formatted code`.
//! `crates/seclai-raw/build.rs` calls [`generate_raw`] on every build, and `cargo xtask codegen`
//! calls the same function to write the reviewable snapshots, so what is compiled and what is
//! reviewed can never differ.

#![deny(missing_docs)]

pub mod builders;
pub mod cli;
pub mod httpmock;
pub mod ident;
pub mod open_enum;
pub mod out_tree;
pub mod round_trip;
pub mod sdk;
pub mod view;

use std::collections::BTreeMap;
use std::fmt;

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use quote::{ToTokens, quote};
use serde_json::Value;

/// A failure to read the spec or to generate code from it.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

fn err(context: &str, e: impl fmt::Display) -> Error {
    Error(format!("{context}: {e}"))
}

/// Parses the YAML spec into JSON values (the form the view and the checks work on).
pub fn load_spec(yaml: &str) -> Result<Value, Error> {
    serde_yaml::from_str(yaml).map_err(|e| err("openapi/seclai.yaml is not valid YAML", e))
}

/// The generated raw client.
#[derive(Clone)]
pub struct RawClient {
    /// The generated file.
    pub file: syn::File,
    /// `operationId -> tag`, for [`RawClient::parts`].
    tags: BTreeMap<String, String>,
    /// What the generator view changed.
    pub report: view::ViewReport,
}

impl RawClient {
    /// The whole generated file, formatted with prettyplease.
    pub fn code(&self) -> String {
        prettyplease::unparse(&self.file)
    }

    /// The same code split into reviewable parts (`client`, `types`, `types_builder`, one per tag).
    pub fn parts(&self) -> BTreeMap<String, String> {
        split(&self.file, &self.tags)
    }
}

/// Everything generated from the spec.
#[derive(Clone)]
pub struct Generated {
    /// The raw client (`crates/seclai-raw`).
    pub raw: RawClient,
    /// The operation layer of the `seclai` crate.
    pub sdk: sdk::Sdk,
}

/// Generates the raw client and the `seclai` operation layer from the spec text.
pub fn generate(yaml: &str) -> Result<Generated, Error> {
    let spec = load_spec(yaml)?;
    let (view_value, report) = view::generator_view(&spec);
    let sdk = sdk::generate(&spec, &view_value, &report)?;
    let raw = raw_from_view(&view_value, report)?;
    Ok(Generated { raw, sdk })
}

/// Generates the raw client from the spec text: generator view, progenitor, open enums.
pub fn generate_raw(yaml: &str) -> Result<RawClient, Error> {
    let spec = load_spec(yaml)?;
    let (view_value, report) = view::generator_view(&spec);
    raw_from_view(&view_value, report)
}

/// Generates the operation layer of the `seclai` crate from the spec text. progenitor does not
/// run: the layer names the spec's types, which `seclai-raw` generates (so a build of `seclai`
/// runs progenitor once, in `seclai-raw`'s build script).
pub fn generate_sdk(yaml: &str) -> Result<sdk::Sdk, Error> {
    let spec = load_spec(yaml)?;
    let (view_value, report) = view::generator_view(&spec);
    sdk::generate(&spec, &view_value, &report)
}

fn raw_from_view(view_value: &Value, report: view::ViewReport) -> Result<RawClient, Error> {
    let openapi: openapiv3::OpenAPI = serde_json::from_value(view_value.clone())
        .map_err(|e| err("the generator view is not a valid OpenAPI 3.0 document", e))?;

    let mut settings = GenerationSettings::default();
    settings
        // Positional: typify's struct builders are off; `builders` generates ours.
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote!(crate::Hooks))
        .with_derive("PartialEq")
        .with_map_type("::std::collections::BTreeMap");
    for name in report.enums.keys() {
        settings.with_replacement(
            name,
            format!("crate::types::{name}"),
            [TypeImpl::FromStr, TypeImpl::Display].into_iter(),
        );
    }
    let mut generator = Generator::new(&settings);
    let tokens = generator.generate_tokens(&openapi).map_err(|e| err("progenitor could not generate the client", e))?;
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| err("progenitor produced unparsable code", e))?;

    // Open enums live in `types`, where progenitor's own types would have been.
    let enums: Vec<syn::Item> = report
        .enums
        .iter()
        .map(|(name, def)| {
            let tokens = open_enum::open_enum(name, def).map_err(|e| err("open enums", e))?;
            syn::parse2::<syn::File>(tokens).map_err(|e| err("open enum tokens", e))
        })
        .collect::<Result<Vec<syn::File>, _>>()?
        .into_iter()
        .flat_map(|f| f.items)
        .collect();
    let types = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
        _ => None,
    });
    let Some((_, type_items)) = types else {
        return Err(Error("progenitor output has no `types` module".into()));
    };
    // JSON Schema of every serde type (the open enums implement it by hand).
    for item in type_items.iter_mut() {
        let attrs = match item {
            syn::Item::Struct(i) => &mut i.attrs,
            syn::Item::Enum(i) => &mut i.attrs,
            _ => continue,
        };
        // (Constrained strings derive only `Serialize`; their `Deserialize` is written out.)
        let derives_serde = attrs
            .iter()
            .any(|a| a.path().is_ident("derive") && a.meta.to_token_stream().to_string().contains("Serialize"));
        if derives_serde {
            attrs.push(syn::parse_quote!(#[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]));
            if let syn::Item::Struct(s) = item {
                mark_required_nullable(s);
            }
        }
    }
    type_items.extend(enums);
    round_trip::keep_every_key(type_items, &round_trip::round_trip_schemas(view_value))?;
    let built = builders::builders(type_items, &builders::Context::from_view(view_value))?;
    type_items.extend(built);
    type_items.push(syn::parse_quote! {
        pub use crate::building::{BuildError, Buildable, IntoBody, IntoUuid};
    });
    type_items.push(component_schemas(type_items, view_value, &report)?);

    // Everything but `types` is progenitor's client: behind the crate's `client` feature, so
    // that the `seclai` crate (which sends requests itself) compiles the types alone.
    for item in &mut file.items {
        if !matches!(item, syn::Item::Mod(m) if m.ident == "types") {
            item_attrs(item)
                .ok_or_else(|| Error("progenitor emitted an item without attributes".into()))?
                .push(syn::parse_quote!(#[cfg(feature = "client")]));
        }
    }

    Ok(RawClient { file, tags: operation_tags(view_value), report })
}

/// A field the spec requires but allows to be null is an `Option` that typify serializes even
/// when `None` (no `skip_serializing_if`); schemars would leave an `Option` out of `required`,
/// so its schema is taken from `crate::RequiredNullable<T>` (`T` or null, required).
fn mark_required_nullable(item: &mut syn::ItemStruct) {
    for field in item.fields.iter_mut() {
        let inner = match &field.ty {
            syn::Type::Path(p) => {
                p.path.segments.last().filter(|s| s.ident == "Option").and_then(|s| match &s.arguments {
                    syn::PathArguments::AngleBracketed(args) => args.args.first().cloned(),
                    _ => None,
                })
            }
            _ => None,
        };
        let skipped = field.attrs.iter().any(|a| {
            a.path().is_ident("serde") && a.meta.to_token_stream().to_string().contains("skip_serializing_if")
        });
        if let (Some(inner), false) = (inner, skipped) {
            let with = format!("crate::RequiredNullable<{}>", inner.to_token_stream());
            field.attrs.push(syn::parse_quote!(#[cfg_attr(feature = "schemars", schemars(with = #with))]));
        }
    }
}

/// `component_schemas()` (feature `schemars`): the JSON Schema of the Rust type of every
/// component schema of the spec, by component name, for tools and for the check that the
/// schemas say what the spec says (`crates/seclai/tests/schemas.rs`). A component without a
/// type of its name is an error here, so the table cannot silently miss one.
fn component_schemas(items: &[syn::Item], view: &Value, report: &view::ViewReport) -> Result<syn::Item, Error> {
    let types: std::collections::BTreeSet<String> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(i) => Some(i.ident.to_string()),
            syn::Item::Enum(i) => Some(i.ident.to_string()),
            _ => None,
        })
        .collect();
    let hoisted: std::collections::BTreeSet<&str> =
        report.hoisted_enums.iter().map(|(name, _)| name.as_str()).collect();
    let names: Vec<&String> = view
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| schemas.keys().filter(|n| !hoisted.contains(n.as_str())).collect())
        .unwrap_or_default();
    if let Some(missing) = names.iter().find(|n| !types.contains(n.as_str())) {
        return Err(Error(format!("the component schema `{missing}` has no Rust type of that name")));
    }
    let idents = names.iter().map(|n| proc_macro2::Ident::new(n, proc_macro2::Span::call_site()));
    Ok(syn::parse_quote! {
        /// The JSON Schema of the type of every component schema of the spec, by component name
        /// (sorted by name).
        #[cfg(feature = "schemars")]
        pub fn component_schemas() -> ::std::vec::Vec<(&'static str, ::schemars::Schema)> {
            ::std::vec![ #( (#names, ::schemars::schema_for!(#idents)) ),* ]
        }
    })
}

/// The body of a build script: reads `seclai.yaml` beside the crate's manifest (a link to
/// `openapi/seclai.yaml`), asks cargo to rerun when it changes, and writes what `generate` makes
/// of it to `$OUT_DIR/<name>.rs`, laid out by [`out_tree`] as one small file per item under
/// `$OUT_DIR/<name>/` so that a spec edit recompiles only what it touched. Panics with the
/// generator's message on failure, as build scripts report errors.
pub fn build_script(name: &str, generate: impl FnOnce(&str) -> Result<syn::File, Error>) {
    let manifest =
        std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let spec_path = manifest.join("seclai.yaml");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    let yaml =
        std::fs::read_to_string(&spec_path).unwrap_or_else(|e| panic!("cannot read {}: {e}", spec_path.display()));
    let file = generate(&yaml).unwrap_or_else(|e| panic!("{e}"));
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let tree = out_tree::lay_out(&file, name);
    out_tree::write(&out, &format!("{name}.rs"), name, &tree)
        .unwrap_or_else(|e| panic!("cannot write the generated code under {}: {e}", out.display()));
}

fn item_attrs(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    Some(match item {
        syn::Item::Const(i) => &mut i.attrs,
        syn::Item::Enum(i) => &mut i.attrs,
        syn::Item::ExternCrate(i) => &mut i.attrs,
        syn::Item::Fn(i) => &mut i.attrs,
        syn::Item::ForeignMod(i) => &mut i.attrs,
        syn::Item::Impl(i) => &mut i.attrs,
        syn::Item::Macro(i) => &mut i.attrs,
        syn::Item::Mod(i) => &mut i.attrs,
        syn::Item::Static(i) => &mut i.attrs,
        syn::Item::Struct(i) => &mut i.attrs,
        syn::Item::Trait(i) => &mut i.attrs,
        syn::Item::TraitAlias(i) => &mut i.attrs,
        syn::Item::Type(i) => &mut i.attrs,
        syn::Item::Union(i) => &mut i.attrs,
        syn::Item::Use(i) => &mut i.attrs,
        _ => return None,
    })
}

/// `operationId -> tag` for every operation of the view.
fn operation_tags(spec: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for item in spec["paths"].as_object().into_iter().flat_map(|p| p.values()) {
        for op in item.as_object().into_iter().flat_map(|i| i.values()) {
            if let (Some(id), Some(tag)) = (op["operationId"].as_str(), op["tags"][0].as_str()) {
                out.insert(id.to_string(), tag.replace('-', "_"));
            }
        }
    }
    out
}

/// Splits the generated file into parts small enough that a one-field spec change shows up as
/// a small diff in one or two of them.
fn split(file: &syn::File, tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    use heck::ToUpperCamelCase;
    let builder_tag: BTreeMap<String, &String> = tags.iter().map(|(id, tag)| (id.to_upper_camel_case(), tag)).collect();
    let mut parts: BTreeMap<String, Vec<syn::Item>> = BTreeMap::new();
    let mut per_tag_methods: BTreeMap<String, Vec<syn::ImplItem>> = BTreeMap::new();
    let push = |parts: &mut BTreeMap<String, Vec<syn::Item>>, part: &str, item: syn::Item| {
        parts.entry(part.to_string()).or_default().push(item)
    };
    for item in &file.items {
        match item {
            syn::Item::Mod(m) if m.ident == "types" => {
                for inner in m.content.iter().flat_map(|(_, items)| items) {
                    match inner {
                        syn::Item::Mod(b) if b.ident == "builder" => push(&mut parts, "types_builder", inner.clone()),
                        _ => push(&mut parts, "types", inner.clone()),
                    }
                }
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                for inner in m.content.iter().flat_map(|(_, items)| items) {
                    let name = match inner {
                        syn::Item::Struct(s) => Some(s.ident.to_string()),
                        syn::Item::Impl(i) => match &*i.self_ty {
                            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                            _ => None,
                        },
                        _ => None,
                    };
                    let tag = name.as_ref().and_then(|n| builder_tag.get(n)).map(|t| format!("tag_{t}"));
                    push(&mut parts, tag.as_deref().unwrap_or("client"), inner.clone());
                }
            }
            syn::Item::Impl(i) if is_client_impl_with_methods(i, tags) => {
                for it in &i.items {
                    let tag = match it {
                        syn::ImplItem::Fn(f) => tags.get(&f.sig.ident.to_string()).cloned(),
                        _ => None,
                    };
                    per_tag_methods.entry(tag.unwrap_or_else(|| "client".into())).or_default().push(it.clone());
                }
            }
            _ => push(&mut parts, "client", item.clone()),
        }
    }
    for (tag, methods) in per_tag_methods {
        let part = if tag == "client" { tag } else { format!("tag_{tag}") };
        let item: syn::Item = syn::parse_quote! { impl Client { #(#methods)* } };
        parts.entry(part).or_default().insert(0, item);
    }
    parts
        .into_iter()
        .map(|(name, items)| {
            let f = syn::File { shebang: None, attrs: vec![], items };
            (name, prettyplease::unparse(&f))
        })
        .collect()
}

fn is_client_impl_with_methods(i: &syn::ItemImpl, tags: &BTreeMap<String, String>) -> bool {
    i.trait_.is_none()
        && matches!(&*i.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"))
        && i.items.iter().any(|it| matches!(it, syn::ImplItem::Fn(f) if tags.contains_key(&f.sig.ident.to_string())))
}
