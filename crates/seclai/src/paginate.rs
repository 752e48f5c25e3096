//! Auto-pagination over every list envelope the API sends.
//!
//! Each list operation is described by data (generated from `x-seclai-pagination` in the
//! spec): how it pages (`page`, `offset` or `limit` only) and where its items are in the
//! legacy envelope. One decoder reads both envelope generations (the legacy per-endpoint
//! shapes, bare arrays included, and the canonical `{data, pagination}` of
//! `Seclai-Version: 2026-07-27`), and one stream walks the pages.

use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::call::Call;
use crate::error::{DecodeError, Error, RequestContext, Result, decode_with};

/// How a list operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `page` (1-based) and `limit`.
    Page,
    /// `limit` and `offset`.
    Offset,
    /// `limit` only: one page.
    Limit,
}

/// What the spec says of a list operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pagination {
    pub(crate) style: Style,
    /// The key of the items in the legacy envelope; `None` when it is a bare array.
    pub(crate) items: Option<&'static str>,
    /// The server's page size when the request gives none.
    pub(crate) default_limit: Option<i64>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The total number of items, when the server says.
    pub total: Option<u64>,
    /// This page's number (page-style lists), when the server says.
    pub page: Option<u64>,
    /// The page size the server applied, when it says.
    pub limit: Option<u64>,
    /// The number of pages, when the server says.
    pub pages: Option<u64>,
    /// Whether another page follows (`pagination.has_next`, or `has_more`), when the server says.
    pub has_next: Option<bool>,
    /// Any other field of the envelope (e.g. `auto_block_mode`), kept as JSON.
    pub extra: Map<String, Value>,
    /// Where this page was asked for, to tell whether another follows.
    #[serde(skip)]
    asked: Asked,
}

/// What the request of a page asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Asked {
    style: Option<Style>,
    /// The page number or the offset asked for.
    position: u64,
    /// The `limit` sent (or the spec's default).
    limit: Option<u64>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            total: None,
            page: None,
            limit: None,
            pages: None,
            has_next: None,
            extra: Map::new(),
            asked: Asked::default(),
        }
    }
}

impl<T> Page<T> {
    /// Whether another page follows, from whatever the envelope gave: `has_next` (or
    /// `has_more`), else `total` against what this page reaches, else a full page (as many
    /// items as the limit) means probably more and a short one means none. A list that does
    /// not page (`limit` only) never has more; an empty page ends any list.
    pub fn has_more(&self) -> bool {
        let n = self.items.len() as u64;
        if n == 0 || self.asked.style == Some(Style::Limit) {
            return false;
        }
        if let Some(has_next) = self.has_next {
            return has_next;
        }
        let limit = self.limit.or(self.asked.limit);
        if let Some(total) = self.total {
            let reached = match self.asked.style {
                Some(Style::Offset) => self.asked.position + n,
                // Pages before this one were full.
                _ => limit.map_or(n, |l| self.asked.position.saturating_sub(1) * l + n),
            };
            return reached < total;
        }
        limit.is_none_or(|l| n >= l)
    }
}

/// The canonical `pagination` object.
#[derive(Deserialize, Default)]
struct PaginationInfo {
    #[serde(default)]
    page: Option<u64>,
    #[serde(default)]
    limit: Option<u64>,
    #[serde(default)]
    total: Option<u64>,
    #[serde(default)]
    pages: Option<u64>,
    #[serde(default)]
    has_next: Option<bool>,
}

/// Decodes either envelope generation into a [`Page`].
struct EnvelopeSeed<T> {
    items_key: Option<&'static str>,
    _t: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for EnvelopeSeed<T> {
    type Value = Page<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> std::result::Result<Page<T>, D::Error> {
        deserializer.deserialize_any(EnvelopeVisitor::<T> { items_key: self.items_key, _t: PhantomData })
    }
}

struct EnvelopeVisitor<T> {
    items_key: Option<&'static str>,
    _t: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for EnvelopeVisitor<T> {
    type Value = Page<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list envelope (an object with the items, or an array)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Page<T>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Page { items, ..Page::default() })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Page<T>, A::Error> {
        let mut page = Page::default();
        let mut found = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let key: &str = &key;
            if key == "data" || Some(key) == self.items_key {
                if found {
                    // Both keys present: keep the first list, never mix them.
                    let extra: Value = map.next_value()?;
                    page.extra.insert(key.to_string(), extra);
                    continue;
                }
                page.items = map.next_value()?;
                found = true;
                continue;
            }
            match key {
                "pagination" => {
                    let p: Option<PaginationInfo> = map.next_value()?;
                    let p = p.unwrap_or_default();
                    page.page = page.page.or(p.page);
                    page.limit = page.limit.or(p.limit);
                    page.total = page.total.or(p.total);
                    page.pages = p.pages;
                    page.has_next = page.has_next.or(p.has_next);
                }
                "total" => page.total = map.next_value::<Option<u64>>()?.or(page.total),
                "page" => page.page = map.next_value::<Option<u64>>()?.or(page.page),
                "limit" => page.limit = map.next_value::<Option<u64>>()?.or(page.limit),
                "has_more" | "has_next" => page.has_next = map.next_value::<Option<bool>>()?.or(page.has_next),
                _ => {
                    let v: Value = map.next_value()?;
                    page.extra.insert(key.to_string(), v);
                }
            }
        }
        if !found {
            let key = self.items_key.unwrap_or("data");
            return Err(serde::de::Error::custom(format!("the list has no `{key}` (or `data`) array")));
        }
        Ok(page)
    }
}

/// Decodes a list body into a page (see [`crate::error::decode_with`]).
pub(crate) fn decode_page<T: DeserializeOwned>(
    bytes: &[u8],
    items_key: Option<&'static str>,
    context: &RequestContext,
    status: u16,
    request_id: Option<String>,
    secrets: &crate::redact::Secrets,
) -> Result<Page<T>> {
    decode_with(bytes, || EnvelopeSeed::<T> { items_key, _t: PhantomData }).map_err(|(path, message)| {
        DecodeError::error(context.clone(), status, path, message, bytes, request_id, secrets)
    })
}

/// A fingerprint of a page's items: count, first and last item. Two consecutive pages with
/// the same fingerprint mean the server ignored the paging parameter.
fn fingerprint<T: Serialize>(items: &[T]) -> Option<u64> {
    let first = items.first()?;
    let mut h = DefaultHasher::new();
    items.len().hash(&mut h);
    serde_json::to_vec(first).ok()?.hash(&mut h);
    serde_json::to_vec(items.last()?).ok()?.hash(&mut h);
    Some(h.finish())
}

/// Where the walk is.
struct Walk {
    call: Call,
    pagination: Pagination,
    /// Next page number or offset; `None` when done.
    next: Option<u64>,
    fetched: u64,
    last_fingerprint: Option<u64>,
}

impl Walk {
    fn new(call: Call) -> Self {
        // Only list operations have `pages()`; anything else is walked as one page.
        let pagination =
            call.op.pagination.unwrap_or(Pagination { style: Style::Limit, items: None, default_limit: None });
        let start = asked(&call).position;
        Self { call, pagination, next: Some(start), fetched: 0, last_fingerprint: None }
    }

    async fn fetch<T: DeserializeOwned + Serialize>(&mut self) -> Result<Option<Page<T>>> {
        let Some(position) = self.next else { return Ok(None) };
        let mut call = self.call.clone();
        match self.pagination.style {
            Style::Page => call.query_display("page", position),
            Style::Offset => call.query_display("offset", position),
            Style::Limit => {}
        }
        let page: Page<T> = fetch_page(call, self.pagination.items).await?;
        let n = page.items.len() as u64;
        self.fetched += n;

        let fp = fingerprint(&page.items);
        if fp.is_some() && fp == self.last_fingerprint {
            return Err(self.protocol(format!(
                "the server returned the same items again at {} {position}; stopping instead of looping",
                if self.pagination.style == Style::Page { "page" } else { "offset" }
            )));
        }
        self.last_fingerprint = fp;
        if self.pagination.style == Style::Page && page.page.is_some_and(|p| p != position) {
            return Err(self.protocol(format!(
                "asked for page {position} but the server answered page {}; stopping instead of looping",
                page.page.unwrap_or_default()
            )));
        }
        let more = page.has_more() && page.total.is_none_or(|t| self.fetched < t);
        self.next = more.then(|| match self.pagination.style {
            Style::Page => position + 1,
            _ => position + n,
        });
        Ok(Some(page))
    }

    fn protocol(&self, message: String) -> Error {
        Error::Protocol { operation: self.call.op.id, message }
    }
}

/// Sends one list request and decodes its page.
pub(crate) async fn fetch_page<T: DeserializeOwned>(call: Call, items_key: Option<&'static str>) -> Result<Page<T>> {
    call.check()?;
    let asked = asked(&call);
    let f = call.client.execute_bytes(call.request()).await?;
    let mut page = decode_page(&f.bytes, items_key, &f.context(), f.status.as_u16(), f.request_id(), f.secrets())?;
    page.asked = asked;
    Ok(page)
}

/// What a list request asks for: its style, page or offset, and limit.
fn asked(call: &Call) -> Asked {
    let query = |name: &str| call.query.iter().find(|(k, _)| *k == name).and_then(|(_, v)| v.parse::<u64>().ok());
    let Some(p) = call.op.pagination else { return Asked::default() };
    let position = match p.style {
        Style::Page => query("page").unwrap_or(1),
        Style::Offset => query("offset").unwrap_or(0),
        Style::Limit => 0,
    };
    let limit = query("limit").or(p.default_limit.and_then(|l| u64::try_from(l).ok()));
    Asked { style: Some(p.style), position, limit }
}

/// A stream of the pages of a list, starting at the builder's page (or offset).
pub(crate) fn pages<T>(call: Call) -> BoxStream<'static, Result<Page<T>>>
where
    T: DeserializeOwned + Serialize + Send + 'static,
{
    stream::try_unfold(Walk::new(call), |mut walk| async move { Ok(walk.fetch::<T>().await?.map(|page| (page, walk))) })
        .boxed()
}

/// A stream of the items of a list, page after page.
pub(crate) fn items<T>(call: Call) -> BoxStream<'static, Result<T>>
where
    T: DeserializeOwned + Serialize + Send + 'static,
{
    Items { pages: pages::<T>(call), current: Vec::new().into_iter() }.boxed()
}

/// The items of the pages, handed out straight from each page's vector: one step per item,
/// with no nested stream machinery.
struct Items<T> {
    pages: BoxStream<'static, Result<Page<T>>>,
    current: std::vec::IntoIter<T>,
}

impl<T> Unpin for Items<T> {}

impl<T> futures::Stream for Items<T> {
    type Item = Result<T>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<T>>> {
        loop {
            if let Some(item) = self.current.next() {
                return std::task::Poll::Ready(Some(Ok(item)));
            }
            match futures::ready!(self.pages.as_mut().poll_next(cx)) {
                Some(Ok(page)) => self.current = page.items.into_iter(),
                Some(Err(e)) => return std::task::Poll::Ready(Some(Err(e))),
                None => return std::task::Poll::Ready(None),
            }
        }
    }
}

/// Collects the items of a list, stopping after `max` items when given.
pub(crate) async fn collect<T>(call: Call, max: Option<usize>) -> Result<Vec<T>>
where
    T: DeserializeOwned + Serialize + Send + 'static,
{
    let mut out = Vec::new();
    let mut s = pages::<T>(call);
    while let Some(page) = s.try_next().await? {
        out.extend(page.items);
        if let Some(max) = max.filter(|m| out.len() >= *m) {
            out.truncate(max);
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> RequestContext {
        RequestContext::new("list_things", reqwest::Method::GET, "/things")
    }

    fn decode(body: &str, key: Option<&'static str>) -> Result<Page<Value>> {
        decode_page(body.as_bytes(), key, &ctx(), 200, None, &Default::default())
    }

    fn page_asked(
        body: &str,
        key: Option<&'static str>,
        style: Style,
        position: u64,
        limit: Option<u64>,
    ) -> Page<Value> {
        let mut p = decode(body, key).unwrap();
        p.asked = Asked { style: Some(style), position, limit };
        p
    }

    #[test]
    fn has_more_reads_whatever_the_envelope_gives() {
        // has_next (canonical envelope).
        let canonical = r#"{"data":[1,2],"pagination":{"page":1,"limit":2,"total":5,"pages":3,"has_next":true}}"#;
        assert!(page_asked(canonical, Some("data"), Style::Page, 1, Some(2)).has_more());
        let last = r#"{"data":[5],"pagination":{"page":3,"limit":2,"total":5,"pages":3,"has_next":false}}"#;
        assert!(!page_asked(last, Some("data"), Style::Page, 3, Some(2)).has_more());
        // total with page numbers, and with offsets.
        let flat = r#"{"knowledge_bases":[1,2],"page":2,"limit":2,"total":5}"#;
        assert!(page_asked(flat, Some("knowledge_bases"), Style::Page, 2, Some(2)).has_more(), "4 of 5");
        let offset = r#"{"items":[1,2],"total":4}"#;
        assert!(!page_asked(offset, Some("items"), Style::Offset, 2, Some(2)).has_more(), "offset 2 + 2 of 4");
        assert!(page_asked(offset, Some("items"), Style::Offset, 0, Some(2)).has_more());
        // Neither: a full page means more, a short one none.
        assert!(page_asked("[1,2]", None, Style::Page, 1, Some(2)).has_more());
        assert!(!page_asked("[1]", None, Style::Page, 1, Some(2)).has_more());
        // An empty page, and a list that does not page, never have more.
        assert!(!page_asked("[]", None, Style::Page, 1, Some(2)).has_more());
        assert!(!page_asked("[1,2]", None, Style::Limit, 0, Some(2)).has_more());
    }

    #[test]
    fn every_envelope_generation_decodes() {
        let canonical = decode(
            r#"{"data":[1,2],"pagination":{"page":1,"limit":2,"total":5,"pages":3,"has_next":true,"has_prev":false}}"#,
            Some("knowledge_bases"),
        )
        .unwrap();
        assert_eq!(
            (canonical.items.len(), canonical.total, canonical.has_next, canonical.pages),
            (2, Some(5), Some(true), Some(3))
        );
        let legacy =
            decode(r#"{"knowledge_bases":[1],"page":2,"limit":20,"total":21}"#, Some("knowledge_bases")).unwrap();
        assert_eq!((legacy.items.len(), legacy.page, legacy.limit, legacy.total), (1, Some(2), Some(20), Some(21)));
        let flat = decode(r#"{"data":[1],"total":1,"page":1,"limit":20}"#, Some("data")).unwrap();
        assert_eq!(flat.total, Some(1));
        let bare = decode("[1,2,3]", None).unwrap();
        assert_eq!(bare.items.len(), 3);
        let offset = decode(r#"{"items":[1],"total":9,"auto_block_mode":"strict"}"#, Some("items")).unwrap();
        assert_eq!(offset.extra.get("auto_block_mode"), Some(&Value::from("strict")));
        let intro = decode(r#"{"data":[1],"has_more":false,"total":1}"#, Some("data")).unwrap();
        assert_eq!(intro.has_next, Some(false));
    }

    #[test]
    fn a_list_without_items_is_an_error_not_an_empty_page() {
        let e = decode(r#"{"total":3}"#, Some("configs")).unwrap_err().to_string();
        assert!(e.contains("no `configs`"), "{e}");
    }

    #[test]
    fn a_bad_item_reports_its_path() {
        #[derive(Debug, Deserialize, Serialize)]
        struct Agent {
            #[allow(dead_code)]
            id: String,
        }
        let e = decode_page::<Agent>(
            br#"{"data":[{"id":"a"},{"id":7}]}"#,
            Some("data"),
            &ctx(),
            200,
            Some("req-1".into()),
            &Default::default(),
        )
        .unwrap_err();
        match e {
            Error::Decode(d) => {
                assert_eq!(d.path, "data[1].id");
                assert_eq!(d.request_id.as_deref(), Some("req-1"));
            }
            other => panic!("{other:?}"),
        }
    }
}
