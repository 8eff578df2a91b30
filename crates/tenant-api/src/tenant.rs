//! Tenant information and tenant settings.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `GET .../BusinessAppPlatform/tenant`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantInfo {
    pub tenant_id: String,
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// Tenant settings travel as a JSON object: the service adds settings regularly, and unknown
/// keys must survive a read-modify-write. Updates send a sparse object (deep merge).
pub type TenantSettings = serde_json::Map<String, Value>;
