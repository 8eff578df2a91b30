//! `ppgov-core`: from policy files to a typed, validated desired state.
//!
//! The pipeline is `yaml` (text to span-carrying nodes) → `schema` (JSON Schema per kind) →
//! `doc` (typed documents) → `lower` (references and platform rules) → [`model::Desired`].
//! Every step reports [`diag::Diagnostic`]s and carries on, so one run shows every problem.
//!
//! This crate does no I/O: callers pass file names and texts in a [`SourceMap`].
//!
//! ```
//! let mut sources = ppgov_core::SourceMap::new();
//! sources.add("env.yaml", "apiVersion: ppgov.dev/v1\nkind: Environment\nmetadata: {name: dev}\nspec: {displayName: Dev}\n");
//! let loaded = ppgov_core::load(sources);
//! assert!(!loaded.has_errors());
//! assert_eq!(loaded.desired.environments["dev"].display_name, "Dev");
//! let span = loaded.span_of(ppgov_core::Kind::Environment, "dev", "/spec/displayName").unwrap();
//! assert_eq!(loaded.sources.location(span), "env.yaml:4:21");
//! ```

pub mod advisor;
pub mod app_criticality;
pub mod catalog;
mod compiled_schema;
pub mod diag;
pub mod dlp_eval;
pub mod doc;
pub mod inventory;
mod kind;
mod lower;
pub mod model;
pub mod observed;
pub mod rating;
pub mod schema;
pub mod source;
pub mod suggest;
pub mod tree_de;
pub mod yaml;

pub use diag::{Code, Diagnostic, Severity};
pub use kind::Kind;
pub use source::{SourceFile, SourceId, SourceMap, Span};

use kind::ParsedSet;
use lower::Parsed;
use serde::de::DeserializeOwned;

/// The result of loading a policy repository.
#[derive(Debug)]
pub struct Loaded {
    pub sources: SourceMap,
    /// The desired state, lowered as far as the errors allowed. Only trust it when
    /// [`Loaded::has_errors`] is false.
    pub desired: model::Desired,
    /// The connector catalog the policies were checked against (bundled plus the project's
    /// additional connectors).
    pub catalog: catalog::Catalog,
    /// Every problem found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// How many documents were read.
    pub documents: usize,
    /// The parsed documents, kept so later stages can point their findings at the YAML.
    parsed: ParsedSet,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Where a resource's field is written: the span of the value at a JSON pointer
    /// (`/spec/displayName`) in the document of `kind` named `name`, or of the nearest
    /// enclosing value. `None` if no valid document has that name. Later stages (planning)
    /// use it to report problems found against the tenant at the line that caused them.
    pub fn span_of(&self, kind: Kind, name: &str, pointer: &str) -> Option<Span> {
        self.parsed.span(kind, name, pointer)
    }

    /// The pointer of the first item of the list at `list` (`/spec/connectors/business`) in
    /// the document of `kind` named `name` whose scalar text `matches`: to point a finding at
    /// one entry of a list that the model keeps as a set.
    pub fn list_item_pointer(
        &self,
        kind: Kind,
        name: &str,
        list: &str,
        matches: impl Fn(&str) -> bool,
    ) -> Option<String> {
        let located = self.parsed.root(kind, name)?.locate_pointer(list);
        let yaml::Value::Seq(items) = &located.node.value else {
            return None;
        };
        // The typed document took the strings out of the tree: read them from the source.
        let text = |span: Span| {
            let file = self.sources.get(span.source);
            let raw = file.text.get(span.start as usize..span.end as usize)?;
            Some(
                raw.trim()
                    .trim_matches(|c| c == '"' || c == '\'')
                    .to_owned(),
            )
        };
        items
            .iter()
            .position(|item| {
                matches!(item.value, yaml::Value::Str(_))
                    && text(item.span).is_some_and(|t| matches(&t))
            })
            .map(|i| format!("{list}/{i}"))
    }
}

/// How to load.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Warn when there is no Project document. True for a whole repository; false when
    /// checking a few files on their own.
    pub expect_project: bool,
    /// Threads that read files in parallel; 0 means one per available core. The result
    /// does not depend on it.
    pub threads: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            expect_project: true,
            threads: 0,
        }
    }
}

/// Loads every document in `sources` with default options.
pub fn load(sources: SourceMap) -> Loaded {
    load_with(sources, LoadOptions::default())
}

/// Loads every document in `sources`. Never panics and never stops at the first problem.
pub fn load_with(sources: SourceMap, options: LoadOptions) -> Loaded {
    // Files are read in name order whatever order they were added in, so that "first
    // declared" (and so every diagnostic about duplicates) is the same for the same files.
    let mut named: Vec<(&str, SourceId, &str)> = sources
        .iter()
        .map(|(id, f)| (f.name.as_str(), id, f.text.as_str()))
        .collect();
    named.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let files: Vec<(SourceId, &str)> = named.into_iter().map(|(_, id, text)| (id, text)).collect();
    let (mut set, mut diagnostics) = read_all(&files, options.threads);
    if set.document_count == 0 && !diagnostics.iter().any(Diagnostic::is_error) {
        diagnostics.push(
            Diagnostic::new(Code::NoDocuments, "no policy documents found")
                .help("add `*.yaml` files with `apiVersion: ppgov.dev/v1` documents"),
        );
    }
    let documents = set.document_count;
    set.expect_project = options.expect_project;
    set.project_file = sources
        .iter()
        .filter(|(_, f)| f.name == "ppgov.yaml" || f.name.ends_with("/ppgov.yaml"))
        .min_by_key(|(_, f)| (f.name.matches('/').count(), f.name.clone()))
        .map(|(id, f)| (Span::new(id, 0, 0), f.text.trim().is_empty()));
    let (desired, catalog) = lower::lower(&set, &mut diagnostics);
    diag::sort(&mut diagnostics, &sources);
    Loaded {
        sources,
        desired,
        catalog,
        diagnostics,
        documents,
        parsed: set,
    }
}

/// Parses, schema-checks and types every document. Files are independent, so they are read
/// on several threads in contiguous chunks, and the chunks' results are concatenated in file
/// order: the outcome is the same for any thread count.
fn read_all(files: &[(SourceId, &str)], threads: usize) -> (ParsedSet, Vec<Diagnostic>) {
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let total: usize = files.iter().map(|(_, t)| t.len()).sum();
    // Small inputs are not worth a thread.
    const MIN_BYTES_PER_THREAD: usize = 64 * 1024;
    let threads = threads
        .min(total / MIN_BYTES_PER_THREAD)
        .clamp(1, files.len().max(1));
    if threads == 1 {
        return read_files(files);
    }
    // Contiguous chunks of roughly equal bytes.
    let mut chunks: Vec<&[(SourceId, &str)]> = Vec::with_capacity(threads);
    let target = total.div_ceil(threads);
    let (mut start, mut bytes) = (0, 0);
    for (i, (_, text)) in files.iter().enumerate() {
        bytes += text.len();
        if bytes >= target && chunks.len() + 1 < threads {
            chunks.push(&files[start..=i]);
            start = i + 1;
            bytes = 0;
        }
    }
    chunks.push(&files[start..]);
    let results: Vec<(ParsedSet, Vec<Diagnostic>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || read_files(chunk)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut set = ParsedSet::default();
    let mut diagnostics = Vec::new();
    for (part, mut part_diagnostics) in results {
        set.append(part);
        diagnostics.append(&mut part_diagnostics);
    }
    (set, diagnostics)
}

fn read_files(files: &[(SourceId, &str)]) -> (ParsedSet, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut set = ParsedSet::default();
    for &(id, text) in files {
        for document in yaml::parse(id, text, &mut diagnostics) {
            if document.root.value == yaml::Value::Null {
                continue; // an empty document, e.g. a trailing `---`
            }
            set.document_count += 1;
            read_document(document, &mut set, &mut diagnostics);
        }
    }
    (set, diagnostics)
}

/// Checks one document's envelope and schema, and files it by kind.
fn read_document(document: yaml::Document, set: &mut ParsedSet, out: &mut Vec<Diagnostic>) {
    let mut root = document.root;
    let yaml::Value::Map(_) = &root.value else {
        out.push(
            Diagnostic::new(
                Code::NotAMapping,
                format!("a document must be a mapping, found {}", root.type_name()),
            )
            .at(root.span, "this document")
            .help("start the document with `apiVersion: ppgov.dev/v1` and `kind:`"),
        );
        return;
    };
    let start = root.span.start_point();
    match root.entry("apiVersion") {
        None => {
            out.push(
                Diagnostic::new(Code::ApiVersion, "missing `apiVersion`")
                    .at(start, "document starts here")
                    .help("add `apiVersion: ppgov.dev/v1`"),
            );
            return;
        }
        Some((_, v)) if v.as_str() != Some(doc::API_VERSION) => {
            let written = v
                .as_str()
                .map_or_else(|| v.type_name().to_owned(), |s| format!("`{s}`"));
            out.push(
                Diagnostic::new(
                    Code::ApiVersion,
                    format!("unsupported apiVersion {written}"),
                )
                .at(v.span, "unsupported")
                .help("this version of ppgov reads `apiVersion: ppgov.dev/v1`"),
            );
            return;
        }
        Some(_) => {}
    }
    let kind = match root.entry("kind") {
        None => {
            out.push(
                Diagnostic::new(Code::UnknownKind, "missing `kind`")
                    .at(start, "document starts here")
                    .help(format!("add `kind:` with one of {}", kind::kind_names!())),
            );
            return;
        }
        Some((_, v)) => match v.as_str().and_then(Kind::parse) {
            Some(kind) => kind,
            None => {
                let written = v.as_str().unwrap_or_default();
                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                let help = match suggest::closest(written, &names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("use one of {}", kind::kind_names!()),
                };
                out.push(
                    Diagnostic::new(Code::UnknownKind, format!("unknown kind `{written}`"))
                        .at(v.span, "unknown kind")
                        .help(help),
                );
                return;
            }
        },
    };
    // The common case, a valid document: checked and typed on the span tree itself.
    if !document.has_errors && schema::tree_is_valid(kind, &root) && tree_de::plain_numbers(&root) {
        set.push_from_tree(kind, root, out);
        return;
    }
    // Everything else goes through JSON and `jsonschema`, whose errors become diagnostics.
    let mut json = root.take_json();
    let valid = match schema::validate(kind, &root, &json, out) {
        schema::Validity::Valid => true,
        schema::Validity::UnknownFieldsOnly(paths) => {
            schema::remove_paths(&mut json, &paths);
            true
        }
        schema::Validity::Invalid => false,
    };
    if !valid || document.has_errors {
        if let Some(name) = json.pointer("/metadata/name").and_then(|n| n.as_str()) {
            set.invalid_names
                .entry(kind)
                .or_default()
                .insert(name.to_owned());
        }
        return;
    }
    set.push(kind, root, json, out);
}

/// Reads a schema-valid document with plain numbers straight from its tree, moving its
/// strings into the typed document.
pub(crate) fn typed_from_tree<S: DeserializeOwned>(
    mut root: yaml::Node,
    into: &mut Vec<Parsed<S>>,
    out: &mut Vec<Diagnostic>,
) {
    match tree_de::take::<doc::Document<S>>(&mut root) {
        Ok(doc) => into.push(Parsed { root, doc }),
        // Unreachable while the schemas are generated from the `doc` types (the differential
        // test reads thousands of schema-valid documents both ways); reported, not a panic.
        Err(e) => out.push(could_not_read(&root, e)),
    }
}

pub(crate) fn typed<S: DeserializeOwned>(
    root: yaml::Node,
    json: serde_json::Value,
    into: &mut Vec<Parsed<S>>,
    out: &mut Vec<Diagnostic>,
) {
    match serde_json::from_value::<doc::Document<S>>(json) {
        Ok(doc) => into.push(Parsed { root, doc }),
        // JSON Schema counts `10.0` as an integer, serde does not; no field takes a
        // fraction, so a number with a decimal point is the value at fault.
        Err(_) if root.first_float().is_some() => {
            let (path, node) = root.first_float().expect("checked above");
            let written = match node.value {
                yaml::Value::Float(f) => f,
                _ => unreachable!("first_float returns a float node"),
            };
            let mut d = Diagnostic::new(
                Code::WrongType,
                format!(
                    "expected an integer for `{}`, found the number `{written:?}`",
                    path.join(".")
                ),
            )
            .at(node.span, "not an integer");
            d = if written.fract() == 0.0 && written.abs() < 1e15 {
                d.help(format!(
                    "write `{}` without the decimal point",
                    written as i64
                ))
            } else {
                d.help("write a whole number")
            };
            out.push(d);
        }
        // The schema is generated from these types, so this only happens if they disagree:
        // report it rather than panic.
        Err(e) => out.push(could_not_read(&root, e)),
    }
}

/// A schema-valid document serde refused: the schema and the `doc` types disagree.
fn could_not_read(root: &yaml::Node, e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::new(
        Code::SchemaViolation,
        format!("document could not be read: {e}"),
    )
    .at(root.span.start_point(), "this document")
    .help("this is a bug in ppgov (the schema accepted the document); please report it")
}
