//! Rendering diagnostics: miette for people, JSON for tools.
//!
//! Rendering produces strings; printing them is the caller's business.

use super::{Diagnostic, Label, Severity};
use crate::source::{SourceMap, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use std::fmt;

/// How human output should look.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Style {
    /// No colour, 100 columns: what tests snapshot and what non-terminals get.
    pub const PLAIN: Style = Style {
        color: false,
        width: 100,
    };
}

/// Renders diagnostics as miette reports, separated by blank lines.
pub fn human(diagnostics: &[Diagnostic], sources: &SourceMap, style: Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let report = Report::new(diagnostic, sources);
        // Writing into a String cannot fail.
        let _ = handler.render_report(&mut out, &report);
        out.push('\n');
    }
    out
}

/// One line summarising the counts, e.g. `2 errors, 1 warning`.
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// The JSON form printed by `--format json`: stable field names, 1-based lines and columns.
pub fn json(diagnostics: &[Diagnostic], sources: &SourceMap) -> serde_json::Value {
    let label = |l: &Label| {
        let file = sources.get(l.span.source);
        serde_json::json!({
            "file": file.name,
            "start": file.line_col(l.span.start),
            "end": file.line_col(l.span.end),
            "byteOffset": l.span.start,
            "byteLength": l.span.len(),
            "message": l.message,
        })
    };
    let items: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            serde_json::json!({
                "code": d.code.as_str(),
                "severity": d.severity(),
                "message": d.message,
                "help": d.help,
                "primary": d.primary.as_ref().map(label),
                "related": d.secondary.iter().map(label).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "diagnostics": items,
        "errors": diagnostics.iter().filter(|d| d.is_error()).count(),
        "warnings": diagnostics.iter().filter(|d| !d.is_error()).count(),
    })
}

/// Adapts a [`Diagnostic`] to miette. Secondary labels in the primary's file are drawn in
/// the same snippet; those in other files become related reports with their own snippet.
struct Report {
    code: &'static str,
    /// `None` for related notes, which miette then renders as advice.
    severity: Option<Severity>,
    message: String,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(d: &Diagnostic, sources: &SourceMap) -> Report {
        let home = d.primary.as_ref().map(|l| l.span.source);
        let mut labels = Vec::new();
        let mut related = Vec::new();
        if let Some(p) = &d.primary {
            labels.push(LabeledSpan::new_primary_with_span(
                Some(p.message.clone()),
                to_miette(p.span),
            ));
        }
        for s in &d.secondary {
            if Some(s.span.source) == home {
                labels.push(LabeledSpan::new_with_span(
                    Some(s.message.clone()),
                    to_miette(s.span),
                ));
            } else {
                related.push(Report {
                    code: "",
                    severity: None,
                    message: s.message.clone(),
                    help: None,
                    source: Some(named(sources, s.span)),
                    labels: vec![LabeledSpan::new_primary_with_span(
                        Some(s.message.clone()),
                        to_miette(s.span),
                    )],
                    related: Vec::new(),
                });
            }
        }
        Report {
            code: d.code.as_str(),
            severity: Some(d.severity()),
            message: d.message.clone(),
            help: d.help.clone(),
            source: d.primary.as_ref().map(|p| named(sources, p.span)),
            labels,
            related,
        }
    }
}

fn named(sources: &SourceMap, span: Span) -> NamedSource<String> {
    let file = sources.get(span.source);
    NamedSource::new(file.name.clone(), file.text.clone()).with_language("yaml")
}

fn to_miette(span: Span) -> miette::SourceSpan {
    (span.start as usize, span.len()).into()
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Some(Severity::Error) => miette::Severity::Error,
            Some(Severity::Warning) => miette::Severity::Warning,
            None => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as Box<_>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty())
            .then(|| Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)) as Box<_>)
    }
}
