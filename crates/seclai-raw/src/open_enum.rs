//! Support for the generated open enums.

use std::fmt;

/// An enum value that this version of the SDK does not know.
///
/// Only this crate creates one (when decoding or converting a string), so a known value always
/// becomes its own variant and never hides in `Unknown`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    pub(crate) fn new(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The value as the server sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Deserializes any open enum from a string without allocating for known values.
pub fn deserialize_open_enum<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    struct Visitor<T>(std::marker::PhantomData<T>);
    impl<T: for<'a> From<&'a str>> serde::de::Visitor<'_> for Visitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            Ok(T::from(v))
        }
    }
    deserializer.deserialize_str(Visitor(std::marker::PhantomData))
}

/// The JSON Schema of an open enum (feature `schemars`): the values this version knows, and,
/// because the enum is open, any other string: `anyOf` of the two, so that a tool that
/// validates with it lists the known values without rejecting one the server adds later.
#[cfg(feature = "schemars")]
pub fn open_enum_schema(known: &[&str], description: &str) -> schemars::Schema {
    schemars::json_schema!({
        "description": description,
        "anyOf": [
            { "type": "string", "enum": known },
            { "type": "string", "description": "A value added after this version of the SDK." }
        ]
    })
}
