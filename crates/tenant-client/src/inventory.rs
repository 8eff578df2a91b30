//! Inventory reads: what runs in an environment. Not part of `observe` (a plan reads
//! inventory only for the environments a DLP change affects).

use crate::Client;
use crate::error::ClientError;
use ppgov_core::inventory::InventoryItem;
use ppgov_tenant_api::{inventory as wi, paths};

impl Client {
    /// Every canvas app of an environment (the Power Apps admin list, following `nextLink`),
    /// converted. An app the model cannot take (no environment) fails the read, naming it.
    pub async fn list_environment_apps(
        &self,
        env: &str,
    ) -> Result<Vec<InventoryItem>, ClientError> {
        let ep = paths::environment_apps(env);
        let listing = format!("GET {} {}", ep.host.name(), ep.path);
        let apps: Vec<wi::App> = self
            .transport
            .list_unique(ep, |a: &wi::App| Some(a.name.clone()))
            .await?;
        apps.iter()
            .map(|a| {
                crate::convert::inventory::app(a).map_err(|e| ClientError::invalid(&listing, e.0))
            })
            .collect()
    }
}
