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

use quote::{format_ident, quote};
use serde_json::Value;

use crate::Error;

mod fields;
mod shapes;

use fields::{fields, limits};
use shapes::{Kind, SetterInput, last_segment, setter_input, shape};

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
