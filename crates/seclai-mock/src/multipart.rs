//! Parsing `multipart/form-data` bodies (the three upload operations).

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The field name.
    pub name: String,
    /// The file name, for a file part.
    pub filename: Option<String>,
    /// The part's media type.
    pub content_type: Option<String>,
    /// The content.
    pub data: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

fn param(header: &str, key: &str) -> Option<String> {
    header.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case(key)).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Parses a body given its `Content-Type` header.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    if !content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Err(format!("expected multipart/form-data, got `{content_type}`"));
    }
    let boundary = param(content_type, "boundary").ok_or("the multipart body has no boundary")?;
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut at = find(body, delimiter.as_bytes(), 0).ok_or("the multipart body has no part")?;
    loop {
        let start = at + delimiter.len();
        if body.get(start..start + 2) == Some(b"--") {
            break;
        }
        let head_start = start + 2;
        let head_end = find(body, b"\r\n\r\n", head_start).ok_or("a part has no header end")?;
        let head = String::from_utf8_lossy(&body[head_start..head_end]).to_string();
        let next = find(body, format!("\r\n{delimiter}").as_bytes(), head_end + 4).ok_or("a part is not terminated")?;
        let mut part =
            Part { name: String::new(), filename: None, content_type: None, data: body[head_end + 4..next].to_vec() };
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else { continue };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                part.name = param(v, "name").unwrap_or_default();
                part.filename = param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(v.trim().to_string());
            }
        }
        parts.push(part);
        at = next + 2;
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_with_files_and_fields() {
        let body = b"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.md\"\r\nContent-Type: text/markdown\r\n\r\n# A\r\n\r\n--XX\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nNotes\r\n--XX--\r\n";
        let parts = parse("multipart/form-data; boundary=XX", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].filename.as_deref(), Some("a.md"));
        assert_eq!(parts[0].content_type.as_deref(), Some("text/markdown"));
        assert_eq!(parts[0].data, b"# A\r\n");
        assert_eq!((parts[1].name.as_str(), parts[1].data.as_slice()), ("title", &b"Notes"[..]));
        assert!(parse("application/json", body).is_err());
    }
}
