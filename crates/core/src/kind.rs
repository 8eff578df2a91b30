//! The kinds of document, declared once.
//!
//! The [`kinds!`] declaration at the end of this file is the only list of kinds in the code
//! base. It generates the [`Kind`] enum, [`Kind::ALL`] and the names, each kind's schema
//! (from its `doc` spec type), the per-kind lists of [`ParsedSet`] with the code that fills,
//! merges and searches them, the text that names every kind in diagnostics, [`Kind::is_live`]
//! (from the `live` / `repository_only` marker), the call that lowers the kind's documents,
//! in declaration order (see [`crate::lower::LowerKind`]), and the re-exports of the kind's
//! own module (`in module`: `kind/<module>.rs` holds the kind's `spec` and `model` modules,
//! re-exported as `crate::doc::*` and `crate::model::*`, and its lowering). Adding a line
//! there makes the compiler point at every `match` over [`Kind`] that must handle it, and at
//! the kind's missing module and lowering.

use crate::diag::Diagnostic;
use crate::doc;
use crate::lower::Parsed;
use crate::source::Span;
use crate::yaml::Node;
use std::collections::{BTreeMap, BTreeSet};

macro_rules! kinds {
    // The kind names joined by ", ", as a literal (for `concat!`).
    (@join $first:ident $($rest:ident)*) => {
        concat!(stringify!($first) $(, ", ", stringify!($rest))*)
    };
    (@live live) => { true };
    (@live repository_only) => { false };
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident $(in $module:ident)? : $spec:ty => $field:ident, $liveness:ident;
    )*) => {
        /// Re-exports every kind module's `spec` types; `doc` invokes it, so that
        /// `crate::doc::XSpec` names a kind's document types.
        macro_rules! kind_spec_types {
            () => { $($( pub use $crate::kind::$module::spec::*; )?)* };
        }
        pub(crate) use kind_spec_types;

        /// Re-exports every kind module's `model` types; `model` invokes it, so that
        /// `crate::model::X` names a kind's model types.
        macro_rules! kind_model_types {
            () => { $($( pub use $crate::kind::$module::model::*; )?)* };
        }
        pub(crate) use kind_model_types;

        /// Lowers every kind's documents in declaration order: a kind may read what the
        /// kinds before it lowered (the Project comes first).
        pub(crate) fn lower_every_kind(
            cx: &mut crate::lower::Lowering<'_>,
            desired: &mut crate::model::Desired,
        ) {
            $( <$spec as crate::lower::LowerKind>::lower(cx, desired); )*
        }

        /// The kinds of document. The variant's name is the `kind:` written in YAML.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        pub enum Kind {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Kind {
            /// Every kind, in declaration order.
            pub const ALL: [Kind; [$(stringify!($variant)),*].len()] = [$(Kind::$variant,)*];

            /// The name written after `kind:`.
            pub fn as_str(self) -> &'static str {
                match self { $( Kind::$variant => stringify!($variant), )* }
            }

            /// Whether documents of the kind declare live tenant objects, which the planner
            /// plans and `ppgov import` writes (`live` in [`kinds!`]). `Project` configures
            /// ppgov; `ConnectorRating` and `AppCriticality` govern the repository itself
            /// (where connectors may be classified, who approves, how apps are reviewed):
            /// none has a live object, so none is planned, exported or imported.
            pub fn is_live(self) -> bool {
                match self { $( Kind::$variant => kinds!(@live $liveness), )* }
            }

            /// The schema of the kind's documents, as generated from its `doc` spec type.
            pub(crate) fn document_schema(self) -> schemars::Schema {
                match self { $( Kind::$variant => schemars::schema_for!(doc::Document<$spec>), )* }
            }
        }

        /// The documents that passed schema validation, per kind, in file order.
        #[derive(Debug, Default)]
        pub(crate) struct ParsedSet {
            $( pub $field: Vec<Parsed<$spec>>, )*
            /// Names of documents that failed schema validation, per kind. References to
            /// them are not reported as unknown: the document's own errors already say what
            /// is wrong.
            pub invalid_names: BTreeMap<Kind, BTreeSet<String>>,
            pub document_count: usize,
            pub expect_project: bool,
            /// Where the project file is (the start of the top-most `ppgov.yaml`) and
            /// whether it is blank, so that a Project missing from an existing file is not
            /// called a missing file.
            pub project_file: Option<(Span, bool)>,
        }

        impl ParsedSet {
            /// Types a schema-valid document of `kind` and files it with its kind.
            pub fn push(
                &mut self,
                kind: Kind,
                root: Node,
                json: serde_json::Value,
                out: &mut Vec<Diagnostic>,
            ) {
                match kind { $( Kind::$variant => crate::typed(root, json, &mut self.$field, out), )* }
            }

            /// Types a schema-valid document of `kind` with plain numbers straight from its
            /// tree, and files it with its kind.
            pub fn push_from_tree(&mut self, kind: Kind, root: Node, out: &mut Vec<Diagnostic>) {
                match kind { $( Kind::$variant => crate::typed_from_tree(root, &mut self.$field, out), )* }
            }

            /// The tree of the document of `kind` named `name`.
            pub fn root(&self, kind: Kind, name: &str) -> Option<&Node> {
                fn find<'d, S>(docs: &'d [Parsed<S>], name: &str) -> Option<&'d Node> {
                    docs.iter().find(|p| p.doc.metadata.name == name).map(|p| &p.root)
                }
                match kind { $( Kind::$variant => find(&self.$field, name), )* }
            }

            /// The span of the value at `pointer` in the document of `kind` named `name`.
            pub fn span(&self, kind: Kind, name: &str, pointer: &str) -> Option<Span> {
                self.root(kind, name).map(|root| root.locate_pointer(pointer).node.span)
            }

            /// Appends the documents of files read after this set's files.
            pub fn append(&mut self, mut later: ParsedSet) {
                $( self.$field.append(&mut later.$field); )*
                for (kind, names) in later.invalid_names {
                    self.invalid_names.entry(kind).or_default().extend(names);
                }
                self.document_count += later.document_count;
            }

            /// Every document's tree and metadata, kind by kind.
            pub fn metadata(&self) -> impl Iterator<Item = (&Node, &doc::Metadata)> {
                std::iter::empty()
                    $( .chain(self.$field.iter().map(|p| (&p.root, &p.doc.metadata))) )*
            }
        }

        /// Every kind name, separated by ", ", as a `&'static str` literal: usable in
        /// `concat!` (the diagnostic registry's texts are literals).
        macro_rules! kind_names {
            () => { $crate::kind::kinds!(@join $($variant)*) };
        }
        pub(crate) use kind_names;
    };
}
pub(crate) use kinds;

// Each kind's own module (`in module` below). Written out rather than generated: rustfmt
// does not reach modules declared inside a macro.
pub(crate) mod environment;
pub(crate) mod tenant_isolation;
pub(crate) mod tenant_settings;

kinds! {
    /// The project file (`ppgov.yaml`): tenant, connector catalog, ownership.
    Project: doc::ProjectSpec => projects, repository_only;
    Environment in environment: doc::EnvironmentSpec => environments, live;
    EnvironmentGroup: doc::EnvironmentGroupSpec => groups, live;
    DlpPolicy: doc::DlpPolicySpec => dlp_policies, live;
    RoleAssignment: doc::RoleAssignmentSpec => role_assignments, live;
    /// A singleton: the tenant-wide settings ppgov governs.
    TenantSettings in tenant_settings: doc::TenantSettingsSpec => tenant_settings, live;
    /// A singleton: cross-tenant connection restrictions.
    TenantIsolationPolicy in tenant_isolation: doc::TenantIsolationPolicySpec => tenant_isolation_policies, live;
    /// Repository-only: the connector criticality scale (see [`Kind::is_live`]).
    ConnectorRating: doc::ConnectorRatingSpec => connector_ratings, repository_only;
    /// Repository-only: the app criticality scale and review record (see [`Kind::is_live`]).
    AppCriticality: doc::AppCriticalitySpec => app_criticalities, repository_only;
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// File name of the kind's schema in `schemas/`.
    pub fn schema_file(self) -> String {
        let mut out = String::new();
        for (i, c) in self.as_str().chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        }
        format!("{out}.schema.json")
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_names_text_lists_every_kind_in_order() {
        let listed: Vec<&str> = kind_names!().split(", ").collect();
        let all: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(listed, all);
    }

    #[test]
    fn names_parse_back() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::parse("environment"), None);
    }
}
