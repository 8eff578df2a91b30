//! `ppgov import`: a policy repository that declares a tenant as it is.
//!
//! Pure: an observed tenant and options in, file texts out. The CLI reads the tenant and
//! writes the files. The guarantee: loading what [`import`] writes gives no diagnostics, and
//! planning it against the same tenant gives no changes and nothing "not managed here"
//! (tested over the bundled snapshot and hundreds of seeded tenants).

mod names;
mod selectors;
mod tenant_isolation;
pub mod yaml;

use ppgov_core::catalog::{API_PREFIX, Catalog, Connector, ConnectorId, Resolved, Tier};
use ppgov_core::doc;
use ppgov_core::model::{Cloud, ConnectorGroup, ScopeMode};
use ppgov_core::observed::{
    Observed, ObservedDlpPolicy, ObservedEnvironment, ObservedGroup, ObservedRoleAssignment,
    ObservedScope,
};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The kinds import writes, declared once: `Kind => "folder", Importer::method;` per kind,
/// in the order the documents are made. `folder` is where the kind's documents go in the
/// layout of `policies/` (empty: one file at the root, whose header says `what`); `method`
/// makes the kind's `(name, document)`s, in the kind's module when it has one. Generates
/// [`ImportKind`], [`ImportKind::ALL`], the document kind and folder of each, and the
/// emission `Importer::run` calls for every kind.
macro_rules! import_kinds {
    ($(
        $variant:ident => $folder:literal, Importer::$method:ident $(, what = $what:literal)?;
    )*) => {
        /// The kinds import can write.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ImportKind {
            $( $variant, )*
        }

        impl ImportKind {
            pub const ALL: [ImportKind; [$(stringify!($variant)),*].len()] =
                [$(ImportKind::$variant,)*];

            /// The document kind (its `kind:`); every live kind (`Kind::is_live`) is one
            /// import can write, which a test checks.
            pub fn kind(self) -> ppgov_core::Kind {
                match self { $( ImportKind::$variant => ppgov_core::Kind::$variant, )* }
            }

            /// The folder (or file) the kind's documents go to, in the layout of `policies/`.
            fn folder(self) -> &'static str {
                match self { $( ImportKind::$variant => $folder, )* }
            }

            /// What the header of the kind's document named `name` says it is.
            fn what(self, name: &str) -> String {
                match self {
                    $( ImportKind::$variant => import_kinds!(@what self, name $(, $what)?), )*
                }
            }

            /// The kind's documents, `(name, text)`.
            fn documents(self, importer: &mut Importer<'_>) -> Vec<(String, String)> {
                match self { $( ImportKind::$variant => importer.$method(), )* }
            }
        }
    };
    (@what $kind:ident, $name:ident) => {
        format!("{} `{}`, as it is in the tenant", $kind.as_str(), $name)
    };
    (@what $kind:ident, $name:ident, $what:literal) => {
        $what.to_owned()
    };
}

import_kinds! {
    Environment => "environments", Importer::environment_documents;
    EnvironmentGroup => "environment-groups", Importer::group_documents;
    DlpPolicy => "dlp", Importer::dlp_policy_documents;
    RoleAssignment => "roles", Importer::role_assignments;
    TenantSettings => "", Importer::tenant_settings_documents,
        what = "The tenant settings ppgov governs, as they are";
    TenantIsolationPolicy => "", Importer::tenant_isolation_documents,
        what = "The tenant isolation policy, as it is in the tenant";
}

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        self.kind().as_str()
    }
}

/// Which environments get an `Environment` document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EnvironmentSelection {
    /// Those in a group, managed, or named by a DLP policy or a role assignment.
    #[default]
    Governed,
    All,
}

/// What to write, and what is already there (adopt mode).
#[derive(Clone, Debug)]
pub struct Options {
    pub environments: EnvironmentSelection,
    pub kinds: BTreeSet<ImportKind>,
    pub infer_selectors: bool,
    pub cloud: Cloud,
    /// Where the tenant came from, for the header comments (`tenant X (snapshot F)`).
    pub source: String,
    /// The day of the import (`2026-11-27`), for the header comments.
    pub date: String,
    /// The `$schema` reference for editors, relative to the repository root (a URL is used
    /// as it is).
    pub schema_from_root: String,
    /// Adopt mode: write only these objects into an existing repository.
    pub adopt: Option<Adopt>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            environments: EnvironmentSelection::Governed,
            kinds: ImportKind::ALL.into(),
            infer_selectors: false,
            cloud: Cloud::Public,
            source: String::new(),
            date: String::new(),
            schema_from_root: "schemas/ppgov.schema.json".into(),
            adopt: None,
        }
    }
}

/// An existing repository that only the given live objects are added to.
#[derive(Clone, Debug, Default)]
pub struct Adopt {
    /// The live objects to write (the plan's "not managed here"), by kind and live id.
    pub objects: BTreeSet<(ImportKind, String)>,
    /// `metadata.name`s already used, per kind.
    pub taken_names: BTreeMap<ImportKind, BTreeSet<String>>,
    /// Live environment id to the name of the document that declares it.
    pub environment_names: BTreeMap<String, String>,
    /// Live group id to the name of the document that declares it.
    pub group_names: BTreeMap<String, String>,
    /// Files that exist (relative paths, `/`-separated): never written.
    pub existing_files: BTreeSet<String>,
}

/// What import wrote and what it could not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Imported {
    /// Relative path (`/`-separated) to file text.
    pub files: BTreeMap<String, String>,
    /// Documents written per kind.
    pub documents: BTreeMap<ImportKind, usize>,
    /// Things left out, with the reason, in a stable order.
    pub skipped: Vec<String>,
}

/// The environments whose BAP role assignments an import needs and `observed` lacks (those
/// it declares that have no Dataverse: BAP roles exist only there). Read them before calling
/// [`import`]. Reading the roles of managed and grouped environments while observing leaves
/// only the few named by a DLP policy or an RBAC assignment for this second step.
pub fn environments_needing_bap_roles(observed: &Observed, options: &Options) -> BTreeSet<String> {
    if !options.kinds.contains(&ImportKind::RoleAssignment) {
        return BTreeSet::new();
    }
    selected_environments(observed, options)
        .into_iter()
        .filter(|id| {
            observed
                .environments
                .get(id)
                .is_some_and(|e| !e.has_dataverse)
        })
        .filter(|id| !observed.role_assignments_read_for.contains(id))
        .collect()
}

/// Environments that get a document.
fn selected_environments(observed: &Observed, options: &Options) -> BTreeSet<String> {
    if let Some(adopt) = &options.adopt {
        return adopt
            .objects
            .iter()
            .filter(|(k, _)| *k == ImportKind::Environment)
            .map(|(_, id)| id.clone())
            .filter(|id| observed.environments.contains_key(id))
            .collect();
    }
    if !options.kinds.contains(&ImportKind::Environment) {
        return BTreeSet::new();
    }
    match options.environments {
        EnvironmentSelection::All => observed.environments.keys().cloned().collect(),
        EnvironmentSelection::Governed => {
            let mut ids: BTreeSet<String> = observed
                .environments
                .values()
                .filter(|e| e.managed || e.group_id.is_some())
                .map(|e| e.id.clone())
                .collect();
            for p in observed.dlp_policies.values() {
                if p.scope_mode.is_some() {
                    ids.extend(p.environment_ids.iter().cloned());
                }
            }
            for a in observed.role_assignments.values() {
                if let ObservedScope::Environment(id) = &a.scope {
                    ids.insert(id.clone());
                }
            }
            ids.retain(|id| observed.environments.contains_key(id));
            ids
        }
    }
}

/// Whether `s` matches the language's `GUID_PATTERN` (8-4-4-4-12 hex digits, either case).
pub(crate) use ppgov_core::doc::is_guid;

/// Writes the repository for `observed`.
pub fn import(observed: &Observed, catalog: &Catalog, options: &Options) -> Imported {
    Importer::new(observed, catalog, options).run()
}

struct Importer<'a> {
    observed: &'a Observed,
    options: &'a Options,
    /// Bundled catalog plus the custom connectors found.
    catalog: Catalog,
    /// Connectors not in the catalog, declared in `ppgov.yaml` (fresh imports only).
    additional: BTreeMap<ConnectorId, String>,
    env_names: BTreeMap<String, String>,
    group_names: BTreeMap<String, String>,
    /// Live group id to its member environment ids.
    members: BTreeMap<String, BTreeSet<String>>,
    /// The environments and groups that get a document, named before any document is made.
    envs: Vec<&'a ObservedEnvironment>,
    groups: Vec<&'a ObservedGroup>,
    out: Imported,
}

impl<'a> Importer<'a> {
    fn new(observed: &'a Observed, catalog: &Catalog, options: &'a Options) -> Self {
        let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for e in observed.environments.values() {
            if let Some(g) = &e.group_id {
                members.entry(g.clone()).or_default().insert(e.id.clone());
            }
        }
        Importer {
            observed,
            options,
            catalog: catalog.clone(),
            additional: BTreeMap::new(),
            env_names: BTreeMap::new(),
            group_names: BTreeMap::new(),
            members,
            envs: Vec::new(),
            groups: Vec::new(),
            out: Imported::default(),
        }
    }

    fn adopting(&self, kind: ImportKind, id: &str) -> bool {
        match &self.options.adopt {
            Some(a) => a.objects.contains(&(kind, id.to_owned())),
            None => self.options.kinds.contains(&kind),
        }
    }

    fn taken(&self, kind: ImportKind) -> BTreeSet<String> {
        self.options
            .adopt
            .as_ref()
            .and_then(|a| a.taken_names.get(&kind).cloned())
            .unwrap_or_default()
    }

    fn skip(&mut self, why: String) {
        self.out.skipped.push(why);
    }

    fn run(mut self) -> Imported {
        let observed = self.observed;
        if let Some(a) = &self.options.adopt {
            self.env_names = a.environment_names.clone();
            self.group_names = a.group_names.clone();
        }

        // Names first: documents refer to each other by them.
        let mut envs: Vec<&ObservedEnvironment> = Vec::new();
        for id in selected_environments(observed, self.options) {
            let env = &observed.environments[&id];
            if !is_guid(&env.id) && !self.unique_display_name(env) {
                self.skip(format!(
                    "Environment \"{}\" ({}): its id is not a GUID, so it cannot be pinned, and its display name is not unique, so it cannot be found by name",
                    env.display_name, env.id
                ));
                continue;
            }
            envs.push(env);
        }
        let env_names = names::assign(
            envs.iter()
                .map(|e| (e.id.as_str(), e.display_name.as_str())),
            "environment",
            &self.taken(ImportKind::Environment),
        );
        self.env_names.extend(env_names);
        let groups: Vec<&ObservedGroup> = observed
            .environment_groups
            .values()
            .filter(|g| self.adopting(ImportKind::EnvironmentGroup, &g.id))
            .collect();
        let group_names = names::assign(
            groups
                .iter()
                .map(|g| (g.id.as_str(), g.display_name.as_str())),
            "group",
            &self.taken(ImportKind::EnvironmentGroup),
        );
        self.group_names.extend(group_names);

        self.envs = envs;
        self.groups = groups;

        let mut docs: Vec<(ImportKind, String, String)> = Vec::new();
        for kind in ImportKind::ALL {
            for (name, doc) in kind.documents(&mut self) {
                docs.push((kind, name, doc));
            }
        }
        if self.options.adopt.is_none() {
            let project = self.project();
            self.write_file(
                "ppgov.yaml",
                &project,
                "The project: tenant, connector catalog and ownership",
            );
        }
        for (kind, name, doc) in docs {
            *self.out.documents.entry(kind).or_default() += 1;
            let path = self.free_path(kind, &name);
            let what = kind.what(&name);
            self.write_file(&path, &doc, &what);
        }
        self.out.skipped.sort();
        self.out.skipped.dedup();
        self.out
    }

    fn unique_display_name(&self, env: &ObservedEnvironment) -> bool {
        self.observed
            .environments
            .values()
            .filter(|e| e.display_name == env.display_name)
            .count()
            == 1
    }

    /// `dir/name.yaml`, or with a counter when adopt mode finds the file taken.
    fn free_path(&self, kind: ImportKind, name: &str) -> String {
        let folder = kind.folder();
        let base = if folder.is_empty() {
            name.to_owned()
        } else {
            format!("{folder}/{name}")
        };
        let existing = self.options.adopt.as_ref().map(|a| &a.existing_files);
        let free =
            |p: &String| !self.out.files.contains_key(p) && existing.is_none_or(|e| !e.contains(p));
        let first = format!("{base}.yaml");
        if free(&first) {
            return first;
        }
        (2..)
            .map(|k| format!("{base}-{k}.yaml"))
            .find(free)
            .expect("an unbounded counter finds a free name")
    }

    fn write_file(&mut self, path: &str, body: &str, what: &str) {
        let depth = path.matches('/').count();
        let schema = &self.options.schema_from_root;
        let schema = if schema.contains("://") {
            schema.clone()
        } else {
            format!("{}{schema}", "../".repeat(depth))
        };
        let mut text = format!("# yaml-language-server: $schema={schema}\n#\n");
        text.push_str(&yaml::comment(&format!(
            "{what}.\nImported by `ppgov import` on {} from {}.\nEdit freely: this file is yours now; `ppgov plan` shows what your edits would change.\n",
            self.options.date, self.options.source
        )));
        text.push_str(body);
        self.out.files.insert(path.to_owned(), text);
    }

    // ---- references ----------------------------------------------------------------------

    /// An environment as a document refers to it: its document's name, else its id, else its
    /// display name.
    fn env_ref(&self, id: &str) -> Option<Value> {
        if let Some(name) = self.env_names.get(id) {
            return Some(json!(name));
        }
        let env = self.observed.environments.get(id)?;
        if is_guid(&env.id) {
            Some(json!({ "id": env.id }))
        } else if self.unique_display_name(env) {
            Some(json!({ "displayName": env.display_name }))
        } else {
            None
        }
    }

    /// How a connector is written: its short name when that resolves back to it, else its id.
    fn connector(&mut self, id: &str) -> String {
        if let Some(c) = self.catalog.get(id) {
            let short = ppgov_core::catalog::short_name(c).to_owned();
            return match self.catalog.resolve(&short) {
                Resolved::Known(k) if k.id == id => short,
                _ => id.to_owned(),
            };
        }
        // Not in the catalog: a custom connector. Declared in ppgov.yaml on a fresh import.
        let declarable = id.strip_prefix(API_PREFIX).is_some_and(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        });
        if declarable && self.options.adopt.is_none() {
            let name = &id[API_PREFIX.len()..];
            let display = self
                .observed
                .connectors
                .iter()
                .flatten()
                .find(|c| c.id.eq_ignore_ascii_case(id))
                .map_or_else(|| name.to_owned(), |c| c.display_name.clone());
            self.additional.insert(id.to_owned(), display.clone());
            self.catalog.insert(Connector {
                name: name.to_owned(),
                id: id.to_owned(),
                display_name: display,
                tier: Tier::Standard,
                publisher: String::new(),
                unblockable: false,
                is_virtual: false,
                endpoint_filtering: false,
                metadata: Default::default(),
            });
            return self.connector(id);
        }
        id.to_owned()
    }

    // ---- documents ----------------------------------------------------------------------

    fn envelope(kind: &str, metadata: Value, spec: Value) -> Value {
        json!({
            "apiVersion": doc::API_VERSION,
            "kind": kind,
            "metadata": metadata,
            "spec": spec,
        })
    }

    fn metadata(name: &str, id: &str) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(name));
        if is_guid(id) {
            m.insert("id".into(), json!(id));
        }
        Value::Object(m)
    }

    /// The `Environment` documents of the environments named in `run`.
    fn environment_documents(&mut self) -> Vec<(String, String)> {
        let envs = std::mem::take(&mut self.envs);
        envs.into_iter()
            .map(|env| {
                let name = self.env_names[&env.id].clone();
                let doc = self.environment(env, &name);
                (name, doc)
            })
            .collect()
    }

    /// The `EnvironmentGroup` documents of the groups named in `run`.
    fn group_documents(&mut self) -> Vec<(String, String)> {
        let groups = std::mem::take(&mut self.groups);
        groups
            .into_iter()
            .map(|group| {
                let name = self.group_names[&group.id].clone();
                let doc = self.group(group, &name);
                (name, doc)
            })
            .collect()
    }

    fn environment(&mut self, env: &ObservedEnvironment, name: &str) -> String {
        let mut spec = Map::new();
        spec.insert("displayName".into(), json!(env.display_name));
        if let Some(t) = selectors::environment_type(env) {
            spec.insert("type".into(), json!(t));
        }
        let region = env.region.to_lowercase();
        if selectors::is_region(&region) {
            spec.insert("region".into(), json!(region));
        }
        if env.group_id.is_none() || env.managed {
            spec.insert("managed".into(), json!(env.managed));
        } else {
            self.skip(format!(
                "Environment \"{}\": it is in a group without being a Managed Environment, which the language cannot say; `managed` is left out",
                env.display_name
            ));
        }
        yaml::document(&Self::envelope(
            "Environment",
            Self::metadata(name, &env.id),
            Value::Object(spec),
        ))
    }

    fn group(&mut self, group: &ObservedGroup, name: &str) -> String {
        let mut spec = Map::new();
        spec.insert("displayName".into(), json!(group.display_name));
        if !group.description.is_empty() {
            spec.insert("description".into(), json!(group.description));
        }
        let members = self.members.get(&group.id).cloned().unwrap_or_default();
        let selector = if self.options.infer_selectors && members.len() >= 2 {
            selectors::infer(&members, &self.observed.environments)
        } else {
            None
        };
        let mut m = Map::new();
        if let Some(s) = selector {
            let mut sel = Map::new();
            if !s.types.is_empty() {
                sel.insert("types".into(), json!(s.types));
            }
            if !s.regions.is_empty() {
                sel.insert("regions".into(), json!(s.regions));
            }
            if let Some(glob) = &s.display_name {
                sel.insert("displayName".into(), json!(glob));
            }
            m.insert("selectors".into(), json!([sel]));
        } else {
            let refs: Vec<Value> = self.refs_in_name_order(
                &members,
                &format!("EnvironmentGroup \"{}\" member", group.display_name),
            );
            m.insert("environments".into(), Value::Array(refs));
        }
        spec.insert("members".into(), Value::Object(m));
        // Written in the YAML shape (`doc`), not the model's serde form.
        let rules = ppgov_core::doc::GroupRules::from(group.rules.clone());
        let mut rules = serde_json::to_value(&rules).expect("rules serialize");
        if let Some(allowed) = rules
            .pointer_mut("/advancedConnectorPolicies/allowedConnectors")
            .and_then(Value::as_array_mut)
        {
            let mut written = Vec::new();
            for entry in allowed.iter() {
                let mut entry = entry.clone();
                if let Some(id) = entry.get("connector").and_then(Value::as_str) {
                    let id = id.to_owned();
                    entry["connector"] = json!(self.connector(&id));
                }
                written.push(entry);
            }
            *allowed = written;
        }
        spec.insert("rules".into(), rules);
        for kind in group
            .unmodelled_rules
            .keys()
            .chain(group.unmodelled_policy_rules.keys())
        {
            self.skip(format!(
                "EnvironmentGroup \"{}\": rule `{kind}` is not modelled by ppgov; it stays as it is in the tenant",
                group.display_name
            ));
        }
        yaml::document(&Self::envelope(
            "EnvironmentGroup",
            Self::metadata(name, &group.id),
            Value::Object(spec),
        ))
    }

    /// Environment references for `ids`, in the order of what they print as.
    fn refs_in_name_order(&mut self, ids: &BTreeSet<String>, what: &str) -> Vec<Value> {
        let mut refs: Vec<(String, Value)> = Vec::new();
        for id in ids {
            match self.env_ref(id) {
                Some(r) => refs.push((r.to_string(), r)),
                None => self.skip(format!(
                    "{what} {id}: neither a pinnable id nor a unique display name, so no document can name it"
                )),
            }
        }
        refs.sort_by(|a, b| a.0.cmp(&b.0));
        refs.into_iter().map(|(_, r)| r).collect()
    }

    /// The `DlpPolicy` documents of the tenant-level policies (environment-level ones are
    /// left out, with the reason).
    fn dlp_policy_documents(&mut self) -> Vec<(String, String)> {
        let observed = self.observed;
        let policies: Vec<&ObservedDlpPolicy> = observed
            .dlp_policies
            .values()
            .filter(|p| self.adopting(ImportKind::DlpPolicy, &p.id))
            .collect();
        let mut manageable = Vec::new();
        for p in policies {
            if p.scope_mode.is_none() {
                self.skip(format!(
                    "DlpPolicy \"{}\" ({}): an environment-level policy, which tenant admins cannot manage",
                    p.display_name, p.id
                ));
            } else {
                manageable.push(p);
            }
        }
        let dlp_names = names::assign(
            manageable
                .iter()
                .map(|p| (p.id.as_str(), p.display_name.as_str())),
            "policy",
            &self.taken(ImportKind::DlpPolicy),
        );
        let mut docs = Vec::new();
        for p in manageable {
            let name = dlp_names[&p.id].clone();
            if let Some(doc) = self.dlp_policy(p, &name) {
                docs.push((name, doc));
            }
        }
        docs
    }

    fn dlp_policy(&mut self, p: &ObservedDlpPolicy, name: &str) -> Option<String> {
        let mode = p.scope_mode?;
        let mut scope = Map::new();
        scope.insert("mode".into(), json!(mode));
        if mode != ScopeMode::All {
            let mut remaining = p.environment_ids.clone();
            let mut groups: Vec<String> = Vec::new();
            if self.options.adopt.is_none()
                && self.options.kinds.contains(&ImportKind::EnvironmentGroup)
            {
                // A group whose every member the policy lists is written as the group.
                for (gid, members) in &self.members {
                    if !members.is_empty()
                        && members.is_subset(&remaining)
                        && let Some(gname) = self.group_names.get(gid)
                    {
                        groups.push(gname.clone());
                        remaining.retain(|id| !members.contains(id));
                    }
                }
            }
            groups.sort();
            let refs = self.refs_in_name_order(
                &remaining,
                &format!("DlpPolicy \"{}\" scope", p.display_name),
            );
            if !refs.is_empty() {
                scope.insert("environments".into(), Value::Array(refs));
            }
            if !groups.is_empty() {
                scope.insert("environmentGroups".into(), json!(groups));
            }
        }
        // Exceptions: every connector whose group differs from the default. Listing one in
        // its default group says nothing, so none is.
        let mut lists: BTreeMap<ConnectorGroup, Vec<String>> = BTreeMap::new();
        for (id, group) in &p.classification {
            if *group != p.default_group {
                let written = self.connector(id);
                lists.entry(*group).or_default().push(written);
            }
        }
        let mut connectors = Map::new();
        connectors.insert("default".into(), json!(p.default_group));
        for (group, key) in [
            (ConnectorGroup::Business, "business"),
            (ConnectorGroup::NonBusiness, "nonBusiness"),
            (ConnectorGroup::Blocked, "blocked"),
        ] {
            if let Some(mut list) = lists.remove(&group) {
                list.sort_by_key(|s| s.to_lowercase());
                connectors.insert(key.into(), json!(list));
            }
        }
        let mut spec = Map::new();
        spec.insert("displayName".into(), json!(p.display_name));
        spec.insert("scope".into(), Value::Object(scope));
        spec.insert("connectors".into(), Value::Object(connectors));
        if !p.action_rules.is_empty() {
            let mut rules = Vec::new();
            for (id, r) in &p.action_rules {
                let actions: Vec<Value> = r
                    .actions
                    .iter()
                    .map(|(action, behavior)| json!({"action": action, "behavior": behavior}))
                    .collect();
                let mut entry = Map::new();
                entry.insert("connector".into(), json!(self.connector(id)));
                entry.insert("defaultBehavior".into(), json!(r.default_behavior));
                if !actions.is_empty() {
                    entry.insert("actions".into(), Value::Array(actions));
                }
                rules.push(Value::Object(entry));
            }
            spec.insert("actionRules".into(), Value::Array(rules));
        }
        if !p.endpoint_rules.is_empty() {
            let mut rules = Vec::new();
            for (id, list) in &p.endpoint_rules {
                let list: Vec<Value> = list
                    .iter()
                    .map(|r| json!({"endpoint": r.endpoint, "behavior": r.behavior}))
                    .collect();
                rules.push(json!({"connector": self.connector(id), "rules": list}));
            }
            spec.insert("endpointRules".into(), Value::Array(rules));
        }
        if !p.custom_connector_patterns.is_empty() {
            let patterns: Vec<Value> = p
                .custom_connector_patterns
                .iter()
                .map(|u| json!({"pattern": u.pattern, "group": u.group}))
                .collect();
            spec.insert("customConnectorPatterns".into(), Value::Array(patterns));
        }
        Some(yaml::document(&Self::envelope(
            "DlpPolicy",
            Self::metadata(name, &p.id),
            Value::Object(spec),
        )))
    }

    /// One document per role and scope, listing its principals.
    fn role_assignments(&mut self) -> Vec<(String, String)> {
        let mut by_key: BTreeMap<(String, String), (Value, Vec<&ObservedRoleAssignment>)> =
            BTreeMap::new();
        let observed = self.observed;
        for a in observed.role_assignments.values() {
            if !self.adopting(ImportKind::RoleAssignment, &a.id) {
                continue;
            }
            let (Some(role), Some(_)) = (a.role, a.principal_type) else {
                self.skip(format!(
                    "RoleAssignment {}: {} ppgov does not manage",
                    a.id,
                    if a.role.is_none() {
                        "a role"
                    } else {
                        "a kind of principal"
                    }
                ));
                continue;
            };
            if !is_guid(&a.principal_id) {
                self.skip(format!(
                    "RoleAssignment {}: principal id `{}` is not a GUID",
                    a.id, a.principal_id
                ));
                continue;
            }
            let scope = match &a.scope {
                ObservedScope::Tenant => Some(json!({"tenant": true})),
                ObservedScope::EnvironmentGroup(gid) => self
                    .group_names
                    .get(gid)
                    .map(|n| json!({"environmentGroup": n})),
                ObservedScope::Environment(eid) => {
                    self.env_ref(eid).map(|r| json!({"environment": r}))
                }
                ObservedScope::Unknown(scope) => {
                    self.skip(format!(
                        "RoleAssignment {}: its scope `{scope}` is not one ppgov understands; it stays as it is",
                        a.id
                    ));
                    continue;
                }
            };
            let Some(scope) = scope else {
                self.skip(format!(
                    "RoleAssignment {}: its scope ({:?}) is not declared by this import, so no document can name it",
                    a.id, a.scope
                ));
                continue;
            };
            let role_name = serde_json::to_value(role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            by_key
                .entry((role_name, scope.to_string()))
                .or_insert_with(|| (scope, Vec::new()))
                .1
                .push(a);
        }
        // Names: role and scope, e.g. `environment-admin-finance-prod`.
        let labels: Vec<(String, String)> = by_key
            .iter()
            .map(|((role, scope_key), (scope, _))| {
                let scope_label = match scope {
                    Value::Object(m) if m.contains_key("tenant") => "tenant".to_owned(),
                    Value::Object(m) => match m.values().next() {
                        Some(Value::String(n)) => n.clone(),
                        Some(Value::Object(r)) => match (r.get("displayName"), r.get("id")) {
                            (Some(Value::String(d)), _) => d.clone(),
                            (_, Some(Value::String(id))) => observed
                                .environments
                                .get(id)
                                .map_or_else(|| id.clone(), |e| e.display_name.clone()),
                            _ => String::new(),
                        },
                        _ => String::new(),
                    },
                    _ => String::new(),
                };
                (
                    format!("{role}\u{0}{scope_key}"),
                    format!("{} {scope_label}", kebab(role)),
                )
            })
            .collect();
        let names = names::assign(
            labels.iter().map(|(k, d)| (k.as_str(), d.as_str())),
            "role-assignment",
            &self.taken(ImportKind::RoleAssignment),
        );
        let mut out = Vec::new();
        for ((role, scope_key), (scope, assignments)) in by_key {
            let name = names[&format!("{role}\u{0}{scope_key}")].clone();
            let mut principals: Vec<Value> = assignments
                .iter()
                .map(|a| {
                    let mut p = Map::new();
                    p.insert("type".into(), json!(a.principal_type));
                    p.insert("id".into(), json!(a.principal_id));
                    if let Some(n) = a.principal_name.as_ref().filter(|n| !n.is_empty()) {
                        p.insert("name".into(), json!(n));
                    }
                    Value::Object(p)
                })
                .collect();
            principals.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
            principals.dedup_by(|a, b| a["id"] == b["id"]);
            let spec = json!({"role": role, "scope": scope, "principals": principals});
            let doc = yaml::document(&Self::envelope(
                "RoleAssignment",
                json!({"name": name}),
                spec,
            ));
            out.push((name, doc));
        }
        out
    }

    /// The `TenantSettings` document, `tenant` (fresh imports only).
    fn tenant_settings_documents(&mut self) -> Vec<(String, String)> {
        let settings = (self.options.adopt.is_none()
            && self.options.kinds.contains(&ImportKind::TenantSettings))
        .then(|| self.tenant_settings())
        .flatten();
        settings
            .map(|doc| ("tenant".to_owned(), doc))
            .into_iter()
            .collect()
    }

    /// Every live setting the language knows, each checked on its own against the schema's
    /// types (a value of another type is left out, with the reason).
    fn tenant_settings(&mut self) -> Option<String> {
        let mut kept = BTreeMap::new();
        for (path, value) in &self.observed.tenant_settings {
            let one = ppgov_core::observed::nest_settings(&BTreeMap::from([(
                path.clone(),
                value.clone(),
            )]));
            match serde_json::from_value::<doc::TenantSettingsSpec>(one) {
                Ok(_) => {
                    kept.insert(path.clone(), value.clone());
                }
                Err(e) if !e.to_string().contains("unknown field") => self.skip(format!(
                    "TenantSettings `{path}`: the live value {value} does not fit the language ({e})"
                )),
                Err(_) => {}
            }
        }
        if kept.is_empty() {
            return None;
        }
        let spec = ppgov_core::observed::nest_settings(&kept);
        Some(yaml::document(&Self::envelope(
            "TenantSettings",
            json!({"name": "tenant"}),
            spec,
        )))
    }

    fn project(&mut self) -> String {
        let mut tenant = Map::new();
        match &self.observed.tenant_id {
            Some(id) if is_guid(id) => {
                tenant.insert("id".into(), json!(id));
            }
            other => self.skip(format!(
                "Project: the tenant id ({}) is not a GUID, so `spec.tenant.id` is left out",
                other.as_deref().unwrap_or("none")
            )),
        }
        tenant.insert("cloud".into(), json!(self.options.cloud));
        let additional: Vec<Value> = self
            .additional
            .iter()
            .map(|(id, display)| json!({"id": id, "displayName": display}))
            .collect();
        let mut connectors = Map::new();
        connectors.insert("catalog".into(), json!("bundled"));
        if !additional.is_empty() {
            connectors.insert("additional".into(), Value::Array(additional));
        }
        let spec = json!({
            "tenant": tenant,
            "connectors": connectors,
            "ownership": {
                "EnvironmentGroup": "shared",
                "DlpPolicy": "shared",
                "RoleAssignment": "shared",
            },
        });
        let name = names::slug(
            &format!(
                "tenant-{}",
                self.observed.tenant_id.as_deref().unwrap_or("imported")
            ),
            "imported-tenant",
        );
        let mut text = yaml::comment(
            "Ownership is `shared` for every kind: live objects this repository does not declare are\nreported by `ppgov plan`, never deleted. Switch a kind to `exclusive` once its documents\nare complete.",
        );
        text.push_str(&yaml::document(&Self::envelope(
            "Project",
            json!({"name": name}),
            spec,
        )));
        text
    }
}

/// `environmentAdmin` -> `environment-admin`.
fn kebab(camel: &str) -> String {
    let mut out = String::new();
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod kind_tests {
    use super::ImportKind;
    use ppgov_core::Kind;

    /// A new document kind must be taught to import, unless it has no live object
    /// (`Kind::is_live`: the project file, repository-only kinds such as `ConnectorRating`).
    #[test]
    fn import_writes_every_live_kind() {
        let written: Vec<Kind> = ImportKind::ALL.iter().map(|k| k.kind()).collect();
        let expected: Vec<Kind> = Kind::ALL.into_iter().filter(|k| k.is_live()).collect();
        assert_eq!(
            written, expected,
            "ImportKind (crates/import/src/lib.rs) must list every live document kind"
        );
    }
}
