//! The crates that decide the generated code are pinned exactly in the workspace manifest,
//! and the pins are what Cargo.lock resolved: a pin that drifted from the lockfile (or a
//! generator crate left unpinned) fails here.

use std::collections::BTreeMap;
use std::path::Path;

/// Every crate whose version changes what the build scripts emit.
const GENERATORS: [&str; 6] = ["progenitor", "progenitor-impl", "typify", "typify-impl", "openapiv3", "heck"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// `name -> exact version` of the `=x.y.z` requirements in `[workspace.dependencies]`.
fn pins(manifest: &str) -> BTreeMap<String, String> {
    let section = manifest.split("[workspace.dependencies]").nth(1).unwrap_or_default();
    let section = section.split("\n[").next().unwrap_or_default();
    section
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.split_once('=')?;
            let version = rest.split('"').nth(1)?;
            Some((name.trim().to_string(), version.strip_prefix('=')?.to_string()))
        })
        .collect()
}

/// `name -> versions` of the packages in Cargo.lock.
fn locked(lock: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for block in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            block.lines().find_map(|l| l.strip_prefix(&format!("{key} = \"")).and_then(|v| v.strip_suffix('"')))
        };
        if let (Some(name), Some(version)) = (field("name"), field("version")) {
            out.entry(name.to_string()).or_default().push(version.to_string());
        }
    }
    out
}

#[test]
fn the_generator_crates_are_pinned_to_what_the_lockfile_resolved() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    let (pins, locked) = (pins(&manifest), locked(&lock));
    for name in GENERATORS {
        let pin =
            pins.get(name).unwrap_or_else(|| panic!("`{name}` decides the generated code but is not pinned with `=`"));
        assert_eq!(
            locked.get(name).map(Vec::as_slice),
            Some(std::slice::from_ref(pin)),
            "`{name}` is pinned to {pin}; Cargo.lock holds {:?}",
            locked.get(name)
        );
    }
}

#[test]
fn the_readers_of_manifest_and_lockfile_read_what_they_should() {
    let manifest = "[workspace]\nmembers = []\n\n[workspace.dependencies]\na = \"=1.2.3\"\nb = { version = \"=0.4.0\", default-features = false }\nc = \"1\"\n\n[profile.dev]\nd = \"=9\"\n";
    let pins = pins(manifest);
    assert_eq!(pins.len(), 2, "{pins:?}");
    assert_eq!((pins["a"].as_str(), pins["b"].as_str()), ("1.2.3", "0.4.0"));
    let lock = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.2.3\"\n\n[[package]]\nname = \"a\"\nversion = \"2.0.0\"\n";
    assert_eq!(locked(lock)["a"], ["1.2.3", "2.0.0"]);
}
