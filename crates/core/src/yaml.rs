//! YAML front end: saphyr-parser events to a tree of [`Node`]s that remember their spans.
//!
//! One pass over the parser's events builds the tree, and at the same time enforces the
//! policy language's YAML subset: no anchors, aliases, merge keys or tags, no duplicate
//! keys, no ambiguous YAML 1.1 booleans. Plain scalars are resolved with the YAML 1.2 core
//! schema. Each problem becomes a diagnostic and the node at fault is flagged, so later
//! schema checks do not report the same mistake a second time.

use crate::diag::{Code, Diagnostic};
use crate::source::{SourceId, Span};
use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};
use std::borrow::Cow;

/// Flags on a node that tell later checks to stay quiet about it.
pub mod flags {
    /// The node stands in for something already reported (an alias, a bad tag): skip all
    /// schema errors at or below it.
    pub const POISONED: u8 = 1;
    /// A YAML 1.1 boolean already reported: skip type errors on it.
    pub const YAML11_BOOL: u8 = 2;
    /// A mapping that lost keys to an error (a merge key): skip missing-field errors.
    pub const INCOMPLETE: u8 = 4;
}

/// A YAML node with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
    pub flags: u8,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in source order; keys are `Value::Str` nodes, duplicates already dropped.
    Map(Vec<(Node, Node)>),
}

/// A node found by a JSON-pointer path, with the span of its mapping key if it has one.
#[derive(Clone, Copy, Debug)]
pub struct Located<'a> {
    pub key: Option<Span>,
    pub node: &'a Node,
    /// True when the path went further than the tree: `node` is the deepest ancestor.
    pub partial: bool,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` of a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value nodes under `key` of a mapping node.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str().is_some_and(|k| same_key(k, key)))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follows JSON-pointer segments (`["spec", "rules", "0"]`) as far as they lead.
    pub fn locate<S: AsRef<str>>(&self, segments: &[S]) -> Located<'_> {
        self.locate_iter(segments.iter().map(AsRef::as_ref))
    }

    /// Like [`Node::locate`] but takes a JSON pointer string (`/spec/rules/0`).
    pub fn locate_pointer(&self, pointer: &str) -> Located<'_> {
        if !pointer.contains('~') {
            // The common case needs no unescaping, so no allocation.
            return self.locate_iter(pointer.split('/').skip(1));
        }
        let segments: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        self.locate(&segments)
    }

    fn locate_iter<'s>(&self, segments: impl Iterator<Item = &'s str>) -> Located<'_> {
        let mut here = Located {
            key: None,
            node: self,
            partial: false,
        };
        for segment in segments {
            let next = match &here.node.value {
                Value::Map(_) => here.node.entry(segment).map(|(k, v)| (Some(k.span), v)),
                Value::Seq(items) => segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|v| (None, v)),
                _ => None,
            };
            match next {
                Some((key, node)) => {
                    here = Located {
                        key,
                        node,
                        partial: false,
                    }
                }
                None => {
                    here.partial = true;
                    break;
                }
            }
        }
        here
    }

    /// True if this node or any ancestor on `segments` carries one of `mask`'s flags.
    pub fn flagged_on_path<S: AsRef<str>>(&self, segments: &[S], mask: u8) -> bool {
        let mut node = self;
        if node.flags & mask != 0 {
            return true;
        }
        for segment in segments {
            let segment = segment.as_ref();
            let next = match &node.value {
                Value::Map(_) => node.get(segment),
                Value::Seq(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) if n.flags & mask != 0 => return true,
                Some(n) => node = n,
                None => return false,
            }
        }
        false
    }

    /// Moves the tree's values into JSON for schema validation and typed deserialization,
    /// without copying scalars: afterwards the tree keeps its structure, keys and spans
    /// (all that diagnostics need), and its scalar strings are empty.
    pub fn take_json(&mut self) -> serde_json::Value {
        use serde_json::Value as J;
        match &mut self.value {
            Value::Str(s) => J::String(std::mem::take(s)),
            Value::Seq(items) => J::Array(items.iter_mut().map(Node::take_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter_mut()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_owned(), v.take_json()))
                    .collect(),
            ),
            _ => self.to_json(),
        }
    }

    /// Converts to JSON for schema validation and typed deserialization.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or_else(|| J::String(f.to_string())),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_owned(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The first floating-point value in the tree (depth first) and its path.
    pub fn first_float(&self) -> Option<(Vec<String>, &Node)> {
        match &self.value {
            Value::Float(_) => Some((Vec::new(), self)),
            Value::Seq(items) => items.iter().enumerate().find_map(|(i, item)| {
                item.first_float().map(|(mut path, node)| {
                    path.insert(0, i.to_string());
                    (path, node)
                })
            }),
            Value::Map(entries) => entries.iter().find_map(|(k, v)| {
                v.first_float().map(|(mut path, node)| {
                    path.insert(0, k.as_str().unwrap_or_default().to_owned());
                    (path, node)
                })
            }),
            _ => None,
        }
    }

    /// A short description of the node's type for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Key equality with the cheap tests first: most keys of a mapping differ in length or in
/// their first byte, and spans are looked up by key for every list entry lowering visits.
#[inline]
pub(crate) fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// One YAML document of a file.
#[derive(Clone, Debug)]
pub struct Document {
    pub root: Node,
    /// Set when a problem in the document was already reported by the YAML front end.
    pub has_errors: bool,
}

/// Byte offset of the colon in `key:value` (a word, a colon, then no space) on one line,
/// outside quotes and comments and not in a URL (`https://`).
fn missing_space_after_colon(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'#') if i == 0 || bytes[i - 1] == b' ' => return None,
            (None, b':') => {
                let before =
                    i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
                let after = bytes.get(i + 1);
                let glued = after.is_some_and(|a| !a.is_ascii_whitespace() && *a != b'/');
                if before && glued {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Parses every document in `text`. Never panics: a parser failure becomes a diagnostic.
pub fn parse(source: SourceId, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<Document> {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut local = Vec::new();
        let docs = Builder::new(source, text).run(&mut local);
        (docs, local)
    }));
    match result {
        Ok((docs, local)) => {
            diagnostics.extend(local);
            docs
        }
        Err(_) => {
            diagnostics.push(
                Diagnostic::new(
                    Code::InternalParserError,
                    "the YAML parser failed on this file",
                )
                .at(Span::new(source, 0, 0), "while reading this file")
                .help("this is a bug; please report it together with the file"),
            );
            Vec::new()
        }
    }
}

enum Frame {
    Seq {
        start: usize,
        items: Vec<Node>,
        flags: u8,
    },
    Map {
        start: usize,
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        /// The pending key is a merge key or a duplicate: drop its value.
        drop_value: bool,
        flags: u8,
    },
}

struct Builder<'a> {
    source: SourceId,
    text: &'a str,
    /// Byte offset of every character when the text is not ASCII (the parser counts characters).
    char_to_byte: Option<Vec<u32>>,
    stack: Vec<Frame>,
    /// Emptied child lists of finished collections, reused by the next ones: a finished
    /// collection's children are copied into a list of exactly their number, so the tree
    /// takes one allocation per collection and none of the growing (realloc) on the way.
    spare_items: Vec<Vec<Node>>,
    spare_entries: Vec<Vec<(Node, Node)>>,
    doc_has_errors: bool,
}

impl<'a> Builder<'a> {
    fn new(source: SourceId, text: &'a str) -> Self {
        let char_to_byte = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(i, _)| i as u32)
                .chain(std::iter::once(text.len() as u32))
                .collect()
        });
        Builder {
            source,
            text,
            char_to_byte,
            stack: Vec::new(),
            spare_items: Vec::new(),
            spare_entries: Vec::new(),
            doc_has_errors: false,
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.char_to_byte {
            None => char_index.min(self.text.len()),
            Some(table) => table
                .get(char_index)
                .copied()
                .unwrap_or(self.text.len() as u32) as usize,
        }
    }

    fn span(&self, s: &YSpan) -> Span {
        Span::new(
            self.source,
            self.byte(s.start.index()),
            self.byte(s.end.index()),
        )
    }

    fn run(mut self, diagnostics: &mut Vec<Diagnostic>) -> Vec<Document> {
        let mut docs = Vec::new();
        let mut root: Option<Node> = None;
        let mut parser = Parser::new_from_str(self.text);
        loop {
            let (event, yspan) = match parser.next_event() {
                None => break,
                Some(Ok(ev)) => ev,
                Some(Err(e)) => {
                    let at = self.byte(e.marker().index());
                    let end = (at + 1).min(self.text.len()).max(at);
                    let mut end = end;
                    while !self.text.is_char_boundary(end) {
                        end += 1;
                    }
                    let mut d =
                        Diagnostic::new(Code::YamlSyntax, format!("invalid YAML: {}", e.info()))
                            .at(Span::new(self.source, at, end), "here");
                    d = match self.syntax_hint(e.info(), at) {
                        Some((hint, Some(span))) => d.also(span, "probably here").help(format!(
                            "{hint}; documents after this point in the file were not checked"
                        )),
                        Some((hint, None)) => d.help(format!(
                            "{hint}; documents after this point in the file were not checked"
                        )),
                        None => d.help(
                            "fix the syntax; documents after this point in the file were not checked",
                        ),
                    };
                    diagnostics.push(d);
                    break;
                }
            };
            let span = self.span(&yspan);
            match event {
                Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
                Event::DocumentStart(_) => {
                    self.stack.clear();
                    self.doc_has_errors = false;
                    root = None;
                }
                Event::DocumentEnd => {
                    if let Some(node) = root.take() {
                        docs.push(Document {
                            root: node,
                            has_errors: self.doc_has_errors,
                        });
                    }
                }
                Event::Alias(_) => {
                    let written = self
                        .text
                        .get(span.start as usize..span.end as usize)
                        .unwrap_or_default()
                        .trim_end();
                    self.error(
                        diagnostics,
                        Diagnostic::new(Code::AnchorOrAlias, "aliases are not allowed")
                            .at(span, "alias")
                            .help(format!(
                                "write the value out instead of referring to an anchor; if `{written}` is meant as text, quote it: \"{written}\""
                            )),
                    );
                    let node = Node {
                        span,
                        value: Value::Null,
                        flags: flags::POISONED,
                    };
                    self.push(node, &mut root, diagnostics);
                }
                Event::Scalar(value, style, anchor, tag) => {
                    self.check_anchor(anchor, span, diagnostics);
                    let node = self.scalar(value, style, tag, span, diagnostics);
                    self.push(node, &mut root, diagnostics);
                }
                Event::SequenceStart(anchor, tag) => {
                    self.check_anchor(anchor, span, diagnostics);
                    let flags = self.check_collection_tag(tag, span, diagnostics);
                    self.stack.push(Frame::Seq {
                        start: span.start as usize,
                        items: self.spare_items.pop().unwrap_or_default(),
                        flags,
                    });
                }
                Event::MappingStart(anchor, tag) => {
                    self.check_anchor(anchor, span, diagnostics);
                    let flags = self.check_collection_tag(tag, span, diagnostics);
                    self.stack.push(Frame::Map {
                        start: span.start as usize,
                        entries: self.spare_entries.pop().unwrap_or_default(),
                        pending_key: None,
                        drop_value: false,
                        flags,
                    });
                }
                Event::SequenceEnd => {
                    if let Some(Frame::Seq {
                        start,
                        mut items,
                        flags,
                    }) = self.stack.pop()
                    {
                        let end = items
                            .last()
                            .map_or(span.end, |n| n.span.end.max(span.start));
                        let node = Node {
                            span: Span::new(self.source, start, end as usize),
                            value: Value::Seq(exact_copy(&mut items)),
                            flags,
                        };
                        self.spare_items.push(items);
                        self.push(node, &mut root, diagnostics);
                    }
                }
                Event::MappingEnd => {
                    if let Some(Frame::Map {
                        start,
                        mut entries,
                        flags,
                        ..
                    }) = self.stack.pop()
                    {
                        // Block mappings end at the next token, which may be lines away;
                        // end the span at the last value instead.
                        let end = entries
                            .last()
                            .map_or(span.end, |(_, v)| v.span.end.max(v.span.start));
                        let node = Node {
                            span: Span::new(self.source, start, end as usize),
                            value: Value::Map(exact_copy(&mut entries)),
                            flags,
                        };
                        self.spare_entries.push(entries);
                        self.push(node, &mut root, diagnostics);
                    }
                }
            }
        }
        docs
    }

    /// A plain-words cause for the parser errors people make most, and where it probably
    /// is (the parser often notices a line later).
    fn syntax_hint(&self, info: &str, at: usize) -> Option<(String, Option<Span>)> {
        let bytes = self.text.as_bytes();
        if info.contains("anchor or alias") {
            (at.saturating_sub(1)..=at).find(|&i| bytes.get(i) == Some(&b'*'))?;
            return Some((
                "`*` at the start of a value begins an alias in YAML; quote it: `\"*\"`".into(),
                None,
            ));
        }
        if info.contains("mapping values are not allowed") {
            // Look at the error's line and the two before it for `key:value`.
            let line_start = |end: usize| self.text[..end].rfind('\n').map_or(0, |i| i + 1);
            let mut end = at.min(self.text.len());
            while !self.text.is_char_boundary(end) {
                end -= 1;
            }
            let mut start = line_start(end);
            for _ in 0..3 {
                let line_end = self.text[start..]
                    .find('\n')
                    .map_or(self.text.len(), |i| start + i);
                if let Some(colon) = missing_space_after_colon(&self.text[start..line_end]) {
                    let colon = start + colon;
                    let token_start = self.text[start..colon]
                        .rfind(|c: char| c.is_whitespace() || c == '-')
                        .map_or(start, |i| start + i + 1);
                    let token_end = self.text[colon..line_end]
                        .find(char::is_whitespace)
                        .map_or(line_end, |i| colon + i);
                    let token = &self.text[token_start..token_end];
                    let fixed = token.replacen(':', ": ", 1);
                    return Some((
                        format!(
                            "a key needs a space after its colon: write `{fixed}`, not `{token}`"
                        ),
                        Some(Span::new(self.source, colon, colon + 1)),
                    ));
                }
                if start == 0 {
                    break;
                }
                start = line_start(start - 1);
            }
            return Some((
                "a `key: value` pair is where YAML does not expect one: check the indentation, and quote values that contain `: `".into(),
                None,
            ));
        }
        None
    }

    fn error(&mut self, diagnostics: &mut Vec<Diagnostic>, d: Diagnostic) {
        self.doc_has_errors = true;
        diagnostics.push(d);
    }

    fn check_anchor(&mut self, anchor: usize, span: Span, diagnostics: &mut Vec<Diagnostic>) {
        if anchor != 0 {
            self.error(
                diagnostics,
                Diagnostic::new(Code::AnchorOrAlias, "anchors are not allowed")
                    .at(span.start_point(), "anchored value starts here")
                    .help("remove the `&anchor` and write the value out wherever it is used"),
            );
        }
    }

    fn check_collection_tag(
        &mut self,
        tag: Option<Cow<'_, saphyr_parser::Tag>>,
        span: Span,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> u8 {
        match tag {
            None => 0,
            Some(tag) => {
                self.error(
                    diagnostics,
                    Diagnostic::new(
                        Code::UnsupportedTag,
                        format!("tag `{tag}` is not supported"),
                    )
                    .at(span.start_point(), "tagged here")
                    .help("remove the tag"),
                );
                flags::POISONED
            }
        }
    }

    fn scalar(
        &mut self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<Cow<'_, saphyr_parser::Tag>>,
        span: Span,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Node {
        let mut flags = 0;
        let resolved = match tag {
            Some(tag) if tag.is_yaml_core_schema() && tag.suffix == "str" => {
                Value::Str(owned(value))
            }
            Some(tag) => {
                self.error(
                    diagnostics,
                    Diagnostic::new(
                        Code::UnsupportedTag,
                        format!("tag `{tag}` is not supported"),
                    )
                    .at(span, "tagged value")
                    .help("remove the tag; quote the value if it must be a string"),
                );
                flags |= flags::POISONED;
                Value::Str(owned(value))
            }
            None if style == ScalarStyle::Plain => {
                let is_key = matches!(
                    self.stack.last(),
                    Some(Frame::Map {
                        pending_key: None,
                        ..
                    })
                );
                if !is_key && is_yaml11_bool(&value) {
                    let meaning = matches!(value.to_ascii_lowercase().as_str(), "yes" | "on");
                    self.error(
                        diagnostics,
                        Diagnostic::new(
                            Code::Yaml11Boolean,
                            format!("`{value}` is a boolean in YAML 1.1 but a string in YAML 1.2"),
                        )
                        .at(span, "ambiguous value")
                        .help(format!(
                            "write `{meaning}` for a boolean, or \"{value}\" (quoted) for a string"
                        )),
                    );
                    flags |= flags::YAML11_BOOL;
                    Value::Str(owned(value))
                } else {
                    resolve_plain(value)
                }
            }
            None => Value::Str(owned(value)),
        };
        Node {
            span,
            value: resolved,
            flags,
        }
    }

    /// Attaches a finished node to its parent (or makes it the document root).
    fn push(&mut self, node: Node, root: &mut Option<Node>, diagnostics: &mut Vec<Diagnostic>) {
        let mut pending_error = None;
        let at_document_root = self.stack.len() == 1;
        match self.stack.last_mut() {
            None => *root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                drop_value,
                flags: map_flags,
                ..
            }) => match pending_key.take() {
                Some(key) => {
                    if !*drop_value {
                        entries.push((key, node));
                    }
                    *drop_value = false;
                }
                None => {
                    let mut node = node;
                    let key_text = match &mut node.value {
                        // Moved, not copied: the key node is rebuilt below.
                        Value::Str(s) => Some(std::mem::take(s)),
                        Value::Null => Some(String::new()),
                        Value::Bool(b) => Some(b.to_string()),
                        Value::Int(i) => Some(i.to_string()),
                        Value::Float(_) => Some(
                            self.text
                                .get(node.span.start as usize..node.span.end as usize)
                                .unwrap_or_default()
                                .to_owned(),
                        ),
                        Value::Seq(_) | Value::Map(_) => None,
                    };
                    match key_text {
                        None => {
                            pending_error = Some(
                                Diagnostic::new(Code::ComplexKey, "mapping key is not a scalar")
                                    .at(node.span, "this key")
                                    .help("use a plain string as the key"),
                            );
                            *map_flags |= flags::INCOMPLETE;
                            *drop_value = true;
                            *pending_key = Some(node);
                        }
                        Some(text) if text == "<<" && matches!(node.value, Value::Str(_)) => {
                            let quoted = self
                                .text
                                .as_bytes()
                                .get(node.span.start as usize)
                                .is_some_and(|b| *b == b'"' || *b == b'\'');
                            if quoted {
                                *pending_key = Some(Node {
                                    value: Value::Str(text),
                                    ..node
                                });
                            } else {
                                pending_error = Some(
                                    Diagnostic::new(
                                        Code::MergeKey,
                                        "merge keys (`<<`) are not allowed",
                                    )
                                    .at(node.span, "merge key")
                                    .help("write the merged keys out in this mapping"),
                                );
                                *map_flags |= flags::INCOMPLETE;
                                *drop_value = true;
                                *pending_key = Some(Node {
                                    value: Value::Str(text),
                                    ..node
                                });
                            }
                        }
                        Some(text) => {
                            if let Some((first, _)) =
                                entries.iter().find(|(k, _)| k.as_str() == Some(&text))
                            {
                                pending_error = Some(
                                    Diagnostic::new(
                                        Code::DuplicateKey,
                                        format!("key `{text}` appears twice in this mapping"),
                                    )
                                    .at(node.span, "duplicate key")
                                    .also(first.span, "first defined here")
                                    .help(
                                        if at_document_root
                                            && ["apiVersion", "kind", "metadata", "spec"]
                                                .contains(&text.as_str())
                                        {
                                            "a second document seems to start here: put a line `---` between documents"
                                        } else {
                                            "remove one of them; the first is used for further checks"
                                        },
                                    ),
                                );
                                *drop_value = true;
                            }
                            *pending_key = Some(Node {
                                span: node.span,
                                value: Value::Str(text),
                                flags: node.flags,
                            });
                        }
                    }
                }
            },
        }
        if let Some(d) = pending_error {
            // A duplicate key keeps the first value, so the document stays usable.
            if d.code == Code::DuplicateKey {
                diagnostics.push(d);
            } else {
                self.error(diagnostics, d);
            }
        }
    }
}

/// YAML 1.1 booleans that YAML 1.2 reads as strings. `y`/`n` are left out on purpose:
/// common YAML 1.1 loaders (PyYAML) do not treat them as booleans either.
fn is_yaml11_bool(s: &str) -> bool {
    matches!(
        s,
        "yes" | "Yes" | "YES" | "no" | "No" | "NO" | "on" | "On" | "ON" | "off" | "Off" | "OFF"
    )
}

/// Resolves a plain scalar with the YAML 1.2 core schema. Takes the parser's string so that
/// a string value keeps its allocation.
fn resolve_plain(value: Cow<'_, str>) -> Value {
    let s: &str = &value;
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let bytes = s.as_bytes();
    let first = bytes[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Value::Str(owned(value));
    }
    if let Some(oct) = s.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Value::Int(i);
    }
    if let Some(hex) = s.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Value::Int(i);
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = s.parse::<i64>() {
            return Value::Int(i);
        }
        if let Ok(f) = s.parse::<f64>() {
            return Value::Float(f);
        }
    }
    if is_core_float(digits)
        && let Ok(f) = s.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(owned(value))
}

/// `list`'s elements moved into a list of exactly their number; `list` is left empty with
/// its capacity, for reuse.
fn exact_copy<T>(list: &mut Vec<T>) -> Vec<T> {
    let mut exact = Vec::with_capacity(list.len());
    exact.append(list);
    exact
}

/// The parser's string as an owned one without spare capacity (the parser grows its strings
/// as it scans, and the tree keeps thousands of them).
fn owned(value: Cow<'_, str>) -> String {
    let mut s = value.into_owned();
    s.shrink_to_fit();
    s
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` without the sign.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_a_key_glued_to_its_value() {
        assert_eq!(missing_space_after_colon("  displayName:Dev"), Some(13));
        assert_eq!(missing_space_after_colon("  displayName: Dev"), None);
        assert_eq!(
            missing_space_after_colon("  url: https://contoso.com"),
            None
        );
        assert_eq!(missing_space_after_colon("  name: \"a:b\""), None);
        assert_eq!(missing_space_after_colon("  a: b # see x:y"), None);
        assert_eq!(missing_space_after_colon("  - id:1"), Some(6));
    }

    use super::*;

    fn parse_one(text: &str) -> (Vec<Document>, Vec<Diagnostic>) {
        let mut d = Vec::new();
        let docs = parse(SourceId(0), text, &mut d);
        (docs, d)
    }

    #[test]
    fn core_schema_resolution() {
        assert_eq!(resolve_plain("12".into()), Value::Int(12));
        assert_eq!(resolve_plain("-3".into()), Value::Int(-3));
        assert_eq!(resolve_plain("1.5".into()), Value::Float(1.5));
        assert_eq!(resolve_plain("1e3".into()), Value::Float(1000.0));
        assert_eq!(resolve_plain("0x1f".into()), Value::Int(31));
        assert_eq!(resolve_plain("True".into()), Value::Bool(true));
        assert_eq!(resolve_plain("~".into()), Value::Null);
        assert_eq!(resolve_plain("1.2.3".into()), Value::Str("1.2.3".into()));
        assert_eq!(resolve_plain("-".into()), Value::Str("-".into()));
        assert_eq!(
            resolve_plain("14.00:00:00".into()),
            Value::Str("14.00:00:00".into())
        );
    }

    #[test]
    fn spans_are_bytes_even_after_multibyte_text() {
        let text = "a: \"Finanças\"\nb: 1\n";
        let (docs, diags) = parse_one(text);
        assert!(diags.is_empty());
        let b = docs[0].root.entry("b").unwrap();
        assert_eq!(&text[b.0.span.start as usize..b.0.span.end as usize], "b");
        assert_eq!(&text[b.1.span.start as usize..b.1.span.end as usize], "1");
    }

    #[test]
    fn multiple_documents_and_syntax_error_keeps_earlier_ones() {
        let (docs, diags) = parse_one("a: 1\n---\nb: 2\n---\nc: [\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, Code::YamlSyntax);
    }

    #[test]
    fn strictness_rules() {
        let (docs, diags) =
            parse_one("a: &x 1\nb: *x\nc: no\nd: !!str 5\ne: !foo 1\na: 2\n<<: {f: 1}\n");
        let codes: Vec<_> = diags.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(
            codes,
            ["PPG101", "PPG101", "PPG103", "PPG104", "PPG105", "PPG102"]
        );
        let root = &docs[0].root;
        assert_eq!(root.get("d").unwrap().value, Value::Str("5".into()));
        assert_eq!(root.get("a").unwrap().value, Value::Int(1));
        assert!(root.get("<<").is_none());
        assert_eq!(root.flags & flags::INCOMPLETE, flags::INCOMPLETE);
    }

    #[test]
    fn quoted_yaml11_words_are_fine() {
        let (_, diags) = parse_one("a: \"no\"\nb: 'on'\nno: 1\n");
        assert!(diags.is_empty(), "{diags:?}");
    }
}
