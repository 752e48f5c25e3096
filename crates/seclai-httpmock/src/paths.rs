//! Request paths as regular expressions, from the spec's templates.

use regex::Regex;

/// The segments of a template: literal text, or a parameter.
fn segments(template: &str) -> Vec<Result<&str, &str>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        out.push(Ok(&rest[..open]));
        out.push(Err(&rest[open + 1..close]));
        rest = rest.get(close + 1..).unwrap_or_default();
    }
    out.push(Ok(rest));
    out
}

fn build(template: &str, fixed: Option<(usize, &str)>) -> Regex {
    let mut pattern = String::from("^");
    let mut index = 0;
    for segment in segments(template) {
        match segment {
            Ok(text) => pattern.push_str(&regex::escape(text)),
            Err(_) => {
                match fixed {
                    Some((i, value)) if i == index => pattern.push_str(&regex::escape(value)),
                    _ => pattern.push_str("[^/]+"),
                }
                index += 1;
            }
        }
    }
    pattern.push('$');
    Regex::new(&pattern).unwrap_or_else(|e| panic!("seclai-httpmock: the path {template} gives no regex: {e}"))
}

/// Any path of the template: each parameter is one segment.
pub fn template(template: &str) -> Regex {
    build(template, None)
}

/// Paths of the template whose `index`-th parameter is `value` (the others any segment).
pub fn with_param(template: &str, index: usize, value: &str) -> Regex {
    build(template, Some((index, value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_their_paths_only() {
        let t = template("/agents/{agent_id}/runs/{run_id}");
        assert!(t.is_match("/agents/a1/runs/r1"));
        assert!(!t.is_match("/agents/a1/runs"));
        assert!(!t.is_match("/agents/a1/runs/r1/cancel"));
        let p = with_param("/agents/{agent_id}/runs/{run_id}", 1, "r.1");
        assert!(p.is_match("/agents/any/runs/r.1"));
        assert!(!p.is_match("/agents/any/runs/rx1"), "the value is literal");
        assert!(template("/me").is_match("/me"));
    }
}
