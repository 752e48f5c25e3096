//! The options every command takes, named and read from the environment as the official tool
//! does (`--api-key`/`SECLAI_API_KEY`, `--profile`/`SECLAI_PROFILE`, ...), and the client they
//! configure.
//!
//! They are defined on the root and again on every command (unless the command has a flag of
//! the same name: `sources list --account-id` is the list's filter, while
//! `seclai --account-id ORG sources list` still picks the organization), so they can be written
//! before or after the command.

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::output::Format;
use crate::values;

/// The global options.
pub fn args() -> Vec<Arg> {
    let heading = "Global options";
    vec![
        Arg::new("api-key")
            .long("api-key")
            .value_name("KEY")
            .env("SECLAI_API_KEY")
            .hide_env_values(true)
            .help("The API key (else SSO credentials of the profile)"),
        Arg::new("base-url")
            .long("base-url")
            .value_name("URL")
            .env("SECLAI_API_URL")
            .help("The API's base URL [default: https://api.seclai.com]"),
        Arg::new("profile")
            .long("profile")
            .value_name("NAME")
            .env("SECLAI_PROFILE")
            .help("The SSO profile of the config file [default: default]"),
        Arg::new("account-id")
            .long("account-id")
            .value_name("ID")
            .help("The organization account to act for (sent as X-Account-Id)"),
        Arg::new("config-dir")
            .long("config-dir")
            .value_name("PATH")
            .env("SECLAI_CONFIG_DIR")
            .help("Where the config and the SSO token cache live [default: ~/.seclai]"),
        Arg::new("api-version")
            .long("api-version")
            .value_name("DATE")
            .env("SECLAI_API_VERSION")
            .value_parser(values::text(Some(1), None))
            .help("The API version to ask for (sent as Seclai-Version)"),
        Arg::new("allow-unknown-api-version")
            .long("allow-unknown-api-version")
            .action(ArgAction::SetTrue)
            .help("Send an API version this release does not know"),
        Arg::new("format")
            .long("format")
            .value_name("FORMAT")
            .value_parser(["json", "table", "ndjson"])
            .help("Output: json (default), table, or ndjson (one JSON value per line; lists item by item)"),
        Arg::new("compact").long("compact").action(ArgAction::SetTrue).help("JSON on one line"),
        Arg::new("timeout")
            .long("timeout")
            .value_name("DURATION")
            .value_parser(values::duration())
            .help("Time limit of each request: 30, 1.5s, 500ms, 2m [default: 60s]"),
        Arg::new("max-retries")
            .long("max-retries")
            .value_name("N")
            .value_parser(values::int(Some(0), Some(100)))
            .help("Retries of a request that failed transiently [default: 2]"),
        Arg::new("quiet")
            .long("quiet")
            .short('q')
            .action(ArgAction::SetTrue)
            .help("No progress bars on stderr (they are drawn only on a terminal anyway)"),
        Arg::new("verbose")
            .long("verbose")
            .short('v')
            .action(ArgAction::Count)
            .help("Trace requests on stderr (-v, -vv, -vvv; secrets are redacted)"),
    ]
    .into_iter()
    .map(|a| a.help_heading(heading))
    .collect()
}

/// Adds the global options whose long names `taken` does not hold.
pub fn add_to(mut cmd: Command, taken: &[String]) -> Command {
    for arg in args() {
        if !taken.iter().any(|t| Some(t.as_str()) == arg.get_long()) {
            cmd = cmd.arg(arg);
        }
    }
    cmd
}

/// The global options as given: on the command, else on the root.
#[derive(Debug)]
pub struct Globals {
    /// Kept as a `Secret`: `Debug` never shows it.
    pub api_key: Option<seclai::auth::Secret>,
    pub base_url: Option<String>,
    pub profile: Option<String>,
    pub account_id: Option<String>,
    pub config_dir: Option<String>,
    pub api_version: Option<String>,
    pub allow_unknown_api_version: bool,
    pub format: Format,
    /// `--format json` was given: errors go to stderr as JSON too.
    pub json_errors: bool,
    pub compact: bool,
    pub timeout: Option<std::time::Duration>,
    pub max_retries: Option<u32>,
    pub quiet: bool,
    pub verbose: u8,
}

/// The value of `id` where it was given: the command line of the command, then of the root,
/// then the environment.
fn pick(leaf: &ArgMatches, root: &ArgMatches, id: &str) -> Option<String> {
    let given = |m: &ArgMatches, source: ValueSource| {
        m.try_get_one::<String>(id).ok().flatten().filter(|_| m.value_source(id) == Some(source)).cloned()
    };
    given(leaf, ValueSource::CommandLine)
        .or_else(|| given(root, ValueSource::CommandLine))
        .or_else(|| given(leaf, ValueSource::EnvVariable))
        .or_else(|| given(root, ValueSource::EnvVariable))
}

fn flag(leaf: &ArgMatches, root: &ArgMatches, id: &str) -> bool {
    let on = |m: &ArgMatches| m.try_get_one::<bool>(id).ok().flatten().copied().unwrap_or(false);
    on(leaf) || on(root)
}

impl Globals {
    /// Reads the global options of a parsed command line.
    pub fn read(leaf: &ArgMatches, root: &ArgMatches) -> Self {
        let count = |m: &ArgMatches| m.try_get_one::<u8>("verbose").ok().flatten().copied().unwrap_or(0);
        Self {
            api_key: pick(leaf, root, "api-key").map(seclai::auth::Secret::new),
            base_url: pick(leaf, root, "base-url"),
            profile: pick(leaf, root, "profile"),
            account_id: pick(leaf, root, "account-id"),
            config_dir: pick(leaf, root, "config-dir"),
            api_version: pick(leaf, root, "api-version"),
            allow_unknown_api_version: flag(leaf, root, "allow-unknown-api-version"),
            format: match pick(leaf, root, "format").as_deref() {
                Some("table") => Format::Table,
                Some("ndjson") => Format::Ndjson,
                _ => Format::Json,
            },
            json_errors: pick(leaf, root, "format").as_deref() == Some("json"),
            compact: flag(leaf, root, "compact"),
            timeout: pick(leaf, root, "timeout").and_then(|t| values::parse_duration(&t).ok()),
            max_retries: pick(leaf, root, "max-retries").and_then(|n| n.parse().ok()),
            quiet: flag(leaf, root, "quiet"),
            verbose: count(leaf).max(count(root)),
        }
    }

    /// The client these options describe.
    pub fn client(&self) -> seclai::Result<seclai::Client> {
        let mut b =
            seclai::ClientBuilder::from_env().user_agent_suffix(concat!("seclai-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(k) = &self.api_key {
            b = b.api_key(k.clone());
        }
        if let Some(u) = &self.base_url {
            b = b.base_url(u);
        }
        if let Some(p) = &self.profile {
            b = b.profile(p);
        }
        if let Some(d) = &self.config_dir {
            b = b.config_dir(d);
        }
        if let Some(a) = &self.account_id {
            b = b.account_id(a);
        }
        if let Some(v) = &self.api_version {
            b = b.api_version(v);
        }
        if self.allow_unknown_api_version {
            b = b.allow_unknown_api_version(true);
        }
        if let Some(t) = self.timeout {
            b = b.timeout(t);
        }
        if let Some(n) = self.max_retries {
            b = b.max_retries(n);
        }
        b.build()
    }

    /// A client that signs in with the SSO profile only (no API key from the environment):
    /// what `auth login` checks the new sign-in with.
    pub fn sso_client(&self) -> seclai::Result<seclai::Client> {
        let mut b = seclai::ClientBuilder::new().profile(self.profile.clone().unwrap_or_else(|| "default".into()));
        if let Ok(d) = crate::auth::config_dir(self) {
            b = b.config_dir(d);
        }
        if let Some(u) = &self.base_url {
            b = b.base_url(u);
        }
        if let Some(v) = &self.api_version {
            b = b.api_version(v);
        }
        b.build()
    }

    /// Sends the SDK's traces to stderr at the chosen verbosity (the SDK redacts secrets).
    pub fn init_tracing(&self) {
        let level = match self.verbose {
            0 => return,
            1 => tracing::Level::INFO,
            2 => tracing::Level::DEBUG,
            _ => tracing::Level::TRACE,
        };
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(level)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init();
    }
}
