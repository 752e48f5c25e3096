//! Ctrl-C: the command stops, says what it leaves behind, and exits with 130.
//!
//! A streamed run goes on on the server after the client stops listening, so its id is kept
//! here as soon as the stream names it, and printed on interrupt to be fetched later.

use std::sync::Mutex;

static RUN: Mutex<Option<String>> = Mutex::new(None);

/// Remembers the run a stream belongs to.
pub fn note_run(run_id: Option<&str>) {
    if let (Some(id), Ok(mut run)) = (run_id, RUN.lock()) {
        *run = Some(id.to_string());
    }
}

/// The line printed on interrupt.
pub fn message() -> String {
    match RUN.lock().ok().and_then(|r| r.clone()) {
        Some(id) => format!("interrupted: run {id} goes on on the server; see it with `seclai agents runs get {id}`"),
        None => "interrupted".to_string(),
    }
}
