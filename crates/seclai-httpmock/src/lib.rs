//! Typed [httpmock](https://docs.rs/httpmock) mocks of every operation of the Seclai API.
//!
//! The crate's README, below, is its documentation; its example runs as a doctest.
#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod pages;
pub mod paths;
pub mod sse;

/// The request and response types the mocks take: `seclai`'s own.
pub use seclai::types;

#[allow(missing_docs, clippy::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/mocks.rs"));
}

pub use generated::*;

/// JSON of a value the mocks send or expect. The values are the SDK's own types, which always
/// serialize.
pub(crate) fn to_json(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_else(|e| panic!("seclai-httpmock: a value did not serialize: {e}"))
}
