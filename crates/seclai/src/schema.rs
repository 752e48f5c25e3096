//! JSON Schemas of the request and response types (feature `schemars`).
//!
//! Every type of [`crate::types`] implements [`JsonSchema`] (schemars 1), so a tool that wants
//! a JSON Schema can take it from the SDK's own type instead of a copy written by hand:
//!
//! - an LLM's tool or structured-output definition whose arguments are a request body (the
//!   model fills in an [`AgentRunRequest`](crate::types::AgentRunRequest), the program sends
//!   it as it came);
//! - validating a user's file (an agent definition, an alert configuration) with a JSON Schema
//!   validator before it is uploaded;
//! - generating forms or documentation.
//!
//! What the schemas say is checked against the spec on every `cargo test --features schemars`
//! (`tests/schemas.rs`): the same properties, required sets, types, formats, enum values and
//! nullability for every component schema, with the few differences the generated types
//! explain (an `i64` names its format, a constant is a plain string). Open enums list their
//! known values and admit any other string (`anyOf`), since the server may add values; no
//! type rejects unknown keys.
//!
//! ```
//! use seclai::schema::schema_for;
//! use seclai::types::AgentRunRequest;
//!
//! // A tool definition for a model (the shape most LLM APIs take).
//! let tool = serde_json::json!({
//!     "name": "run_release_agent",
//!     "description": "Start the release-notes agent with this input.",
//!     "input_schema": schema_for!(AgentRunRequest),
//! });
//! assert_eq!(tool["input_schema"]["properties"]["input"]["type"], serde_json::json!(["string", "null"]));
//!
//! // What the model answers is the request body as it is.
//! let arguments = serde_json::json!({"input": "What changed in 2.4?", "priority": true});
//! let body: AgentRunRequest = serde_json::from_value(arguments)?;
//! assert_eq!(body.input.as_deref(), Some("What changed in 2.4?"));
//! # Ok::<(), serde_json::Error>(())
//! ```

pub use schemars::{JsonSchema, Schema, SchemaGenerator, schema_for};

/// The JSON Schema of the type of every component schema of the spec, by component name
/// (sorted by name; the three multipart upload forms have no type).
pub use crate::types::component_schemas;
