//! Page-style pagination (`page`, 1-based, and `limit`) and the two list envelope generations.

use std::cmp::Ordering;

use serde_json::{Value, json};

use super::Record;
use crate::server::{Ctx, Reply};

/// The legacy envelope of a list operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Legacy {
    /// `{data, pagination}`, as the canonical one.
    Data,
    /// `{<key>, page, limit, total}`.
    Flat(&'static str),
}

/// The page a list request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PageRequest {
    /// The page number, from 1.
    pub(super) page: usize,
    /// The page size.
    pub(super) limit: usize,
}

/// The page size of an operation when the request gives none (the spec's `limit` default).
fn default_limit(operation: &str) -> usize {
    match operation {
        "list_agent_runs" => 50,
        _ => 20,
    }
}

impl PageRequest {
    /// The `page` and `limit` of a request, with the spec's defaults (values the validation
    /// let through are at least 1).
    pub(super) fn of(ctx: &Ctx<'_>) -> Self {
        let number = |name: &str| ctx.query(name).and_then(|v| v.parse::<usize>().ok()).filter(|n| *n >= 1);
        Self { page: number("page").unwrap_or(1), limit: number("limit").unwrap_or(default_limit(ctx.operation)) }
    }

    /// The items of this page.
    pub(super) fn slice(&self, items: Vec<Value>) -> Vec<Value> {
        let skip = (self.page - 1).saturating_mul(self.limit);
        items.into_iter().skip(skip).take(self.limit).collect()
    }

    /// The canonical `pagination` object for `total` items.
    pub(super) fn pagination(&self, total: usize) -> Value {
        let pages = total.div_ceil(self.limit);
        json!({
            "page": self.page,
            "limit": self.limit,
            "total": total,
            "pages": pages,
            "has_next": self.page < pages,
            "has_prev": self.page > 1,
        })
    }
}

/// One page of `items` (all of them, in order) in the envelope the request asks for:
/// the canonical `{data, pagination}` with `Seclai-Version: 2026-07-27` or later, else the
/// operation's legacy one.
pub(super) fn list_reply(ctx: &Ctx<'_>, items: Vec<Value>, legacy: Legacy) -> Reply {
    let page = PageRequest::of(ctx);
    let total = items.len();
    let data = page.slice(items);
    let body = match legacy {
        Legacy::Flat(key) if !ctx.canonical_lists() => {
            json!({key: data, "page": page.page, "limit": page.limit, "total": total})
        }
        _ => json!({"data": data, "pagination": page.pagination(total)}),
    };
    Reply::json(200, &body)
}

/// Orders records by the `sort` (`created_at`, `updated_at` or `name`) and `order` (`asc`, `desc`)
/// of a request, newest first by default.
pub(super) fn sorted<'a>(ctx: &Ctx<'_>, records: impl Iterator<Item = &'a Record>) -> Vec<Value> {
    let key = ctx.query("sort").filter(|k| matches!(*k, "updated_at" | "name")).unwrap_or("created_at");
    let ascending = ctx.query("order") == Some("asc");
    let mut all: Vec<&Record> = records.collect();
    all.sort_by(|a, b| {
        let by_key = compare_field(&a.body[key], &b.body[key]).then(a.seq.cmp(&b.seq));
        if ascending { by_key } else { by_key.reverse() }
    });
    all.into_iter().map(|r| r.body.clone()).collect()
}

/// Compares two field values (strings case-insensitively; timestamps of one format sort as text).
fn compare_field(a: &Value, b: &Value) -> Ordering {
    let text = |v: &Value| v.as_str().map(str::to_lowercase).unwrap_or_default();
    text(a).cmp(&text(b))
}
