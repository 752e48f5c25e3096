//! Value parsers for the spec's limits. Each checks the text and yields it unchanged, so that
//! clap reports a bad value in its own style before anything is sent, and `tree::to_json`
//! turns every value into JSON in one place.

use clap::builder::ValueParser;

fn parser(check: impl Fn(&str) -> Result<(), String> + Clone + Send + Sync + 'static) -> ValueParser {
    ValueParser::new(move |s: &str| check(s).map(|()| s.to_string()))
}

/// Text of a bounded length (in characters).
pub fn text(min: Option<u64>, max: Option<u64>) -> ValueParser {
    parser(move |s| {
        let n = s.chars().count() as u64;
        match (min, max) {
            (Some(a), _) if n < a => Err(format!("must be at least {a} characters long")),
            (_, Some(b)) if n > b => Err(format!("must be at most {b} characters long (it is {n})")),
            _ => Ok(()),
        }
    })
}

/// A UUID (`d4f6a8c0-2e3b-4f5d-8a7c-9e1b3d5f7a19`).
pub fn uuid() -> ValueParser {
    parser(|s| uuid::Uuid::try_parse(s).map(drop).map_err(|_| "must be a UUID".to_string()))
}

/// An integer within inclusive bounds.
pub fn int(min: Option<i64>, max: Option<i64>) -> ValueParser {
    parser(move |s| {
        let n: i64 = s.parse().map_err(|_| "must be an integer".to_string())?;
        match (min, max) {
            (Some(a), _) if n < a => Err(format!("must be at least {a}")),
            (_, Some(b)) if n > b => Err(format!("must be at most {b}")),
            _ => Ok(()),
        }
    })
}

/// A number within bounds.
pub fn number(min: Option<f64>, max: Option<f64>, exclusive_min: bool) -> ValueParser {
    parser(move |s| {
        let n: f64 = s.parse().ok().filter(|n: &f64| n.is_finite()).ok_or_else(|| "must be a number".to_string())?;
        match (min, max) {
            (Some(a), _) if exclusive_min && n <= a => Err(format!("must be above {a}")),
            (Some(a), _) if n < a => Err(format!("must be at least {a}")),
            (_, Some(b)) if n > b => Err(format!("must be at most {b}")),
            _ => Ok(()),
        }
    })
}

/// An RFC 3339 date-time (`2026-12-01T10:00:00Z`).
pub fn date_time() -> ValueParser {
    parser(|s| {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(drop)
            .map_err(|_| "must be an RFC 3339 date-time, e.g. 2026-12-01T10:00:00Z".to_string())
    })
}

/// A date (`2026-12-01`).
pub fn date() -> ValueParser {
    parser(|s| s.parse::<chrono::NaiveDate>().map(drop).map_err(|_| "must be a date, YYYY-MM-DD".to_string()))
}

/// A JSON value.
pub fn json() -> ValueParser {
    parser(|s| serde_json::from_str::<serde_json::Value>(s).map(drop).map_err(|e| format!("is not JSON: {e}")))
}

/// A duration: `30` (seconds), `1.5s`, `500ms` or `2m`.
pub fn duration() -> ValueParser {
    parser(|s| parse_duration(s).map(drop))
}

/// Reads a duration written as [`duration`] accepts.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let (number, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else {
        (s, 1.0)
    };
    let n: f64 = number.trim().parse().map_err(|_| "must be a duration: 30, 1.5s, 500ms or 2m".to_string())?;
    if !n.is_finite() || n < 0.0 {
        return Err("must be a positive duration".into());
    }
    Ok(std::time::Duration::from_secs_f64(n * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_written() {
        assert_eq!(parse_duration("30").unwrap().as_secs(), 30);
        assert_eq!(parse_duration("500ms").unwrap().as_millis(), 500);
        assert_eq!(parse_duration("2m").unwrap().as_secs(), 120);
        assert_eq!(parse_duration("1.5s").unwrap().as_millis(), 1500);
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1").is_err());
    }
}
