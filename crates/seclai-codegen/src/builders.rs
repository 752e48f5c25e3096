//! Builders of the generated types, with setters that take what a user has.
//!
//! typify's builders take `TryInto<FieldType>` (so an optional text is set with
//! `Some("text".to_string())`). These are generated instead, from the structs typify emitted
//! (read as `syn` values) and the spec's limits:
//!
//! - an optional field is set with the value itself: `.description("text")`;
//! - text takes `impl Into<String>`, lists `impl IntoIterator`, JSON objects `impl Into<Value>`,
//!   UUIDs a string or a `Uuid`, numbers and booleans their value, nested types a value or its
//!   builder ([`Buildable`](#) in `seclai-raw`);
//! - a value the type refuses (a string over its `maxLength`, `0` for a positive integer, JSON
//!   that is not an object) and a required field left unset are reported by `build()`, or by
//!   the `send()` of the operation the builder is given to, with the field's name;
//! - `clear_<field>()` (an explicit `null`) exists only on the bodies of `PUT` and `PATCH`
//!   operations, for their optional nullable fields: elsewhere null means nothing;
//! - each setter's doc is the field's description plus its limits from the spec.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::Error;

/// What a builder needs to know of the spec.
#[derive(Debug, Default)]
pub struct Context {
    /// `(type, json field)` that get a `clear_<field>()`: optional nullable fields of the bodies
    /// of `PUT` and `PATCH` operations.
    pub clearable: BTreeSet<(String, String)>,
    /// The schema of each property, by `(type, json field)`, for the limits in the docs.
    pub properties: BTreeMap<(String, String), Value>,
}

impl Context {
    /// Reads the clearable fields and the property schemas from the generator view.
    pub fn from_view(view: &Value) -> Self {
        let mut ctx = Context::default();
        let schemas = view["components"]["schemas"].as_object().cloned().unwrap_or_default();
        for (name, schema) in &schemas {
            for (field, p) in schema["properties"].as_object().into_iter().flatten() {
                ctx.properties.insert((name.clone(), field.clone()), p.clone());
            }
        }
        for item in view["paths"].as_object().into_iter().flat_map(|p| p.values()) {
            for (method, op) in item.as_object().into_iter().flatten() {
                if !matches!(method.as_str(), "put" | "patch") {
                    continue;
                }
                let Some(r) = op.pointer("/requestBody/content/application~1json/schema/$ref").and_then(Value::as_str)
                else {
                    continue;
                };
                let name = r.rsplit('/').next().unwrap_or_default().to_string();
                let schema = &schemas[&name];
                let required: Vec<&str> =
                    schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                for (field, p) in schema["properties"].as_object().into_iter().flatten() {
                    if !required.contains(&field.as_str()) && p["nullable"] == true {
                        ctx.clearable.insert((name.clone(), field.clone()));
                    }
                }
            }
        }
        ctx
    }
}

/// What a type of the `types` module is, as far as setters care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Struct,
    /// A string with limits (`CreateKnowledgeBaseBodyName(String)`): built by `TryFrom<String>`.
    StringNewtype,
    /// An open enum (`From<&str>`) or another enum.
    Enum,
    Other,
}

/// The shape of a field's type, which decides the setter's argument.
#[derive(Clone)]
enum Shape {
    String,
    StringNewtype(syn::Type),
    NonZero(syn::Type),
    Uuid,
    JsonObject,
    Json,
    Vec(Box<Shape>, syn::Type),
    StringMap(Box<Shape>, syn::Type),
    Enum(syn::Type),
    Struct(syn::Type),
    /// Numbers, booleans, dates and anything else: the value itself.
    Plain(syn::Type),
}

fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last(),
        _ => None,
    }
}

fn generic_args(seg: &syn::PathSegment) -> Vec<&syn::Type> {
    match &seg.arguments {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `Option<T>` -> `T`.
fn unwrap_option(ty: &syn::Type) -> Option<&syn::Type> {
    let seg = last_segment(ty)?;
    (seg.ident == "Option").then(|| generic_args(seg).first().copied()).flatten()
}

fn shape(ty: &syn::Type, kinds: &BTreeMap<String, Kind>) -> Shape {
    let Some(seg) = last_segment(ty) else { return Shape::Plain(ty.clone()) };
    let name = seg.ident.to_string();
    let args = generic_args(seg);
    match (name.as_str(), args.as_slice()) {
        ("String", _) => Shape::String,
        ("Uuid", _) => Shape::Uuid,
        ("Value", _) => Shape::Json,
        ("NonZeroU64" | "NonZeroI64" | "NonZeroU32", _) => Shape::NonZero(ty.clone()),
        ("Map", _) => Shape::JsonObject,
        ("Vec", [item]) => Shape::Vec(Box::new(shape(item, kinds)), (*item).clone()),
        ("BTreeMap" | "HashMap", [key, value]) if last_segment(key).is_some_and(|s| s.ident == "String") => {
            Shape::StringMap(Box::new(shape(value, kinds)), (*value).clone())
        }
        _ => match kinds.get(&name) {
            Some(Kind::Struct) => Shape::Struct(ty.clone()),
            Some(Kind::StringNewtype) => Shape::StringNewtype(ty.clone()),
            Some(Kind::Enum) => Shape::Enum(ty.clone()),
            _ => Shape::Plain(ty.clone()),
        },
    }
}

/// The argument type of a setter for one value of `shape`, and the expression converting the
/// argument `v` into a `Result<T, String>`.
fn conversion(shape: &Shape, v: &TokenStream) -> (TokenStream, TokenStream) {
    match shape {
        Shape::String => (quote!(impl ::std::convert::Into<::std::string::String>), quote!(Ok(#v.into()))),
        Shape::StringNewtype(t) => (
            quote!(impl ::std::convert::Into<::std::string::String>),
            quote!(<#t as ::std::convert::TryFrom<::std::string::String>>::try_from(#v.into()).map_err(|e| e.to_string())),
        ),
        Shape::NonZero(t) => (quote!(u64), quote!(<#t>::try_from(#v).map_err(|_| "must be at least 1".to_string()))),
        Shape::Uuid => (quote!(impl crate::building::IntoUuid), quote!(crate::building::IntoUuid::into_uuid(#v))),
        Shape::Json => (quote!(impl ::std::convert::Into<::serde_json::Value>), quote!(Ok(#v.into()))),
        Shape::JsonObject => (
            quote!(impl ::std::convert::Into<::serde_json::Value>),
            quote!(match #v.into() {
                ::serde_json::Value::Object(m) => Ok(m),
                other => Err(format!("must be a JSON object, got {other}")),
            }),
        ),
        Shape::Enum(t) => (quote!(impl ::std::convert::Into<#t>), quote!(Ok(#v.into()))),
        Shape::Struct(t) => (
            quote!(impl crate::building::Buildable<#t>),
            quote!(crate::building::Buildable::build_value(#v).map_err(|e| e.to_string())),
        ),
        Shape::Vec(item, _) | Shape::StringMap(item, _) => {
            // Collections are handled by `setter`; a nested collection is taken as is.
            let _ = item;
            (quote!(_), quote!(Ok(#v)))
        }
        Shape::Plain(t) => (quote!(#t), quote!(Ok(#v))),
    }
}

/// A setter's generics, argument, where clause, and the `Result<T, String>` its argument becomes.
struct SetterInput {
    generics: TokenStream,
    arg: TokenStream,
    bounds: TokenStream,
    conversion: TokenStream,
}

fn setter_input(shape: &Shape, field_ty: &syn::Type) -> SetterInput {
    let v = quote!(value);
    match shape {
        Shape::Vec(item, item_ty) => {
            let (arg, conv) = item_conversion(item, item_ty);
            SetterInput {
                generics: quote!(<I>),
                arg: quote!(value: I),
                bounds: quote!(where I: ::std::iter::IntoIterator, I::Item: #arg),
                conversion: quote!(value.into_iter().map(|value| #conv).collect::<::std::result::Result<#field_ty, String>>()),
            }
        }
        Shape::StringMap(item, item_ty) => {
            let (arg, conv) = item_conversion(item, item_ty);
            SetterInput {
                generics: quote!(<I, K, V>),
                arg: quote!(value: I),
                bounds: quote!(where I: ::std::iter::IntoIterator<Item = (K, V)>, K: ::std::convert::Into<::std::string::String>, V: #arg),
                conversion: quote!(value
                    .into_iter()
                    .map(|(key, value)| (#conv).map(|v| (key.into(), v)))
                    .collect::<::std::result::Result<#field_ty, String>>()),
            }
        }
        other => {
            let (arg, conv) = conversion(other, &v);
            SetterInput { generics: quote!(), arg: quote!(value: #arg), bounds: quote!(), conversion: conv }
        }
    }
}

/// For one item of a collection: the bound on the item type, and its conversion of `value`.
fn item_conversion(item: &Shape, item_ty: &syn::Type) -> (TokenStream, TokenStream) {
    let v = quote!(value);
    match item {
        Shape::String => (quote!(::std::convert::Into<::std::string::String>), quote!(Ok::<_, String>(#v.into()))),
        Shape::StringNewtype(t) => (
            quote!(::std::convert::Into<::std::string::String>),
            quote!(<#t as ::std::convert::TryFrom<::std::string::String>>::try_from(#v.into()).map_err(|e| e.to_string())),
        ),
        Shape::Uuid => (quote!(crate::building::IntoUuid), quote!(crate::building::IntoUuid::into_uuid(#v))),
        Shape::Json => (quote!(::std::convert::Into<::serde_json::Value>), quote!(Ok::<_, String>(#v.into()))),
        Shape::Enum(t) => (quote!(::std::convert::Into<#t>), quote!(Ok::<_, String>(#v.into()))),
        Shape::Struct(t) => (
            quote!(crate::building::Buildable<#t>),
            quote!(crate::building::Buildable::build_value(#v).map_err(|e| e.to_string())),
        ),
        _ => (quote!(::std::convert::Into<#item_ty>), quote!(Ok::<_, String>(#v.into()))),
    }
}

/// One field of a generated struct.
struct Field {
    ident: syn::Ident,
    /// The JSON name.
    json: String,
    /// The stored type (without `Option`).
    ty: syn::Type,
    /// `Option<T>` in the struct.
    optional: bool,
    /// `#[serde(default ...)]`: the default, as an expression.
    default: Option<TokenStream>,
    docs: Vec<String>,
}

/// Reads `#[serde(rename = "..", default, default = "path")]` of a field.
fn serde_attrs(attrs: &[syn::Attribute]) -> (Option<String>, Option<Option<syn::Path>>) {
    let mut rename = None;
    let mut default = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let s: syn::LitStr = meta.value()?.parse()?;
                rename = Some(s.value());
            } else if meta.path.is_ident("flatten") {
                // A flattened map of the keys nobody declared: empty unless set.
                default.get_or_insert(None);
            } else if meta.path.is_ident("default") {
                default = Some(match meta.value() {
                    Ok(v) => {
                        let s: syn::LitStr = v.parse()?;
                        Some(s.parse::<syn::Path>()?)
                    }
                    Err(_) => None,
                });
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    (rename, default)
}

fn docs(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// `ty` with every bare name of a generated type written `super::Name`: in the builder module
/// the bare name is the builder's.
fn qualified(ty: &syn::Type, kinds: &BTreeMap<String, Kind>) -> syn::Type {
    let mut ty = ty.clone();
    qualify(&mut ty, kinds);
    ty
}

fn qualify(ty: &mut syn::Type, kinds: &BTreeMap<String, Kind>) {
    let syn::Type::Path(p) = ty else { return };
    if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.segments.len() == 1 {
        let name = p.path.segments[0].ident.to_string();
        if kinds.contains_key(&name) {
            p.path.segments.insert(0, syn::parse_quote!(super));
        }
    }
    for seg in p.path.segments.iter_mut() {
        if let syn::PathArguments::AngleBracketed(a) = &mut seg.arguments {
            for arg in a.args.iter_mut() {
                if let syn::GenericArgument::Type(t) = arg {
                    qualify(t, kinds);
                }
            }
        }
    }
}

fn fields(s: &syn::ItemStruct, kinds: &BTreeMap<String, Kind>) -> Vec<Field> {
    let syn::Fields::Named(named) = &s.fields else { return Vec::new() };
    named
        .named
        .iter()
        .filter_map(|f| {
            let ident = f.ident.clone()?;
            let (rename, default) = serde_attrs(&f.attrs);
            let json = rename.unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_string());
            let (ty, optional) = match unwrap_option(&f.ty) {
                Some(inner) => (qualified(inner, kinds), true),
                None => (qualified(&f.ty, kinds), false),
            };
            let default = default.map(|path| match path {
                Some(p) => quote!(super::#p()),
                None => quote!(::std::default::Default::default()),
            });
            Some(Field { ident, json, ty, optional, default, docs: docs(&f.attrs) })
        })
        .collect()
}

/// The limits of a property, in words, for its setter's doc.
fn limits(schema: &Value) -> Option<String> {
    let mut parts = Vec::new();
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    match (schema["minLength"].as_u64(), schema["maxLength"].as_u64()) {
        (Some(a), Some(b)) => parts.push(format!("{a} to {b} characters")),
        (Some(a), None) => parts.push(format!("at least {a} characters")),
        (None, Some(b)) => parts.push(format!("at most {b} characters")),
        _ => {}
    }
    let exclusive = schema["exclusiveMinimum"] == true;
    match (num("minimum"), num("maximum")) {
        (Some(a), Some(b)) => parts.push(format!("from {a}{} to {b}", if exclusive { " (exclusive)" } else { "" })),
        (Some(a), None) if exclusive => parts.push(format!("greater than {a}")),
        (Some(a), None) => parts.push(format!("at least {a}")),
        (None, Some(b)) => parts.push(format!("at most {b}")),
        _ => {}
    }
    if let Some(n) = schema["maxItems"].as_u64() {
        parts.push(format!("at most {n} items"));
    }
    if let Some(f) = schema["format"].as_str().or(schema["items"]["format"].as_str()) {
        parts.push(format!("format `{f}`"));
    }
    if let Some(d) = schema.get("default") {
        parts.push(format!("default `{d}`"));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The builder module for the structs of `types`, plus `builder()` on each struct.
pub fn builders(type_items: &[syn::Item], ctx: &Context) -> Result<Vec<syn::Item>, Error> {
    let mut kinds = BTreeMap::new();
    for item in type_items {
        match item {
            syn::Item::Struct(s) => {
                let kind = match &s.fields {
                    syn::Fields::Named(_) => Kind::Struct,
                    syn::Fields::Unnamed(u)
                        if u.unnamed.len() == 1
                            && last_segment(&u.unnamed[0].ty).is_some_and(|s| s.ident == "String") =>
                    {
                        Kind::StringNewtype
                    }
                    _ => Kind::Other,
                };
                kinds.insert(s.ident.to_string(), kind);
            }
            syn::Item::Enum(e) => {
                kinds.insert(e.ident.to_string(), Kind::Enum);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut builder_items = Vec::new();
    for item in type_items {
        let syn::Item::Struct(s) = item else { continue };
        if !matches!(s.fields, syn::Fields::Named(_)) {
            continue;
        }
        let (entry, builder) = builder_of(s, &kinds, ctx)?;
        out.push(entry);
        builder_items.extend(builder);
    }
    out.push(syn::parse_quote! {
        /// Builders of the types: plain values into setters, `build()` (or an operation's
        /// `send()`) reports a missing or invalid field by name.
        pub mod builder {
            // The types' own names, as the struct fields spell them (the builders shadow theirs).
            #[allow(unused_imports)]
            use super::*;
            #(#builder_items)*
        }
    });
    Ok(out)
}

fn builder_of(
    s: &syn::ItemStruct,
    kinds: &BTreeMap<String, Kind>,
    ctx: &Context,
) -> Result<(syn::Item, Vec<syn::Item>), Error> {
    let name = &s.ident;
    let type_name = name.to_string();
    let fields = fields(s, kinds);
    let mut slots = Vec::new();
    let mut setters = Vec::new();
    let mut takes = Vec::new();
    let mut assemble = Vec::new();
    let mut from_value = Vec::new();
    let mut clears = false;
    for f in &fields {
        let fid = &f.ident;
        let ty = &f.ty;
        let json = &f.json;
        slots.push(quote!(#fid: ::std::option::Option<::std::result::Result<#ty, ::std::string::String>>,));

        // The setter, with the field's doc and its limits.
        let SetterInput { generics, arg, bounds, conversion: conv } = setter_input(&shape(ty, kinds), ty);
        let mut doc: Vec<String> = f.docs.clone();
        if doc.is_empty() {
            doc.push(format!(" Sets `{json}`."));
        }
        if let Some(l) = ctx.properties.get(&(type_name.clone(), json.clone())).and_then(limits) {
            doc.push(String::new());
            doc.push(format!(" Limits: {l}."));
        }
        let clearable = f.optional && ctx.clearable.contains(&(type_name.clone(), json.clone()));
        let unclear = clearable.then(|| quote!(self.nulls.retain(|n| *n != #json);));
        setters.push(quote! {
            #(#[doc = #doc])*
            pub fn #fid #generics(mut self, #arg) -> Self #bounds {
                self.#fid = Some(#conv);
                #unclear
                self
            }
        });
        if clearable {
            clears = true;
            let clear = format_ident!("clear_{}", fid.to_string().trim_start_matches("r#"));
            let doc =
                format!(" Sends `{json}: null`, which clears the field (leaving it unset keeps the current value).");
            setters.push(quote! {
                #[doc = #doc]
                pub fn #clear(mut self) -> Self {
                    self.#fid = None;
                    if !self.nulls.contains(&#json) {
                        self.nulls.push(#json);
                    }
                    self
                }
            });
        }

        // `build()`: take every slot (collecting errors), then assemble.
        let take = quote!(crate::building::take(self.#fid, #json, &mut __problems));
        // Unset means what the spec's default means: the value an absent key decodes to.
        takes.push(match (f.optional, &f.default) {
            (true, Some(default)) => quote!(let #fid = #take.or_else(|| #default);),
            (true, None) => quote!(let #fid = #take;),
            (false, Some(default)) => quote!(let #fid = #take.unwrap_or_else(|| #default);),
            (false, None) => quote!(let #fid = crate::building::require(#take, #json, &mut __problems);),
        });
        assemble.push(if !f.optional && f.default.is_none() { quote!(#fid: #fid?,) } else { quote!(#fid,) });
        from_value.push(if f.optional {
            quote!(#fid: value.#fid.map(Ok),)
        } else {
            quote!(#fid: Some(Ok(value.#fid)),)
        });
    }
    let nulls_slot = clears.then(|| quote!(nulls: ::std::vec::Vec<&'static str>,));
    let nulls_from = clears.then(|| quote!(nulls: ::std::vec::Vec::new(),));
    let nulls = if clears { quote!(self.nulls.clone()) } else { quote!(::std::vec::Vec::new()) };
    let type_doc = format!(
        " Builder of [`super::{type_name}`]: set fields with plain values, then `build()` (or give it to an operation)."
    );
    let builder: syn::File = syn::parse2(quote! {
        #[doc = #type_doc]
        #[derive(Clone, Debug, Default)]
        #[must_use = "call `build()`, or give the builder to an operation"]
        pub struct #name {
            #(#slots)*
            #nulls_slot
        }
        impl #name {
            #(#setters)*
            /// Checks every field and builds the value; the error names each missing or invalid field.
            pub fn build(self) -> ::std::result::Result<super::#name, crate::building::BuildError> {
                let mut __problems: ::std::vec::Vec<::std::string::String> = ::std::vec::Vec::new();
                #(#takes)*
                let __built = (move || Some(super::#name { #(#assemble)* }))();
                crate::building::finish(#type_name, __built, __problems)
            }
        }
        impl ::std::convert::From<super::#name> for #name {
            fn from(value: super::#name) -> Self {
                Self { #(#from_value)* #nulls_from }
            }
        }
        impl crate::building::Buildable<super::#name> for #name {
            fn build_value(self) -> ::std::result::Result<super::#name, crate::building::BuildError> {
                self.build()
            }
        }
        impl crate::building::IntoBody<super::#name> for #name {
            fn into_json(self) -> ::std::result::Result<::serde_json::Value, crate::building::BuildError> {
                let nulls: ::std::vec::Vec<&'static str> = #nulls;
                crate::building::to_json(#type_name, self.build()?, &nulls)
            }
        }
    })
    .map_err(|e| Error(format!("builder of {type_name}: {e}")))?;
    let entry: syn::Item = syn::parse_quote! {
        impl #name {
            /// A builder of this type, every field unset.
            pub fn builder() -> builder::#name {
                ::std::default::Default::default()
            }
        }
    };
    Ok((entry, builder.items))
}
