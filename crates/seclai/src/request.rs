//! The escape hatch: any method and path, through the same credentials, retries and errors.

use std::borrow::Cow;

use bytes::Bytes;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::call::{Call, Operation};
use crate::client::{Body, Client};
use crate::error::{Result, decode_json};
use crate::transport::Expect;

impl Client {
    /// A request to any path of the API (for endpoints newer than this release), sent with
    /// the client's credentials, headers, retries and error mapping.
    ///
    /// ```no_run
    /// # async fn demo(client: seclai::Client) -> seclai::Result<()> {
    /// let answer: serde_json::Value = client
    ///     .request(reqwest::Method::GET, "/agents")
    ///     .query("limit", 5)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn request(&self, method: Method, path: impl Into<String>) -> RawRequest {
        let mut call = Call::new(self.clone(), &REQUEST);
        call.method = method;
        call.path = path.into();
        if !call.path.starts_with('/') || call.path.contains(['?', '#']) {
            let problem = format!("path `{}` must start with `/` and carry no query (use `.query`)", call.path);
            call.fail(problem);
        }
        RawRequest { call }
    }
}

/// The escape hatch as an operation: any method (set per request) and path, JSON answers.
static REQUEST: Operation = Operation { id: "request", method: Method::GET, pagination: None, expect: Expect::Json };

/// A request built with [`Client::request`]: a call like every operation's, with the method,
/// path and query given by the caller.
#[derive(Debug, Clone)]
#[must_use = "call `.send()` to make the request"]
pub struct RawRequest {
    call: Call,
}

impl RawRequest {
    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.call.query.push((Cow::Owned(key.into()), value.to_string()));
        self
    }

    /// Sets a JSON body.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_vec(body) {
            Ok(b) => self.call.body = Body::Json(Bytes::from(b)),
            Err(e) => self.call.fail(format!("cannot serialize the body: {e}")),
        }
        self
    }

    crate::call::request_options!();

    /// Sends the request and decodes the JSON answer into `T` (use `serde_json::Value` for
    /// anything). An empty answer decodes as JSON `null`.
    pub async fn send<T: DeserializeOwned>(self) -> Result<T> {
        self.call.check()?;
        let f = self.call.client.execute_bytes(self.call.request()).await?;
        let bytes: &[u8] = if f.bytes.iter().all(u8::is_ascii_whitespace) { b"null" } else { &f.bytes };
        decode_json(bytes, f.status, f.secrets(), || (f.context(), f.request_id()))
    }

    /// Sends the request and returns the successful response as it came, whatever its content
    /// type (for files). A redirect to another origin is followed without credentials, as for
    /// [`crate::download`]s; `timeout` bounds the wait for the answer to start.
    pub async fn send_raw(mut self) -> Result<reqwest::Response> {
        self.call.check()?;
        self.call.expect = Expect::File;
        self.call.client.execute(self.call.request()).await
    }
}
