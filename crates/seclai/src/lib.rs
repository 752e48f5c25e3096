//! Rust SDK for the Seclai API.

#![deny(missing_docs)]

pub use seclai_raw::types;
