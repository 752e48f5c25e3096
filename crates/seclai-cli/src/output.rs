//! What goes to stdout: JSON (pretty unless `--compact`, as the official tool), NDJSON (lists
//! item by item), or a table fitted to the terminal. Lists walked with `--all` are printed as
//! their items arrive, so memory stays flat however long the list.

use std::io::Write;

use futures::{Stream, TryStreamExt};
use serde_json::Value;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Table,
    Ndjson,
}

/// Prints values in the chosen format.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    pub format: Format,
    pub compact: bool,
}

/// Writing to stdout failed; a closed pipe (`seclai ... | head`) ends the program quietly.
pub struct Closed;

fn write(out: &mut impl Write, text: &str) -> Result<(), Closed> {
    out.write_all(text.as_bytes()).map_err(|_| Closed)
}

impl Printer {
    fn json(&self, value: &Value) -> String {
        let text = if self.compact { serde_json::to_string(value) } else { serde_json::to_string_pretty(value) };
        text.unwrap_or_default()
    }

    /// Prints one answer. A page of a list (`{"items": [...], ...}`) prints its items in
    /// NDJSON and in a table; the whole page in JSON.
    pub fn value(&self, value: &Value) -> Result<(), Closed> {
        let mut out = std::io::stdout().lock();
        match self.format {
            Format::Json => write(&mut out, &format!("{}\n", self.json(value))),
            Format::Ndjson => match value.get("items").and_then(Value::as_array) {
                Some(items) => {
                    for item in items {
                        write(&mut out, &format!("{}\n", serde_json::to_string(item).unwrap_or_default()))?;
                    }
                    Ok(())
                }
                None => write(&mut out, &format!("{}\n", serde_json::to_string(value).unwrap_or_default())),
            },
            Format::Table => {
                let text = match value.get("items").and_then(Value::as_array).or(value.as_array()) {
                    Some(items) => crate::table_format::rows(items, terminal_width()),
                    None => crate::table_format::record(value, terminal_width()),
                };
                write(&mut out, &text)
            }
        }
        .and_then(|()| out.flush().map_err(|_| Closed))
    }

    /// Prints every item of a stream as it arrives (`--all`). JSON prints one array.
    pub async fn items(
        &self,
        mut items: impl Stream<Item = seclai::Result<Value>> + Unpin,
    ) -> Result<Result<(), Closed>, seclai::Error> {
        let mut first = true;
        let mut table_batch: Vec<Value> = Vec::new();
        macro_rules! out {
            ($text:expr) => {{
                let text: &str = &$text;
                let mut o = std::io::stdout().lock();
                if write(&mut o, text).and_then(|()| o.flush().map_err(|_| Closed)).is_err() {
                    return Ok(Err(Closed));
                }
            }};
        }
        while let Some(item) = items.try_next().await? {
            match self.format {
                Format::Ndjson => out!(format!("{}\n", serde_json::to_string(&item).unwrap_or_default())),
                Format::Json => {
                    let text = self.json(&item);
                    let sep = if first { "[" } else { "," };
                    let body = if self.compact { text } else { indent(&text) };
                    let nl = if self.compact { "" } else { "\n" };
                    out!(format!("{sep}{nl}{body}"));
                }
                // A table is printed a page of rows at a time, each batch fitted on its own.
                Format::Table => {
                    table_batch.push(item);
                    if table_batch.len() == 100 {
                        out!(crate::table_format::rows(&table_batch, terminal_width()));
                        table_batch.clear();
                    }
                }
            }
            first = false;
        }
        match self.format {
            Format::Json if first => out!("[]\n"),
            Format::Json => out!(if self.compact { "]\n" } else { "\n]\n" }),
            Format::Table if !table_batch.is_empty() || first => {
                out!(crate::table_format::rows(&table_batch, terminal_width()))
            }
            _ => {}
        }
        Ok(Ok(()))
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
}

/// The terminal's width: `COLUMNS` when set, else the terminal's, else 120 (stdout piped).
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
        .filter(|w| *w >= 20)
        .unwrap_or(120)
}
