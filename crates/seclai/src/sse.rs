//! A server-sent events decoder, per the WHATWG `text/event-stream` rules.
//!
//! Written here rather than taken from a crate: the SSE crates for reqwest target reqwest
//! 0.11/0.12, and the generic ones copy every line into a `String`. This decoder is
//! incremental (events may be split across any chunk boundary, `\r\n` included), finds line
//! ends with `memchr`, does not copy an event that arrived in one chunk (its name and data are
//! handed out as ranges of the chunk), and hands the `data` out as bytes so that the caller can
//! parse JSON straight from it.

use bytes::{Buf, Bytes, BytesMut};

/// The most one event (or one line) may hold: a server that never ends a line must not make
/// the client buffer without bound. The largest real events (a `done` with hundreds of steps)
/// are a few hundred KiB.
pub const MAX_EVENT_BYTES: usize = 32 << 20;

/// One event of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field, or `message` when the event has none.
    pub event: String,
    /// The `data` lines, joined with `\n`.
    pub data: Bytes,
    /// The last `id` seen so far (it persists across events, as the specification says).
    pub id: Option<String>,
    /// The `retry` field of this event, in milliseconds.
    pub retry: Option<u64>,
}

/// An event borrowed from the decoder's buffers (no allocation): see [`SseDecoder::next_ref`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SseEventRef<'a> {
    /// The `event` field, or `message`.
    pub event: &'a str,
    /// The `data` lines, joined with `\n`.
    pub data: &'a [u8],
    /// The last `id` seen so far.
    pub id: Option<&'a str>,
    /// The `retry` field of this event, in milliseconds.
    pub retry: Option<u64>,
}

impl SseEventRef<'_> {
    /// An owned copy.
    pub fn to_owned_event(&self) -> SseEvent {
        SseEvent {
            event: self.event.to_string(),
            data: Bytes::copy_from_slice(self.data),
            id: self.id.map(String::from),
            retry: self.retry,
        }
    }
}

/// Where the `data` of the event being read lies: most events are read from one chunk, and
/// their data is then a range of the decoder's buffer (no copy); it is copied into its own
/// buffer only when it spans a chunk boundary or several lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Span {
    /// No such field in this event.
    #[default]
    Absent,
    /// `start..end` of the decoder's buffer.
    Buf(usize, usize),
    /// The field's own buffer.
    Owned,
}

/// The fields of the event being read; buffers are reused from one event to the next.
#[derive(Debug, Default)]
struct Fields {
    /// The `event` field was seen in this event; its value is `event_name`.
    has_event: bool,
    /// Kept from one event to the next: most events repeat the previous one's name, which is
    /// then compared, not copied or validated again.
    event_name: String,
    data: Span,
    data_owned: Vec<u8>,
    last_id: Option<String>,
    retry: Option<u64>,
    /// Some field of an event was seen since the last dispatch.
    in_event: bool,
    /// The event ready to hand out (its spans stay valid until the next call).
    ready: bool,
    ready_retry: Option<u64>,
    /// An event grew beyond [`MAX_EVENT_BYTES`].
    overflow: bool,
}

impl Fields {
    fn data_len(&self) -> usize {
        match self.data {
            Span::Absent => 0,
            Span::Buf(start, end) => end - start,
            Span::Owned => self.data_owned.len(),
        }
    }

    /// Processes the line `buf[start..end]` (without its terminator); returns true when an
    /// event is ready.
    fn line(&mut self, buf: &[u8], start: usize, end: usize) -> bool {
        let line = &buf[start..end];
        if line.is_empty() {
            return self.dispatch();
        }
        if line[0] == b':' {
            return false; // a comment: keep-alive
        }
        // The two fields of nearly every line first, without searching for the colon.
        let (name, colon) = if line.starts_with(b"data:") {
            (&b"data"[..], Some(4))
        } else if line.starts_with(b"event:") {
            (&b"event"[..], Some(5))
        } else {
            match memchr::memchr(b':', line) {
                Some(i) => (&line[..i], Some(i)),
                None => (line, None),
            }
        };
        let value_start = match colon {
            Some(i) => start + i + 1 + usize::from(line.get(i + 1) == Some(&b' ')),
            None => end,
        };
        let value = &buf[value_start..end];
        match name {
            b"data" => {
                let len = self.data_len();
                if len + value.len() > MAX_EVENT_BYTES {
                    self.overflow = true;
                    return false;
                }
                if self.data == Span::Absent {
                    self.data = Span::Buf(value_start, end);
                } else {
                    // A second data line: the data is joined in its own buffer from now on.
                    self.own(buf);
                    self.data_owned.push(b'\n');
                    self.data_owned.extend_from_slice(value);
                }
                self.in_event = true;
            }
            b"event" => {
                if self.event_name.as_bytes() != value {
                    self.event_name.clear();
                    self.event_name.push_str(&String::from_utf8_lossy(value));
                }
                self.has_event = true;
                self.in_event = true;
            }
            b"id" if !value.contains(&0) => {
                self.last_id = Some(String::from_utf8_lossy(value).into_owned());
                self.in_event = true;
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                self.retry = std::str::from_utf8(value).ok().and_then(|v| v.parse().ok());
                self.in_event = true;
            }
            _ => {} // unknown fields are ignored
        }
        false
    }

    fn dispatch(&mut self) -> bool {
        self.in_event = false;
        let retry = self.retry.take();
        if self.data == Span::Absent {
            // No data: nothing is dispatched, and the event name is reset.
            self.has_event = false;
            return false;
        }
        self.ready = true;
        self.ready_retry = retry;
        true
    }

    /// Forgets the event handed out, keeping the buffers' capacity.
    fn consume(&mut self) {
        if self.ready {
            self.ready = false;
            self.has_event = false;
            self.data = Span::Absent;
        }
    }

    /// Copies the data of the event being read out of `buf`, which is about to drop the bytes
    /// it lies in.
    fn own(&mut self, buf: &[u8]) {
        if let Span::Buf(s, e) = self.data {
            self.data_owned.clear();
            self.data_owned.extend_from_slice(&buf[s..e]);
            self.data = Span::Owned;
        }
    }

    /// The ready event, borrowed from `buf` and the fields' buffers.
    fn event_ref<'a>(&'a self, buf: &'a [u8]) -> SseEventRef<'a> {
        // An event without a name, or with an empty one, is a `message`.
        let event = if self.has_event && !self.event_name.is_empty() { &self.event_name } else { "message" };
        let data = match self.data {
            Span::Absent => &[][..],
            Span::Buf(s, e) => &buf[s..e],
            Span::Owned => &self.data_owned,
        };
        SseEventRef { event, data, id: self.last_id.as_deref(), retry: self.ready_retry }
    }
}

/// Incremental decoder: feed chunks, take events.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buf: BytesMut,
    /// Where the unread part of `buf` starts.
    pos: usize,
    /// Bytes of `buf` already scanned for a line end (so a long line is scanned once).
    scanned: usize,
    /// The previous chunk ended with `\r`: a `\n` at the start of the next one belongs to it.
    pending_cr: bool,
    /// Whether the start of the stream (and a possible byte order mark) was handled.
    started: bool,
    fields: Fields,
}

impl SseDecoder {
    /// A new decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a chunk of the stream. After an overflow (see [`overflowed`](Self::overflowed))
    /// chunks are dropped.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.fields.overflow {
            return;
        }
        let mut chunk = chunk;
        if self.pending_cr && !chunk.is_empty() {
            if chunk[0] == b'\n' {
                chunk = &chunk[1..];
            }
            self.pending_cr = false;
        }
        if self.pos > 0 {
            // The event handed out is gone; the one being read keeps its values.
            self.fields.consume();
            self.fields.own(&self.buf);
            // Drop what was read; BytesMut moves its start, or compacts when it must grow.
            self.buf.advance(self.pos);
            self.scanned -= self.pos;
            self.pos = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete event, owned.
    pub fn next_event(&mut self) -> Option<SseEvent> {
        self.next_ref().map(|e| e.to_owned_event())
    }

    /// The next complete event, borrowed from the decoder (valid until the next call): the
    /// allocation-free way to read a stream.
    pub fn next_ref(&mut self) -> Option<SseEventRef<'_>> {
        self.fields.consume();
        if !self.started {
            if self.buf.len() < 3 && b"\xEF\xBB\xBF".starts_with(&self.buf) {
                return None;
            }
            if self.buf.starts_with(b"\xEF\xBB\xBF") {
                self.pos = 3;
                self.scanned = self.scanned.max(3);
            }
            self.started = true;
        }
        loop {
            let from = self.scanned.max(self.pos);
            let Some(offset) = line_end(&self.buf[from..]) else {
                self.scanned = self.buf.len();
                if self.buf.len() - self.pos > MAX_EVENT_BYTES {
                    self.fields.overflow = true;
                }
                return None;
            };
            let end = from + offset;
            let mut next = end + 1;
            if self.buf[end] == b'\r' {
                match self.buf.get(end + 1) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    // `\r` at the end of what we have: a `\n` may follow in the next chunk.
                    None => self.pending_cr = true,
                }
            }
            let start = self.pos;
            self.pos = next;
            self.scanned = next;
            if self.fields.overflow {
                return None;
            }
            if self.fields.line(&self.buf, start, end) {
                return Some(self.fields.event_ref(&self.buf));
            }
        }
    }

    /// Whether a line or an event grew beyond [`MAX_EVENT_BYTES`]: the stream cannot be read
    /// further (the decoder yields nothing more).
    pub fn overflowed(&self) -> bool {
        self.fields.overflow
    }

    /// Whether the stream stopped inside an event (fields seen, no blank line yet) or inside a
    /// line. Such an event is never dispatched; callers treat it as a cut stream.
    pub fn has_partial_event(&self) -> bool {
        self.fields.in_event || self.pos < self.buf.len()
    }
}

/// The position of the first `\n` or `\r`. Most lines of a run's stream are 20 to 40 bytes,
/// too short for `memchr`'s vector code to start (it wants 32 bytes) and long enough for a
/// byte loop to pay a branch per byte: the first 64 bytes are tested eight at a time in a
/// `u64` (a byte equal to the one looked for becomes a zero byte, found with the classic
/// "has a zero byte" test), and what follows, in a long line (a `done` event's data), is left
/// to `memchr`.
#[inline]
fn line_end(haystack: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const LF: u64 = ONES * b'\n' as u64;
    const CR: u64 = ONES * b'\r' as u64;
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut i = 0;
    while i + 8 <= haystack.len() && i < 64 {
        let mut word = [0u8; 8];
        word.copy_from_slice(&haystack[i..i + 8]);
        let word = u64::from_le_bytes(word);
        // The lowest flagged byte is exact (only bytes above a true match can be flagged falsely).
        let found = zero_bytes(word ^ LF) | zero_bytes(word ^ CR);
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let rest = &haystack[i..];
    let at =
        if i < 64 { rest.iter().position(|&b| b == b'\n' || b == b'\r') } else { memchr::memchr2(b'\n', b'\r', rest) };
    at.map(|at| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut d = SseDecoder::new();
        let mut out = Vec::new();
        for c in chunks {
            d.push(c);
            while let Some(e) = d.next_event() {
                out.push(e);
            }
        }
        out
    }

    fn ev(event: &str, data: &str) -> (String, String) {
        (event.to_string(), data.to_string())
    }

    fn pairs(events: &[SseEvent]) -> Vec<(String, String)> {
        events.iter().map(|e| (e.event.clone(), String::from_utf8(e.data.to_vec()).unwrap())).collect()
    }

    #[test]
    fn events_comments_and_default_names() {
        let got = all(&[b": keepalive\n\nevent: init\ndata: {\"a\":1}\n\ndata: plain\n\nevent:\ndata: x\n\n"]);
        assert_eq!(pairs(&got), vec![ev("init", "{\"a\":1}"), ev("message", "plain"), ev("message", "x")]);
    }

    #[test]
    fn every_line_ending_and_multi_line_data() {
        let text = b"event: a\r\ndata: one\r\ndata: two\r\n\r\nevent: b\rdata: x\r\rdata:no-space\n\n";
        let got = all(&[text]);
        assert_eq!(pairs(&got), vec![ev("a", "one\ntwo"), ev("b", "x"), ev("message", "no-space")]);
    }

    #[test]
    fn a_crlf_split_across_chunks_is_one_line_end() {
        let got = all(&[b"data: a\r", b"\n\r", b"\ndata: b\n\n"]);
        assert_eq!(pairs(&got), vec![ev("message", "a"), ev("message", "b")]);
    }

    #[test]
    fn id_persists_and_retry_is_per_event() {
        let got = all(&[b"id: 7\nretry: 1500\ndata: a\n\ndata: b\n\nid\ndata: c\n\nretry: x\ndata: d\n\n"]);
        assert_eq!(got[0].id.as_deref(), Some("7"));
        assert_eq!(got[0].retry, Some(1500));
        assert_eq!(got[1].id.as_deref(), Some("7"));
        assert_eq!(got[1].retry, None);
        assert_eq!(got[2].id.as_deref(), Some(""), "an empty id resets it");
        assert_eq!(got[3].retry, None, "a non-numeric retry is ignored");
    }

    #[test]
    fn events_without_data_are_not_dispatched_and_bom_is_skipped() {
        let got = all(&[b"\xEF\xBB", b"\xBFevent: nothing\n\nfield-without-colon\nunknown: x\ndata\n\n"]);
        assert_eq!(pairs(&got), vec![ev("message", "")]);
    }

    #[test]
    fn a_cut_stream_reports_its_partial_event() {
        let mut d = SseDecoder::new();
        d.push(b"event: done\ndata: {\"run_id\":");
        assert_eq!(d.next_event(), None);
        assert!(d.has_partial_event());
        let mut d = SseDecoder::new();
        d.push(b"data: x\n\n: keepalive\n");
        assert!(d.next_event().is_some());
        assert_eq!(d.next_event(), None);
        assert!(!d.has_partial_event());
    }

    #[test]
    fn a_line_or_an_event_without_end_is_bounded() {
        let mut d = SseDecoder::new();
        let block = vec![b'x'; 1 << 20];
        d.push(b"data: ");
        for _ in 0..=MAX_EVENT_BYTES >> 20 {
            d.push(&block);
            assert_eq!(d.next_event(), None);
        }
        assert!(d.overflowed());
        d.push(b"\n\n");
        assert_eq!(d.next_event(), None, "nothing more after an overflow");
        let mut d = SseDecoder::new();
        let line = [b"data: ".as_slice(), &block, b"\n"].concat();
        for _ in 0..=MAX_EVENT_BYTES >> 20 {
            d.push(&line);
            assert_eq!(d.next_event(), None);
        }
        assert!(d.overflowed(), "many data lines of one event add up");
    }

    #[test]
    fn line_ends_are_found_at_every_position_and_length() {
        for len in 0..200 {
            for at in 0..=len {
                for end in [b'\n', b'\r'] {
                    let mut line = vec![b'x'; len];
                    // Bytes just above and below the ones looked for, which a word test could
                    // confuse with them.
                    for (i, b) in line.iter_mut().enumerate() {
                        *b = [b'x', 0x0b, 0x0c, 0x0e, 0x09, 0x8a, 0x00][i % 7];
                    }
                    if at < len {
                        line[at] = end;
                    }
                    let expected = line.iter().position(|&b| b == b'\n' || b == b'\r');
                    assert_eq!(line_end(&line), expected, "length {len}, end at {at}");
                }
            }
        }
    }

    #[test]
    fn every_split_of_a_stream_yields_the_same_events() {
        let text: &[u8] = b": keepalive\r\n\r\nevent: init\r\ndata: {\"run_id\":\"r1\"}\r\n\r\nevent: stream_token\ndata: {\"token\":\"He\"}\n\n\
            event: stream_token\rdata: {\"token\":\"llo\"}\r\rid: 3\nevent: done\ndata: {\"run_id\":\"r1\",\ndata: \"status\":\"completed\"}\n\n";
        let whole = all(&[text]);
        assert_eq!(whole.len(), 4);
        for i in 0..=text.len() {
            for j in i..=text.len() {
                let got = all(&[&text[..i], &text[i..j], &text[j..]]);
                assert_eq!(got, whole, "split at {i} and {j}");
            }
        }
    }
}
