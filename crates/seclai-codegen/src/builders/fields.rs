//! The fields of a struct typify emitted, read from its `syn` value, and the limits the spec
//! puts on each.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use super::shapes::{Kind, unwrap_option};

/// One field of a generated struct.
pub(super) struct Field {
    pub(super) ident: syn::Ident,
    /// The JSON name.
    pub(super) json: String,
    /// The stored type (without `Option`).
    pub(super) ty: syn::Type,
    /// `Option<T>` in the struct.
    pub(super) optional: bool,
    /// `#[serde(default ...)]`: the default, as an expression.
    pub(super) default: Option<TokenStream>,
    pub(super) docs: Vec<String>,
}

/// Reads `#[serde(rename = "..", default, default = "path")]` of a field.
pub(super) fn serde_attrs(attrs: &[syn::Attribute]) -> (Option<String>, Option<Option<syn::Path>>) {
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

pub(super) fn docs(attrs: &[syn::Attribute]) -> Vec<String> {
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
pub(super) fn qualified(ty: &syn::Type, kinds: &BTreeMap<String, Kind>) -> syn::Type {
    let mut ty = ty.clone();
    qualify(&mut ty, kinds);
    ty
}

pub(super) fn qualify(ty: &mut syn::Type, kinds: &BTreeMap<String, Kind>) {
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

pub(super) fn fields(s: &syn::ItemStruct, kinds: &BTreeMap<String, Kind>) -> Vec<Field> {
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
pub(super) fn limits(schema: &Value) -> Option<String> {
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
