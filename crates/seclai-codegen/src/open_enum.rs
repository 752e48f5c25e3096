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

/// Tokens of one open enum. The `Unknown` variant holds a `crate::UnknownValue`, which only
/// the crate can construct, so a known value always decodes to its own variant.
pub fn open_enum(name: &str, def: &EnumDef) -> TokenStream {
    let ident = Ident::new(name, Span::call_site());
    let doc = def.description.clone().unwrap_or_else(|| format!("Values of `{name}`."));
    let open_note = "\n\nOpen: a value this version does not know decodes to `Unknown` and serializes back unchanged.";
    let doc = format!("{doc}{open_note}");
    let variants: Vec<Ident> = def.values.iter().map(|v| Ident::new(&variant_name(v), Span::call_site())).collect();
    let values = &def.values;
    let variant_docs: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    quote! {
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
    }
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
        let code = open_enum("Tier", &def).to_string();
        assert!(code.contains("Unknown (crate :: UnknownValue)"), "{code}");
        assert!(code.contains("\"fast\" => Self :: Fast"), "{code}");
        assert!(code.contains("non_exhaustive"), "{code}");
        assert!(!code.contains("deny_unknown_fields"));
    }
}
