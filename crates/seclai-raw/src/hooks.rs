//! The one seam between the generated client and whoever sends its requests.
//!
//! progenitor requires the `ClientHooks` impl to sit next to the generated `Client` (the orphan
//! rule), but the policy (authentication, retries, tracing) belongs to the caller. So the hook
//! only forwards to a [`Transport`] object when one is installed.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

/// The future a [`Transport`] returns.
pub type TransportFuture<'a> = Pin<Box<dyn Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a>>;

/// Sends the requests of the generated client.
pub trait Transport: Send + Sync + 'static {
    /// Sends `request`, built by the generated method for `operation_id`, and returns the
    /// final response (after any retries the transport chooses to make).
    fn execute(&self, request: reqwest::Request, operation_id: &'static str) -> TransportFuture<'_>;
}

/// The inner state of the generated [`crate::Client`]: an optional [`Transport`].
#[derive(Clone, Default)]
pub struct Hooks {
    transport: Option<Arc<dyn Transport>>,
}

impl Hooks {
    /// Hooks that send every request through `transport`.
    pub fn with_transport(transport: Arc<dyn Transport>) -> Self {
        Self { transport: Some(transport) }
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks").field("transport", &self.transport.as_ref().map(|_| "custom")).finish()
    }
}

impl ClientHooks<Hooks> for crate::Client {
    async fn exec(&self, mut request: reqwest::Request, info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
        // progenitor adds `api-version: <info.version>`; the Seclai API versions requests with
        // `Seclai-Version` instead, so the header is noise.
        request.headers_mut().remove("api-version");
        match &self.inner().transport {
            Some(transport) => transport.execute(request, info.operation_id).await,
            None => self.client().execute(request).await,
        }
    }
}
