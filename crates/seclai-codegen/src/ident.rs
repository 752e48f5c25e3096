//! Rust identifiers for names of the spec.

use proc_macro2::{Ident, Span};

/// Keywords of every Rust edition (strict and reserved): written as raw identifiers.
const KEYWORDS: [&str; 50] = [
    "abstract",
    "as",
    "async",
    "await",
    "become",
    "box",
    "break",
    "const",
    "continue",
    "do",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "final",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "macro",
    "match",
    "mod",
    "move",
    "mut",
    "override",
    "priv",
    "pub",
    "ref",
    "return",
    "static",
    "struct",
    "trait",
    "true",
    "try",
    "type",
    "typeof",
    "union",
    "unsafe",
    "unsized",
    "use",
    "virtual",
    "where",
    "while",
    "yield",
    "macro_rules",
];

/// Keywords that cannot be raw identifiers: they get a trailing underscore.
const NOT_RAW: [&str; 5] = ["self", "Self", "super", "crate", "_"];

/// The identifier for `name`: a keyword becomes a raw identifier (`r#type`), `self`, `Self`,
/// `super`, `crate` and `_` get a trailing underscore (`self_`), and a name starting with a
/// digit gets a leading underscore.
pub fn ident(name: &str) -> Ident {
    if NOT_RAW.contains(&name) {
        return Ident::new(&format!("{name}_"), Span::call_site());
    }
    if KEYWORDS.contains(&name) {
        return Ident::new_raw(name, Span::call_site());
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Ident::new(&format!("_{name}"), Span::call_site());
    }
    Ident::new(name, Span::call_site())
}

/// The name without a raw prefix (`r#type` -> `type`), as a user reads it.
pub fn plain(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(String::from).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyword_is_escaped() {
        for k in KEYWORDS {
            let i = ident(k);
            assert_eq!(i.to_string(), format!("r#{k}"));
            let _: syn::Ident = syn::parse_str(&i.to_string()).unwrap_or_else(|e| panic!("{k}: {e}"));
        }
        for k in NOT_RAW {
            let i = ident(k);
            assert_eq!(i.to_string(), format!("{k}_"));
            let _: syn::Ident = syn::parse_str(&i.to_string()).unwrap_or_else(|e| panic!("{k}: {e}"));
        }
        assert_eq!(ident("limit").to_string(), "limit");
        assert_eq!(ident("2fa").to_string(), "_2fa");
        assert_eq!(plain(&ident("type")), "type");
    }
}
