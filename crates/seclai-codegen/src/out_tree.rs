//! Lays generated code out as a tree of small files, one per named item and its impls, so that
//! rustc's incremental compilation can reuse what a spec edit did not touch.
//!
//! Why: rustc fingerprints every item together with the line and column of its spans. In one
//! 50,000-line file, a field added near the top moves every later item down a line, and the
//! whole crate is type-checked and borrow-checked again (about 20 s for `seclai-raw`). With one
//! file per item, the edit moves nothing outside the files of the items it changed.
//!
//! The root file keeps the module skeleton (`pub mod types { include!("...") ... }`), so module
//! paths, attributes and documentation are exactly those of the single-file form.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The files of a laid-out crate: the root file's text and `relative path -> text` of the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    /// The root file: module skeleton and `include!` lines, paths relative to its own folder.
    pub root: String,
    /// Every other file, by its path relative to the root file's folder (`/`-separated).
    pub files: BTreeMap<String, String>,
}

/// Splits `file` into a root file and one file per group of items under `dir` (a folder name
/// relative to the root file, e.g. `seclai_raw`). A group is a named item with the impls whose
/// self type has that name; inline modules become folders.
pub fn lay_out(file: &syn::File, dir: &str) -> Tree {
    let mut files = BTreeMap::new();
    let items = lower(&file.items, dir, &mut files);
    let root = syn::File { shebang: None, attrs: file.attrs.clone(), items };
    Tree { root: prettyplease::unparse(&root), files }
}

/// Writes the tree: the root as `out_dir/<root_name>`, the rest under `out_dir`. Files whose
/// content did not change are left alone; files the tree no longer has are removed from `dir`.
pub fn write(out_dir: &Path, root_name: &str, dir: &str, tree: &Tree) -> std::io::Result<()> {
    let folder = out_dir.join(dir);
    let mut stale = BTreeSet::new();
    collect_files(&folder, &mut stale)?;
    for (rel, text) in &tree.files {
        let path = out_dir.join(rel);
        write_if_changed(&path, text)?;
        stale.remove(&path);
    }
    for path in stale {
        std::fs::remove_file(path)?;
    }
    write_if_changed(&out_dir.join(root_name), &tree.root)
}

fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}

fn collect_files(dir: &Path, out: &mut BTreeSet<PathBuf>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.insert(path);
        }
    }
    Ok(())
}

/// Replaces the items of one module by `include!` lines (inline modules recurse into folders)
/// and records the included files.
fn lower(items: &[syn::Item], dir: &str, files: &mut BTreeMap<String, String>) -> Vec<syn::Item> {
    let mut out = Vec::new();
    // Groups in the order of their first item; names made unique without regard to case, so
    // the tree also unpacks on case-insensitive file systems.
    let mut groups: Vec<(String, Vec<syn::Item>)> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for item in items {
        if let syn::Item::Mod(m) = item
            && let Some((brace, inner)) = &m.content
        {
            let mut m = m.clone();
            m.content = Some((*brace, lower(inner, &format!("{dir}/{}", m.ident), files)));
            out.push(syn::Item::Mod(m));
            continue;
        }
        let key = group_key(item);
        match index.get(&key) {
            Some(&i) => groups[i].1.push(item.clone()),
            None => {
                index.insert(key.clone(), groups.len());
                groups.push((key, vec![item.clone()]));
            }
        }
    }
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    for (key, group) in groups {
        let lower_key = key.to_lowercase();
        let n = used.entry(lower_key).or_insert(0);
        let name = if *n == 0 { format!("item_{key}.rs") } else { format!("item_{key}_{n}.rs") };
        *n += 1;
        let rel = format!("{dir}/{name}");
        let text = prettyplease::unparse(&syn::File { shebang: None, attrs: vec![], items: group });
        out.push(syn::parse_quote!(include!(#rel);));
        files.insert(rel, text);
    }
    out
}

/// The name an item is filed under: its own name, or for an impl the name of its self type.
fn group_key(item: &syn::Item) -> String {
    let name = match item {
        syn::Item::Struct(i) => Some(i.ident.to_string()),
        syn::Item::Enum(i) => Some(i.ident.to_string()),
        syn::Item::Union(i) => Some(i.ident.to_string()),
        syn::Item::Type(i) => Some(i.ident.to_string()),
        syn::Item::Trait(i) => Some(i.ident.to_string()),
        syn::Item::Fn(i) => Some(i.sig.ident.to_string()),
        syn::Item::Const(i) => Some(i.ident.to_string()),
        syn::Item::Static(i) => Some(i.ident.to_string()),
        syn::Item::Mod(i) => Some(i.ident.to_string()),
        syn::Item::Impl(i) => match &*i.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        },
        syn::Item::Use(_) => Some("uses".to_string()),
        _ => None,
    };
    name.unwrap_or_else(|| "other".to_string()).trim_start_matches("r#").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(code: &str) -> Tree {
        lay_out(&syn::parse_file(code).unwrap(), "gen")
    }

    #[test]
    fn an_item_and_its_impls_share_a_file_and_modules_become_folders() {
        let t = tree(
            "pub mod types { use serde::Serialize; pub struct A { pub x: u8 } impl Default for A { fn default() -> Self { A { x: 0 } } } pub struct B; pub mod builder { pub struct A; impl From<super::A> for A { fn from(_: super::A) -> Self { A } } } impl From<builder::A> for A { fn from(_: builder::A) -> Self { A { x: 1 } } } } pub struct Client;",
        );
        let names: Vec<&str> = t.files.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "gen/item_Client.rs",
                "gen/types/builder/item_A.rs",
                "gen/types/item_A.rs",
                "gen/types/item_B.rs",
                "gen/types/item_uses.rs"
            ]
        );
        assert!(t.files["gen/types/item_A.rs"].contains("impl Default for A"));
        assert!(t.files["gen/types/item_A.rs"].contains("impl From<builder::A> for A"));
        assert!(t.root.contains("pub mod types {"));
        assert!(t.root.contains("include!(\"gen/types/builder/item_A.rs\");"));
    }

    #[test]
    fn names_differing_only_in_case_get_distinct_files() {
        let t = tree("pub struct Ab; pub struct AB;");
        assert_eq!(t.files.keys().cloned().collect::<Vec<_>>(), ["gen/item_AB_1.rs", "gen/item_Ab.rs"]);
    }

    #[test]
    fn a_field_added_to_one_type_changes_only_that_types_file() {
        let before = tree("pub struct A { pub x: u8 } pub struct B { pub y: u8 }");
        let after = tree("pub struct A { pub x: u8, pub z: u8 } pub struct B { pub y: u8 }");
        assert_eq!(before.root, after.root);
        let changed: Vec<&String> =
            after.files.iter().filter(|(k, v)| before.files.get(*k) != Some(v)).map(|(k, _)| k).collect();
        assert_eq!(changed, ["gen/item_A.rs"]);
    }

    #[test]
    fn write_replaces_changed_files_and_removes_stale_ones() {
        let out = std::env::temp_dir().join(format!("seclai-out-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        write(&out, "root.rs", "gen", &tree("pub struct A; pub struct B;")).unwrap();
        assert!(out.join("gen/item_B.rs").exists());
        write(&out, "root.rs", "gen", &tree("pub struct A { pub x: u8 }")).unwrap();
        assert!(!out.join("gen/item_B.rs").exists());
        assert!(std::fs::read_to_string(out.join("gen/item_A.rs")).unwrap().contains("pub x: u8"));
        assert!(std::fs::read_to_string(out.join("root.rs")).unwrap().contains("include!(\"gen/item_A.rs\")"));
        std::fs::remove_dir_all(&out).unwrap();
    }
}
