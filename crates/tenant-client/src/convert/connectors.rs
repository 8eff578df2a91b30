//! The live connector catalog and its wire form.

use super::ZERO_GUID;
use ppgov_core::catalog::{self, Tier};
use ppgov_tenant_api::connectors as wc;
use ppgov_tenant_api::dlp as wd;
use std::collections::BTreeMap;

/// The live catalog: the Power Apps list plus the virtual connectors, marked unblockable from
/// the governance list; sorted by id.
pub fn connectors(
    list: &[wc::Connector],
    unblockable: &[wc::UnblockableConnector],
    virtuals: &[wc::VirtualConnector],
) -> Vec<catalog::Connector> {
    let is_unblockable = |id: &str| {
        unblockable
            .iter()
            .any(|u| u.metadata.unblockable && u.id.eq_ignore_ascii_case(id))
    };
    let endpoint_filtering = |id: &str| {
        catalog::Catalog::bundled()
            .get(id)
            .is_some_and(|c| c.endpoint_filtering)
    };
    let mut out: BTreeMap<String, catalog::Connector> = BTreeMap::new();
    for c in list {
        out.insert(
            c.id.clone(),
            catalog::Connector {
                name: c.name.clone(),
                id: c.id.clone(),
                display_name: c.properties.display_name.clone(),
                tier: match c.properties.tier.as_deref() {
                    Some(t) if t.eq_ignore_ascii_case("premium") => Tier::Premium,
                    _ => Tier::Standard,
                },
                publisher: c.properties.publisher.clone().unwrap_or_default(),
                unblockable: is_unblockable(&c.id),
                is_virtual: false,
                endpoint_filtering: endpoint_filtering(&c.id),
                metadata: super::connector_metadata::metadata(&c.properties),
            },
        );
    }
    for v in virtuals {
        out.entry(v.id.clone())
            .or_insert_with(|| catalog::Connector {
                name: v.id.clone(),
                id: v.id.clone(),
                display_name: v.metadata.display_name.clone(),
                tier: Tier::BuiltIn,
                publisher: "Microsoft".into(),
                unblockable: is_unblockable(&v.id),
                is_virtual: true,
                endpoint_filtering: endpoint_filtering(&v.id),
                metadata: Default::default(),
            });
    }
    out.into_values().collect()
}

/// A catalog connector as the Power Apps list shows it (for tests).
pub fn connector_to_wire(c: &catalog::Connector) -> wc::Connector {
    wc::Connector {
        name: c.name.clone(),
        id: c.id.clone(),
        kind: wd::CONNECTOR_TYPE.into(),
        properties: wc::ConnectorProperties {
            display_name: c.display_name.clone(),
            tier: Some(
                match c.tier {
                    Tier::Premium => "Premium",
                    _ => "Standard",
                }
                .into(),
            ),
            publisher: Some(c.publisher.clone()).filter(|p| !p.is_empty()),
            is_custom_api: None,
            other: Default::default(),
        },
    }
}

/// Whether an environment's group reference means "no group".
pub fn is_no_group(id: &str) -> bool {
    id.is_empty() || id == ZERO_GUID
}
