//! The tabular report formats shared by `ppgov connectors` and `ppgov apps`: aligned text,
//! RFC 4180 CSV and a Markdown table, over the same columns and cells; and the `--fail-on`
//! ending both use.

use clap::ValueEnum;
use serde::Serialize;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
    Csv,
    Markdown,
}

/// A report as columns and rows of cells (one cell per column).
pub struct Table<'a> {
    pub columns: &'a [&'a str],
    pub rows: Vec<Vec<String>>,
}

impl Table<'_> {
    /// The table in `format`; JSON is `json` (the rows with every field), pretty-printed.
    pub fn print(
        &self,
        format: ListFormat,
        json: &impl Serialize,
        title: &str,
        summary: &str,
    ) -> Result<(), String> {
        match format {
            ListFormat::Text => self.print_text(summary),
            ListFormat::Json => {
                let json = serde_json::to_string_pretty(json).map_err(|e| e.to_string())?;
                println!("{json}");
            }
            ListFormat::Csv => self.print_csv(),
            ListFormat::Markdown => self.print_markdown(title, summary),
        }
        Ok(())
    }

    /// Aligned columns (the last one unpadded) under an upper-case header, then the summary.
    pub fn print_text(&self, summary: &str) {
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for cells in &self.rows {
            for (w, cell) in widths.iter_mut().zip(cells) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, cell) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    out.push_str(cell);
                } else {
                    out.push_str(&format!("{cell:<width$}  ", width = widths[i]));
                }
            }
            out
        };
        let header: Vec<String> = self.columns.iter().map(|c| c.to_uppercase()).collect();
        println!("{}", line(&header));
        for cells in &self.rows {
            println!("{}", line(cells));
        }
        println!();
        println!("{summary}");
    }

    /// A header row (spaces in column names as `_`), then one row per item.
    pub fn print_csv(&self) {
        let field = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_owned()
            }
        };
        let header: Vec<String> = self.columns.iter().map(|c| c.replace(' ', "_")).collect();
        println!("{}", header.join(","));
        for cells in &self.rows {
            let line: Vec<String> = cells.iter().map(|c| field(c)).collect();
            println!("{}", line.join(","));
        }
    }

    /// A `###` title, the summary and the table (for a pull request or a wiki page).
    pub fn print_markdown(&self, title: &str, summary: &str) {
        let escape = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        println!("### {title}\n");
        println!("{summary}\n");
        println!("| {} |", self.columns.join(" | "));
        println!("|{}", "---|".repeat(self.columns.len()));
        for cells in &self.rows {
            let cells: Vec<String> = cells.iter().map(|c| escape(c)).collect();
            println!("| {} |", cells.join(" | "));
        }
    }
}

/// Exit 0 when nothing is in a `--fail-on` state, else 1 after naming each item (`failing`:
/// one line per item, what it is and its states).
pub fn fail_on(noun: &str, failing: &[String]) -> ExitCode {
    if failing.is_empty() {
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "error: {} {noun}(s) in a --fail-on state:\n  {}",
        failing.len(),
        failing.join("\n  ")
    );
    ExitCode::from(1)
}
