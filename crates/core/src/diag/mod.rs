//! Diagnostics: one model, rendered by miette for people and as JSON for tools.
//!
//! User mistakes are data, not `Err`: every check pushes [`Diagnostic`]s and carries on,
//! so one run reports every problem.

mod codes;
pub mod render;

pub use codes::Code;

use crate::source::{SourceMap, Span};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A span with a short note saying what is at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    /// What is wrong, in one sentence without a trailing full stop.
    pub message: String,
    /// Where it is wrong. `None` only for problems with no place (an empty directory).
    pub primary: Option<Label>,
    /// Related places, e.g. the first of two duplicates.
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// Points the diagnostic at `span` with a short label.
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Self {
        self.primary = Some(Label {
            span,
            message: label.into(),
        });
        self
    }

    pub fn also(mut self, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: label.into(),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    /// Sort key that makes output order independent of check order: file, position, code.
    pub fn sort_key(&self, sources: &SourceMap) -> (String, u32, Code, String) {
        match &self.primary {
            Some(l) => (
                sources.get(l.span.source).name.clone(),
                l.span.start,
                self.code,
                self.message.clone(),
            ),
            None => (String::new(), 0, self.code, self.message.clone()),
        }
    }
}

/// Sorts diagnostics into a deterministic order and drops exact duplicates.
pub fn sort(diagnostics: &mut Vec<Diagnostic>, sources: &SourceMap) {
    diagnostics.sort_by_cached_key(|d| d.sort_key(sources));
    diagnostics.dedup();
}
