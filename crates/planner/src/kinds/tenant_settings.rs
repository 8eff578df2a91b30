//! The `TenantSettings` document: the settings it declares, one attribute per flattened path;
//! settings it leaves out are not managed.

use super::{attr, to_json};
use crate::builder::{PlanBuilder, Planned};
use crate::kind_rules::value_and_fingerprint;
use crate::plan::*;
use crate::plan_step::{Foundation, PlanStep};
use crate::risk::Risk;
use crate::simulate::Simulation;
use ppgov_core::observed::Observed;
use ppgov_core::observed::flatten_settings;
use std::collections::BTreeMap;

/// The after-value of the tenant settings change ([`After::TenantSettings`]): the changed
/// settings only, flattened.
pub type AfterValue = BTreeMap<String, serde_json::Value>;

pub(crate) fn plan(b: &mut PlanBuilder<'_>) {
    let Some(settings) = &b.desired.tenant_settings else {
        return;
    };
    let declared = flatten_settings(&to_json(&settings.settings));
    let mut attributes = Vec::new();
    let mut changed = BTreeMap::new();
    for (path, value) in declared {
        let live = b.observed.tenant_settings.get(&path);
        // Only the settings this repository manages: the others may change freely.
        b.fingerprint(ResourceKind::TenantSettings, &path, &live);
        if live != Some(&value) {
            attributes.push(attr(path.clone(), live.cloned(), Some(value.clone())));
            changed.insert(path, value);
        }
    }
    if !attributes.is_empty() {
        b.update(Planned {
            address: Address::named(ResourceKind::TenantSettings, settings.meta.name.as_str())
                .to_string(),
            kind: ResourceKind::TenantSettings,
            id: None,
            display_name: "tenant settings".to_owned(),
            attributes,
            after: After::TenantSettings(changed),
            depends_on: Vec::new(),
        });
    }
}

/// What tenant settings changes decide wherever kinds differ ([`KindRules`]): fingerprinted
/// one managed setting at a time (`TenantSettings:{path}`), never deleted.
pub struct Rules;

impl PlanStep for Rules {
    fn plan(b: &mut PlanBuilder<'_>, _: &Foundation<'_>) {
        plan(b);
    }
}

impl KindRules for Rules {
    fn phase(&self, _: Action) -> u8 {
        6
    }

    fn declared_by(&self) -> ResourceKind {
        ResourceKind::TenantSettings
    }

    fn annotations<'a>(
        &self,
        desired: &'a ppgov_core::model::Desired,
        _: &str,
    ) -> Option<&'a BTreeMap<String, String>> {
        desired
            .tenant_settings
            .as_ref()
            .map(|t| &t.meta.annotations)
    }

    fn approvals(
        &self,
        _: &Change,
        _: Option<&str>,
        _: &ppgov_core::model::Desired,
        _: &Observed,
        _: &ppgov_core::catalog::Catalog,
    ) -> Vec<(String, String)> {
        Vec::new()
    }

    fn deletion_risk(&self, _: &Change, _: &Observed) -> String {
        "deletes a live object".to_owned()
    }

    fn change_risk(
        &self,
        _: &Change,
        _: &Observed,
        _: &ppgov_core::catalog::Catalog,
    ) -> Option<Risk> {
        None
    }

    fn simulate(&self, change: &Change, sim: &mut Simulation) {
        if let After::TenantSettings(settings) = &change.after {
            sim.state.tenant_settings.extend(settings.clone());
        }
    }

    fn exclusively_governed(&self, _: &Observed) -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    fn observed_fingerprint(&self, observed: &Observed, path: &str) -> Option<String> {
        // One managed setting (a dotted path); absent is a value too.
        Some(fingerprint(&observed.tenant_settings.get(path)))
    }

    fn observed_value(&self, observed: &Observed, _: &str) -> Option<(serde_json::Value, String)> {
        value_and_fingerprint(&observed.tenant_settings)
    }

    fn live_name(&self, _: &Observed, _: &str) -> Option<String> {
        // Settings are named by their path, which the key says.
        None
    }

    fn created_environments_in<'a>(&self, _: &'a After) -> Vec<&'a str> {
        Vec::new()
    }

    fn declared_names(&self, desired: &ppgov_core::model::Desired) -> Vec<String> {
        desired
            .tenant_settings
            .iter()
            .map(|s| s.meta.name.clone())
            .collect()
    }
}
