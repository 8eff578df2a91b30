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
//! ```

pub mod catalog;
pub mod diag;
pub mod doc;
mod lower;
pub mod model;
pub mod schema;
pub mod source;
mod suggest;
pub mod yaml;

pub use diag::{Code, Diagnostic, Severity};
pub use schema::Kind;
pub use source::{SourceFile, SourceId, SourceMap, Span};

use lower::{Parsed, ParsedSet};
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
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// How to load.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Warn when there is no Project document. True for a whole repository; false when
    /// checking a few files on their own.
    pub expect_project: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            expect_project: true,
        }
    }
}

/// Loads every document in `sources` with default options.
pub fn load(sources: SourceMap) -> Loaded {
    load_with(sources, LoadOptions::default())
}

/// Loads every document in `sources`. Never panics and never stops at the first problem.
pub fn load_with(sources: SourceMap, options: LoadOptions) -> Loaded {
    let mut diagnostics = Vec::new();
    let mut set = ParsedSet::default();
    for (id, file) in sources.iter() {
        set.first_source.get_or_insert(id);
        for document in yaml::parse(id, &file.text, &mut diagnostics) {
            if document.root.value == yaml::Value::Null {
                continue; // an empty document, e.g. a trailing `---`
            }
            set.document_count += 1;
            read_document(document, &mut set, &mut diagnostics);
        }
    }
    if set.document_count == 0 && !diagnostics.iter().any(Diagnostic::is_error) {
        diagnostics.push(
            Diagnostic::new(Code::NoDocuments, "no policy documents found")
                .help("add `*.yaml` files with `apiVersion: ppgov.dev/v1` documents"),
        );
    }
    let documents = set.document_count;
    set.expect_project = options.expect_project;
    let (desired, catalog) = lower::lower(set, &mut diagnostics);
    diag::sort(&mut diagnostics, &sources);
    Loaded {
        sources,
        desired,
        catalog,
        diagnostics,
        documents,
    }
}

/// Checks one document's envelope and schema, and files it by kind.
fn read_document(document: yaml::Document, set: &mut ParsedSet, out: &mut Vec<Diagnostic>) {
    let root = document.root;
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
                    .help(format!("add `kind:` with one of {}", kind_list())),
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
                    None => format!("use one of {}", kind_list()),
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
    let mut json = root.to_json();
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
    match kind {
        Kind::Project => typed(root, json, &mut set.projects, out),
        Kind::Environment => typed(root, json, &mut set.environments, out),
        Kind::EnvironmentGroup => typed(root, json, &mut set.groups, out),
        Kind::DlpPolicy => typed(root, json, &mut set.dlp_policies, out),
        Kind::RoleAssignment => typed(root, json, &mut set.role_assignments, out),
        Kind::TenantSettings => typed(root, json, &mut set.tenant_settings, out),
    }
}

fn typed<S: DeserializeOwned>(
    root: yaml::Node,
    json: serde_json::Value,
    into: &mut Vec<Parsed<S>>,
    out: &mut Vec<Diagnostic>,
) {
    match serde_json::from_value::<doc::Document<S>>(json) {
        Ok(doc) => into.push(Parsed { root, doc }),
        // The schema is generated from these types, so this only happens if they disagree:
        // report it rather than panic.
        Err(e) => out.push(
            Diagnostic::new(
                Code::SchemaViolation,
                format!("document could not be read: {e}"),
            )
            .at(root.span.start_point(), "this document")
            .help("this is a bug in ppgov (the schema accepted the document); please report it"),
        ),
    }
}

fn kind_list() -> String {
    Kind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
