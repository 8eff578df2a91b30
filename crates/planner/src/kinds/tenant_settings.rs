//! The `TenantSettings` document: the settings it declares, one attribute per flattened path;
//! settings it leaves out are not managed.

use super::{attr, to_json};
use crate::builder::{PlanBuilder, Planned};
use crate::plan::*;
use ppgov_core::observed::flatten_settings;
use std::collections::BTreeMap;

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
