//! Source files and byte spans.
//!
//! `core` never reads the disk: the caller hands in `(name, text)` pairs and gets back
//! diagnostics whose spans index into those texts. Names are whatever the caller chose
//! (the CLI uses paths relative to the policy directory, with `/` separators, so output
//! is identical on every machine).

use std::fmt;
use std::sync::OnceLock;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId(pub u32);

/// A half-open byte range `start..end` in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub source: SourceId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(source: SourceId, start: usize, end: usize) -> Self {
        Span {
            source,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// A zero-width span at the start of `self`.
    pub fn start_point(self) -> Self {
        Span {
            end: self.start,
            ..self
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// One input file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    /// Byte offset of the start of every line, for line/column lookups: computed on the first
    /// lookup, since a load without diagnostics never needs it (a pass over every byte).
    line_starts: OnceLock<Vec<u32>>,
}

/// A 1-based line and column (column counted in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(
                self.text
                    .bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i as u32 + 1),
            );
            starts
        })
    }

    /// Line and column of a byte offset (clamped to the text). Columns count characters
    /// from the start of the line's content, so a UTF-8 byte order mark does not shift the
    /// first line.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = (offset as usize).min(self.text.len());
        let line = self.line_of(offset);
        let column = self.column_of(line, offset) as u32 + 1;
        LineCol {
            line: line as u32 + 1,
            column,
        }
    }

    /// Number of lines (a text without a final newline still ends in a line).
    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// The 0-based line holding byte `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len()) as u32;
        match self.line_starts().binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte range of line `line`'s content: without its line break (`\n` or `\r\n`), and
    /// for the first line without a byte order mark.
    pub fn line_content(&self, line: usize) -> std::ops::Range<usize> {
        let line_starts = self.line_starts();
        let mut start = line_starts[line] as usize;
        let mut end = line_starts
            .get(line + 1)
            .map_or(self.text.len(), |&next| next as usize - 1);
        if line == 0 && self.text.starts_with(BYTE_ORDER_MARK) {
            start = BYTE_ORDER_MARK.len_utf8();
        }
        if end > start && self.text.as_bytes()[end - 1] == b'\r' && end < self.text.len() {
            end -= 1;
        }
        start..end.max(start)
    }

    /// 0-based character column of byte `offset` on `line` (offsets inside a character or
    /// before the content count as its start).
    pub fn column_of(&self, line: usize, offset: usize) -> usize {
        let content = self.line_content(line);
        let mut end = offset.clamp(content.start, self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        self.text[content.start..end.max(content.start)]
            .chars()
            .count()
    }
}

/// U+FEFF at the start of a file: an encoding marker, not content.
const BYTE_ORDER_MARK: char = '\u{feff}';

/// All files of one load, addressed by [`SourceId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> SourceId {
        let id = SourceId(self.files.len() as u32);
        self.files.push(SourceFile::new(name, text));
        id
    }

    pub fn get(&self, id: SourceId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = (SourceId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (SourceId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// `file:line:column` of the start of a span, for messages that point elsewhere.
    pub fn location(&self, span: Span) -> String {
        let file = self.get(span.source);
        format!("{}:{}", file.name, file.line_col(span.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let f = SourceFile::new("a.yaml", "a: b\nnäme: x\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(5), LineCol { line: 2, column: 1 });
        // "näme: " is 7 bytes; `x` is the 7th character.
        assert_eq!(f.line_col(12), LineCol { line: 2, column: 7 });
    }

    #[test]
    fn a_byte_order_mark_does_not_shift_the_first_line() {
        let with = SourceFile::new("a.yaml", "\u{feff}kind: x\n");
        let without = SourceFile::new("a.yaml", "kind: x\n");
        // `x` is the 7th character of the line in both files.
        assert_eq!(with.line_col(9), LineCol { line: 1, column: 7 });
        assert_eq!(without.line_col(6), LineCol { line: 1, column: 7 });
        assert_eq!(with.line_content(0), 3..10);
    }

    #[test]
    fn line_content_excludes_line_breaks() {
        let f = SourceFile::new("a.yaml", "a: b\r\nc: d\n\nlast");
        assert_eq!(&f.text[f.line_content(0)], "a: b");
        assert_eq!(&f.text[f.line_content(1)], "c: d");
        assert_eq!(&f.text[f.line_content(2)], "");
        assert_eq!(&f.text[f.line_content(3)], "last");
        assert_eq!(f.line_count(), 4);
    }
}
