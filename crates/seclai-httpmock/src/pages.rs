//! Lists split into pages, in the envelope of a chosen API version.

use httpmock::{Method, Mock, MockServer};
use serde_json::{Value, json};

/// How a list operation pages (from the spec's `x-seclai-pagination`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `page` (from 1) and `limit`.
    Page,
    /// `offset` and `limit`.
    Offset,
    /// One page only.
    Limit,
}

/// The envelope a list answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Envelope {
    /// `{data, pagination: {page, limit, total, pages, has_next, has_prev}}`: what every list
    /// answers with `Seclai-Version: 2026-07-27` and later.
    Canonical,
    /// The operation's own envelope before 2026-07-27: the items under its key (`agents`,
    /// `items`, ...) with `total` (and `page`, `limit` for page-style lists), or a bare array.
    Legacy,
}

/// The body of page `index` (from 0) of `items`.
fn page_body(
    style: Style,
    key: Option<&str>,
    items: &[Value],
    index: usize,
    limit: usize,
    envelope: Envelope,
) -> Value {
    let limit = limit.max(1);
    let pages = items.len().div_ceil(limit).max(1);
    let chunk: Vec<Value> = items.iter().skip(index * limit).take(limit).cloned().collect();
    match envelope {
        Envelope::Canonical => json!({
            "data": chunk,
            "pagination": {
                "page": index + 1, "limit": limit, "total": items.len(), "pages": pages,
                "has_next": index + 1 < pages, "has_prev": index > 0,
            }
        }),
        Envelope::Legacy => match key {
            None => Value::Array(chunk),
            Some(key) => {
                let mut body = json!({ key: chunk, "total": items.len() });
                if style == Style::Page {
                    body["page"] = json!(index + 1);
                    body["limit"] = json!(limit);
                }
                body
            }
        },
    }
}

/// One mock per page of `items` at `template`, matched by the page's `page` or `offset`.
#[allow(clippy::too_many_arguments)]
#[doc(hidden)]
pub fn mock_all<'a>(
    server: &'a MockServer,
    method: Method,
    template: &str,
    style: Style,
    key: Option<&'static str>,
    items: Vec<Value>,
    limit: usize,
    envelope: Envelope,
) -> Vec<Mock<'a>> {
    let limit = limit.max(1);
    let pages = if style == Style::Limit { 1 } else { items.len().div_ceil(limit).max(1) };
    let path = crate::paths::template(template);
    let method = method.to_string();
    (0..pages)
        .map(|index| {
            let body = if style == Style::Limit {
                page_body(style, key, &items, 0, items.len().max(1), envelope)
            } else {
                page_body(style, key, &items, index, limit, envelope)
            };
            let path = path.clone();
            let method = method.clone();
            server.mock(move |when, then| {
                let when = when.method(method.as_str()).path_matches(path);
                let _ = match style {
                    Style::Page => when.query_param("page", (index + 1).to_string()),
                    Style::Offset => when.query_param("offset", (index * limit).to_string()),
                    Style::Limit => when,
                };
                then.status(200u16).header("content-type", "application/json").json_body(body);
            })
        })
        .collect()
}
