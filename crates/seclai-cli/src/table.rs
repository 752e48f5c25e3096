//! The shapes of the command table that `build.rs` generates from the spec
//! (`seclai_codegen::cli`): one [`Operation`] per operation of the API, and the resource
//! [`Group`]s with their descriptions. The table is data; `tree` turns it into clap commands.

/// How an operation is sent and answered, which decides who runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// JSON in, JSON out: through `seclai::dynamic`.
    Json,
    /// A multipart upload: `files::upload`.
    Upload,
    /// An event stream: `run`.
    Stream,
    /// A file: `files::download`.
    Download,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A positional argument, in the order of the path.
    Path,
    /// A flag.
    Query,
}

/// What a parameter or body field takes, with the spec's limits (checked before sending).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// Text, with its length limits.
    Text { min_len: Option<u64>, max_len: Option<u64> },
    /// A UUID.
    Uuid,
    /// Several texts: a flag given once per value.
    TextList { max_items: Option<u64>, uuid: bool },
    /// An integer within inclusive bounds.
    Int { min: Option<i64>, max: Option<i64> },
    /// A number within bounds (`exclusive_min`: strictly above `min`).
    Number { min: Option<f64>, max: Option<f64>, exclusive_min: bool },
    /// `true` or `false`.
    Bool,
    /// An RFC 3339 date-time.
    DateTime,
    /// A date (`YYYY-MM-DD`).
    Date,
    /// One of these values.
    Enum(&'static [&'static str]),
    /// A JSON value (objects of a body).
    Json,
}

/// A path or query parameter.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// The name in the spec (and on the wire).
    pub name: &'static str,
    pub location: Location,
    pub required: bool,
    pub value: Value,
    /// The spec's description (first paragraph).
    pub help: &'static str,
}

/// A top-level field of a JSON body, settable with a flag.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    pub value: Value,
    pub help: &'static str,
}

/// A JSON request body.
#[derive(Debug, Clone, Copy)]
pub struct Body {
    /// The component schema's name.
    pub schema: &'static str,
    /// Whether the operation needs a body.
    pub required: bool,
    /// The fields that have flags.
    pub fields: &'static [Field],
}

/// How a list pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// `page` and `limit`.
    Page,
    /// `offset` and `limit`.
    Offset,
    /// One request, `limit` at most.
    Limit,
}

/// One operation, as a command.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// The operation id.
    pub id: &'static str,
    /// The command path (`["agents", "runs", "get"]`).
    pub command: &'static [&'static str],
    /// Former command paths (the SDK's deprecated names), kept as hidden aliases.
    pub former: &'static [&'static [&'static str]],
    pub kind: Kind,
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    pub params: &'static [Param],
    pub body: Option<Body>,
    pub paging: Option<Paging>,
}

/// A resource group (`agents`, `agents runs`).
#[derive(Debug, Clone, Copy)]
pub struct Group {
    pub command: &'static [&'static str],
    pub about: &'static str,
}

mod generated {
    include!(concat!(env!("OUT_DIR"), "/cli.rs"));
}

pub(crate) use generated::{GROUPS, OPERATIONS};
