//! The fuzz target of the local server: its multipart parser (the three upload operations),
//! which reads whatever a client sends. Compiled for `cargo fuzz` (`--cfg fuzzing`, see
//! `fuzz/`) and for the unit tests, which run it on generated inputs on each `cargo test`.

/// The multipart parser: whatever the body, parts come out of it and never hold more bytes
/// than it has. The first byte picks the boundary's shape.
pub fn multipart(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else { return };
    let content_type = match pick % 4 {
        0 => "multipart/form-data; boundary=XX",
        1 => "multipart/form-data; boundary=\"a b\"",
        2 => "multipart/form-data; boundary=",
        _ => "Multipart/Form-Data; charset=utf-8; boundary=--",
    };
    if let Ok(parts) = crate::multipart::parse(content_type, body) {
        let total: usize = parts.iter().map(|p| p.data.len()).sum();
        assert!(total <= body.len(), "{total} bytes of parts from {}", body.len());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_multipart_parser_survives_generated_inputs() {
        let seed: &[u8] = b"\x00--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.md\"\r\nContent-Type: text/markdown\r\n\r\n# A\r\n--XX\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nNotes\r\n--XX--\r\n";
        let tokens: [&[u8]; 8] = [b"\r\n", b"--XX", b"--", b"\r\n\r\n", b";", b"\"", b"=", b"--a b"];
        let mut rng = fastrand::Rng::with_seed(7);
        super::multipart(seed);
        let inputs: usize = std::env::var("SECLAI_FUZZ_INPUTS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
        for _ in 0..inputs {
            let mut v = seed.to_vec();
            for _ in 0..rng.usize(1..5) {
                let at = rng.usize(0..=v.len());
                match rng.u8(0..4) {
                    0 => v.insert(at, rng.u8(..)),
                    1 => v.splice(at..at, tokens[rng.usize(..tokens.len())].iter().copied()).for_each(drop),
                    2 => v.truncate(at),
                    _ => v.insert(0, rng.u8(..)),
                }
            }
            super::multipart(&v);
        }
    }
}
