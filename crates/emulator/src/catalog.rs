//! The connector catalog: the bundled `data/connectors.json`, served as the Power Apps list,
//! the unblockable list and the virtual list, and used to validate DLP connector references.

use ppgov_tenant_api::connectors::{
    Connector, ConnectorProperties, UnblockableConnector, UnblockableMetadata, VirtualConnector,
    VirtualMetadata,
};
pub use ppgov_tenant_api::snapshot::CatalogEntry;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The prefix of every non-virtual connector id.
pub const CONNECTOR_ID_PREFIX: &str = "/providers/Microsoft.PowerApps/apis/";

#[derive(Deserialize)]
struct CatalogFile {
    connectors: Vec<CatalogEntry>,
}

const BUILTIN_JSON: &str = include_str!("../../../data/connectors.json");

/// The bundled catalog (435 connectors), parsed once.
pub fn builtin() -> &'static [CatalogEntry] {
    static CATALOG: OnceLock<Vec<CatalogEntry>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let file: CatalogFile =
            serde_json::from_str(BUILTIN_JSON).expect("data/connectors.json is valid");
        file.connectors
    })
}

/// A catalog with lookups by lower-cased id.
pub struct Catalog<'a> {
    entries: &'a [CatalogEntry],
    by_id: BTreeMap<String, &'a CatalogEntry>,
}

impl<'a> Catalog<'a> {
    pub fn new(entries: &'a [CatalogEntry]) -> Self {
        let by_id = entries
            .iter()
            .map(|e| (e.id.to_ascii_lowercase(), e))
            .collect();
        Catalog { entries, by_id }
    }

    pub fn get(&self, id: &str) -> Option<&'a CatalogEntry> {
        self.by_id.get(&id.to_ascii_lowercase()).copied()
    }

    /// The Power Apps list: every connector that is not virtual.
    pub fn powerapps_list(&self) -> Vec<Connector> {
        self.entries
            .iter()
            .filter(|e| !e.is_virtual)
            .map(|e| Connector {
                name: e.name.clone(),
                id: e.id.clone(),
                kind: ppgov_tenant_api::dlp::CONNECTOR_TYPE.to_owned(),
                properties: ConnectorProperties {
                    display_name: e.display_name.clone(),
                    tier: Some(e.tier.clone()).filter(|t| !t.is_empty()),
                    publisher: Some(e.publisher.clone()).filter(|p| !p.is_empty()),
                    is_custom_api: Some(
                        e.api_properties
                            .get("isCustomApi")
                            .and_then(serde_json::Value::as_bool)
                            .unwrap_or(false),
                    ),
                    other: [
                        ("apiEnvironment".to_owned(), "Shared".into()),
                        ("releaseTag".to_owned(), "Production".into()),
                    ]
                    .into_iter()
                    .chain(
                        e.api_properties
                            .iter()
                            .filter(|(k, _)| k.as_str() != "isCustomApi")
                            .map(|(k, v)| (k.clone(), v.clone())),
                    )
                    .collect(),
                },
            })
            .collect()
    }

    pub fn unblockable_list(&self) -> Vec<UnblockableConnector> {
        self.entries
            .iter()
            .filter(|e| e.unblockable)
            .map(|e| UnblockableConnector {
                id: e.id.clone(),
                metadata: UnblockableMetadata { unblockable: true },
            })
            .collect()
    }

    pub fn virtual_list(&self) -> Vec<VirtualConnector> {
        self.entries
            .iter()
            .filter(|e| e.is_virtual)
            .map(|e| VirtualConnector {
                id: e.id.clone(),
                metadata: VirtualMetadata {
                    virtual_connector: true,
                    name: e.display_name.clone(),
                    kind: ppgov_tenant_api::dlp::CONNECTOR_TYPE.to_owned(),
                    icon_uri: None,
                    display_name: e.display_name.clone(),
                },
            })
            .collect()
    }

    /// Entries that can be placed in a DLP policy's groups (used by the seeder).
    pub fn entries(&self) -> &'a [CatalogEntry] {
        self.entries
    }
}

/// A custom-connector style id: `/providers/Microsoft.PowerApps/apis/shared_<name>`, where the
/// name is non-empty and made of `[A-Za-z0-9_.-]`.
pub fn is_shared_connector_id(id: &str) -> bool {
    let Some(tail) = id.strip_prefix(CONNECTOR_ID_PREFIX) else {
        return false;
    };
    let Some(name) = tail.strip_prefix("shared_") else {
        return false;
    };
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_has_the_documented_counts() {
        let c = builtin();
        assert_eq!(c.len(), 435);
        assert_eq!(c.iter().filter(|e| e.unblockable).count(), 24);
        assert_eq!(c.iter().filter(|e| e.is_virtual).count(), 18);
    }

    #[test]
    fn shared_ids() {
        assert!(is_shared_connector_id(
            "/providers/Microsoft.PowerApps/apis/shared_contoso-5fapi"
        ));
        assert!(!is_shared_connector_id(
            "/providers/Microsoft.PowerApps/apis/shared_"
        ));
        assert!(!is_shared_connector_id("shared_sql"));
        assert!(!is_shared_connector_id(
            "/providers/Microsoft.PowerApps/apis/sql"
        ));
    }
}
