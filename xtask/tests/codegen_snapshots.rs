//! The committed snapshots match the spec, generation is deterministic, and a spec edit is
//! caught with a readable diff.

use xtask::{codegen, spec_path, workspace_root};

fn spec() -> String {
    std::fs::read_to_string(spec_path()).expect("openapi/seclai.yaml is readable")
}

#[test]
fn committed_snapshots_match_the_spec() {
    if let Err(report) = codegen::check(&workspace_root(), &spec()) {
        panic!("{report}");
    }
}

#[test]
fn generation_is_deterministic() {
    let yaml = spec();
    let a = seclai_codegen::generate_raw(&yaml).expect("generates");
    let b = seclai_codegen::generate_raw(&yaml).expect("generates");
    assert_eq!(a.code(), b.code());
    assert_eq!(a.parts(), b.parts());
    let (ta, tb) = (seclai_codegen::out_tree::lay_out(&a.file, "g"), seclai_codegen::out_tree::lay_out(&b.file, "g"));
    assert_eq!(ta, tb);
}

#[test]
fn a_one_field_spec_edit_fails_the_check_with_a_small_diff() {
    // Edit a temporary copy: the `credits` of a run becomes an integer.
    let original = spec();
    let anchor = "  AgentRunResponse:";
    let start = original.find(anchor).expect("AgentRunResponse is in the spec");
    let credits = start + original[start..].find("      credits:").expect("credits field");
    let ty = credits + original[credits..].find("type: number").expect("credits is a number");
    let mut edited = original.clone();
    edited.replace_range(ty..ty + "type: number".len(), "type: integer");
    let dir = std::env::temp_dir().join(format!("seclai-codegen-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("seclai.yaml");
    std::fs::write(&copy, &edited).unwrap();
    let edited = std::fs::read_to_string(&copy).unwrap();

    let err = codegen::check(&workspace_root(), &edited).expect_err("the edit must be detected");
    assert!(err.contains("raw__types.snap"), "{err}");
    assert!(err.contains("-    pub credits: ::std::option::Option<f64>,"), "{err}");
    assert!(err.contains("+    pub credits: ::std::option::Option<i64>,"), "{err}");
    assert!(!err.contains("raw__tag_agents.snap"), "only the parts that changed are reported:\n{err}");
    assert!(err.lines().count() < 120, "the diff stays small:\n{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn snapshot_files_are_written_and_read_back() {
    assert_eq!(codegen::snapshot_content("---\nsource: x\n---\nfn a() {}\n"), "fn a() {}\n");
    let file = codegen::snapshot_file("fn a() {}\n\n");
    assert_eq!(codegen::snapshot_content(&file), "fn a() {}\n");
}

#[test]
fn every_generated_string_enum_is_open_and_no_type_rejects_unknown_fields() {
    let raw = seclai_codegen::generate_raw(&spec()).expect("generates");
    let code = raw.code();
    assert!(!code.contains("deny_unknown_fields"));
    let file = syn::parse_file(&code).expect("parses");
    let types = file
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|c| &c.1),
            _ => None,
        })
        .expect("types module");
    let mut open = 0;
    for item in types {
        let syn::Item::Enum(e) = item else { continue };
        let has_unknown = e.variants.iter().any(|v| v.ident == "Unknown");
        let untagged = e.attrs.iter().any(|a| quote::quote!(#a).to_string().contains("untagged"));
        assert!(has_unknown || untagged, "closed enum `{}` in the generated types", e.ident);
        open += usize::from(has_unknown);
    }
    assert_eq!(open, raw.report.enums.len());
    assert!(open >= 9, "the spec has at least 9 string enums, found {open}");
}
