//! Tenant settings: flattened paths <-> the settings object; read and update.

use crate::Client;
use crate::convert;
use crate::error::ClientError;
use crate::http::Req;
use ppgov_core::observed::{flatten_settings, nest_settings};
use ppgov_tenant_api::paths;
use ppgov_tenant_api::tenant as wt;
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

impl Client {
    /// Every tenant setting, flattened to dotted paths.
    pub async fn get_tenant_settings(&self) -> Result<BTreeMap<String, Value>, ClientError> {
        let resp = self
            .transport
            .send(&Req::post(paths::list_tenant_settings()).reading())
            .await?;
        Ok(convert::tenant_settings(
            &resp.json::<wt::TenantSettings>()?,
        ))
    }

    /// Writes the changed settings (flattened paths) as one sparse update; returns every
    /// setting as read back.
    pub async fn update_tenant_settings(
        &self,
        changed: &BTreeMap<String, Value>,
    ) -> Result<BTreeMap<String, Value>, ClientError> {
        let body = convert::tenant_settings_update(changed);
        let resp = self
            .transport
            .send(
                &Req::post(paths::update_tenant_settings())
                    .json(&body)
                    .idempotent(),
            )
            .await?;
        if resp.is_empty() {
            return self.get_tenant_settings().await;
        }
        Ok(convert::tenant_settings(
            &resp.json::<wt::TenantSettings>()?,
        ))
    }
}

#[cfg(test)]
mod tests;
