//! What a field's type is, as far as its setter cares, and the conversion a setter applies.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

/// What a type of the `types` module is, as far as setters care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Struct,
    /// A string with limits (`CreateKnowledgeBaseBodyName(String)`): built by `TryFrom<String>`.
    StringNewtype,
    /// An open enum (`From<&str>`) or another enum.
    Enum,
    Other,
}

/// The shape of a field's type, which decides the setter's argument.
#[derive(Clone)]
pub(super) enum Shape {
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

pub(super) fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last(),
        _ => None,
    }
}

pub(super) fn generic_args(seg: &syn::PathSegment) -> Vec<&syn::Type> {
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
pub(super) fn unwrap_option(ty: &syn::Type) -> Option<&syn::Type> {
    let seg = last_segment(ty)?;
    (seg.ident == "Option").then(|| generic_args(seg).first().copied()).flatten()
}

pub(super) fn shape(ty: &syn::Type, kinds: &BTreeMap<String, Kind>) -> Shape {
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
pub(super) fn conversion(shape: &Shape, v: &TokenStream) -> (TokenStream, TokenStream) {
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
pub(super) struct SetterInput {
    pub(super) generics: TokenStream,
    pub(super) arg: TokenStream,
    pub(super) bounds: TokenStream,
    pub(super) conversion: TokenStream,
}

pub(super) fn setter_input(shape: &Shape, field_ty: &syn::Type) -> SetterInput {
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
pub(super) fn item_conversion(item: &Shape, item_ty: &syn::Type) -> (TokenStream, TokenStream) {
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
