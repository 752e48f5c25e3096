//! Open enums: the string enums of the spec, generated so that a value the server adds later
//! decodes to `Unknown` (keeping the string) instead of failing the whole response.

use crate::view::EnumDef;
use heck::ToUpperCamelCase;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// The Rust variant name for an enum value (`waiting_human` -> `WaitingHuman`, `2fa` -> `V2fa`).
pub fn variant_name(value: &str) -> String {
    let camel = value.to_upper_camel_case();
    match camel.chars().next() {
        None => "Empty".to_string(),
        Some(c) if c.is_ascii_digit() => format!("V{camel}"),
        Some(_) => camel,
    }
}

/// Names a variant may not take: the catch-all's, and a keyword no identifier can be.
const RESERVED: [&str; 2] = ["Unknown", "Self"];

/// The variant names of an enum's values, unique by construction: a value whose name is
/// reserved (`unknown`, `self`) gets the suffix `Value` (`UnknownValue`); values whose names
/// coincide after case conversion (`foo-bar` and `foo_bar`) keep the first name for the first
/// value and number the others (`FooBar2`). Fails, naming the enum and the value, when a
/// value gives no Rust identifier at all.
pub fn variant_names(enum_name: &str, values: &[String]) -> Result<Vec<String>, String> {
    let mut taken = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(values.len());
    for value in values {
        let mut base = variant_name(value);
        if RESERVED.contains(&base.as_str()) {
            base.push_str("Value");
        }
        if syn::parse_str::<Ident>(&base).is_err() {
            return Err(format!("enum `{enum_name}`: the value `{value}` gives no Rust identifier (`{base}`)"));
        }
        let mut name = base.clone();
        let mut n = 2;
        while RESERVED.contains(&name.as_str()) || !taken.insert(name.clone()) {
            name = format!("{base}{n}");
            n += 1;
        }
        out.push(name);
    }
    Ok(out)
}

/// Tokens of one open enum. The `Unknown` variant holds a `crate::UnknownValue`, which only
/// the crate can construct, so a known value always decodes to its own variant.
pub fn open_enum(name: &str, def: &EnumDef) -> Result<TokenStream, String> {
    let ident = Ident::new(name, Span::call_site());
    let doc = def.description.clone().unwrap_or_else(|| format!("Values of `{name}`."));
    let open_note = "\n\nOpen: a value this version does not know decodes to `Unknown` and serializes back unchanged.";
    let schema_doc = doc.clone();
    let doc = format!("{doc}{open_note}");
    let variants: Vec<Ident> =
        variant_names(name, &def.values)?.iter().map(|v| Ident::new(v, Span::call_site())).collect();
    let values = &def.values;
    let variant_docs: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    Ok(quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #ident {
            #( #[doc = #variant_docs] #variants, )*
            /// A value this version of the SDK does not know, kept verbatim.
            Unknown(crate::UnknownValue),
        }

        impl #ident {
            /// Every value this version knows, in the order of the spec.
            pub const KNOWN_VALUES: &'static [&'static str] = &[#(#values),*];

            /// The value as the API spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #values, )*
                    Self::Unknown(v) => v.as_str(),
                }
            }

            /// Whether the value is one this version does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for #ident {
            fn from(value: &str) -> Self {
                match value {
                    #( #values => Self::#variants, )*
                    other => Self::Unknown(crate::UnknownValue::new(other)),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #ident {
            fn from(value: ::std::string::String) -> Self {
                Self::from(value.as_str())
            }
        }

        impl ::std::str::FromStr for #ident {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #ident {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #ident {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                crate::deserialize_open_enum(deserializer)
            }
        }

        #[cfg(feature = "schemars")]
        impl ::schemars::JsonSchema for #ident {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(#name)
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                crate::open_enum_schema(Self::KNOWN_VALUES, #schema_doc)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_names_are_rust_identifiers() {
        assert_eq!(variant_name("waiting_human"), "WaitingHuman");
        assert_eq!(variant_name("fast_and_cheap"), "FastAndCheap");
        assert_eq!(variant_name("2fa"), "V2fa");
        assert_eq!(variant_name("agent.run.completed"), "AgentRunCompleted");
    }

    #[test]
    fn an_open_enum_has_an_unknown_variant_and_string_round_trip() {
        let def = EnumDef { values: vec!["fast".into(), "balanced".into()], description: Some("Tier.".into()) };
        let code = open_enum("Tier", &def).unwrap().to_string();
        assert!(code.contains("Unknown (crate :: UnknownValue)"), "{code}");
        assert!(code.contains("\"fast\" => Self :: Fast"), "{code}");
        assert!(code.contains("non_exhaustive"), "{code}");
        assert!(!code.contains("deny_unknown_fields"));
    }

    fn names(values: &[&str]) -> Result<Vec<String>, String> {
        variant_names("Thing", &values.iter().map(|v| v.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn a_value_named_like_the_catch_all_or_a_keyword_is_renamed() {
        assert_eq!(names(&["unknown", "known"]).unwrap(), ["UnknownValue", "Known"]);
        assert_eq!(names(&["self", "Self"]).unwrap(), ["SelfValue", "SelfValue2"]);
        let def = EnumDef { values: vec!["unknown".into()], description: None };
        let code = open_enum("Thing", &def).unwrap().to_string();
        assert!(code.contains("\"unknown\" => Self :: UnknownValue"), "{code}");
        assert!(code.contains("Unknown (crate :: UnknownValue)"), "the catch-all stays: {code}");
    }

    #[test]
    fn values_that_coincide_after_case_conversion_get_distinct_names() {
        // `foo bar2` is `FooBar2` itself, which the second value took: it is numbered in turn.
        assert_eq!(
            names(&["foo-bar", "foo_bar", "FooBar", "foo bar2"]).unwrap(),
            ["FooBar", "FooBar2", "FooBar3", "FooBar22"]
        );
        assert_eq!(names(&["", "empty"]).unwrap(), ["Empty", "Empty2"]);
        // Every value keeps its own spelling on the wire.
        let def = EnumDef { values: vec!["foo-bar".into(), "foo_bar".into()], description: None };
        let code = open_enum("Thing", &def).unwrap().to_string();
        assert!(
            code.contains("\"foo-bar\" => Self :: FooBar ,") && code.contains("\"foo_bar\" => Self :: FooBar2"),
            "{code}"
        );
    }
}
