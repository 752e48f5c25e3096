//! The escape hatch: any method and path, through the same credentials, retries and errors.

use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::{Body, Client, Request, RequestOptions};
use crate::error::decode_json;
use crate::error::{Error, Result};
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
        RawRequest {
            client: self.clone(),
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            options: RequestOptions::default(),
            invalid: None,
        }
    }
}

/// A request built with [`Client::request`].
#[derive(Debug, Clone)]
#[must_use = "call `.send()` to make the request"]
pub struct RawRequest {
    client: Client,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Bytes>,
    options: RequestOptions,
    invalid: Option<String>,
}

impl RawRequest {
    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((key.into(), value.to_string()));
        self
    }

    /// Sets a JSON body.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_vec(body) {
            Ok(b) => self.body = Some(Bytes::from(b)),
            Err(e) => self.invalid = Some(format!("cannot serialize the body: {e}")),
        }
        self
    }

    /// Overrides the client's timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Overrides the client's retry budget for this request.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.options.max_retries = Some(retries);
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Err(e) = self.options.header(name, value) {
            self.invalid.get_or_insert(e);
        }
        self
    }

    fn check(&self) -> Result<()> {
        if let Some(e) = &self.invalid {
            return Err(Error::invalid(e.clone()));
        }
        if !self.path.starts_with('/') || self.path.contains(['?', '#']) {
            return Err(Error::invalid(format!(
                "request path `{}` must start with `/` and carry no query (use `.query`)",
                self.path
            )));
        }
        Ok(())
    }

    fn query_pairs(&self) -> Vec<(&str, String)> {
        self.query.iter().map(|(k, v)| (k.as_str(), v.clone())).collect()
    }

    fn request<'a>(&'a self, query: &'a [(&'a str, String)]) -> Request<'a> {
        Request {
            operation: "request",
            method: self.method.clone(),
            path: &self.path,
            query,
            body: self.body.clone().map_or(Body::Empty, Body::Json),
            options: &self.options,
            total_timeout: true,
            accept: None,
            expect: Expect::Json,
            url: None,
        }
    }

    /// Sends the request and decodes the JSON answer into `T` (use `serde_json::Value` for
    /// anything). An empty answer decodes as JSON `null`.
    pub async fn send<T: DeserializeOwned>(self) -> Result<T> {
        self.check()?;
        let query = self.query_pairs();
        let f = self.client.execute_bytes(self.request(&query)).await?;
        let bytes: &[u8] = if f.bytes.iter().all(u8::is_ascii_whitespace) { b"null" } else { &f.bytes };
        decode_json(bytes, f.status, f.secrets(), || (f.context(), f.request_id()))
    }

    /// Sends the request and returns the successful response as it came, whatever its content
    /// type (for files). A redirect to another origin is followed without credentials, as for
    /// [`crate::download`]s.
    pub async fn send_raw(self) -> Result<reqwest::Response> {
        self.check()?;
        let query = self.query_pairs();
        let request = Request { expect: Expect::File, ..self.request(&query) };
        self.client.execute(request).await
    }
}
