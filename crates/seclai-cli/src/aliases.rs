//! The official tool's command names (`@seclai/cli` 1.7.0), so its users' scripts keep working.
//!
//! Where the official name sits beside ours (`kb` for `knowledge-bases`, `contents embeddings`
//! for `contents list-embeddings`) it is a visible clap alias. Where it sits elsewhere in the
//! tree (`evals criteria list` for `agents evaluations criteria list`, `me` for
//! `identity me`), the command is copied there, hidden from help, and [`canonical`] maps the
//! path back.

use clap::Command;

use crate::table::Operation;

/// `(official path, our path)`, by official group.
pub const ALIASES: &[(&str, &str)] = &[
    // agents
    ("agents def get", "agents get-definition"),
    ("agents def update", "agents update-definition"),
    ("agents input-status", "agents get-input-upload"),
    ("agents triggers email-config", "agents set-email-trigger-config"),
    ("agents runs delete", "agents runs cancel"),
    ("agents runs eval-results", "agents evaluations results list-for-run"),
    ("agents ai", "agents ai-assistant"),
    ("agents ai gen-steps", "agents ai-assistant generate-steps"),
    ("agents ai history", "agents ai-assistant conversations"),
    ("agents ai mark", "agents ai-assistant mark-suggestion"),
    // sources
    ("source", "sources"),
    ("sources contents status", "sources contents get"),
    ("sources migration", "sources embedding-migration"),
    // contents
    ("contents replace", "contents upload"),
    ("contents replace-text", "contents replace-with-text"),
    ("contents embeddings", "contents list-embeddings"),
    // knowledge bases, memory banks
    ("kb", "knowledge-bases"),
    ("memory", "memory-banks"),
    ("memory ai", "memory-banks ai-assistant"),
    ("memory ai last", "memory-banks ai-assistant turns"),
    // evaluations
    ("evals", "agents evaluations"),
    ("evals compatible-runs", "agents evaluations criteria compatible-runs"),
    ("evals test-draft", "agents evaluations criteria test-draft"),
    ("evals agent-results", "agents evaluations results list-for-agent"),
    ("evals agent-runs", "agents evaluations runs"),
    ("evals non-manual-summary", "agents evaluations results non-manual-summary"),
    // solutions
    ("solutions convos", "solutions conversations"),
    ("solutions convos add", "solutions conversations add-turn"),
    ("solutions convos mark", "solutions conversations mark-turn"),
    ("solutions ai", "solutions ai-assistant"),
    ("solutions ai kb", "solutions ai-assistant knowledge-base"),
    // governance
    ("governance ai", "governance ai-assistant"),
    ("governance ai list", "governance ai-assistant conversations"),
    // alerts
    ("alerts status", "alerts change-status"),
    ("alerts comment", "alerts add-comment"),
    ("alerts prefs", "alerts preferences"),
    // email
    ("email domains", "email-domains"),
    ("email domains use-shared", "email-domains use-shared-domain"),
    ("email domains test-email", "email-domains send-test-email"),
    ("email domains dmarc", "email-domains dmarc-summary"),
    ("email blocked", "agents email blocked-senders"),
    ("email blocked add", "agents email blocked-senders block"),
    ("email blocked remove", "agents email blocked-senders unblock"),
    ("email blocked auto-block-mode", "agents email blocked-senders set-auto-block-mode"),
    ("email inbound status", "agents email status"),
    ("email inbound rejections", "agents email rejections"),
    ("email inbound cancel-queued", "agents email cancel-queued-runs"),
    ("email inbound resume", "agents email resume"),
    ("email optouts", "agents email optouts"),
    // account, models, search, AI assistant
    ("me", "identity me"),
    ("models tiers", "models generation-tiers"),
    ("docs search", "search docs"),
    ("ai", "ai-assistant"),
    ("ai kb", "ai-assistant knowledge-base"),
    ("ai memory", "ai-assistant memory-bank"),
    ("ai memory-history", "ai-assistant memory-bank-turns"),
    ("ai memory-accept", "ai-assistant accept-memory-bank"),
];

fn words(path: &str) -> Vec<&str> {
    path.split(' ').collect()
}

fn find<'a>(cmd: &'a Command, path: &[&str]) -> Option<&'a Command> {
    match path.split_first() {
        None => Some(cmd),
        Some((head, rest)) => find(cmd.find_subcommand(head)?, rest),
    }
}

/// Puts `copy` at `path` under `cmd`, creating hidden groups on the way; an existing command
/// there wins (an alias never shadows a real command).
fn plant(cmd: &mut Command, path: &[&str], copy: Command) {
    let Some((head, rest)) = path.split_first() else { return };
    if rest.is_empty() {
        if cmd.find_subcommand(head).is_none() {
            *cmd = std::mem::take(cmd).subcommand(copy.name(head.to_string()).hide(true));
        }
        return;
    }
    if cmd.find_subcommand(head).is_none() {
        let group = Command::new(head.to_string()).hide(true).subcommand_required(true).arg_required_else_help(true);
        *cmd = std::mem::take(cmd).subcommand(group);
    }
    if let Some(next) = cmd.find_subcommand_mut(head) {
        plant(next, rest, copy);
    }
}

fn find_mut<'a>(cmd: &'a mut Command, path: &[&str]) -> Option<&'a mut Command> {
    match path.split_first() {
        None => Some(cmd),
        Some((head, rest)) => find_mut(cmd.find_subcommand_mut(head)?, rest),
    }
}

/// Adds the official names to the tree, in the order of [`ALIASES`] (an entry may build on a
/// group an earlier one named).
pub fn apply(mut root: Command, _ops: &[Operation]) -> Command {
    for (official, ours) in ALIASES {
        let (from, to) = (words(official), words(ours));
        let (last, parent) = from.split_last().expect("an alias has a name");
        let Some(target) = find(&root, &to).cloned() else { continue };
        let parent_owned: Vec<String> = parent.iter().map(|s| s.to_string()).collect();
        let beside = canonical(&parent_owned).iter().map(String::as_str).eq(to[..to.len() - 1].iter().copied());
        // A name already there (a former SDK name kept as a hidden command) is left alone.
        if find(&root, &from).is_some() {
            continue;
        }
        if beside {
            // The official name sits beside ours: a visible alias of the same command.
            let mut path = parent.to_vec();
            path.push(to[to.len() - 1]);
            if let Some(c) = find_mut(&mut root, &path)
                && c.get_name() != *last
            {
                *c = std::mem::take(c).visible_alias(last.to_string());
            }
        } else {
            plant(&mut root, &from, target);
        }
    }
    root
}

/// Our path for a path as clap matched it (real names, or the official names of hidden
/// copies): every prefix that is an official path is replaced by ours.
pub fn canonical(path: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in 0..path.len() {
        let raw = path[..=i].join(" ");
        match ALIASES.iter().find(|(official, _)| *official == raw) {
            Some((_, ours)) => out = words(ours).into_iter().map(String::from).collect(),
            None => out.push(path[i].clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_official_path_maps_to_ours_by_its_longest_prefix() {
        let p = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(canonical(&p("evals criteria list")), p("agents evaluations criteria list"));
        assert_eq!(canonical(&p("evals agent-runs")), p("agents evaluations runs"));
        assert_eq!(canonical(&p("email blocked add")), p("agents email blocked-senders block"));
        assert_eq!(canonical(&p("agents list")), p("agents list"));
    }
}

#[cfg(test)]
mod official {
    use super::*;

    /// The leaf commands of the official tool 1.7.0 (`../shared/reference/official-cli.md`)
    /// that this tool has, by the official names.
    const OFFICIAL: &[&str] = &[
        "agents list",
        "agents create",
        "agents get",
        "agents update",
        "agents delete",
        "agents disable",
        "agents enable",
        "agents callers",
        "agents triggers email-config",
        "agents runs list",
        "agents runs get",
        "agents runs delete",
        "agents runs cancel",
        "agents runs search",
        "agents runs download-attachment",
        "agents runs eval-results",
        "agents def get",
        "agents def update",
        "agents export",
        "agents preview-import",
        "agents upload-input",
        "agents input-status",
        "agents attachment-references",
        "agents ai gen-steps",
        "agents ai step-config",
        "agents ai history",
        "agents ai mark",
        "sources list",
        "source list",
        "sources create",
        "sources update",
        "sources upload-text",
        "sources get",
        "sources delete",
        "sources upload",
        "sources contents list",
        "sources contents status",
        "sources exports list",
        "sources exports create",
        "sources exports get",
        "sources exports cancel",
        "sources exports delete",
        "sources exports download",
        "sources exports estimate",
        "sources migration get",
        "sources migration start",
        "sources migration cancel",
        "contents get",
        "contents delete",
        "contents upload",
        "contents replace",
        "contents replace-text",
        "contents embeddings",
        "kb list",
        "kb create",
        "kb get",
        "kb update",
        "kb delete",
        "memory list",
        "memory create",
        "memory update",
        "memory get",
        "memory delete",
        "memory stats",
        "memory agents",
        "memory compact",
        "memory delete-source",
        "memory templates",
        "memory test-compaction",
        "memory test-compaction-standalone",
        "memory ai generate",
        "memory ai last",
        "memory ai accept",
        "evals criteria list",
        "evals criteria create",
        "evals criteria get",
        "evals criteria update",
        "evals criteria delete",
        "evals criteria summary",
        "evals results list",
        "evals results create",
        "evals compatible-runs",
        "evals test-draft",
        "evals agent-results",
        "evals agent-runs",
        "evals non-manual-summary",
        "solutions list",
        "solutions create",
        "solutions get",
        "solutions update",
        "solutions delete",
        "solutions convos list",
        "solutions convos add",
        "solutions convos mark",
        "solutions ai generate",
        "solutions ai kb",
        "solutions ai source",
        "solutions ai accept",
        "solutions ai decline",
        "governance ai generate",
        "governance ai list",
        "governance ai accept",
        "governance ai decline",
        "alerts list",
        "alerts get",
        "alerts status",
        "alerts comment",
        "alerts subscribe",
        "alerts unsubscribe",
        "alerts configs list",
        "alerts configs create",
        "alerts configs get",
        "alerts configs update",
        "alerts configs delete",
        "alerts prefs list",
        "alerts prefs update",
        "email domains list",
        "email domains add",
        "email domains remove",
        "email domains verify",
        "email domains set-primary",
        "email domains use-shared",
        "email domains test-email",
        "email domains dmarc",
        "email blocked list",
        "email blocked add",
        "email blocked remove",
        "email blocked auto-block-mode",
        "email inbound status",
        "email inbound rejections",
        "email inbound cancel-queued",
        "email inbound resume",
        "email optouts list",
        "email optouts remove",
        "cloud-drives providers",
        "cloud-drives list",
        "cloud-drives get",
        "cloud-drives update",
        "cloud-drives disconnect",
        "cloud-drives delete",
        "cloud-drives agents",
        "cloud-drives rejections",
        "me",
        "api-version get",
        "api-version set",
        "api-version clear",
        "models list",
        "models tiers",
        "models embedders",
        "models rerankers",
        "models get",
        "models recommendations",
        "models alerts list",
        "models alerts mark-read",
        "models alerts mark-all-read",
        "models alerts unread-count",
        "models experiments list",
        "models experiments create",
        "models experiments get",
        "models experiments cancel",
        "models experiments delete",
        "docs search",
        "ai feedback",
        "ai kb",
        "ai source",
        "ai solution",
        "ai memory",
        "ai memory-history",
        "ai accept",
        "ai decline",
        "ai memory-accept",
        "completion",
    ];

    /// Walks `path` through the tree as clap would (names and aliases), giving the real names.
    fn walk(root: &Command, path: &str) -> Option<(Vec<String>, bool)> {
        let mut at = root;
        let mut names = Vec::new();
        for word in path.split(' ') {
            at = at.find_subcommand(word)?;
            names.push(at.get_name().to_string());
        }
        Some((names, at.get_subcommands().next().is_none()))
    }

    #[test]
    fn the_whole_tree_passes_clap_s_own_checks() {
        // Duplicate names or flags anywhere in the tree fail here, not in a user's shell.
        crate::tree::root(crate::table::OPERATIONS, crate::table::GROUPS).debug_assert();
    }

    #[test]
    fn the_official_commands_reach_the_same_operations_by_their_names() {
        let root = crate::tree::root(crate::table::OPERATIONS, crate::table::GROUPS);
        let mut missing = Vec::new();
        for official in OFFICIAL {
            let Some((names, is_leaf)) = walk(&root, official) else {
                missing.push(format!("`{official}`: no such command"));
                continue;
            };
            let path = canonical(&names);
            let is = |c: &[&str]| c.iter().copied().eq(path.iter().map(String::as_str));
            let operation = crate::table::OPERATIONS.iter().any(|o| is(o.command));
            let extra = ["completion", "api-version", "auth", "configure", "mcp"].contains(&path[0].as_str())
                || path == ["agents", "run"];
            if !is_leaf || !(operation || extra) {
                missing.push(format!("`{official}` reaches `{}`, which is not an operation", path.join(" ")));
            }
        }
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }
}
