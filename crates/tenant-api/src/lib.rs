//! The wire contract of the Power Platform admin APIs that ppgov uses: endpoint paths,
//! api-versions and JSON bodies. Serde only: no HTTP client, no server, no engine model.
//!
//! Both the reqwest client and the axum emulator build on this crate, and nothing else
//! connects them, so the emulator cannot share the engine's bugs.
//!
//! Reading is tolerant: unknown fields are ignored (or kept, where ppgov must write them
//! back), known casing quirks are accepted (`endPoint`/`endpoint`, the three spellings of
//! `nextLink`). Writing uses the spelling the service documents.
//!
//! Sources and confidence for every shape: `shared/reference/power-platform-admin-api.md`.

/// Calls `$callback! { module; ... }` with every wire kind: an area of the APIs that holds
/// governed tenant state, which ppgov reads and writes. Each is one module of this crate, and
/// one of the same name in the emulator's routes and in the client's kinds, which both declare
/// theirs from this list: a new wire kind is one line here, and the compiler then asks for
/// its route module and its client module. Areas ppgov only reads (connectors, inventory,
/// Advisor) are not wire kinds; each crate declares their modules by hand.
#[macro_export]
macro_rules! wire_kinds {
    ($callback:ident) => {
        $callback! {
            environments;
            groups;
            /// A group's rules: classic rule sets and rule-based policies.
            rules;
            dlp;
            roles;
            /// The tenant's info and settings.
            tenant;
            tenant_isolation;
        }
    };
}

macro_rules! declare_wire_kinds {
    ($( $(#[doc = $doc:literal])* $module:ident; )*) => {
        $( pub mod $module; )*
    };
}
wire_kinds!(declare_wire_kinds);

pub mod advisor;
pub mod connectors;
pub mod errors;
pub mod inventory;
pub mod lro;
pub mod paths;
pub mod snapshot;

use serde::{Deserialize, Serialize};

/// Reads `null` as the type's default (a tolerant read of optional strings and lists).
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// One page of a list response. Accepts every paging spelling the APIs use.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    /// BAP lists use `nextLink`; the Power Platform API uses `@odata.nextLink`, and the
    /// environments list of that API `@odata.nextlink`.
    #[serde(
        default,
        rename = "@odata.nextLink",
        alias = "nextLink",
        alias = "@odata.nextlink",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_link: Option<String>,
}

impl<T> Page<T> {
    pub fn new(value: Vec<T>) -> Self {
        Page {
            value,
            next_link: None,
        }
    }
}

/// A BAP list page, which spells its continuation `nextLink`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BapPage<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    #[serde(
        default,
        rename = "nextLink",
        alias = "@odata.nextLink",
        alias = "@odata.nextlink",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_link: Option<String>,
}

/// `{ "id": ..., "displayName": ... }` as used for `createdBy` and friends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_next_link_spelling_is_read() {
        for key in ["nextLink", "@odata.nextLink", "@odata.nextlink"] {
            let page: Page<u32> =
                serde_json::from_str(&format!(r#"{{"value":[1],"{key}":"https://x/next"}}"#))
                    .unwrap();
            assert_eq!(page.next_link.as_deref(), Some("https://x/next"), "{key}");
            let page: BapPage<u32> =
                serde_json::from_str(&format!(r#"{{"value":[1],"{key}":"https://x/next"}}"#))
                    .unwrap();
            assert_eq!(page.next_link.as_deref(), Some("https://x/next"), "{key}");
        }
        let page: Page<u32> = serde_json::from_str("{}").unwrap();
        assert!(page.value.is_empty() && page.next_link.is_none());
    }
}
