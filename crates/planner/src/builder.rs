//! [`PlanBuilder`]: owns the plan being made. The per-kind steps (`crate::kinds`) read the
//! desired and observed state through it and add to the plan only through it: changes
//! (create, update, delete), notes, errors and fingerprints of the observed objects relied on.
//! What one step must hand the next (a group's members, the addresses of membership changes)
//! is that step's return value, never a field here.

use crate::plan::*;
use crate::resolve::Resolver;
use ppgov_core::catalog::Catalog;
use ppgov_core::model::{Desired, EnvironmentTarget};
use ppgov_core::observed::{Observed, ObservedEnvironment};
use std::collections::{BTreeMap, BTreeSet};

/// A change as a step plans it; the builder adds the action (and the risk and impact,
/// computed once the whole plan is known).
pub(crate) struct Planned {
    pub address: String,
    pub kind: ResourceKind,
    /// The live object's id; `None` for most creates.
    pub id: Option<String>,
    pub display_name: String,
    pub attributes: Vec<AttributeChange>,
    pub after: After,
    pub depends_on: Vec<String>,
}

/// What a finished builder hands back to `plan()`.
pub(crate) struct Built {
    pub changes: Vec<Change>,
    pub notes: Vec<Note>,
    pub errors: Vec<PlanError>,
    pub fingerprints: BTreeMap<String, String>,
}

pub(crate) struct PlanBuilder<'a> {
    pub desired: &'a Desired,
    /// The tenant as the plan sees it (environments ppgov creates stand in, deleted ones gone).
    pub observed: &'a Observed,
    pub catalog: &'a Catalog,
    pub resolver: Resolver<'a>,
    changes: Vec<Change>,
    notes: Vec<Note>,
    errors: Vec<PlanError>,
    fingerprints: BTreeMap<String, String>,
    /// Expired environments' document names: references to them are left out.
    pub retired: BTreeSet<String>,
}

impl<'a> PlanBuilder<'a> {
    pub fn new(desired: &'a Desired, observed: &'a Observed, catalog: &'a Catalog) -> Self {
        PlanBuilder {
            desired,
            observed,
            catalog,
            resolver: Resolver::new(desired, observed),
            changes: Vec::new(),
            notes: Vec::new(),
            errors: Vec::new(),
            fingerprints: BTreeMap::new(),
            retired: BTreeSet::new(),
        }
    }

    pub fn build(self) -> Built {
        Built {
            changes: self.changes,
            notes: self.notes,
            errors: self.errors,
            fingerprints: self.fingerprints,
        }
    }

    /// Changes planned elsewhere (the owned environments' lifecycle), as they are.
    pub fn extend(&mut self, changes: Vec<Change>, errors: Vec<PlanError>) {
        self.changes.extend(changes);
        self.errors.extend(errors);
    }

    pub fn create(&mut self, planned: Planned) {
        self.push(Action::Create, planned);
    }

    pub fn update(&mut self, planned: Planned) {
        self.push(Action::Update, planned);
    }

    pub fn delete(&mut self, planned: Planned) {
        self.push(Action::Delete, planned);
    }

    /// Deletes live object `id` of `kind`, which no document declares, at address `Kind[id]`.
    pub fn delete_undeclared(
        &mut self,
        kind: ResourceKind,
        id: &str,
        display_name: &str,
        attributes: Vec<AttributeChange>,
    ) {
        self.delete(Planned {
            address: Address::keyed(kind, id).to_string(),
            kind,
            id: Some(id.to_owned()),
            display_name: display_name.to_owned(),
            attributes,
            after: After::Nothing,
            depends_on: Vec::new(),
        });
    }

    fn push(&mut self, action: Action, planned: Planned) {
        let Planned {
            address,
            kind,
            id,
            display_name,
            attributes,
            after,
            depends_on,
        } = planned;
        self.changes.push(Change {
            address,
            kind,
            action,
            id,
            display_name,
            attributes,
            risk: None,
            impact: None,
            after,
            depends_on,
        });
    }

    /// The changes planned so far, in the order they were added.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// For the few steps that amend earlier changes (dependencies, a create made managed).
    pub fn changes_mut(&mut self) -> &mut [Change] {
        &mut self.changes
    }

    /// Reports live object `id` of `kind`, which the plan does not change, and why.
    pub fn note(
        &mut self,
        kind: ResourceKind,
        id: &str,
        display_name: &str,
        message: impl Into<String>,
    ) {
        self.notes.push(Note {
            kind,
            id: id.to_owned(),
            display_name: display_name.to_owned(),
            message: message.into(),
        });
    }

    pub fn error(&mut self, resource: String, pointer: &str, message: impl Into<String>) {
        self.errors.push(PlanError {
            resource,
            pointer: pointer.to_owned(),
            message: message.into(),
        });
    }

    /// Fingerprints the live object `kind:id` once: every caller passes the observed object
    /// of that id, so a second call would compute the same value again.
    pub fn fingerprint<T: serde::Serialize>(&mut self, kind: ResourceKind, id: &str, value: &T) {
        if created_environment_of(id).is_some() {
            // Created by this plan: nothing live to compare with.
            return;
        }
        if let std::collections::btree_map::Entry::Vacant(slot) = self
            .fingerprints
            .entry(FingerprintKey::new(kind, id).to_string())
        {
            slot.insert(fingerprint(value));
        }
    }

    /// Records that `kind` is owned exclusively, and fingerprints every live object of the kind
    /// that ownership governs: the plan relies on there being no others.
    pub fn exclusive(&mut self, kind: ResourceKind) {
        let governed = exclusively_governed(kind, self.observed);
        self.fingerprints.insert(
            exclusive_key(kind),
            fingerprint(&governed.keys().collect::<Vec<_>>()),
        );
        for id in governed.keys() {
            let key = FingerprintKey::new(kind, id.as_str()).to_string();
            if self.fingerprints.contains_key(&key) {
                continue;
            }
            let Some(value) = kind.rules().observed_fingerprint(self.observed, id) else {
                continue;
            };
            self.fingerprints.insert(key, value);
        }
    }

    /// The live environment `target` denotes, fingerprinted; an error on `resource` at
    /// `pointer` when there is none or several.
    pub fn resolve_env(
        &mut self,
        target: &EnvironmentTarget,
        resource: &str,
        pointer: &str,
    ) -> Option<&'a ObservedEnvironment> {
        match self.resolver.environment(target) {
            Ok(env) => {
                self.fingerprint(ResourceKind::Environment, &env.id.clone(), env);
                Some(env)
            }
            // An expired environment's document stays until someone removes it: what refers
            // to it is left out rather than an error.
            Err(_) if matches!(target, EnvironmentTarget::Declared(name) if self.retired.contains(name)) => {
                None
            }
            Err(e) => {
                self.error(resource.to_owned(), pointer, e.to_string());
                None
            }
        }
    }
}
