//! Support for the JSON Schemas of the types (feature `schemars`).

use std::borrow::Cow;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator};

/// The schema of a field the spec requires but allows to be null: `T` or `null`, and listed in
/// `required`. (schemars lists no `Option` field in `required`, since serde reads a missing one
/// as `None`; its `required` attribute drops the `null` instead.) Used by the generated types
/// as `#[schemars(with = "RequiredNullable<T>")]`; never constructed.
pub struct RequiredNullable<T>(PhantomData<T>);

impl<T: JsonSchema> JsonSchema for RequiredNullable<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        <Option<T>>::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        <Option<T>>::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        <Option<T>>::json_schema(generator)
    }
}
