//! Lowering: schema-valid documents to the checked [`Desired`] model, with every semantic
//! check (references, duplicates, platform rules). Problems are reported, never fatal: a
//! resource with an error is still lowered as far as possible so later checks can run.

use crate::catalog::{self, Catalog, ConnectorId, Resolved};
use crate::diag::{Code, Diagnostic};
use crate::doc::{self, ConnectorGroup, EnvironmentRef, PatternGroup, Role, ScopeMode};
use crate::kind::{Kind, ParsedSet};
use crate::model::*;
use crate::source::Span;
use crate::yaml::Node;
use std::collections::{BTreeMap, BTreeSet};

mod expiry;
mod rating;

/// A document that passed schema validation, with its tree for spans.
#[derive(Debug)]
pub(crate) struct Parsed<S> {
    pub root: Node,
    pub doc: doc::Document<S>,
}

impl<S> Parsed<S> {
    /// The span of the value at a JSON pointer (or of its nearest existing ancestor).
    fn at(&self, pointer: &str) -> Span {
        self.root.locate_pointer(pointer).node.span
    }

    /// The span of item `i` of the list at `list` (or of its `field`), without building a
    /// pointer string: this runs for every list entry, not only on errors.
    fn at_item(&self, list: &str, i: usize, field: Option<&str>) -> Span {
        self.items_at(list).at(i, field)
    }

    /// The list at a JSON pointer, found once for a loop over its items.
    fn items_at(&self, list: &str) -> Items<'_> {
        Items(self.root.locate_pointer(list).node)
    }

    /// The first line of the value at a JSON pointer: a mapping's first key, else the value.
    /// Labels on whole multi-line mappings are hard to read.
    fn head_at(&self, pointer: &str) -> Span {
        let node = self.root.locate_pointer(pointer).node;
        match &node.value {
            crate::yaml::Value::Map(entries) if !entries.is_empty() => entries[0].0.span,
            _ => node.span,
        }
    }

    /// The span of the key at a JSON pointer, falling back to the value.
    fn key_at(&self, pointer: &str) -> Span {
        key_span(&self.root, pointer)
    }

    fn name(&self) -> &str {
        &self.doc.metadata.name
    }

    fn name_span(&self) -> Span {
        self.at("/metadata/name")
    }

    fn meta(&self) -> ResourceMeta {
        let m = &self.doc.metadata;
        ResourceMeta {
            name: m.name.clone(),
            id: m.id.as_ref().map(|g| g.0.to_lowercase()),
            labels: m.labels.clone(),
            annotations: m.annotations.clone(),
        }
    }
}

/// A list in a document's tree, for the spans of its items.
struct Items<'a>(&'a Node);

impl Items<'_> {
    /// The span of item `i` (or of its `field`); the list's if there is no such item.
    fn at(&self, i: usize, field: Option<&str>) -> Span {
        let list = self.0;
        let item = match &list.value {
            crate::yaml::Value::Seq(items) => items.get(i),
            _ => None,
        };
        match (item, field) {
            (Some(item), Some(field)) => item.get(field).map_or(item.span, |n| n.span),
            (Some(item), None) => item.span,
            (None, _) => list.span,
        }
    }
}

/// The span of the key at a JSON pointer in a document's tree, falling back to the value.
fn key_span(root: &Node, pointer: &str) -> Span {
    let l = root.locate_pointer(pointer);
    l.key.unwrap_or(l.node.span)
}

pub(crate) fn lower(set: &ParsedSet, out: &mut Vec<Diagnostic>) -> (Desired, Catalog) {
    // Names every kind's documents and who lowers them: a new kind (a line in `kinds!`) is a
    // compile error here until its documents are lowered too, rather than silently ignored.
    let ParsedSet {
        projects: _,          // project()
        environments: _,      // environments()
        groups: _,            // groups()
        dlp_policies: _,      // dlp_policies()
        role_assignments: _,  // role_assignments()
        tenant_settings: _,   // tenant_settings()
        connector_ratings: _, // connector_rating()
        invalid_names: _,
        document_count: _,
        expect_project: _,
        project_file: _,
    } = set;
    let mut cx = Lowering {
        set,
        out,
        catalog: Catalog::bundled().clone(),
        declared: Declared::index(&set.environments),
        classification_spans: BTreeMap::new(),
    };
    let project = cx.project();
    cx.reserved_annotations();
    let environments = cx.environments();
    let environment_groups = cx.groups(&environments);
    let environments = attach_groups(environments, &environment_groups);
    let dlp_policies = cx.dlp_policies();
    let role_assignments = cx.role_assignments();
    let tenant_settings = cx.tenant_settings();
    let connector_rating = cx.connector_rating();
    if let Some((rating, spans)) = &connector_rating {
        cx.rating_constraints(
            rating,
            spans,
            &dlp_policies,
            &environments,
            &environment_groups,
        );
    }
    let desired = Desired {
        project,
        environments,
        environment_groups,
        dlp_policies,
        role_assignments,
        tenant_settings,
        connector_rating: connector_rating.map(|(rating, _)| rating),
    };
    (desired, cx.catalog)
}

/// Fills `Environment::group` from group membership lists, so both sides agree.
fn attach_groups(
    mut environments: BTreeMap<String, Environment>,
    groups: &BTreeMap<String, EnvironmentGroup>,
) -> BTreeMap<String, Environment> {
    for (group_name, group) in groups {
        for member in &group.members {
            if let EnvironmentTarget::Declared(env) = member
                && let Some(e) = environments.get_mut(env)
            {
                e.group.get_or_insert_with(|| group_name.clone());
            }
        }
    }
    environments
}

struct Lowering<'a> {
    set: &'a ParsedSet,
    out: &'a mut Vec<Diagnostic>,
    catalog: Catalog,
    declared: Declared,
    /// Per DLP policy, where each connector it lists is listed (for rating constraints).
    classification_spans: BTreeMap<String, BTreeMap<ConnectorId, Span>>,
}

/// The `Environment` documents, indexed so that every way of referring to a declared
/// environment (name, pinned id, display name) resolves to the same target.
struct Declared {
    names: BTreeSet<String>,
    by_id: BTreeMap<String, String>,
    by_display_name: BTreeMap<String, String>,
}

impl Declared {
    fn index(docs: &[Parsed<doc::EnvironmentSpec>]) -> Declared {
        let mut d = Declared {
            names: BTreeSet::new(),
            by_id: BTreeMap::new(),
            by_display_name: BTreeMap::new(),
        };
        for p in docs {
            let name = p.name().to_owned();
            if let Some(id) = &p.doc.metadata.id {
                d.by_id
                    .entry(id.0.to_lowercase())
                    .or_insert_with(|| name.clone());
            }
            d.by_display_name
                .entry(p.doc.spec.display_name.clone())
                .or_insert_with(|| name.clone());
            d.names.insert(name);
        }
        d
    }

    /// The target a reference denotes, preferring the declared document when one matches.
    fn resolve(&self, r: &EnvironmentRef) -> EnvironmentTarget {
        match r {
            EnvironmentRef::Name(n) => EnvironmentTarget::Declared(n.0.clone()),
            EnvironmentRef::Id(i) => {
                let id = i.id.0.to_lowercase();
                match self.by_id.get(&id) {
                    Some(name) => EnvironmentTarget::Declared(name.clone()),
                    None => EnvironmentTarget::Id(id),
                }
            }
            EnvironmentRef::DisplayName(d) => match self.by_display_name.get(&d.display_name) {
                Some(name) => EnvironmentTarget::Declared(name.clone()),
                None => EnvironmentTarget::DisplayName(d.display_name.clone()),
            },
        }
    }
}

impl Lowering<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    fn known_name(&self, kind: Kind, name: &str) -> bool {
        self.set
            .invalid_names
            .get(&kind)
            .is_some_and(|names| names.contains(name))
    }

    /// Reports documents of one kind sharing a `metadata.name`; returns the first of each name.
    fn unique_by_name<'p, S>(&mut self, kind: Kind, docs: &'p [Parsed<S>]) -> Vec<&'p Parsed<S>> {
        let mut first: BTreeMap<&str, &Parsed<S>> = BTreeMap::new();
        let mut kept = Vec::new();
        for p in docs {
            match first.get(p.name()) {
                Some(original) => {
                    let d = Diagnostic::new(
                        Code::DuplicateName,
                        format!("{kind} `{}` is declared twice", p.name()),
                    )
                    .at(p.name_span(), "declared again here")
                    .also(original.name_span(), "first declared here")
                    .help(format!("give each {kind} a unique `metadata.name`"));
                    self.push(d);
                }
                None => {
                    first.insert(p.name(), p);
                    kept.push(p);
                }
            }
        }
        kept
    }

    /// Reports resources of one kind sharing a display name (case-insensitive), unless both
    /// are pinned by `metadata.id`: then neither is found by its name, and the platform lets
    /// live objects share one (real tenants have environments that do).
    fn unique_display_names<S>(
        &mut self,
        kind: Kind,
        docs: &[&Parsed<S>],
        display: impl Fn(&S) -> &str,
    ) {
        let mut first: BTreeMap<String, &Parsed<S>> = BTreeMap::new();
        for p in docs {
            let name = display(&p.doc.spec).to_lowercase();
            match first.get(&name) {
                Some(original)
                    if original.doc.metadata.id.is_some() && p.doc.metadata.id.is_some() => {}
                Some(original) => {
                    let d = Diagnostic::new(
                        Code::DuplicateDisplayName,
                        format!(
                            "{kind} `{}` and {kind} `{}` have the same display name `{}`",
                            original.name(),
                            p.name(),
                            display(&p.doc.spec)
                        ),
                    )
                    .at(p.at("/spec/displayName"), "same display name")
                    .also(original.at("/spec/displayName"), "also used here")
                    .help("live objects are matched by display name; make them unique, or pin both with `metadata.id`");
                    self.push(d);
                }
                None => {
                    first.insert(name, p);
                }
            }
        }
    }

    /// Reports documents of one kind pinned to the same live object (`metadata.id`).
    fn unique_pinned_ids<S>(&mut self, kind: Kind, docs: &[&Parsed<S>]) {
        let mut first: BTreeMap<String, &Parsed<S>> = BTreeMap::new();
        for p in docs {
            let Some(id) = &p.doc.metadata.id else {
                continue;
            };
            match first.get(&id.0.to_lowercase()) {
                Some(original) => {
                    let d = Diagnostic::new(
                        Code::DuplicatePinnedId,
                        format!(
                            "{kind} `{}` and {kind} `{}` are pinned to the same id `{}`",
                            original.name(),
                            p.name(),
                            id.0
                        ),
                    )
                    .at(p.at("/metadata/id"), "pinned again here")
                    .also(original.at("/metadata/id"), "first pinned here")
                    .help(format!(
                        "one live object is declared by one {kind}: remove one of the documents or correct its id"
                    ));
                    self.push(d);
                }
                None => {
                    first.insert(id.0.to_lowercase(), p);
                }
            }
        }
    }

    /// Reports annotation keys under `ppgov.dev/` that ppgov does not read (typos).
    fn reserved_annotations(&mut self) {
        let set = self.set;
        for (root, metadata) in set.metadata() {
            for key in metadata.annotations.keys() {
                let Some(suffix) = key.strip_prefix(RESERVED_ANNOTATION_PREFIX) else {
                    continue;
                };
                if RESERVED_ANNOTATIONS.contains(&key.as_str()) {
                    continue;
                }
                let pointer = format!(
                    "/metadata/annotations/{}",
                    key.replace('~', "~0").replace('/', "~1")
                );
                let names = RESERVED_ANNOTATIONS
                    .iter()
                    .map(|a| &a[RESERVED_ANNOTATION_PREFIX.len()..]);
                let d = Diagnostic::new(
                    Code::UnknownReservedAnnotation,
                    format!("`{key}` is not an annotation ppgov knows"),
                )
                .at(key_span(root, &pointer), "unknown reserved annotation");
                let d = match crate::suggest::closest(suffix, names) {
                    Some(s) => d.help(format!("did you mean `{RESERVED_ANNOTATION_PREFIX}{s}`?")),
                    None => d.help(format!(
                        "ppgov reads {}; use another prefix for your own annotations",
                        RESERVED_ANNOTATIONS
                            .iter()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                };
                self.push(d);
            }
        }
    }

    /// Reports a region that no environment's region can equal (an Azure region name, or
    /// a value with spaces or capitals). `verb` says what the place does with it.
    fn check_region(&mut self, region: &str, span: Span, verb: &str) {
        let squeezed: String = region
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect();
        let geography = azure_region_geography(&squeezed);
        // Regions are compared lower-case, so capitals are fine; anything else is not.
        let plain = !region.is_empty()
            && region
                .to_lowercase()
                .bytes()
                .all(|b| b.is_ascii_lowercase());
        if geography.is_none() && plain {
            return;
        }
        let d = Diagnostic::new(
            Code::UnmatchableRegion,
            match geography {
                Some(_) => format!("`{region}` is an Azure region, not a Power Platform region"),
                None => format!("`{region}` is not a Power Platform region"),
            },
        )
        .at(span, format!("{verb} a region no environment has"));
        let d = match geography {
            Some(g) => d.help(format!(
                "environments in {region} are in the Power Platform region `{g}`: write `{g}`"
            )),
            None => d.help(
                "write the region as one lower-case word, e.g. `europe`, `unitedstates`, `switzerland`",
            ),
        };
        self.push(d);
    }

    // ---- Project ------------------------------------------------------------------------

    fn project(&mut self) -> Project {
        let set = self.set;
        let Some(first) = set.projects.first() else {
            if set.expect_project
                && set.document_count > 0
                && !set.invalid_names.contains_key(&Kind::Project)
            {
                let d = match set.project_file {
                    Some((span, blank)) => Diagnostic::new(
                        Code::MissingProjectFile,
                        "`ppgov.yaml` holds no Project document",
                    )
                    .at(span, if blank { "this file is empty" } else { "no `kind: Project` in this file" })
                    .help("write the Project document in it (`apiVersion: ppgov.dev/v1`, `kind: Project`, `metadata: {name: ...}`, `spec: {tenant: {id: ...}}`); until then every kind is `shared`"),
                    None => Diagnostic::new(Code::MissingProjectFile, "no Project document (ppgov.yaml) found")
                        .help("add a `ppgov.yaml` with `kind: Project` to name the tenant and set ownership; until then every kind is `shared`"),
                };
                self.push(d);
            }
            return Project::default();
        };
        for extra in &set.projects[1..] {
            let d = Diagnostic::new(Code::DuplicateName, "more than one Project document")
                .at(extra.at("/kind"), "second Project")
                .also(first.at("/kind"), "first Project")
                .help("keep one Project document, in `ppgov.yaml`");
            self.push(d);
        }
        if first.doc.metadata.id.is_some() {
            self.id_not_allowed(first, Kind::Project);
        }
        let spec = &first.doc.spec;
        for (i, extra) in spec.connectors.additional.iter().enumerate() {
            let name = extra
                .id
                .strip_prefix(catalog::API_PREFIX)
                .unwrap_or(&extra.id);
            let added = self.catalog.insert(catalog::Connector {
                name: name.to_owned(),
                id: extra.id.clone(),
                display_name: extra.display_name.clone(),
                tier: catalog::Tier::Premium,
                publisher: String::new(),
                unblockable: extra.unblockable,
                is_virtual: false,
                endpoint_filtering: false,
                metadata: catalog::ConnectorMetadata {
                    custom: Some(catalog::Fact::new(true, catalog::Provenance::Declared)),
                    ..Default::default()
                },
            });
            if !added {
                let d = Diagnostic::new(
                    Code::DuplicateAdditionalConnector,
                    format!("connector `{}` is already in the catalog", extra.id),
                )
                .at(
                    first.at(&format!("/spec/connectors/additional/{i}/id")),
                    "already known",
                )
                .help("remove this entry");
                self.push(d);
            }
        }
        let o = &spec.ownership;
        Project {
            name: first.name().to_owned(),
            tenant_id: spec.tenant.id.as_ref().map(|g| g.0.to_lowercase()),
            cloud: spec.tenant.cloud,
            client_id: spec.tenant.client_id.as_ref().map(|g| g.0.to_lowercase()),
            base_url: spec.tenant.base_url.clone(),
            live_connector_catalog: spec.connectors.catalog == doc::CatalogSource::Tenant,
            ownership: Ownership {
                environment_group: o.environment_group,
                dlp_policy: o.dlp_policy,
                role_assignment: o.role_assignment,
            },
            checks: spec.checks.clone(),
            default_approvers: spec.approvals.default.iter().cloned().collect(),
            expiry_warning_days: spec.lifecycle.expiry_warning_days,
        }
    }

    // ---- Environments -------------------------------------------------------------------

    fn environments(&mut self) -> BTreeMap<String, Environment> {
        let set = self.set;
        let docs = self.unique_by_name(Kind::Environment, &set.environments);
        self.unique_display_names(Kind::Environment, &docs, |s| &s.display_name);
        self.unique_pinned_ids(Kind::Environment, &docs);
        let group_names: BTreeSet<&str> = set.groups.iter().map(|g| g.name()).collect();
        let mut out = BTreeMap::new();
        for p in docs {
            let spec = &p.doc.spec;
            if let Some(group) = &spec.group {
                if !group_names.contains(group.0.as_str())
                    && !self.known_name(Kind::EnvironmentGroup, &group.0)
                {
                    self.unknown_group(&group.0, p.at("/spec/group"));
                }
                if spec.managed == Some(false) {
                    let d = Diagnostic::new(
                        Code::UnmanagedEnvironmentInGroup,
                        format!(
                            "environment `{}` joins group `{}` but is not managed",
                            p.name(),
                            group.0
                        ),
                    )
                    .at(p.at("/spec/managed"), "not managed")
                    .also(p.at("/spec/group"), "joins a group")
                    .help("set `managed: true`; only managed environments can join a group");
                    self.push(d);
                }
            }
            if let Some(region) = &spec.region {
                self.check_region(region, p.at("/spec/region"), "expects");
            }
            let owned = spec.lifecycle == Some(doc::Lifecycle::Owned);
            self.check_lifecycle(p, owned);
            let (expires, expiry_grace_days) = self.expiry(p, owned);
            out.insert(
                p.name().to_owned(),
                Environment {
                    meta: p.meta(),
                    display_name: spec.display_name.clone(),
                    managed: spec.managed,
                    group: spec.group.as_ref().map(|g| g.0.clone()),
                    environment_type: spec.environment_type,
                    region: spec.region.clone(),
                    owned,
                    dataverse: spec.dataverse.as_ref().map(|d| Dataverse {
                        currency: d.currency.clone(),
                        language: d.language,
                        security_group: d.security_group.as_ref().map(|g| g.0.to_lowercase()),
                        domain: d.domain.clone(),
                    }),
                    expires,
                    expiry_grace_days,
                },
            );
        }
        out
    }

    /// An owned environment can be created: a creatable type and a region. Dataverse
    /// settings are creation parameters, so only an owned environment has them.
    fn check_lifecycle(&mut self, p: &Parsed<doc::EnvironmentSpec>, owned: bool) {
        let spec = &p.doc.spec;
        if !owned {
            if spec.dataverse.is_some() {
                let d = Diagnostic::new(
                    Code::InvalidLifecycle,
                    format!(
                        "environment `{}` declares `dataverse` but ppgov does not create it",
                        p.name()
                    ),
                )
                .at(
                    p.at("/spec/dataverse"),
                    "only used when ppgov creates the environment",
                )
                .help("add `lifecycle: owned`, or remove `dataverse`");
                self.push(d);
            }
            return;
        }
        let at = p.at("/spec/lifecycle");
        match spec.environment_type {
            None => {
                let d = Diagnostic::new(
                    Code::InvalidLifecycle,
                    format!("environment `{}` is owned but declares no `type`", p.name()),
                )
                .at(at, "ppgov creates it")
                .help("add `type: Sandbox` (or Production, Trial, Developer)");
                self.push(d);
            }
            Some(t @ (doc::EnvironmentType::Default | doc::EnvironmentType::Teams)) => {
                let d = Diagnostic::new(
                    Code::InvalidLifecycle,
                    format!(
                        "environment `{}` is owned but the platform cannot create a {t:?} environment",
                        p.name()
                    ),
                )
                .at(p.at("/spec/type"), "not creatable")
                .also(at, "ppgov creates it")
                .help("use Production, Sandbox, Trial or Developer, or `lifecycle: adopted`");
                self.push(d);
            }
            Some(
                doc::EnvironmentType::Production
                | doc::EnvironmentType::Sandbox
                | doc::EnvironmentType::Trial
                | doc::EnvironmentType::Developer,
            ) => {}
        }
        if spec.region.is_none() {
            let d = Diagnostic::new(
                Code::InvalidLifecycle,
                format!(
                    "environment `{}` is owned but declares no `region`",
                    p.name()
                ),
            )
            .at(at, "ppgov creates it")
            .help("add `region: europe` (the Power Platform region to create it in)");
            self.push(d);
        }
    }

    fn id_not_allowed<S>(&mut self, p: &Parsed<S>, kind: Kind) {
        let d = Diagnostic::new(
            Code::IdNotAllowed,
            format!("a {kind} cannot be pinned with `metadata.id`"),
        )
        .at(p.key_at("/metadata/id"), "not allowed here")
        .help(match kind {
            Kind::RoleAssignment => {
                "role assignments are matched by principal, role and scope; remove `id`"
            }
            Kind::Project
            | Kind::Environment
            | Kind::EnvironmentGroup
            | Kind::DlpPolicy
            | Kind::TenantSettings
            | Kind::ConnectorRating => "remove `id`",
        });
        self.push(d);
    }

    fn unknown_group(&mut self, name: &str, span: Span) {
        let candidates: Vec<&str> = self.set.groups.iter().map(|g| g.name()).collect();
        let mut d = Diagnostic::new(
            Code::UnknownGroup,
            format!("no EnvironmentGroup named `{name}`"),
        )
        .at(span, "unknown group");
        let environment = self.set.environments.iter().find(|e| e.name() == name);
        d = match (environment, crate::suggest::closest(name, &candidates)) {
            (Some(environment), _) => {
                d.message = format!("`{name}` is an Environment, not an EnvironmentGroup");
                d.also(environment.name_span(), "declared as an Environment here")
                    .help("a group is expected here: name an EnvironmentGroup, or where the environment itself is meant use its environment field (e.g. `scope: {environment: ...}`)")
            }
            (None, Some(s)) => d.help(format!("did you mean `{s}`?")),
            (None, None) => d.help("declare it with `kind: EnvironmentGroup`, or fix the name"),
        };
        self.push(d);
    }

    /// Resolves an environment reference; reports unknown document names.
    fn environment_target(&mut self, r: &EnvironmentRef, span: Span) -> EnvironmentTarget {
        if let EnvironmentRef::Name(name) = r
            && !self.declared.names.contains(&name.0)
            && !self.known_name(Kind::Environment, &name.0)
        {
            let candidates: Vec<&String> = self.declared.names.iter().collect();
            let mut d = Diagnostic::new(
                Code::UnknownEnvironment,
                format!("no Environment named `{}`", name.0),
            )
            .at(span, "unknown environment");
            let group = self.set.groups.iter().find(|g| g.name() == name.0);
            d = match (group, crate::suggest::closest(&name.0, &candidates)) {
                (Some(group), _) => {
                    d.message = format!(
                        "`{}` is an EnvironmentGroup, not an Environment",
                        name.0
                    );
                    d.also(group.name_span(), "declared as an EnvironmentGroup here")
                        .help("an environment is expected here: name an Environment, or where the group itself is meant use its group field (e.g. `scope: {environmentGroup: ...}`, `scope.environmentGroups`)")
                }
                (None, Some(s)) => d.help(format!("did you mean `{s}`?")),
                (None, None) => d.help(
                    "declare it with `kind: Environment`, or refer to a live environment with `id:` or `displayName:`",
                ),
            };
            self.push(d);
        }
        self.declared.resolve(r)
    }

    /// Resolves a list of environment references, warning about repeats.
    fn environment_targets<S>(
        &mut self,
        p: &Parsed<S>,
        pointer: &str,
        refs: &[EnvironmentRef],
    ) -> BTreeSet<EnvironmentTarget> {
        let mut seen: BTreeMap<EnvironmentTarget, Span> = BTreeMap::new();
        let items = p.items_at(pointer);
        for (i, r) in refs.iter().enumerate() {
            let span = items.at(i, None);
            let target = self.environment_target(r, span);
            if let Some(first) = seen.get(&target) {
                let d = Diagnostic::new(Code::DuplicateMember, "environment listed twice")
                    .at(span, "listed again")
                    .also(*first, "first listed here")
                    .help("remove the repeated entry");
                self.push(d);
            } else {
                seen.insert(target, span);
            }
        }
        seen.into_keys().collect()
    }

    // ---- Environment groups -------------------------------------------------------------

    fn groups(
        &mut self,
        environments: &BTreeMap<String, Environment>,
    ) -> BTreeMap<String, EnvironmentGroup> {
        let set = self.set;
        let docs = self.unique_by_name(Kind::EnvironmentGroup, &set.groups);
        self.unique_display_names(Kind::EnvironmentGroup, &docs, |s| &s.display_name);
        self.unique_pinned_ids(Kind::EnvironmentGroup, &docs);
        // Which group claims each environment, and where: to find environments in two groups.
        let mut claims: BTreeMap<EnvironmentTarget, Vec<(String, Span)>> = BTreeMap::new();
        let env_docs: BTreeMap<&str, &Parsed<doc::EnvironmentSpec>> =
            set.environments.iter().map(|e| (e.name(), e)).collect();
        // An environment document naming its group is a claim too.
        for (name, env) in environments {
            if let Some(group) = &env.group {
                let span = env_docs[name.as_str()].at("/spec/group");
                claims
                    .entry(EnvironmentTarget::Declared(name.clone()))
                    .or_default()
                    .push((group.clone(), span));
            }
        }

        let mut out = BTreeMap::new();
        for p in docs {
            let spec = &p.doc.spec;
            let members = self.environment_targets(
                p,
                "/spec/members/environments",
                &spec.members.environments,
            );
            let member_items = p.items_at("/spec/members/environments");
            for (i, member) in spec.members.environments.iter().enumerate() {
                let span = member_items.at(i, None);
                let target = self.declared.resolve(member);
                if let EnvironmentTarget::Declared(env_name) = &target
                    && let Some(env) = environments.get(env_name)
                    && env.managed == Some(false)
                {
                    let d = Diagnostic::new(
                        Code::UnmanagedEnvironmentInGroup,
                        format!(
                            "environment `{env_name}` is not managed, so it cannot join group `{}`",
                            p.name()
                        ),
                    )
                    .at(span, "unmanaged environment")
                    .also(
                        env_docs[env_name.as_str()].at("/spec/managed"),
                        "declared unmanaged here",
                    )
                    .help("set `managed: true` on the environment");
                    self.push(d);
                }
                let claim = claims.entry(target).or_default();
                if !claim.iter().any(|(g, _)| g == p.name()) {
                    claim.push((p.name().to_owned(), span));
                }
            }
            let mut selectors = Vec::new();
            for (i, s) in spec.members.selectors.iter().enumerate() {
                let pointer = format!("/spec/members/selectors/{i}");
                if s.types.is_empty()
                    && s.regions.is_empty()
                    && s.display_name.is_none()
                    && s.labels.is_empty()
                {
                    let d = Diagnostic::new(Code::EmptySelector, "selector has no conditions")
                        .at(p.at(&pointer), "matches every environment")
                        .help("add `types`, `regions`, `displayName` or `labels`; to add every environment, list them");
                    self.push(d);
                    continue;
                }
                if let Some(glob) = &s.display_name
                    && let Err(e) = globset::Glob::new(glob)
                {
                    let d = Diagnostic::new(
                        Code::InvalidPattern,
                        format!("`{glob}` is not a valid pattern: {}", e.kind()),
                    )
                    .at(p.at(&format!("{pointer}/displayName")), "invalid pattern")
                    .help("use `*` for any text and `?` for one character; escape `[` as `[[]`");
                    self.push(d);
                    continue;
                }
                for (r, region) in s.regions.iter().enumerate() {
                    let span = p.at_item(&format!("{pointer}/regions"), r, None);
                    self.check_region(region, span, "selects");
                }
                let selector = Selector {
                    types: s.types.iter().copied().collect(),
                    regions: s.regions.iter().map(|r| r.to_lowercase()).collect(),
                    display_name: s.display_name.clone(),
                    labels: s.labels.clone(),
                };
                // Declared environments the selector matches are claims, checked offline.
                let compiled = selector.compile();
                for (env_name, env) in environments {
                    let input = SelectorInput {
                        environment_type: env.environment_type,
                        region: env.region.as_deref(),
                        display_name: &env.display_name,
                        labels: Some(&env.meta.labels),
                    };
                    if compiled.matches(input) {
                        let claim = claims
                            .entry(EnvironmentTarget::Declared(env_name.clone()))
                            .or_default();
                        if !claim.iter().any(|(g, _)| g == p.name()) {
                            claim.push((p.name().to_owned(), p.head_at(&pointer)));
                        }
                    }
                }
                selectors.push(selector);
            }
            self.group_rules(p);
            out.insert(
                p.name().to_owned(),
                EnvironmentGroup {
                    meta: p.meta(),
                    display_name: spec.display_name.clone(),
                    description: spec.description.clone(),
                    members,
                    selectors,
                    rules: spec.rules.clone().into(),
                    owners: spec.owners.iter().cloned().collect(),
                },
            );
        }
        // Environments that name their group join its explicit members.
        for (name, env) in environments {
            if let Some(group) = env.group.as_ref().and_then(|g| out.get_mut(g)) {
                group
                    .members
                    .insert(EnvironmentTarget::Declared(name.clone()));
            }
        }
        for (target, groups) in claims {
            if groups.len() > 1 {
                let who = match &target {
                    EnvironmentTarget::Declared(n) => format!("environment `{n}`"),
                    EnvironmentTarget::Id(id) => format!("environment `{id}`"),
                    EnvironmentTarget::DisplayName(n) => format!("environment \"{n}\""),
                };
                let names: Vec<&str> = groups.iter().map(|(g, _)| g.as_str()).collect();
                let mut d = Diagnostic::new(
                    Code::EnvironmentInTwoGroups,
                    format!("{who} is in more than one group: {}", names.join(", ")),
                )
                .at(groups[1].1, format!("puts it in `{}`", groups[1].0))
                .also(groups[0].1, format!("puts it in `{}`", groups[0].0));
                for (g, span) in &groups[2..] {
                    d = d.also(*span, format!("puts it in `{g}`"));
                }
                self.push(d.help(
                    "an environment belongs to at most one group; remove it from all but one",
                ));
            }
        }
        out
    }

    fn group_rules(&mut self, p: &Parsed<doc::EnvironmentGroupSpec>) {
        let rules = &p.doc.spec.rules;
        if let Some(sharing) = &rules.sharing_controls
            && sharing.mode == doc::SharingMode::NoLimit
            && sharing.max_users.is_some()
        {
            let d = Diagnostic::new(
                Code::SharingLimitConflict,
                "`maxUsers` has no effect with `mode: noLimit`",
            )
            .at(
                p.at("/spec/rules/sharingControls/maxUsers"),
                "ignored with noLimit",
            )
            .also(p.at("/spec/rules/sharingControls/mode"), "no limit")
            .help("remove `maxUsers`, or set `mode: excludeSecurityGroups`");
            self.push(d);
        }
        if let Some(acp) = &rules.advanced_connector_policies {
            let mut seen: BTreeMap<ConnectorId, Span> = BTreeMap::new();
            for (i, allowed) in acp.allowed_connectors.iter().enumerate() {
                let pointer = format!(
                    "/spec/rules/advancedConnectorPolicies/allowedConnectors/{i}/connector"
                );
                let span = p.at(&pointer);
                if let Some(id) = self.connector(&allowed.connector, span) {
                    if let Some(first) = seen.get(&id) {
                        let d = Diagnostic::new(
                            Code::DuplicateActionRule,
                            format!("connector `{}` is allowed twice", allowed.connector),
                        )
                        .at(span, "again")
                        .also(*first, "first here")
                        .help("merge the two entries");
                        self.push(d);
                    } else {
                        seen.insert(id, span);
                    }
                }
            }
        }
    }

    /// Resolves a connector reference against the catalog, reporting unknown ones.
    fn connector(&mut self, written: &str, span: Span) -> Option<ConnectorId> {
        match self.catalog.resolve(written) {
            Resolved::Known(c) => Some(c.id.clone()),
            Resolved::UnknownFullId(id) => {
                let d = Diagnostic::new(Code::ConnectorNotInCatalog, format!("connector `{id}` is not in the catalog"))
                    .at(span, "not in the catalog")
                    .help("if it is a custom connector, list it under `connectors.additional` in ppgov.yaml");
                self.push(d);
                Some(id)
            }
            Resolved::Unknown { suggestion } => {
                let mut d = Diagnostic::new(
                    Code::UnknownConnector,
                    format!("unknown connector `{written}`"),
                )
                .at(span, "not a known connector");
                d = match suggestion {
                    Some(s) => d.help(format!("did you mean `{}` ({})?", catalog::short_name(s), s.display_name)),
                    None => d.help("use the connector's API name without `shared_` (e.g. `sharepointonline`), or its full id; custom connectors go under `connectors.additional` in ppgov.yaml"),
                };
                self.push(d);
                None
            }
        }
    }

    // ---- DLP policies ------------------------------------------------------------------

    fn dlp_policies(&mut self) -> BTreeMap<String, DlpPolicy> {
        let set = self.set;
        let docs = self.unique_by_name(Kind::DlpPolicy, &set.dlp_policies);
        self.unique_display_names(Kind::DlpPolicy, &docs, |s| &s.display_name);
        self.unique_pinned_ids(Kind::DlpPolicy, &docs);
        let group_names: BTreeSet<String> =
            set.groups.iter().map(|g| g.name().to_owned()).collect();
        let mut out = BTreeMap::new();
        for p in docs {
            let policy = self.dlp_policy(p, &group_names);
            out.insert(p.name().to_owned(), policy);
        }
        out
    }

    fn dlp_policy(
        &mut self,
        p: &Parsed<doc::DlpPolicySpec>,
        group_names: &BTreeSet<String>,
    ) -> DlpPolicy {
        let spec = &p.doc.spec;
        // Scope.
        let scope = &spec.scope;
        let envs = self.environment_targets(p, "/spec/scope/environments", &scope.environments);
        let mut groups = BTreeSet::new();
        for (i, g) in scope.environment_groups.iter().enumerate() {
            let span = p.at_item("/spec/scope/environmentGroups", i, None);
            if !group_names.contains(&g.0) && !self.known_name(Kind::EnvironmentGroup, &g.0) {
                self.unknown_group(&g.0, span);
            }
            if !groups.insert(g.0.clone()) {
                let d = Diagnostic::new(
                    Code::DuplicateMember,
                    format!("group `{}` listed twice", g.0),
                )
                .at(span, "listed again")
                .help("remove the repeated entry");
                self.push(d);
            }
        }
        let listed = !scope.environments.is_empty() || !scope.environment_groups.is_empty();
        let problem = match scope.mode {
            ScopeMode::All if listed => Some((
                "`mode: all` applies to every environment, so it takes no lists",
                "remove the lists, or use `mode: allExcept` or `mode: only`",
            )),
            ScopeMode::Only if !listed => Some((
                "`mode: only` with no environments applies to nothing",
                "list `environments` or `environmentGroups`",
            )),
            ScopeMode::AllExcept if !listed => Some((
                "`mode: allExcept` with no exceptions",
                "write `mode: all`, or list the exceptions",
            )),
            _ => None,
        };
        if let Some((message, help)) = problem {
            let d = Diagnostic::new(Code::EmptyDlpScope, message)
                .at(p.at("/spec/scope/mode"), "scope mode")
                .help(help);
            self.push(d);
        }

        // Classification.
        let default = spec.connectors.default;
        let mut classification: BTreeMap<ConnectorId, (ConnectorGroup, Span)> = BTreeMap::new();
        let lists = [
            (
                ConnectorGroup::Business,
                "business",
                &spec.connectors.business,
            ),
            (
                ConnectorGroup::NonBusiness,
                "nonBusiness",
                &spec.connectors.non_business,
            ),
            (ConnectorGroup::Blocked, "blocked", &spec.connectors.blocked),
        ];
        for (group, key, list) in lists {
            let items = p.items_at(&format!("/spec/connectors/{key}"));
            for (i, written) in list.iter().enumerate() {
                let span = items.at(i, None);
                let Some(id) = self.connector(written, span) else {
                    continue;
                };
                if let Some((first_group, first_span)) = classification.get(&id) {
                    let msg = if *first_group == group {
                        format!("connector `{written}` is listed twice in `{key}`")
                    } else {
                        format!(
                            "connector `{written}` is in both `{}` and `{key}`",
                            group_key(*first_group)
                        )
                    };
                    let d = Diagnostic::new(Code::ConnectorInTwoGroups, msg)
                        .at(span, "listed again")
                        .also(*first_span, "first listed here")
                        .help("keep the connector in one group only");
                    self.push(d);
                    continue;
                }
                let unblockable = self.catalog.get(&id).filter(|c| c.unblockable).cloned();
                if let (ConnectorGroup::Blocked, Some(c)) = (group, unblockable) {
                    let d = Diagnostic::new(
                        Code::UnblockableBlocked,
                        format!(
                            "{} (`{}`) cannot be blocked",
                            c.display_name,
                            catalog::short_name(&c)
                        ),
                    )
                    .at(span, "unblockable connector")
                    .help("move it to `business` or `nonBusiness`");
                    self.push(d);
                } else if group == default {
                    let d = Diagnostic::new(Code::RedundantClassification, format!("connector `{written}` is listed in `{key}`, which is already the default group"))
                        .at(span, "already the default")
                        .help("remove the entry; unlisted connectors go to the default group");
                    self.push(d);
                }
                classification.insert(id, (group, span));
            }
        }
        let effective_group = |id: &str, catalog: &Catalog| -> ConnectorGroup {
            match classification.get(id) {
                Some((g, _)) => *g,
                None if default == ConnectorGroup::Blocked
                    && catalog.get(id).is_some_and(|c| c.unblockable) =>
                {
                    ConnectorGroup::NonBusiness
                }
                None => default,
            }
        };

        // Action rules.
        let mut action_rules: BTreeMap<ConnectorId, ActionRules> = BTreeMap::new();
        let mut action_spans: BTreeMap<ConnectorId, Span> = BTreeMap::new();
        for (i, rules) in spec.action_rules.iter().enumerate() {
            let pointer = format!("/spec/actionRules/{i}");
            let actions_pointer = format!("{pointer}/actions");
            let span = p.at(&format!("{pointer}/connector"));
            let Some(id) = self.connector(&rules.connector, span) else {
                continue;
            };
            if let Some(first) = action_spans.get(&id) {
                let d = Diagnostic::new(
                    Code::DuplicateActionRule,
                    format!("action rules for `{}` are given twice", rules.connector),
                )
                .at(span, "again")
                .also(*first, "first here")
                .help("merge the two entries");
                self.push(d);
                continue;
            }
            if effective_group(&id, &self.catalog) == ConnectorGroup::Blocked {
                let d = Diagnostic::new(
                    Code::ActionRulesOnBlockedConnector,
                    format!(
                        "`{}` is blocked, so its action rules never apply",
                        rules.connector
                    ),
                )
                .at(span, "blocked connector")
                .help("remove the action rules, or unblock the connector");
                self.push(d);
            }
            let mut actions: BTreeMap<String, AllowBlock> = BTreeMap::new();
            let mut action_seen: BTreeMap<&str, Span> = BTreeMap::new();
            for (j, rule) in rules.actions.iter().enumerate() {
                let aspan = p.at_item(&actions_pointer, j, Some("action"));
                if let Some(first) = action_seen.get(rule.action.as_str()) {
                    let d = Diagnostic::new(
                        Code::DuplicateActionRule,
                        format!("action `{}` has two rules", rule.action),
                    )
                    .at(aspan, "again")
                    .also(*first, "first here")
                    .help("keep one rule per action");
                    self.push(d);
                    continue;
                }
                action_seen.insert(&rule.action, aspan);
                actions.insert(rule.action.clone(), rule.behavior);
            }
            action_spans.insert(id.clone(), span);
            action_rules.insert(
                id,
                ActionRules {
                    default_behavior: rules.default_behavior,
                    actions,
                },
            );
        }

        // Endpoint rules.
        let mut endpoint_rules: BTreeMap<ConnectorId, Vec<EndpointRule>> = BTreeMap::new();
        let mut endpoint_spans: BTreeMap<ConnectorId, Span> = BTreeMap::new();
        for (i, rules) in spec.endpoint_rules.iter().enumerate() {
            let pointer = format!("/spec/endpointRules/{i}");
            let rules_pointer = format!("{pointer}/rules");
            let span = p.at(&format!("{pointer}/connector"));
            let Some(id) = self.connector(&rules.connector, span) else {
                continue;
            };
            if let Some(first) = endpoint_spans.get(&id) {
                let d = Diagnostic::new(
                    Code::DuplicateEndpointRule,
                    format!("endpoint rules for `{}` are given twice", rules.connector),
                )
                .at(span, "again")
                .also(*first, "first here")
                .help("merge the two lists into one ordered list");
                self.push(d);
                continue;
            }
            endpoint_spans.insert(id.clone(), span);
            let connector = self.catalog.get(&id).cloned();
            if let Some(c) = &connector
                && !c.endpoint_filtering
            {
                let d = Diagnostic::new(Code::EndpointFilteringUnsupported, format!("{} (`{}`) does not support endpoint filtering", c.display_name, catalog::short_name(c)))
                        .at(span, "no endpoint filtering")
                        .help("endpoint rules apply to HTTP, HTTP with Microsoft Entra ID, HTTP Webhook, SQL Server, Azure Blob Storage, SMTP and Dataverse");
                self.push(d);
            }
            let entries: Vec<(String, Span, doc::AllowDeny)> = rules
                .rules
                .iter()
                .enumerate()
                .map(|(j, r)| {
                    (
                        r.endpoint.trim().to_owned(),
                        p.at_item(&rules_pointer, j, Some("endpoint")),
                        r.behavior,
                    )
                })
                .collect();
            let list_span = p.key_at(&format!("{pointer}/rules"));
            self.check_ordered(
                entries.iter().map(|(e, s, _)| (e.as_str(), *s)),
                list_span,
                Code::EndpointRulesOrder,
                Code::DuplicateEndpointRule,
                &format!("endpoint rules for `{}`", rules.connector),
                "add `- {endpoint: \"*\", behavior: deny}` (or allow) as the last rule",
            );
            if let Some(c) = &connector {
                for (endpoint, espan, _) in &entries {
                    if let Some(problem) = endpoint_format_problem(&c.name, endpoint) {
                        let d = Diagnostic::new(
                            Code::InvalidEndpoint,
                            format!("`{endpoint}` is not a valid {} endpoint", c.display_name),
                        )
                        .at(*espan, "invalid endpoint")
                        .help(problem);
                        self.push(d);
                    }
                }
            }
            endpoint_rules.insert(
                id,
                entries
                    .into_iter()
                    .map(|(endpoint, _, behavior)| EndpointRule { endpoint, behavior })
                    .collect(),
            );
        }

        // Custom connector URL patterns.
        let patterns: Vec<(String, Span, PatternGroup)> = spec
            .custom_connector_patterns
            .iter()
            .enumerate()
            .map(|(i, u)| {
                (
                    u.pattern.trim().to_owned(),
                    p.at_item("/spec/customConnectorPatterns", i, Some("pattern")),
                    u.group,
                )
            })
            .collect();
        if !patterns.is_empty() {
            self.check_ordered(
                patterns.iter().map(|(e, s, _)| (e.as_str(), *s)),
                p.key_at("/spec/customConnectorPatterns"),
                Code::UrlPatternsOrder,
                Code::DuplicateUrlPattern,
                "custom connector patterns",
                "add `- {pattern: \"*\", group: ignore}` as the last pattern",
            );
            for (i, (pattern, _, group)) in patterns.iter().enumerate() {
                if *group == PatternGroup::Ignore && pattern != "*" {
                    let d = Diagnostic::new(
                        Code::IgnoreOnlyOnCatchAll,
                        format!("`group: ignore` is only allowed on `*`, not on `{pattern}`"),
                    )
                    .at(
                        p.at(&format!("/spec/customConnectorPatterns/{i}/group")),
                        "ignore on a specific pattern",
                    )
                    .help("use business, nonBusiness or blocked here");
                    self.push(d);
                }
            }
        }

        DlpPolicy {
            meta: p.meta(),
            display_name: spec.display_name.clone(),
            scope: DlpScope {
                mode: scope.mode,
                environments: envs,
                environment_groups: groups,
            },
            default_group: default,
            classification: {
                let spans = classification
                    .iter()
                    .map(|(id, (_, span))| (id.clone(), *span))
                    .collect();
                self.classification_spans.insert(p.name().to_owned(), spans);
                classification
                    .into_iter()
                    .map(|(id, (g, _))| (id, g))
                    .collect()
            },
            action_rules,
            endpoint_rules,
            custom_connector_patterns: patterns
                .into_iter()
                .map(|(pattern, _, group)| UrlPattern { pattern, group })
                .collect(),
            owners: spec.owners.iter().cloned().collect(),
        }
    }

    /// Checks an ordered rule list that must end with exactly one catch-all `*`, with no
    /// duplicates.
    fn check_ordered<'s>(
        &mut self,
        entries: impl Iterator<Item = (&'s str, Span)>,
        list_span: Span,
        order_code: Code,
        duplicate_code: Code,
        what: &str,
        fix: &str,
    ) {
        let entries: Vec<(&str, Span)> = entries.collect();
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for (i, (value, span)) in entries.iter().enumerate() {
            if let Some(first) = seen.get(value) {
                let d =
                    Diagnostic::new(duplicate_code, format!("`{value}` appears twice in {what}"))
                        .at(*span, "never reached")
                        .also(*first, "first here")
                        .help("remove the repeated entry");
                self.push(d);
                continue;
            }
            seen.insert(value, *span);
            if *value == "*" && i + 1 < entries.len() {
                let d = Diagnostic::new(
                    Code::CatchAllNotLast,
                    format!("`*` must be the last of the {what}"),
                )
                .at(*span, "catch-all here")
                .also(entries[i + 1].1, "can never match")
                .help("move `*` to the end");
                self.push(d);
            }
        }
        if !entries.iter().any(|(v, _)| *v == "*") {
            let last = entries.last().map_or(list_span, |(_, s)| *s);
            let d = Diagnostic::new(order_code, format!("the {what} do not end with `*`"))
                .at(last, "last entry")
                .help(fix.to_owned());
            self.push(d);
        }
    }

    // ---- Role assignments --------------------------------------------------------------

    fn role_assignments(&mut self) -> BTreeMap<RoleAssignmentKey, RoleAssignment> {
        let set = self.set;
        let docs = self.unique_by_name(Kind::RoleAssignment, &set.role_assignments);
        let group_names: BTreeSet<&str> = set.groups.iter().map(|g| g.name()).collect();
        let mut out: BTreeMap<RoleAssignmentKey, RoleAssignment> = BTreeMap::new();
        let mut spans: BTreeMap<RoleAssignmentKey, Span> = BTreeMap::new();
        let mut principal_types: BTreeMap<String, (doc::PrincipalType, Span)> = BTreeMap::new();
        for p in docs {
            let spec = &p.doc.spec;
            if p.doc.metadata.id.is_some() {
                self.id_not_allowed(p, Kind::RoleAssignment);
            }
            let scope = if spec.scope.tenant.is_some() {
                RoleScope::Tenant
            } else if let Some(g) = &spec.scope.environment_group {
                if !group_names.contains(g.0.as_str())
                    && !self.known_name(Kind::EnvironmentGroup, &g.0)
                {
                    self.unknown_group(&g.0, p.at("/spec/scope/environmentGroup"));
                }
                RoleScope::EnvironmentGroup(g.0.clone())
            } else if let Some(e) = &spec.scope.environment {
                let target = self.environment_target(e, p.at("/spec/scope/environment"));
                RoleScope::Environment(target)
            } else {
                continue; // the schema requires exactly one; nothing more to check
            };
            if spec.role.is_environment_role() && scope == RoleScope::Tenant {
                let d = Diagnostic::new(Code::RoleScopeMismatch, format!("`{}` cannot be granted at the tenant", role_key(spec.role)))
                    .at(p.at("/spec/scope"), "tenant scope")
                    .also(p.at("/spec/role"), "environment role")
                    .help("grant it on an `environment` or an `environmentGroup`, or use a Power Platform role such as `owner`");
                self.push(d);
            }
            for (i, principal) in spec.principals.iter().enumerate() {
                let pspan = p.at_item("/spec/principals", i, Some("id"));
                let id = principal.id.0.to_lowercase();
                if spec.role.is_environment_role()
                    && principal.principal_type == doc::PrincipalType::ServicePrincipal
                {
                    let d = Diagnostic::new(
                        Code::PrincipalTypeNotAllowed,
                        format!(
                            "`{}` cannot be granted to a service principal",
                            role_key(spec.role)
                        ),
                    )
                    .at(
                        p.at_item("/spec/principals", i, Some("type")),
                        "service principal",
                    )
                    .help("grant a Power Platform role (`owner`, `contributor`, `reader`) instead");
                    self.push(d);
                }
                match principal_types.get(&id) {
                    Some((t, first)) if *t != principal.principal_type => {
                        let d = Diagnostic::new(Code::PrincipalTypeConflict, format!("principal `{id}` is declared as both {} and {}", principal_key(*t), principal_key(principal.principal_type)))
                            .at(p.at_item("/spec/principals", i, Some("type")), "this type")
                            .also(*first, "other type")
                            .help("an object id is either a user, a group or a service principal; fix the type");
                        self.push(d);
                    }
                    Some(_) => {}
                    None => {
                        principal_types.insert(
                            id.clone(),
                            (
                                principal.principal_type,
                                p.at_item("/spec/principals", i, Some("type")),
                            ),
                        );
                    }
                }
                let key = RoleAssignmentKey {
                    principal_id: id,
                    role: spec.role,
                    scope: scope.clone(),
                };
                if let Some(first) = spans.get(&key) {
                    let d = Diagnostic::new(
                        Code::DuplicateRoleAssignment,
                        format!(
                            "principal `{}` has role `{}` at this scope twice",
                            key.principal_id,
                            role_key(spec.role)
                        ),
                    )
                    .at(pspan, "assigned again")
                    .also(*first, "first assigned here")
                    .help("remove one of the two");
                    self.push(d);
                    continue;
                }
                spans.insert(key.clone(), pspan);
                out.insert(
                    key.clone(),
                    RoleAssignment {
                        key,
                        principal_type: principal.principal_type,
                        principal_name: principal.name.clone(),
                        document: p.name().to_owned(),
                    },
                );
            }
        }
        // Power Platform roles inherit from the tenant downwards.
        for (key, span) in &spans {
            if key.role.is_environment_role() || key.scope == RoleScope::Tenant {
                continue;
            }
            let tenant_key = RoleAssignmentKey {
                scope: RoleScope::Tenant,
                ..key.clone()
            };
            if let Some(tenant_span) = spans.get(&tenant_key) {
                let d = Diagnostic::new(
                    Code::RedundantRoleAssignment,
                    format!(
                        "principal `{}` already has `{}` at the tenant",
                        key.principal_id,
                        role_key(key.role)
                    ),
                )
                .at(*span, "redundant")
                .also(*tenant_span, "granted for the whole tenant here")
                .help("remove the narrower assignment");
                self.push(d);
            }
        }
        out
    }

    // ---- Tenant settings ---------------------------------------------------------------

    fn tenant_settings(&mut self) -> Option<TenantSettings> {
        let set = self.set;
        let first = set.tenant_settings.first()?;
        if first.doc.metadata.id.is_some() {
            self.id_not_allowed(first, Kind::TenantSettings);
        }
        for extra in &set.tenant_settings[1..] {
            let d = Diagnostic::new(
                Code::DuplicateTenantSettings,
                "tenant settings are declared in more than one document",
            )
            .at(extra.at("/kind"), "second TenantSettings")
            .also(first.at("/kind"), "first TenantSettings")
            .help("merge them into one `TenantSettings` document");
            self.push(d);
        }
        Some(TenantSettings {
            meta: first.meta(),
            settings: first.doc.spec.clone(),
        })
    }
}

fn group_key(g: ConnectorGroup) -> &'static str {
    match g {
        ConnectorGroup::Business => "business",
        ConnectorGroup::NonBusiness => "nonBusiness",
        ConnectorGroup::Blocked => "blocked",
    }
}

fn role_key(r: Role) -> &'static str {
    match r {
        Role::EnvironmentAdmin => "environmentAdmin",
        Role::EnvironmentMaker => "environmentMaker",
        Role::Owner => "owner",
        Role::Contributor => "contributor",
        Role::Reader => "reader",
        Role::RbacAdministrator => "rbacAdministrator",
    }
}

fn principal_key(t: doc::PrincipalType) -> &'static str {
    match t {
        doc::PrincipalType::User => "a user",
        doc::PrincipalType::Group => "a group",
        doc::PrincipalType::ServicePrincipal => "a service principal",
    }
}

/// The per-connector endpoint formats the platform documents; `None` when fine.
fn endpoint_format_problem(connector_name: &str, endpoint: &str) -> Option<String> {
    if endpoint == "*" {
        return None;
    }
    match connector_name {
        "shared_sql" => {
            if let Some(suggestion) = sql_connection_string(endpoint) {
                return Some(format!(
                    "this is a connection string; SQL Server endpoints are `server,database`: write `{suggestion}`"
                ));
            }
            let ok = endpoint.split_once(',').is_some_and(|(server, db)| {
                !server.trim().is_empty()
                    && !db.trim().is_empty()
                    && !db.contains(',')
                    && !endpoint.contains([';', '='])
            });
            (!ok).then(|| "SQL Server endpoints are `server,database`, e.g. `contoso.database.windows.net,sales`".to_owned())
        }
        "shared_smtp" => {
            let ok = endpoint.split_once(',').is_some_and(|(host, port)| {
                !host.trim().is_empty() && port.trim().parse::<u16>().is_ok()
            });
            (!ok).then(|| "SMTP endpoints are `host,port`, e.g. `smtp.contoso.com,587`".to_owned())
        }
        "shared_azureblob" => {
            let ok = endpoint.contains('*')
                || (3..=24).contains(&endpoint.len())
                    && endpoint
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            (!ok).then(|| "Azure Blob Storage endpoints are storage account names: 3-24 lower-case letters and digits".to_owned())
        }
        "Http" | "HttpWebhook" | "shared_webcontents" => {
            let ok = endpoint.starts_with("https://") || endpoint.starts_with("http://");
            (!ok).then(|| {
                "HTTP endpoints are URL patterns such as `https://*.contoso.com`".to_owned()
            })
        }
        _ => None,
    }
}

/// `server,database` for an ADO.NET-style SQL connection string
/// (`Server=tcp:host,1433;Initial Catalog=db;...`), or `None` if `text` is not one.
fn sql_connection_string(text: &str) -> Option<String> {
    if !text.contains('=') || !text.contains(';') {
        return None;
    }
    let mut server = None;
    let mut database = None;
    for part in text.split(';') {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "server" | "data source" | "address" | "addr" | "network address" => {
                // `tcp:host,1433` -> `host`: the rule names the server, not the port.
                let host = value.strip_prefix("tcp:").unwrap_or(value);
                server = Some(host.split(',').next().unwrap_or(host).trim().to_owned());
            }
            "database" | "initial catalog" => database = Some(value.to_owned()),
            _ => {}
        }
    }
    Some(format!(
        "{},{}",
        server
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "server".into()),
        database
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "database".into())
    ))
}

/// Annotation keys ppgov reads (planner and apply); every other key under the prefix is a
/// typo. Add new reserved annotations here.
const RESERVED_ANNOTATION_PREFIX: &str = "ppgov.dev/";
const RESERVED_ANNOTATIONS: &[&str] = &[
    "ppgov.dev/renamed-from",
    "ppgov.dev/allow-destroy",
    "ppgov.dev/allow-loosening",
    // Read by `apply` on main (issue 8): consent to turn Managed Environments on.
    "ppgov.dev/allow-managed-environments",
    // Read by `apply` (issue 12): consent to a DLP change that breaks apps or flows.
    "ppgov.dev/allow-breaking",
];

/// The Power Platform region of an Azure region name (lower-case, no spaces), if it is
/// one. Power Platform regions are geographies; Azure regions are datacenters within them.
fn azure_region_geography(azure: &str) -> Option<&'static str> {
    Some(match azure {
        "westeurope" | "northeurope" => "europe",
        "eastus" | "eastus2" | "westus" | "westus2" | "westus3" | "centralus"
        | "northcentralus" | "southcentralus" | "westcentralus" => "unitedstates",
        "uksouth" | "ukwest" => "unitedkingdom",
        "francecentral" | "francesouth" => "france",
        "germanywestcentral" | "germanynorth" => "germany",
        "switzerlandnorth" | "switzerlandwest" => "switzerland",
        "norwayeast" | "norwaywest" => "norway",
        "swedencentral" => "sweden",
        "canadacentral" | "canadaeast" => "canada",
        "australiaeast" | "australiasoutheast" => "australia",
        "japaneast" | "japanwest" => "japan",
        "centralindia" | "southindia" | "westindia" => "india",
        "eastasia" | "southeastasia" => "asia",
        "brazilsouth" => "southamerica",
        "koreacentral" | "koreasouth" => "korea",
        "uaenorth" | "uaecentral" => "unitedarabemirates",
        "southafricanorth" | "southafricawest" => "southafrica",
        _ => return None,
    })
}
