//! The command-line surface, reviewed like the generated code: `--help` of the root and of
//! every resource group is a snapshot (`cargo insta review` after a spec change).

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_seclai"))
        .args(args)
        .arg("--help")
        .env_clear()
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The groups under the root, as its help lists them.
fn groups(root_help: &str) -> Vec<String> {
    root_help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A command's own line, not the continuation of a wrapped description.
        .filter(|l| !l[2..].starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help" && *name != "completion")
        .map(String::from)
        .collect()
}

#[test]
fn the_help_of_the_root_and_of_every_group_is_reviewed() {
    let root = help(&[]);
    insta::assert_snapshot!("root", root);
    let groups = groups(&root);
    assert!(groups.iter().any(|g| g == "agents"), "{groups:?}");
    for g in groups {
        insta::assert_snapshot!(format!("group_{g}"), help(&[&g]));
    }
}

#[test]
fn exit_codes_are_documented_in_the_long_help() {
    let long = help(&[]);
    assert!(long.contains("Exit codes:") && long.contains("130  interrupted"), "{long}");
}
