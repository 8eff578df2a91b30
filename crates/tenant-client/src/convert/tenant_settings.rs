//! Tenant settings: flattened paths <-> the settings object.

use ppgov_core::observed::{flatten_settings, nest_settings};
use ppgov_tenant_api::tenant::TenantSettings;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub fn tenant_settings(s: &TenantSettings) -> BTreeMap<String, Value> {
    flatten_settings(&Value::Object(s.clone()))
}

/// The sparse update body for changed flattened paths.
pub fn tenant_settings_update(changed: &BTreeMap<String, Value>) -> TenantSettings {
    match nest_settings(changed) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
