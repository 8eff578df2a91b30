//! Lowering: schema-valid documents to the checked [`Desired`] model, with every semantic
//! check (references, duplicates, platform rules). Problems are reported, never fatal: a
//! resource with an error is still lowered as far as possible so later checks can run.

use crate::catalog::{self, Catalog, ConnectorId, Resolved};
use crate::diag::{Code, Diagnostic};
use crate::doc::{self, ConnectorGroup, EnvironmentRef};
use crate::kind::{Kind, ParsedSet};
use crate::model::*;
use crate::source::Span;
use crate::yaml::Node;
use std::collections::{BTreeMap, BTreeSet};

mod app_criticality;
mod dlp_connectors;
mod dlp_endpoints;
mod dlp_policy;
mod environment_group;
mod project;
mod rating;
mod role_assignment;

/// A document that passed schema validation, with its tree for spans.
#[derive(Debug)]
pub(crate) struct Parsed<S> {
    pub root: Node,
    pub doc: doc::Document<S>,
}

impl<S> Parsed<S> {
    /// The span of the value at a JSON pointer (or of its nearest existing ancestor).
    pub(crate) fn at(&self, pointer: &str) -> Span {
        self.root.locate_pointer(pointer).node.span
    }

    /// The span of item `i` of the list at `list` (or of its `field`), without building a
    /// pointer string: this runs for every list entry, not only on errors.
    pub(crate) fn at_item(&self, list: &str, i: usize, field: Option<&str>) -> Span {
        self.items_at(list).at(i, field)
    }

    /// The list at a JSON pointer, found once for a loop over its items.
    pub(crate) fn items_at(&self, list: &str) -> Items<'_> {
        Items(self.root.locate_pointer(list).node)
    }

    /// The first line of the value at a JSON pointer: a mapping's first key, else the value.
    /// Labels on whole multi-line mappings are hard to read.
    pub(crate) fn head_at(&self, pointer: &str) -> Span {
        let node = self.root.locate_pointer(pointer).node;
        match &node.value {
            crate::yaml::Value::Map(entries) if !entries.is_empty() => entries[0].0.span,
            _ => node.span,
        }
    }

    /// The span of the key at a JSON pointer, falling back to the value.
    pub(crate) fn key_at(&self, pointer: &str) -> Span {
        key_span(&self.root, pointer)
    }

    pub(crate) fn name(&self) -> &str {
        &self.doc.metadata.name
    }

    pub(crate) fn name_span(&self) -> Span {
        self.at("/metadata/name")
    }

    pub(crate) fn meta(&self) -> ResourceMeta {
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
pub(crate) struct Items<'a>(&'a Node);

impl Items<'_> {
    /// The span of item `i` (or of its `field`); the list's if there is no such item.
    pub(crate) fn at(&self, i: usize, field: Option<&str>) -> Span {
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
pub(crate) fn key_span(root: &Node, pointer: &str) -> Span {
    let l = root.locate_pointer(pointer);
    l.key.unwrap_or(l.node.span)
}

/// How a kind's documents are lowered into its part of [`Desired`]: the kind's module
/// implements it for the kind's spec type, and [`lower`] calls it for every kind in `kinds!`
/// order (a new kind is a compile error until it does), so a kind may read what the kinds
/// before it lowered.
pub(crate) trait LowerKind {
    fn lower(cx: &mut Lowering<'_>, desired: &mut Desired);
}

pub(crate) fn lower(set: &ParsedSet, out: &mut Vec<Diagnostic>) -> (Desired, Catalog) {
    let mut cx = Lowering {
        set,
        out,
        catalog: Catalog::bundled().clone(),
        declared: Declared::index(&set.environments),
        classification_spans: BTreeMap::new(),
    };
    // Diagnostics are sorted when loading ends, so running this first changes no output.
    cx.reserved_annotations();
    let mut desired = Desired::default();
    crate::kind::lower_every_kind(&mut cx, &mut desired);
    (desired, cx.catalog)
}

impl LowerKind for doc::ProjectSpec {
    fn lower(cx: &mut Lowering<'_>, desired: &mut Desired) {
        desired.project = cx.project();
    }
}

impl LowerKind for doc::EnvironmentGroupSpec {
    fn lower(cx: &mut Lowering<'_>, desired: &mut Desired) {
        desired.environment_groups = cx.groups(&desired.environments);
        let environments = std::mem::take(&mut desired.environments);
        desired.environments = attach_groups(environments, &desired.environment_groups);
    }
}

impl LowerKind for doc::DlpPolicySpec {
    fn lower(cx: &mut Lowering<'_>, desired: &mut Desired) {
        desired.dlp_policies = cx.dlp_policies();
    }
}

impl LowerKind for doc::RoleAssignmentSpec {
    fn lower(cx: &mut Lowering<'_>, desired: &mut Desired) {
        desired.role_assignments = cx.role_assignments();
    }
}

impl LowerKind for doc::ConnectorRatingSpec {
    fn lower(cx: &mut Lowering<'_>, desired: &mut Desired) {
        let Some((rating, spans)) = cx.connector_rating() else {
            return;
        };
        cx.rating_constraints(
            &rating,
            &spans,
            &desired.dlp_policies,
            &desired.environments,
            &desired.environment_groups,
        );
        desired.connector_rating = Some(rating);
    }
}

impl LowerKind for doc::AppCriticalitySpec {
    fn lower(cx: &mut Lowering<'_>, desired: &mut Desired) {
        desired.app_criticality = cx.app_criticality(desired.connector_rating.as_ref());
    }
}

/// Fills `Environment::group` from group membership lists, so both sides agree.
pub(crate) fn attach_groups(
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

pub(crate) struct Lowering<'a> {
    pub(crate) set: &'a ParsedSet,
    pub(crate) out: &'a mut Vec<Diagnostic>,
    pub(crate) catalog: Catalog,
    pub(crate) declared: Declared,
    /// Per DLP policy, where each connector it lists is listed (for rating constraints).
    pub(crate) classification_spans: BTreeMap<String, BTreeMap<ConnectorId, Span>>,
}

/// The `Environment` documents, indexed so that every way of referring to a declared
/// environment (name, pinned id, display name) resolves to the same target.
pub(crate) struct Declared {
    pub(crate) names: BTreeSet<String>,
    pub(crate) by_id: BTreeMap<String, String>,
    pub(crate) by_display_name: BTreeMap<String, String>,
}

impl Declared {
    pub(crate) fn index(docs: &[Parsed<doc::EnvironmentSpec>]) -> Declared {
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
    pub(crate) fn resolve(&self, r: &EnvironmentRef) -> EnvironmentTarget {
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
    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    pub(crate) fn known_name(&self, kind: Kind, name: &str) -> bool {
        self.set
            .invalid_names
            .get(&kind)
            .is_some_and(|names| names.contains(name))
    }

    /// Reports documents of one kind sharing a `metadata.name`; returns the first of each name.
    pub(crate) fn unique_by_name<'p, S>(
        &mut self,
        kind: Kind,
        docs: &'p [Parsed<S>],
    ) -> Vec<&'p Parsed<S>> {
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
    pub(crate) fn unique_display_names<S>(
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
    pub(crate) fn unique_pinned_ids<S>(&mut self, kind: Kind, docs: &[&Parsed<S>]) {
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
    pub(crate) fn reserved_annotations(&mut self) {
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
    pub(crate) fn check_region(&mut self, region: &str, span: Span, verb: &str) {
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

    /// The one document of a singleton kind (`ConnectorRating`, `AppCriticality`,
    /// `TenantIsolationPolicy`): each further one is `code` at its `kind`, beside the first,
    /// and a pinned `metadata.id` is refused.
    pub(crate) fn singleton<'s, S>(
        &mut self,
        docs: &'s [Parsed<S>],
        kind: Kind,
        (code, message, help): (Code, &str, &str),
    ) -> Option<&'s Parsed<S>> {
        let (first, extras) = docs.split_first()?;
        for extra in extras {
            let d = Diagnostic::new(code, message)
                .at(extra.at("/kind"), format!("second {kind}"))
                .also(first.at("/kind"), format!("first {kind}"))
                .help(help);
            self.push(d);
        }
        if first.doc.metadata.id.is_some() {
            self.id_not_allowed(first, kind);
        }
        Some(first)
    }

    /// The item indices of a scale's levels, the first of each name only: a later level of
    /// the same name is `code` at its name, beside the first.
    pub(crate) fn distinct_levels<'n, S>(
        &mut self,
        p: &Parsed<S>,
        names: impl IntoIterator<Item = &'n str>,
        code: Code,
    ) -> Vec<usize> {
        let mut first_of: BTreeMap<&str, usize> = BTreeMap::new();
        let mut kept = Vec::new();
        for (i, name) in names.into_iter().enumerate() {
            if let Some(first) = first_of.get(name) {
                let d = Diagnostic::new(code, format!("level `{name}` is declared twice"))
                    .at(p.at_item("/spec/levels", i, Some("name")), "again")
                    .also(
                        p.at_item("/spec/levels", *first, Some("name")),
                        "first here",
                    )
                    .help("give each level of the scale its own name");
                self.push(d);
                continue;
            }
            first_of.insert(name, i);
            kept.push(i);
        }
        kept
    }

    /// Reports a `metadata.id` on a kind that cannot be pinned.
    pub(crate) fn id_not_allowed<S>(&mut self, p: &Parsed<S>, kind: Kind) {
        self.id_not_allowed_because(p, kind, "remove `id`");
    }

    /// [`Self::id_not_allowed`] with a help that says why the kind has no pinned id.
    pub(crate) fn id_not_allowed_because<S>(&mut self, p: &Parsed<S>, kind: Kind, help: &str) {
        let d = Diagnostic::new(
            Code::IdNotAllowed,
            format!("a {kind} cannot be pinned with `metadata.id`"),
        )
        .at(p.key_at("/metadata/id"), "not allowed here")
        .help(help);
        self.push(d);
    }

    pub(crate) fn unknown_group(&mut self, name: &str, span: Span) {
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
    pub(crate) fn environment_target(
        &mut self,
        r: &EnvironmentRef,
        span: Span,
    ) -> EnvironmentTarget {
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
    pub(crate) fn environment_targets<S>(
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

    /// Resolves a connector reference against the catalog, reporting unknown ones.
    pub(crate) fn connector(&mut self, written: &str, span: Span) -> Option<ConnectorId> {
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
}

pub(crate) fn group_key(g: ConnectorGroup) -> &'static str {
    match g {
        ConnectorGroup::Business => "business",
        ConnectorGroup::NonBusiness => "nonBusiness",
        ConnectorGroup::Blocked => "blocked",
    }
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
