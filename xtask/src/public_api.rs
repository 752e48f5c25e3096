//! `cargo xtask public-api [--check]`: the public API of the `seclai` crate, one item per line,
//! from rustdoc's JSON output, compared with `crates/seclai/public-api.txt` so that every change
//! to the surface shows up in review.
//!
//! rustdoc's JSON output is unstable; `RUSTC_BOOTSTRAP=1` lets the stable toolchain produce it.
//! The listing walks the crate from its root through public items: modules, re-exports (one
//! line each; items of other crates are not expanded), structs with their public fields, enums
//! with their variants, traits, functions, constants, and the inherent and trait impls of local
//! types with their methods, each function with its signature.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Where the committed listing lives, relative to the workspace root.
pub const LISTING: &str = "crates/seclai/public-api.txt";

/// Builds rustdoc's JSON of `seclai` (all features but the TLS alternatives) and returns its path.
pub fn rustdoc_json(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["rustdoc", "--quiet", "-p", "seclai", "--lib", "--features", "dynamic,record,brotli"])
        .args(["--", "-Z", "unstable-options", "--output-format", "json"])
        .env("RUSTC_BOOTSTRAP", "1")
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo rustdoc: {e}"))?;
    if !status.success() {
        return Err("cargo rustdoc failed".into());
    }
    let dir = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root.join("target"));
    Ok(dir.join("doc").join("seclai.json"))
}

/// The listing of a rustdoc JSON document: sorted lines.
pub fn listing(doc: &Value) -> Result<Vec<String>, String> {
    let root = doc["root"].to_string();
    let names = Names { public: public_paths(doc), paths: doc["paths"].clone() };
    let mut w = Walker { doc, names, lines: BTreeSet::new(), seen: HashSet::new() };
    w.module(&root, "seclai")?;
    Ok(w.lines.into_iter().collect())
}

struct Walker<'a> {
    doc: &'a Value,
    names: Names,
    lines: BTreeSet<String>,
    seen: HashSet<String>,
}

fn id_key(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Walker<'_> {
    fn item(&self, id: &str) -> Option<&Value> {
        self.doc["index"].get(id)
    }

    fn public(item: &Value) -> bool {
        item["visibility"] == "public" || item["visibility"] == "default"
    }

    fn module(&mut self, id: &str, path: &str) -> Result<(), String> {
        if !self.seen.insert(format!("mod {id}")) {
            return Ok(());
        }
        let Some(m) = self.item(id).cloned() else { return Ok(()) };
        self.lines.insert(format!("mod {path}"));
        for child in m["inner"]["module"]["items"].as_array().into_iter().flatten() {
            let key = id_key(child);
            let Some(item) = self.item(&key).cloned() else { continue };
            if !Self::public(&item) || is_hidden(&item) {
                continue;
            }
            // A re-export carries its name on the `use`, not on the item.
            let name =
                item["name"].as_str().or_else(|| item["inner"]["use"]["name"].as_str()).unwrap_or("_").to_string();
            let child_path = format!("{path}::{name}");
            self.entry(&key, &item, &child_path)?;
        }
        Ok(())
    }

    fn entry(&mut self, key: &str, item: &Value, path: &str) -> Result<(), String> {
        let inner = &item["inner"];
        let Some((kind, body)) = inner.as_object().and_then(|o| o.iter().next()) else { return Ok(()) };
        match kind.as_str() {
            "module" => self.module(key, path)?,
            "use" => {
                let source = body["source"].as_str().unwrap_or("?");
                let glob = if body["is_glob"] == true { "::*" } else { "" };
                let target =
                    body["id"].as_u64().map(|i| i.to_string()).or_else(|| body["id"].as_str().map(String::from));
                match target.as_deref().and_then(|t| self.item(t).cloned().map(|i| (t.to_string(), i))) {
                    Some((t, target_item)) if body["is_glob"] != true => {
                        // Listed at its public path only: where it is defined is an internal
                        // matter, and moving it must not change the listing.
                        self.entry(&t, &target_item, path)?;
                    }
                    _ => {
                        self.lines.insert(format!("use {path}{glob} = {source}{glob} (from another crate)"));
                    }
                }
            }
            "struct" => {
                self.lines.insert(format!("struct {path}{}", generics(&self.names, &body["generics"])));
                for field in body["kind"]["plain"]["fields"].as_array().into_iter().flatten() {
                    if let Some(f) = self.item(&id_key(field)).cloned()
                        && Self::public(&f)
                    {
                        let ty = render(&self.names, &f["inner"]["struct_field"]);
                        self.lines.insert(format!("field {path}.{}: {ty}", f["name"].as_str().unwrap_or("?")));
                    }
                }
                self.impls(body, path)?;
            }
            "enum" => {
                self.lines.insert(format!("enum {path}{}", generics(&self.names, &body["generics"])));
                for v in body["variants"].as_array().into_iter().flatten() {
                    if let Some(variant) = self.item(&id_key(v)) {
                        self.lines.insert(format!("variant {path}::{}", variant["name"].as_str().unwrap_or("?")));
                    }
                }
                self.impls(body, path)?;
            }
            "trait" => {
                self.lines.insert(format!("trait {path}"));
                for i in body["items"].as_array().into_iter().flatten() {
                    if let Some(it) = self.item(&id_key(i)).cloned() {
                        self.lines.insert(format!("trait-item {path}::{}", signature(&self.names, &it)));
                    }
                }
            }
            "function" => {
                self.lines.insert(format!("fn {path}{}", fn_signature(&self.names, body)));
            }
            "constant" | "static" => {
                let ty = render(&self.names, &body["type"]);
                let word = if kind == "constant" { "const" } else { "static" };
                self.lines.insert(format!("{word} {path}: {ty}"));
            }
            "type_alias" => {
                self.lines.insert(format!("type {path} = {}", render(&self.names, &body["type"])));
            }
            "macro" => {
                self.lines.insert(format!("macro {path}"));
            }
            _ => {
                self.lines.insert(format!("{kind} {path}"));
            }
        }
        Ok(())
    }

    fn impls(&mut self, body: &Value, path: &str) -> Result<(), String> {
        for i in body["impls"].as_array().into_iter().flatten() {
            let Some(imp) = self.item(&id_key(i)).cloned() else { continue };
            let imp = &imp["inner"]["impl"];
            if imp["is_synthetic"] == true || !imp["blanket_impl"].is_null() {
                continue;
            }
            match imp["trait"].as_object() {
                Some(t) => {
                    let name = path_of(&self.names, &imp["trait"]);
                    let args = t.get("args").map(|x| render_args(&self.names, x)).unwrap_or_default();
                    self.lines.insert(format!("impl {name}{args} for {path}"));
                }
                None => {
                    for m in imp["items"].as_array().into_iter().flatten() {
                        if let Some(method) = self.item(&id_key(m)).cloned()
                            && Self::public(&method)
                            && !is_hidden(&method)
                        {
                            let deprecated = if method["deprecation"].is_null() { "" } else { " (deprecated)" };
                            self.lines.insert(format!("fn {path}::{}{deprecated}", signature(&self.names, &method)));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// The public paths of the crate's own items, by rustdoc id: where a user names them.
struct Names {
    public: HashMap<String, String>,
    /// rustdoc's table of every item's defining path, by id.
    paths: Value,
}

/// The path of a rustdoc path value (a type, a trait): a local item by its public path (not
/// by how the source happens to name it), a `seclai-raw` type under `seclai::types`, others as
/// the source writes them.
fn path_of(n: &Names, v: &Value) -> String {
    let id = id_key(&v["id"]);
    match n.public.get(&id) {
        Some(p) => p.clone(),
        None => raw_type(&n.paths, &id).unwrap_or_else(|| v["path"].as_str().unwrap_or("?").to_string()),
    }
}

/// A type of `seclai-raw` by the path users name it with: `seclai::types::…` (the crate
/// re-exports its types, builders and building traits there), whatever module defines it.
fn raw_type(paths: &Value, id: &str) -> Option<String> {
    let path: Vec<&str> = paths.get(id)?["path"].as_array()?.iter().filter_map(Value::as_str).collect();
    if path.first() != Some(&"seclai_raw") {
        return None;
    }
    let rest = match path.iter().rposition(|s| *s == "types") {
        Some(i) => &path[i + 1..],
        None => &path[path.len() - 1..],
    };
    Some(format!("seclai::types::{}", rest.join("::")))
}

/// Walks the public modules (and re-exports) from the root, noting where each item is named.
fn public_paths(doc: &Value) -> HashMap<String, String> {
    fn walk(doc: &Value, id: &str, path: &str, out: &mut HashMap<String, String>, seen: &mut HashSet<String>) {
        if !seen.insert(id.to_string()) {
            return;
        }
        let Some(m) = doc["index"].get(id) else { return };
        for child in m["inner"]["module"]["items"].as_array().into_iter().flatten() {
            let key = id_key(child);
            let Some(item) = doc["index"].get(&key) else { continue };
            if !Walker::public(item) || is_hidden(item) {
                continue;
            }
            let (target, name) = match item["inner"].get("use") {
                Some(u) if u["is_glob"] != true => (id_key(&u["id"]), u["name"].as_str()),
                Some(_) => continue,
                None => (key, item["name"].as_str()),
            };
            let Some(name) = name else { continue };
            let child_path = format!("{path}::{name}");
            let is_module = doc["index"].get(&target).is_some_and(|t| t["inner"].get("module").is_some());
            if is_module {
                walk(doc, &target, &child_path, out, seen);
            } else {
                // The first (shortest walk) public path wins: the root re-export over the module.
                out.entry(target).or_insert(child_path);
            }
        }
    }
    let mut out = HashMap::new();
    walk(doc, &doc["root"].to_string(), "seclai", &mut out, &mut HashSet::new());
    out
}

fn is_hidden(item: &Value) -> bool {
    item["attrs"].as_array().into_iter().flatten().any(|a| a.to_string().contains("doc(hidden)"))
}

fn signature(n: &Names, item: &Value) -> String {
    let name = item["name"].as_str().unwrap_or("?");
    match item["inner"].as_object().and_then(|o| o.iter().next()) {
        Some((k, body)) if k == "function" => format!("{name}{}", fn_signature(n, body)),
        Some((k, body)) if k == "assoc_type" => format!("type {name}{}", generics(n, &body["generics"])),
        Some((k, body)) if k == "assoc_const" => format!("const {name}: {}", render(n, &body["type"])),
        _ => name.to_string(),
    }
}

fn fn_signature(n: &Names, f: &Value) -> String {
    let inputs: Vec<String> = f["sig"]["inputs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|pair| {
            let name = pair[0].as_str().unwrap_or("_");
            let ty = render(n, &pair[1]);
            if name == "self" { ty.replace("Self", "self") } else { format!("{name}: {ty}") }
        })
        .collect();
    let output = match &f["sig"]["output"] {
        Value::Null => String::new(),
        t => format!(" -> {}", render(n, t)),
    };
    let asyncness = if f["header"]["is_async"] == true { "async " } else { "" };
    format!(
        "{}({}){output}{}",
        generics(n, &f["generics"]),
        inputs.join(", "),
        if asyncness.is_empty() { "" } else { " [async]" }
    )
}

fn generics(n: &Names, g: &Value) -> String {
    let params: Vec<String> = g["params"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["kind"]["type"]["is_synthetic"] != true)
        .filter_map(|p| {
            let name = p["name"].as_str()?;
            let bounds: Vec<String> =
                p["kind"]["type"]["bounds"].as_array().into_iter().flatten().map(|x| render_bound(n, x)).collect();
            Some(if bounds.is_empty() { name.to_string() } else { format!("{name}: {}", bounds.join(" + ")) })
        })
        .collect();
    if params.is_empty() { String::new() } else { format!("<{}>", params.join(", ")) }
}

fn render_bound(n: &Names, b: &Value) -> String {
    match b.get("trait_bound") {
        Some(t) => {
            let p = &t["trait"];
            format!("{}{}", path_of(n, p), p.get("args").map(|x| render_args(n, x)).unwrap_or_default())
        }
        None => b.get("outlives").and_then(Value::as_str).unwrap_or("?").to_string(),
    }
}

fn render_args(n: &Names, a: &Value) -> String {
    if let Some(ab) = a.get("angle_bracketed") {
        let mut parts: Vec<String> = ab["args"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| match g.as_object().and_then(|o| o.iter().next()) {
                Some((k, v)) if k == "type" => render(n, v),
                Some((k, v)) if k == "lifetime" => v.as_str().unwrap_or("'_").to_string(),
                Some((k, v)) if k == "const" => v["expr"].as_str().unwrap_or("_").to_string(),
                _ => "_".into(),
            })
            .collect();
        for c in ab["constraints"].as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap_or("?");
            let rhs = match (&c["binding"]["equality"]["type"], c["binding"]["constraint"].as_array()) {
                (t, _) if !t.is_null() => format!(" = {}", render(n, t)),
                (_, Some(bounds)) => {
                    format!(": {}", bounds.iter().map(|x| render_bound(n, x)).collect::<Vec<_>>().join(" + "))
                }
                _ => String::new(),
            };
            parts.push(format!("{name}{rhs}"));
        }
        return if parts.is_empty() { String::new() } else { format!("<{}>", parts.join(", ")) };
    }
    if let Some(p) = a.get("parenthesized") {
        let inputs: Vec<String> = p["inputs"].as_array().into_iter().flatten().map(|x| render(n, x)).collect();
        let output = if p["output"].is_null() { String::new() } else { format!(" -> {}", render(n, &p["output"])) };
        return format!("({}){output}", inputs.join(", "));
    }
    String::new()
}

/// A type of rustdoc's JSON as Rust text (compactly: paths by their last segments as rustdoc
/// gives them).
fn render(n: &Names, t: &Value) -> String {
    let Some((kind, v)) = t.as_object().and_then(|o| o.iter().next()) else { return "?".into() };
    match kind.as_str() {
        "resolved_path" => {
            // A local item by its public path (not by how the source happens to name it);
            // others as the source writes them.
            format!("{}{}", path_of(n, v), v.get("args").map(|a| render_args(n, a)).unwrap_or_default())
        }
        "primitive" => v.as_str().unwrap_or("?").to_string(),
        "generic" => v.as_str().unwrap_or("?").to_string(),
        "borrowed_ref" => {
            let lt = v["lifetime"].as_str().map(|l| format!("{l} ")).unwrap_or_default();
            let m = if v["is_mutable"] == true { "mut " } else { "" };
            format!("&{lt}{m}{}", render(n, &v["type"]))
        }
        "slice" => format!("[{}]", render(n, v)),
        "array" => format!("[{}; {}]", render(n, &v["type"]), v["len"].as_str().unwrap_or("_")),
        "tuple" => {
            format!("({})", v.as_array().into_iter().flatten().map(|x| render(n, x)).collect::<Vec<_>>().join(", "))
        }
        "impl_trait" => {
            format!(
                "impl {}",
                v.as_array().into_iter().flatten().map(|x| render_bound(n, x)).collect::<Vec<_>>().join(" + ")
            )
        }
        "dyn_trait" => {
            let traits: Vec<String> = v["traits"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    format!(
                        "{}{}",
                        path_of(n, &p["trait"]),
                        p["trait"].get("args").map(|x| render_args(n, x)).unwrap_or_default()
                    )
                })
                .collect();
            format!("dyn {}", traits.join(" + "))
        }
        "qualified_path" => format!(
            "<{} as {}>::{}",
            render(n, &v["self_type"]),
            path_of(n, &v["trait"]),
            v["name"].as_str().unwrap_or("?")
        ),
        "raw_pointer" => {
            format!("*{} {}", if v["is_mutable"] == true { "mut" } else { "const" }, render(n, &v["type"]))
        }
        "function_pointer" => "fn(..)".into(),
        _ => kind.clone(),
    }
}

/// Writes the listing (or, with `check`, compares it with the committed one).
pub fn run(root: &Path, check: bool) -> Result<usize, String> {
    let json = rustdoc_json(root)?;
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).map_err(|e| format!("{}: {e}", json.display()))?)
            .map_err(|e| format!("rustdoc JSON: {e}"))?;
    let lines = listing(&doc)?;
    let text = format!("{}\n", lines.join("\n"));
    let path = root.join(LISTING);
    if check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != text {
            let diff = similar::TextDiff::from_lines(&committed, &text);
            return Err(format!(
                "the public API of seclai changed:\n{}\nReview it, then run `cargo xtask public-api` to update {LISTING}.",
                diff.unified_diff().context_radius(1).header("committed", "now")
            ));
        }
    } else {
        std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(lines.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_small_crate_is_listed_with_signatures_fields_and_impls_by_public_paths() {
        let doc = json!({
            "root": 0,
            "index": {
                "0": {"name": "seclai", "visibility": "public", "attrs": [], "inner": {"module": {"items": [1, 2, 6, 7]}}},
                "1": {"name": "Client", "visibility": "public", "attrs": [], "inner": {"struct": {
                    "kind": {"plain": {"fields": [8, 10]}}, "generics": {"params": []}, "impls": [3, 9]}}},
                "2": {"name": "hidden", "visibility": "public", "attrs": ["#[doc(hidden)]"], "inner": {"module": {"items": []}}},
                "3": {"name": null, "visibility": "default", "inner": {"impl": {"trait": null, "is_synthetic": false, "blanket_impl": null, "items": [4, 5]}}},
                "4": {"name": "new", "visibility": "public", "attrs": [], "deprecation": null, "inner": {"function": {
                    "sig": {"inputs": [["key", {"primitive": "str"}]], "output": {"resolved_path": {"path": "Result", "args": {"angle_bracketed": {"args": [{"type": {"generic": "Self"}}], "constraints": []}}}}},
                    "generics": {"params": []}, "header": {"is_async": false}}}},
                "5": {"name": "private", "visibility": "crate", "attrs": [], "inner": {"function": {"sig": {"inputs": []}, "generics": {"params": []}, "header": {}}}},
                "6": {"name": "VERSION", "visibility": "public", "attrs": [], "inner": {"constant": {"type": {"borrowed_ref": {"lifetime": "'static", "is_mutable": false, "type": {"primitive": "str"}}}}}},
                "7": {"name": "types", "visibility": "public", "attrs": [], "inner": {"use": {"source": "seclai_raw::types", "name": "types", "id": 99, "is_glob": false}}},
                "8": {"name": "timeout", "visibility": "public", "attrs": [], "inner": {"struct_field": {"primitive": "u64"}}},
                "9": {"name": null, "visibility": "default", "inner": {"impl": {"trait": {"path": "Clone", "args": null}, "is_synthetic": false, "blanket_impl": null, "items": []}}},
                "10": {"name": "parent", "visibility": "public", "attrs": [], "inner": {"struct_field": {"resolved_path": {"path": "super::client::Client", "id": 1}}}}
            }
        });
        let lines = listing(&doc).unwrap();
        assert_eq!(
            lines,
            [
                "const seclai::VERSION: &'static str",
                "field seclai::Client.parent: seclai::Client",
                "field seclai::Client.timeout: u64",
                "fn seclai::Client::new(key: str) -> Result<Self>",
                "impl Clone for seclai::Client",
                "mod seclai",
                "struct seclai::Client",
                "use seclai::types = seclai_raw::types (from another crate)",
            ]
        );
    }
}
