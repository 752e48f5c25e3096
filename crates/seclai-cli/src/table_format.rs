//! `--format table`: lists as rows, a single object as `key  value` lines, fitted to a width.
//!
//! Columns are chosen the same way for every resource, from the first row's keys: identifiers
//! and names first, then status and kind, then times, then any other scalar field while the
//! width allows. Long cells are cut with `…`.

use serde_json::Value;

/// Keys shown first, in this order, when a row has them.
const PREFERRED: &[&str] = &[
    "id",
    "run_id",
    "agent_id",
    "name",
    "title",
    "status",
    "state",
    "kind",
    "type",
    "trigger_type",
    "source_type",
    "model",
    "severity",
    "created_at",
    "updated_at",
];

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.replace(['\n', '\t'], " "),
        other => other.to_string(),
    }
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

fn pad(text: &str, width: usize) -> String {
    let n = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(n)))
}

/// The columns of `items`: preferred keys, then other scalar keys of the first row.
fn columns(items: &[Value]) -> Vec<String> {
    let Some(Value::Object(first)) = items.first() else { return Vec::new() };
    let mut cols: Vec<String> = PREFERRED.iter().filter(|k| first.contains_key(**k)).map(|k| k.to_string()).collect();
    for (k, v) in first {
        if !cols.contains(k) && !v.is_object() && !v.is_array() {
            cols.push(k.clone());
        }
    }
    cols
}

/// Rows of a list, one line each, under a header.
pub fn rows(items: &[Value], width: usize) -> String {
    if items.is_empty() {
        return "(no items)\n".into();
    }
    if !items[0].is_object() {
        return items.iter().map(|v| format!("{}\n", cut(&cell(v), width))).collect();
    }
    let all = columns(items);
    // Natural widths, then as many columns as fit (two spaces between), the last one cut.
    let natural: Vec<usize> = all
        .iter()
        .map(|c| items.iter().map(|i| cell(&i[c.as_str()]).chars().count()).max().unwrap_or(0).max(c.len()).min(40))
        .collect();
    let mut chosen = Vec::new();
    let mut used = 0;
    for (c, w) in all.iter().zip(&natural) {
        let need = if chosen.is_empty() { *w } else { w + 2 };
        if used + need > width {
            if chosen.is_empty() {
                chosen.push((c.clone(), width));
            }
            break;
        }
        used += need;
        chosen.push((c.clone(), *w));
    }
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells.iter().zip(&chosen).map(|(t, (_, w))| pad(&cut(t, *w), *w)).collect();
        format!("{}\n", parts.join("  ").trim_end())
    };
    let mut out = line(chosen.iter().map(|(c, _)| c.to_uppercase()).collect());
    for item in items {
        out.push_str(&line(chosen.iter().map(|(c, _)| cell(&item[c.as_str()])).collect()));
    }
    out
}

/// One object as `key  value` lines (nested values as compact JSON).
pub fn record(value: &Value, width: usize) -> String {
    let Value::Object(map) = value else { return format!("{}\n", cut(&cell(value), width)) };
    let key_width = map.keys().map(|k| k.chars().count()).max().unwrap_or(0);
    let room = width.saturating_sub(key_width + 2).max(10);
    map.iter().map(|(k, v)| format!("{}  {}\n", pad(k, key_width), cut(&cell(v), room)).replace("  \n", "\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_put_identifiers_first_and_fit_the_width() {
        let items = vec![
            json!({"created_at": "2026-01-01T00:00:00Z", "name": "Docs", "id": "kb1", "nested": {"a": 1}}),
            json!({"created_at": "2026-01-02T00:00:00Z", "name": "A much longer name", "id": "kb2"}),
        ];
        let t = rows(&items, 120);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0].split_whitespace().collect::<Vec<_>>(), ["ID", "NAME", "CREATED_AT"]);
        assert!(lines[2].starts_with("kb2  A much longer name"), "{t}");
        let narrow = rows(&items, 26);
        assert!(narrow.lines().all(|l| l.chars().count() <= 26), "{narrow}");
        assert!(!narrow.contains("CREATED_AT"), "{narrow}");
    }

    #[test]
    fn a_record_cuts_long_values() {
        let t = record(&json!({"id": "a1", "description": "x".repeat(200)}), 40);
        assert!(t.lines().all(|l| l.chars().count() <= 40), "{t}");
        assert!(t.contains('…'));
    }
}
