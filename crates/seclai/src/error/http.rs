//! What reqwest reports, as this crate's errors; reading an answer's body whole; decoding JSON
//! with the path of a failure. Every request path uses these, so that the same failure reads
//! the same wherever it happens.

use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed};

use super::{ApiError, ApiErrorKind, BodyError, DecodeError, Error, ErrorBody, RequestContext, Result};
use crate::redact::Secrets;
use crate::{retry, transport};

/// The request id headers that servers and gateways commonly send, in order of preference.
const REQUEST_ID_HEADERS: [&str; 6] =
    ["x-request-id", "request-id", "x-amzn-requestid", "x-amz-request-id", "x-correlation-id", "cf-ray"];

/// The request id of an answer, with any secret the server put in it masked.
pub(crate) fn request_id(headers: &HeaderMap, secrets: &Secrets) -> Option<String> {
    // One pass over the (few) response headers: cheaper than a hashed lookup per candidate.
    let mut best: Option<(usize, &HeaderValue)> = None;
    for (name, value) in headers {
        if let Some(rank) = REQUEST_ID_HEADERS.iter().position(|h| name.as_str() == *h)
            && best.is_none_or(|(r, _)| rank < r)
        {
            best = Some((rank, value));
        }
    }
    best.and_then(|(_, v)| v.to_str().ok()).map(|id| secrets.redact(id).into_owned())
}

/// The most of an error body we keep.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Decodes JSON with `seed` (a type's `PhantomData`, or a list envelope's seed); on failure,
/// decodes again while tracking the path, and returns where it broke (`data[3].status`, `.` for
/// the whole body) and serde's message. The tracking costs nothing on the happy path: it runs
/// only after a failure. Every JSON answer of the SDK is decoded here.
pub(crate) fn decode_with<'de, S: DeserializeSeed<'de>>(
    bytes: &'de [u8],
    seed: impl Fn() -> S,
) -> std::result::Result<S::Value, (String, String)> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match seed().deserialize(&mut de).and_then(|v| de.end().map(|()| v)) {
        Ok(v) => Ok(v),
        Err(first) => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let mut track = serde_path_to_error::Track::new();
            match seed().deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track)) {
                Err(e) => Err((track.path().to_string(), e.to_string())),
                Ok(_) => Err((".".to_string(), first.to_string())),
            }
        }
    }
}

/// Decodes a JSON answer into `T`, or a [`DecodeError`] with the path of the failure.
/// `origin` gives the context and request id, and is called only on failure.
pub(crate) fn decode_json<T: DeserializeOwned>(
    bytes: &[u8],
    status: StatusCode,
    secrets: &Secrets,
    origin: impl FnOnce() -> (RequestContext, Option<String>),
) -> Result<T> {
    decode_with(bytes, PhantomData::<T>::default).map_err(|(path, message)| {
        let (context, request_id) = origin();
        DecodeError::error(context, status.as_u16(), path, message, bytes, request_id, secrets)
    })
}

/// A transport failure as an [`Error`]. The URL is dropped from reqwest's error: the context
/// names the request, and a file URL's query can hold a signature.
pub(crate) fn transport_error(e: reqwest::Error, context: RequestContext, timeout: Option<Duration>) -> Error {
    if e.is_timeout() {
        Error::Timeout { context, after: timeout.unwrap_or_default() }
    } else {
        Error::Connection { context, source: e.without_url() }
    }
}

/// Reads (at most 64 KiB of) an error response into an [`ApiError`], with the client's
/// secrets masked in the body before anything is parsed from it.
pub(crate) async fn api_error(mut response: reqwest::Response, context: RequestContext, secrets: &Secrets) -> Error {
    let status = response.status().as_u16();
    let request_id = request_id(response.headers(), secrets);
    let retry_after = retry::retry_after(response.headers(), SystemTime::now());
    let encoding = transport::undecoded_encoding(response.headers());
    let mut raw = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_ERROR_BODY - raw.len();
        raw.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if raw.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    let raw = secrets.redact_bytes(&raw).into_owned();
    let body = match &encoding {
        // Compressed bytes parse as nothing useful; say what they are instead.
        Some(enc) => ErrorBody::Text(format!("a body encoded as `{enc}`, which this build cannot decode")),
        None => ErrorBody::parse(&raw),
    };
    let kind = ApiErrorKind::from_status(status, &body);
    let message = body.message();
    Error::Api(Box::new(ApiError {
        status,
        kind,
        message,
        body,
        raw_body: Bytes::from(raw),
        request_id,
        retry_after,
        context,
    }))
}

/// The most of a body's announced length reserved up front: a larger answer grows as it
/// arrives, so a hostile `Content-Length` cannot make us allocate.
const MAX_RESERVED: u64 = 16 << 20;

/// Reads the rest of a successful answer's body. A body that breaks off or does not decode is
/// an [`Error::Body`] with the bytes received and the length announced; the total timeout
/// expiring on the way is an [`Error::Timeout`].
pub(crate) async fn read_body(
    response: &mut reqwest::Response,
    context: impl FnOnce() -> RequestContext,
    timeout: Option<Duration>,
    secrets: &Secrets,
) -> Result<Bytes> {
    let expected = response.content_length();
    // One chunk (the common case for small answers) is returned as it is, without a copy.
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    let mut received = 0u64;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                received += chunk.len() as u64;
                if let Some(buf) = joined.as_mut() {
                    buf.extend_from_slice(&chunk);
                } else if let Some(head) = first.take() {
                    let room = expected.unwrap_or(0).min(MAX_RESERVED) as usize;
                    let mut buf = BytesMut::with_capacity(room.max(head.len() + chunk.len()));
                    buf.extend_from_slice(&head);
                    buf.extend_from_slice(&chunk);
                    joined = Some(buf);
                } else {
                    first = Some(chunk);
                }
            }
            Ok(None) => break,
            Err(e) => {
                let status = response.status().as_u16();
                let request_id = request_id(response.headers(), secrets);
                return Err(body_error(Some(e), context(), status, received, expected, request_id, timeout));
            }
        }
    }
    Ok(match joined {
        Some(buf) => buf.freeze(),
        None => first.unwrap_or_default(),
    })
}

/// The error for a body that failed while it was read, after `received` bytes. `source` is
/// `None` when the transport reported nothing but the body was shorter than announced.
pub(crate) fn body_error(
    source: Option<reqwest::Error>,
    context: RequestContext,
    status: u16,
    received: u64,
    expected: Option<u64>,
    request_id: Option<String>,
    timeout: Option<Duration>,
) -> Error {
    match source {
        Some(e) if e.is_timeout() => Error::Timeout { context, after: timeout.unwrap_or_default() },
        source => Error::Body(Box::new(BodyError::new(
            context,
            status,
            received,
            expected,
            request_id,
            source.map(reqwest::Error::without_url),
        ))),
    }
}
