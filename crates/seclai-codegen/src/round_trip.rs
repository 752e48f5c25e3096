//! Documents a user fetches, edits and sends back (an agent export, an agent definition) keep
//! every key the server sent.
//!
//! A schema marked `x-seclai-round-trip: true` becomes a struct that (1) keeps the keys the spec
//! does not declare in a flattened `extra` map (real exports carry a top-level `solutions` no
//! schema declares), and (2) serializes every declared field, `null` included, as the server
//! does: decoding then encoding gives back the same JSON.

use serde_json::Value;

use crate::Error;

/// The names of the round-trip schemas of the spec.
pub fn round_trip_schemas(spec: &Value) -> Vec<String> {
    spec["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, s)| s["x-seclai-round-trip"] == true)
        .map(|(name, _)| name.clone())
        .collect()
}

/// Applies (1) and (2) to the structs named in `names`, among `items`.
pub fn keep_every_key(items: &mut [syn::Item], names: &[String]) -> Result<(), Error> {
    for name in names {
        let s = items
            .iter_mut()
            .find_map(|i| match i {
                syn::Item::Struct(s) if s.ident == name => Some(s),
                _ => None,
            })
            .ok_or_else(|| Error(format!("x-seclai-round-trip: no generated struct `{name}`")))?;
        let syn::Fields::Named(fields) = &mut s.fields else {
            return Err(Error(format!("x-seclai-round-trip: `{name}` is not a struct with fields")));
        };
        for f in fields.named.iter_mut() {
            f.attrs.retain(|a| !is_skip_if_none(a));
        }
        fields.named.push(syn::parse_quote! {
            /// Keys the spec does not declare, kept as they came so that sending the document
            /// back loses nothing.
            #[serde(flatten)]
            pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>
        });
    }
    Ok(())
}

/// `#[serde(skip_serializing_if = "::std::option::Option::is_none")]`.
fn is_skip_if_none(a: &syn::Attribute) -> bool {
    if !a.path().is_ident("serde") {
        return false;
    }
    let mut skip = false;
    let _ = a.parse_nested_meta(|meta| {
        if meta.path.is_ident("skip_serializing_if") {
            let s: syn::LitStr = meta.value()?.parse()?;
            let path: syn::Path = s.parse()?;
            let last: Vec<String> = path.segments.iter().rev().take(2).map(|seg| seg.ident.to_string()).collect();
            skip = last == ["is_none", "Option"];
        } else if meta.input.peek(syn::Token![=]) {
            let _: syn::Expr = meta.value()?.parse()?;
        }
        Ok(())
    });
    skip
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_structs_keep_extra_keys_and_nulls() {
        let mut items: Vec<syn::Item> = vec![syn::parse_quote! {
            pub struct Export {
                pub export_version: ::std::string::String,
                #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                pub dependencies: ::std::option::Option<::serde_json::Value>,
            }
        }];
        keep_every_key(&mut items, &["Export".to_string()]).unwrap();
        let code = quote::quote!(#(#items)*).to_string();
        assert!(code.contains("serde (flatten)") && code.contains("pub extra"), "{code}");
        assert!(!code.contains("skip_serializing_if"), "{code}");
        assert!(keep_every_key(&mut items, &["Missing".to_string()]).is_err());
    }
}
