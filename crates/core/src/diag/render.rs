//! Rendering diagnostics: miette for people, JSON for tools.
//!
//! Rendering produces strings; printing them is the caller's business.

use super::{Code, Diagnostic, Label, Severity};
use crate::source::{SourceFile, SourceMap};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SpanContents,
};
use std::collections::BTreeMap;
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

/// At most this many diagnostics of one code are drawn; the rest are counted in a note
/// (JSON output lists every one). Keeps output readable and bounded on generated input.
pub const MAX_SHOWN_PER_CODE: usize = 20;

/// Renders diagnostics as miette reports, separated by blank lines, then a note per code
/// with more than [`MAX_SHOWN_PER_CODE`] diagnostics. Time is linear in the number of
/// diagnostics: each report sees only an excerpt of the lines it shows (see [`Excerpt`]).
pub fn human(diagnostics: &[Diagnostic], sources: &SourceMap, style: Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_context_lines(CONTEXT_LINES);
    let mut out = String::new();
    let mut shown: BTreeMap<Code, usize> = BTreeMap::new();
    for diagnostic in diagnostics {
        let count = shown.entry(diagnostic.code).or_default();
        *count += 1;
        if *count > MAX_SHOWN_PER_CODE {
            continue;
        }
        let report = Report::new(diagnostic, sources);
        // Writing into a String cannot fail.
        let _ = handler.render_report(&mut out, &report);
        out.push('\n');
    }
    for (code, count) in shown {
        if count > MAX_SHOWN_PER_CODE {
            let hidden = count - MAX_SHOWN_PER_CODE;
            out.push_str(&format!(
                "note: {hidden} more {} diagnostic{} ({}) not shown; `--format json` lists them all\n\n",
                code.as_str(),
                if hidden == 1 { "" } else { "s" },
                code.title(),
            ));
        }
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
    source: Option<Excerpt>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(d: &Diagnostic, sources: &SourceMap) -> Report {
        let home = d.primary.as_ref().map(|l| l.span.source);
        let mut home_labels: Vec<(&Label, bool)> = Vec::new();
        let mut related = Vec::new();
        if let Some(p) = &d.primary {
            home_labels.push((p, true));
        }
        for s in &d.secondary {
            if Some(s.span.source) == home {
                home_labels.push((s, false));
            } else {
                let (source, labels) = Excerpt::new(sources.get(s.span.source), &[(s, true)]);
                related.push(Report {
                    code: "",
                    severity: None,
                    message: s.message.clone(),
                    help: None,
                    source: Some(source),
                    labels,
                    related: Vec::new(),
                });
            }
        }
        let (source, labels) = match home {
            Some(id) => {
                let (source, labels) = Excerpt::new(sources.get(id), &home_labels);
                (Some(source), labels)
            }
            None => (None, Vec::new()),
        };
        Report {
            code: d.code.as_str(),
            severity: Some(d.severity()),
            message: d.message.clone(),
            help: d.help.clone(),
            source,
            labels,
            related,
        }
    }
}

/// Lines of context miette draws above and below a label.
const CONTEXT_LINES: usize = 1;
/// Lines longer than this many characters are cut around the label, marked with `…`.
const MAX_LINE_CHARS: usize = 120;
/// Characters kept before a label's start on a cut line.
const CHARS_BEFORE_LABEL: usize = 40;
/// A label spanning more lines than this is drawn on its first line only.
const MAX_LABEL_LINES: usize = 8;
/// Snippets of one report closer than this many lines are drawn as one.
const MAX_GAP_LINES: usize = 8;
const ELLIPSIS: &str = "…";

/// The part of a file one report shows: the lines around its labels (long lines cut),
/// copied into a small text. miette reads only this, so rendering a diagnostic costs the
/// size of its snippet, not of its file (miette scans a source from its start to find a
/// span, which made rendering N diagnostics of one file quadratic). Columns are reported
/// in characters of the original line, the same definition as [`crate::source::LineCol`].
struct Excerpt {
    name: String,
    text: String,
    lines: Vec<ExcerptLine>,
}

/// One line of an [`Excerpt`].
#[derive(Clone, Debug)]
struct ExcerptLine {
    /// 0-based line number in the file.
    line: usize,
    /// Lines with the same block number are contiguous in the file and drawn together.
    block: usize,
    /// Where the line starts in the excerpt text, where its kept content starts (after a
    /// leading `…`) and ends (before a trailing `…`), and where it ends after its break.
    start: usize,
    kept_start: usize,
    kept_end: usize,
    end: usize,
    /// The kept byte range in the file.
    source_kept: std::ops::Range<usize>,
    /// Character column (0-based) of `source_kept.start` in the file's line.
    kept_column: usize,
}

impl Excerpt {
    /// Builds the excerpt for `labels` (all in `file`; `true` marks the primary) and returns
    /// it with the labels translated to excerpt offsets.
    fn new(file: &SourceFile, labels: &[(&Label, bool)]) -> (Excerpt, Vec<LabeledSpan>) {
        let clamp = |offset: u32| (offset as usize).min(file.text.len());
        let last_line_of =
            |start: usize, end: usize| file.line_of(end.saturating_sub(1).max(start));
        // Label byte ranges, long multi-line ones shortened to their first line.
        let ranges: Vec<std::ops::Range<usize>> = labels
            .iter()
            .map(|(label, _)| {
                let start = clamp(label.span.start);
                let end = clamp(label.span.end).max(start);
                let first = file.line_of(start);
                if last_line_of(start, end) - first >= MAX_LABEL_LINES {
                    start..file.line_content(first).end.max(start)
                } else {
                    start..end
                }
            })
            .collect();
        // Line ranges to show, merged into blocks.
        // The empty "line" after a final line break is context for nothing.
        let last_line = file.line_count() - 1 - usize::from(file.text.ends_with('\n'));
        let mut wanted: Vec<(usize, usize)> = ranges
            .iter()
            .map(|r| {
                let last = last_line_of(r.start, r.end);
                (
                    file.line_of(r.start).saturating_sub(CONTEXT_LINES),
                    (last + CONTEXT_LINES).min(last_line.max(last)),
                )
            })
            .collect();
        wanted.sort();
        let mut blocks: Vec<(usize, usize)> = Vec::new();
        for (first, last) in wanted {
            match blocks.last_mut() {
                Some(block) if first <= block.1 + MAX_GAP_LINES => block.1 = block.1.max(last),
                _ => blocks.push((first, last)),
            }
        }
        // Where each line's kept window is anchored: the first label starting on it.
        let mut anchors: BTreeMap<usize, usize> = BTreeMap::new();
        for r in &ranges {
            let anchor = anchors.entry(file.line_of(r.start)).or_insert(r.start);
            *anchor = (*anchor).min(r.start);
        }
        let mut excerpt = Excerpt {
            name: file.name.clone(),
            text: String::new(),
            lines: Vec::new(),
        };
        // An empty file has no line to show, only a name.
        let blocks = if file.text.is_empty() {
            Vec::new()
        } else {
            blocks
        };
        for (block, &(first, last)) in blocks.iter().enumerate() {
            for line in first..=last {
                excerpt.push_line(file, line, block, anchors.get(&line).copied());
            }
        }
        let spans = labels
            .iter()
            .zip(&ranges)
            .map(|((label, primary), range)| {
                let start = excerpt.offset_of(range.start);
                let end = excerpt.offset_of(range.end).max(start);
                let span: miette::SourceSpan = (start, end - start).into();
                let message = Some(label.message.clone());
                if *primary {
                    LabeledSpan::new_primary_with_span(message, span)
                } else {
                    LabeledSpan::new_with_span(message, span)
                }
            })
            .collect();
        (excerpt, spans)
    }

    fn push_line(&mut self, file: &SourceFile, line: usize, block: usize, anchor: Option<usize>) {
        let content = file.line_content(line);
        let text = &file.text[content.clone()];
        let chars = text.chars().count();
        let (from, to) = if chars <= MAX_LINE_CHARS {
            (0, chars)
        } else {
            let from = anchor
                .map(|a| file.column_of(line, a).saturating_sub(CHARS_BEFORE_LABEL))
                .unwrap_or(0)
                .min(chars - MAX_LINE_CHARS);
            (from, from + MAX_LINE_CHARS)
        };
        let byte_at = |column: usize| {
            content.start
                + text
                    .char_indices()
                    .nth(column)
                    .map_or(text.len(), |(i, _)| i)
        };
        let source_kept = byte_at(from)..byte_at(to);
        let start = self.text.len();
        if from > 0 {
            self.text.push_str(ELLIPSIS);
        }
        let kept_start = self.text.len();
        self.text.push_str(&file.text[source_kept.clone()]);
        let kept_end = self.text.len();
        if to < chars {
            self.text.push_str(ELLIPSIS);
        }
        self.text.push('\n');
        self.lines.push(ExcerptLine {
            line,
            block,
            start,
            kept_start,
            kept_end,
            end: self.text.len(),
            source_kept,
            kept_column: from,
        });
    }

    /// The excerpt offset showing file offset `offset`, clamped into the kept window of
    /// its line.
    fn offset_of(&self, offset: usize) -> usize {
        let index = self
            .lines
            .partition_point(|l| l.source_kept.start <= offset)
            .saturating_sub(1);
        let Some(line) = self.lines.get(index) else {
            return 0;
        };
        if offset < line.source_kept.start {
            line.kept_start
        } else if offset > line.source_kept.end {
            // Past the kept window: at the trailing `…`, or at the line break.
            line.kept_end
        } else {
            line.kept_start + (offset - line.source_kept.start)
        }
    }

    /// The excerpt line holding excerpt offset `offset`.
    fn line_at(&self, offset: usize) -> Option<usize> {
        let index = self.lines.partition_point(|l| l.start <= offset);
        index.checked_sub(1)
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        let (Some(first), Some(last)) = (
            self.line_at(start),
            self.line_at(end.saturating_sub(1).max(start)),
        ) else {
            // An empty file: nothing to show, but a place to name.
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                &[],
                (0, 0).into(),
                0,
                0,
                0,
            )));
        };
        // Two snippets in different blocks are far apart in the file: refusing to read
        // across them makes miette draw them separately instead of merging them.
        let block = self.lines[first].block;
        if self.lines[last].block != block || end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let mut from = first;
        while from > 0 && first - from < context_lines_before && self.lines[from - 1].block == block
        {
            from -= 1;
        }
        let mut to = last;
        while to + 1 < self.lines.len()
            && to - last < context_lines_after
            && self.lines[to + 1].block == block
        {
            to += 1;
        }
        let here = &self.lines[first];
        let column = here.kept_column
            + self.text[here.kept_start..start.clamp(here.kept_start, here.kept_end)]
                .chars()
                .count();
        let data_start = if context_lines_before == 0 {
            start
        } else {
            self.lines[from].start
        };
        let data_end = self.lines[to].end;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[data_start..data_end],
            (data_start, data_end - data_start).into(),
            self.lines[from].line,
            if context_lines_before == 0 { column } else { 0 },
            // miette merges two snippets when the first one's line plus this count reaches
            // the second's line; like miette's own sources, count from the file start so it
            // always tries, and let the block check above decide.
            self.lines[to].line + 1,
        )))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn at(sources: &SourceMap, file: &str, needle: &str, nth: usize) -> Span {
        let (id, f) = sources.iter().find(|(_, f)| f.name == file).unwrap();
        let start = f.text.match_indices(needle).nth(nth).unwrap().0;
        Span::new(id, start, start + needle.len())
    }

    fn unknown_field(span: Span) -> Diagnostic {
        Diagnostic::new(Code::UnknownField, "unknown field `colour`").at(span, "here")
    }

    /// The work per diagnostic is its excerpt; it must not grow with the file or with the
    /// position in it (this was the quadratic part: miette scanned the file from the start).
    #[test]
    fn excerpts_do_not_grow_with_the_file() {
        let lines = 20_000;
        let text: String = (0..lines)
            .map(|i| format!("item{i}: {{colour: red}}\n"))
            .collect();
        let mut sources = SourceMap::new();
        sources.add("big.yaml", text);
        let file = sources.get(crate::source::SourceId(0));
        let mut total = 0;
        for (i, (start, _)) in file.text.match_indices("colour").enumerate() {
            let label = Label {
                span: Span::new(crate::source::SourceId(0), start, start + 6),
                message: "here".into(),
            };
            let (excerpt, spans) = Excerpt::new(file, &[(&label, true)]);
            assert!(
                excerpt.lines.len() <= 3,
                "line {i}: {} lines",
                excerpt.lines.len()
            );
            assert_eq!(&excerpt.text[spans[0].offset()..][..6], "colour");
            total += excerpt.text.len();
        }
        // Three lines of about 25 bytes each per diagnostic, whatever the file size.
        assert!(total <= lines * 3 * 30, "{total} bytes of excerpts");
    }

    /// A diagnostic deep in a big file renders exactly like one near the top of a small
    /// file, apart from the line numbers.
    #[test]
    fn a_diagnostic_renders_the_same_anywhere_in_a_file() {
        let body = "a: 1\nb: {colour: red}\nc: 3\n";
        let mut small = SourceMap::new();
        small.add("x.yaml", body);
        let mut big = SourceMap::new();
        big.add("x.yaml", format!("{}{body}", "z: 0\n".repeat(99_997)));
        let small_out = human(
            &[unknown_field(at(&small, "x.yaml", "colour", 0))],
            &small,
            Style::PLAIN,
        );
        let big_out = human(
            &[unknown_field(at(&big, "x.yaml", "colour", 0))],
            &big,
            Style::PLAIN,
        );
        assert!(big_out.contains("[x.yaml:99999:5]"), "{big_out}");
        let normalise = |s: &str| {
            s.replace("99998", "1")
                .replace("99999", "2")
                .replace("100000", "3")
                .replace(' ', "")
        };
        assert_eq!(normalise(&big_out), normalise(&small_out));
    }

    #[test]
    fn long_lines_are_cut_around_the_label() {
        let text = format!(
            "a: [{}colour{}]\n",
            "x, ".repeat(20_000),
            ", y".repeat(20_000)
        );
        assert!(text.len() > 113_000);
        let mut sources = SourceMap::new();
        sources.add("long.yaml", text);
        let out = human(
            &[unknown_field(at(&sources, "long.yaml", "colour", 0))],
            &sources,
            Style::PLAIN,
        );
        assert!(out.len() < 1_500, "{} bytes:\n{out}", out.len());
        assert!(out.contains("1 │ … x, x, "), "{out}");
        assert!(out.contains("colour, y, y"), "{out}");
        assert!(out.contains("y, …\n"), "{out}");
        // The column is the real one, not the one in the cut line.
        assert!(out.contains("[long.yaml:1:60005]"), "{out}");
        let line = out.lines().find(|l| l.contains("1 │ …")).unwrap();
        let marks = out.lines().find(|l| l.contains("──")).unwrap();
        assert_eq!(
            line.find("colour").map(|i| line[..i].chars().count()),
            marks.chars().position(|c| c == '─'),
            "the underline sits under the label:\n{out}"
        );
    }

    #[test]
    fn columns_are_characters_in_text_and_json_alike() {
        let mut sources = SourceMap::new();
        sources.add("u.yaml", "\u{feff}näme: {colour: red}\n");
        let d = unknown_field(at(&sources, "u.yaml", "colour", 0));
        let out = human(std::slice::from_ref(&d), &sources, Style::PLAIN);
        let json = json(std::slice::from_ref(&d), &sources);
        assert_eq!(json["diagnostics"][0]["primary"]["start"]["column"], 8);
        assert!(out.contains("[u.yaml:1:8]"), "{out}");
        // The byte order mark is not drawn, so the underline lines up with the text.
        assert!(out.contains(" 1 │ näme: {colour: red}\n"), "{out:?}");
        assert!(out.contains("   ·        ───┬──\n"), "{out}");
    }

    #[test]
    fn repeated_codes_are_capped_with_a_count() {
        let text: String = (0..25)
            .map(|i| format!("item{i}: {{colour: red}}\n"))
            .collect();
        let mut sources = SourceMap::new();
        sources.add("many.yaml", text);
        let mut diagnostics: Vec<Diagnostic> = (0..25)
            .map(|i| unknown_field(at(&sources, "many.yaml", "colour", i)))
            .collect();
        diagnostics.push(Diagnostic::new(
            Code::NoDocuments,
            "no policy documents found",
        ));
        let out = human(&diagnostics, &sources, Style::PLAIN);
        assert_eq!(
            out.matches("unknown field `colour`").count(),
            MAX_SHOWN_PER_CODE
        );
        assert!(out.contains("no policy documents found"));
        assert!(out.ends_with(
            "note: 5 more PPG203 diagnostics (unknown field) not shown; `--format json` lists them all\n\n"
        ), "{out}");
        assert!(!out.contains("many.yaml:21:"), "{out}");
    }

    #[test]
    fn distant_labels_are_drawn_as_separate_snippets() {
        let text = format!(
            "a: {{colour: red}}\n{}b: {{colour: blue}}\n",
            "z: 0\n".repeat(500)
        );
        let mut sources = SourceMap::new();
        sources.add("two.yaml", text);
        let d = unknown_field(at(&sources, "two.yaml", "colour", 1))
            .also(at(&sources, "two.yaml", "colour", 0), "first here");
        let out = human(&[d], &sources, Style::PLAIN);
        assert!(out.contains("[two.yaml:502:5]"), "{out}");
        assert!(out.contains("[two.yaml:1:5]"), "{out}");
        assert!(out.lines().count() < 20, "{out}");
    }
}
