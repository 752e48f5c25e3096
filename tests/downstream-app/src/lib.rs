//! A stand-in for an application that uses `seclai` beside a reqwest client of its own.

/// Builds the application's own HTTP client the way most applications do.
pub fn own_http_client() -> reqwest::Client {
    reqwest::Client::new()
}
