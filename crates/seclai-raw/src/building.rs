//! What the generated builders rest on: the error they report, and the traits that let an
//! operation take either a value or its builder.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// A value a builder could not build: every missing or invalid field, by its JSON name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    type_name: &'static str,
    problems: Vec<String>,
}

impl BuildError {
    /// An error of type `type_name` with these problems (one per field).
    pub fn new(type_name: &'static str, problems: Vec<String>) -> Self {
        Self { type_name, problems }
    }

    /// The type that could not be built.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// One line per problem: ``"`name` is required"``, ``"`description`: longer than 255 characters"``.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.type_name, self.problems.join("; "))
    }
}

impl std::error::Error for BuildError {}

/// A value of `T`, or something that builds one (its builder): what a setter of a nested type,
/// or an operation's body, accepts.
pub trait Buildable<T> {
    /// The value, or why it could not be built.
    fn build_value(self) -> Result<T, BuildError>;
}

impl<T> Buildable<T> for T {
    fn build_value(self) -> Result<T, BuildError> {
        Ok(self)
    }
}

/// A request body of type `T`, as the JSON to send: a value of `T`, its builder (which may
/// also send explicit `null`s), or raw JSON checked against `T` (`seclai::dynamic`).
pub trait IntoBody<T> {
    /// The JSON to send, or why it could not be made.
    fn into_json(self) -> Result<Value, BuildError>;
}

impl<T: Serialize> IntoBody<T> for T {
    fn into_json(self) -> Result<Value, BuildError> {
        serde_json::to_value(self).map_err(|e| BuildError::new(std::any::type_name::<T>(), vec![e.to_string()]))
    }
}

/// A UUID given as text or as a `Uuid`.
pub trait IntoUuid {
    /// The UUID, or why the text is not one.
    fn into_uuid(self) -> Result<uuid::Uuid, String>;
}

impl IntoUuid for uuid::Uuid {
    fn into_uuid(self) -> Result<uuid::Uuid, String> {
        Ok(self)
    }
}

impl IntoUuid for &uuid::Uuid {
    fn into_uuid(self) -> Result<uuid::Uuid, String> {
        Ok(*self)
    }
}

impl IntoUuid for &str {
    fn into_uuid(self) -> Result<uuid::Uuid, String> {
        uuid::Uuid::parse_str(self).map_err(|_| format!("`{self}` is not a UUID"))
    }
}

impl IntoUuid for String {
    fn into_uuid(self) -> Result<uuid::Uuid, String> {
        self.as_str().into_uuid()
    }
}

impl IntoUuid for &String {
    fn into_uuid(self) -> Result<uuid::Uuid, String> {
        self.as_str().into_uuid()
    }
}

/// The value of a builder slot; an invalid one is recorded as a problem of its field.
#[doc(hidden)]
pub fn take<T>(slot: Option<Result<T, String>>, field: &str, problems: &mut Vec<String>) -> Option<T> {
    match slot? {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(format!("`{field}`: {e}"));
            None
        }
    }
}

/// A required value: its absence (when it was not already reported invalid) is a problem.
#[doc(hidden)]
pub fn require<T>(value: Option<T>, field: &str, problems: &mut Vec<String>) -> Option<T> {
    let prefix = format!("`{field}`");
    if value.is_none() && !problems.iter().any(|p| p.starts_with(&prefix)) {
        problems.push(format!("{prefix} is required"));
    }
    value
}

/// The built value, or the problems found.
#[doc(hidden)]
pub fn finish<T>(type_name: &'static str, built: Option<T>, problems: Vec<String>) -> Result<T, BuildError> {
    match built {
        Some(v) if problems.is_empty() => Ok(v),
        _ => Err(BuildError::new(type_name, problems)),
    }
}

/// A built value as JSON, with `nulls` sent as explicit `null`s.
#[doc(hidden)]
pub fn to_json<T: Serialize>(type_name: &'static str, value: T, nulls: &[&str]) -> Result<Value, BuildError> {
    let mut json = serde_json::to_value(value).map_err(|e| BuildError::new(type_name, vec![e.to_string()]))?;
    if let Some(map) = json.as_object_mut() {
        for n in nulls {
            map.insert((*n).to_string(), Value::Null);
        }
    }
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_name_their_fields_once() {
        let mut problems = Vec::new();
        assert_eq!(take(Some(Err::<u8, _>("longer than 255 characters".into())), "name", &mut problems), None);
        assert_eq!(require(None::<u8>, "name", &mut problems), None, "already reported as invalid");
        assert_eq!(require(None::<u8>, "source_ids", &mut problems), None);
        let e = finish::<u8>("CreateKnowledgeBaseBody", None, problems).unwrap_err();
        assert_eq!(
            e.to_string(),
            "CreateKnowledgeBaseBody: `name`: longer than 255 characters; `source_ids` is required"
        );
        assert_eq!(finish("X", Some(1), Vec::new()), Ok(1));
    }

    #[test]
    fn uuids_from_text_or_values() {
        let u = uuid::Uuid::nil();
        assert_eq!(u.to_string().into_uuid(), Ok(u));
        assert!("not-a-uuid".into_uuid().unwrap_err().contains("not a UUID"));
    }
}
