//! Parameters as Rust: the argument type a user passes, and the call that records it with the
//! spec's limits (checked when the request is sent).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::model::{Format, ParamKind};
use crate::ident::ident;

fn opt<T: quote::ToTokens>(v: Option<T>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

fn format_tokens(f: Format) -> TokenStream {
    match f {
        Format::Text => quote!(crate::call::Format::Text),
        Format::Uuid => quote!(crate::call::Format::Uuid),
    }
}

/// The argument type of a query parameter, and the statement recording `var` on `call`.
pub fn query(name: &str, kind: &ParamKind, var: &Ident, call: &TokenStream) -> (TokenStream, TokenStream) {
    match kind {
        ParamKind::Str { min_len, max_len, format } => {
            let (min, max, f) =
                (opt(min_len.map(|v| v as usize)), opt(max_len.map(|v| v as usize)), format_tokens(*format));
            (
                quote!(impl Into<String>),
                quote!(#call.query_str(#name, #var.into(), crate::call::StrLimits { min_len: #min, max_len: #max, format: #f });),
            )
        }
        ParamKind::StrList { max_items, format } => {
            let (max, f) = (opt(max_items.map(|v| v as usize)), format_tokens(*format));
            (
                quote!(impl IntoIterator<Item = impl Into<String>>),
                quote!(#call.query_list(#name, #var.into_iter().map(Into::into).collect(), crate::call::ListLimits { max_items: #max, format: #f });),
            )
        }
        ParamKind::Int { min, exclusive_min, max } => {
            let (min, max) = (opt(*min), opt(*max));
            (
                quote!(i64),
                quote!(#call.query_int(#name, #var, crate::call::IntLimits { min: #min, exclusive_min: #exclusive_min, max: #max });),
            )
        }
        ParamKind::Bool => (quote!(bool), quote!(#call.query_display(#name, #var);)),
        ParamKind::DateTime => (quote!(::chrono::DateTime<::chrono::Utc>), quote!(#call.query_datetime(#name, #var);)),
        ParamKind::Date => (quote!(::chrono::NaiveDate), quote!(#call.query_display(#name, #var);)),
        ParamKind::Enum(e) => {
            let t = ident(e);
            (quote!(impl Into<crate::types::#t>), quote!(#call.query_display(#name, #var.into());))
        }
    }
}

/// The statement appending path parameter `var` to `path`.
pub fn path_segment(name: &str, kind: &ParamKind, var: &Ident) -> TokenStream {
    let format = match kind {
        ParamKind::Str { format, .. } => *format,
        _ => Format::Text,
    };
    let f = format_tokens(format);
    quote!(call.push_segment(&mut path, #name, #var.as_ref(), #f);)
}

/// The expression reading a parameter from the JSON `args` of `seclai::dynamic::invoke`.
pub fn dynamic_arg(name: &str, kind: &ParamKind) -> TokenStream {
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

/// The limits of a parameter, in words, for the docs.
pub fn limits(kind: &ParamKind) -> Option<String> {
    match kind {
        ParamKind::Str { min_len, max_len, format } => {
            let mut parts = Vec::new();
            match (min_len, max_len) {
                (Some(a), Some(b)) => parts.push(format!("{a} to {b} characters")),
                (Some(a), None) => parts.push(format!("at least {a} characters")),
                (None, Some(b)) => parts.push(format!("at most {b} characters")),
                _ => {}
            }
            if *format == Format::Uuid {
                parts.push("a UUID".into());
            }
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        ParamKind::StrList { max_items, format } => {
            let mut parts = Vec::new();
            if let Some(n) = max_items {
                parts.push(format!("at most {n} values"));
            }
            if *format == Format::Uuid {
                parts.push("each a UUID".into());
            }
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        ParamKind::Int { min, exclusive_min, max } => match (min, max) {
            (Some(a), Some(b)) => Some(format!("from {a} to {b}")),
            (Some(a), None) if *exclusive_min => Some(format!("greater than {a}")),
            (Some(a), None) => Some(format!("at least {a}")),
            (None, Some(b)) => Some(format!("at most {b}")),
            _ => None,
        },
        _ => None,
    }
}
