//! The connector catalog: what connectors exist, and which ones can be blocked.
//!
//! A catalog is bundled (`data/connectors.json`, see `data/CONNECTORS-SOURCES.md`) so that
//! `validate` can resolve connector names with no tenant. The project file can add connectors
//! the catalog lacks (custom connectors). When planning, the client may build a catalog from
//! the tenant's live list instead.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

/// The prefix of every non-virtual connector id.
pub const API_PREFIX: &str = "/providers/Microsoft.PowerApps/apis/";

/// A connector's id as the DLP APIs use it: `/providers/Microsoft.PowerApps/apis/shared_x`,
/// or a bare virtual id such as `Http`.
pub type ConnectorId = String;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tier {
    Standard,
    Premium,
    BuiltIn,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connector {
    /// The API name, e.g. `shared_sharepointonline` (for virtual connectors, the short id).
    pub name: String,
    pub id: ConnectorId,
    pub display_name: String,
    pub tier: Tier,
    pub publisher: String,
    pub unblockable: bool,
    #[serde(rename = "virtual")]
    pub is_virtual: bool,
    /// DLP endpoint filtering is available for this connector.
    pub endpoint_filtering: bool,
    /// What connector ratings look at; an absent fact is unknown.
    #[serde(default, skip_serializing_if = "ConnectorMetadata::is_empty")]
    pub metadata: ConnectorMetadata,
}

/// Where a fact about a connector comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Provenance {
    /// A recorded service response.
    Recorded,
    /// A Microsoft Learn page.
    Documented,
    /// Our reasoning (see `data/CONNECTORS-SOURCES.md`).
    Inferred,
    /// Declared in the repository (the project's additional connectors).
    Declared,
    /// Read from the tenant.
    Live,
}

/// A fact and its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact<T> {
    pub value: T,
    pub source: Provenance,
}

impl<T> Fact<T> {
    pub fn new(value: T, source: Provenance) -> Self {
        Fact { value, source }
    }
}

/// How a connector authenticates, from its connection parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AuthType {
    /// OAuth through Microsoft Entra ID (a first-party identity provider).
    EntraId,
    /// OAuth with another identity provider.
    Oauth,
    ServicePrincipal,
    Certificate,
    ApiKey,
    Basic,
    /// Windows credentials through an on-premises gateway.
    Windows,
    Anonymous,
}

/// Who publishes a connector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PublisherKind {
    Microsoft,
    /// A third party Microsoft verified.
    Verified,
    /// An independent publisher.
    Independent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReleaseTag {
    Production,
    Preview,
}

/// The facts a connector rating can use, each with its provenance; `None` is unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher_kind: Option<Fact<PublisherKind>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<Fact<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_types: Option<Fact<BTreeSet<AuthType>>>,
    /// Lower-cased (`gateway`, `cloud`, `tabular`, `blob`, `actions`, `triggers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Fact<BTreeSet<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_tag: Option<Fact<ReleaseTag>>,
    /// RFC 3339, as the service writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_time: Option<String>,
}

impl ConnectorMetadata {
    pub fn is_empty(&self) -> bool {
        *self == ConnectorMetadata::default()
    }

    /// Whether the connector is custom; unknown counts as not custom only when nobody says.
    pub fn is_custom(&self) -> Option<bool> {
        self.custom.as_ref().map(|f| f.value)
    }
}

#[derive(Deserialize)]
struct CatalogFile {
    connectors: Vec<Connector>,
}

/// How a connector reference resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved<'a> {
    Known(&'a Connector),
    /// A full id the catalog does not have (probably a custom connector): used as written.
    UnknownFullId(ConnectorId),
    Unknown {
        suggestion: Option<&'a Connector>,
    },
}

/// A set of connectors, indexed for the lookups users make.
///
/// The maps are shared: every load starts from a copy of the bundled catalog, which costs two
/// reference counts until a project adds a connector (then that load's copy is its own).
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    by_id: Arc<BTreeMap<String, Connector>>,
    /// Lower-cased id, API name and short name (`sharepointonline`) to canonical id. Hashed:
    /// every connector a policy names is looked up here, and the map is never iterated.
    aliases: Arc<HashMap<String, String>>,
}

impl Catalog {
    /// The bundled catalog (parsed once per process).
    pub fn bundled() -> &'static Catalog {
        static BUNDLED: OnceLock<Catalog> = OnceLock::new();
        BUNDLED.get_or_init(|| {
            let file: CatalogFile =
                serde_json::from_str(include_str!("../../../data/connectors.json"))
                    .expect("data/connectors.json is valid (checked by tests)");
            Catalog::from_connectors(file.connectors)
        })
    }

    pub fn from_connectors(connectors: impl IntoIterator<Item = Connector>) -> Catalog {
        let mut catalog = Catalog::default();
        for c in connectors {
            catalog.insert(c);
        }
        catalog
    }

    /// Adds a connector; returns false (and changes nothing) if its id is already present.
    pub fn insert(&mut self, connector: Connector) -> bool {
        if self.by_id.contains_key(&connector.id) {
            return false;
        }
        let mut keys = vec![connector.id.to_lowercase(), connector.name.to_lowercase()];
        if let Some(short) = connector.name.to_lowercase().strip_prefix("shared_") {
            keys.push(short.to_owned());
        }
        let aliases = Arc::make_mut(&mut self.aliases);
        for key in keys {
            aliases.entry(key).or_insert_with(|| connector.id.clone());
        }
        Arc::make_mut(&mut self.by_id).insert(connector.id.clone(), connector);
        true
    }

    /// This catalog with what a tenant's live list says: connectors it lacks (custom
    /// connectors) are added, and every fact the live list holds replaces the catalog's.
    pub fn with_live(&self, live: &[Connector]) -> Catalog {
        let mut out = self.clone();
        for c in live {
            let Some(known) = Arc::make_mut(&mut out.by_id).get_mut(&c.id) else {
                out.insert(c.clone());
                continue;
            };
            let (m, l) = (&mut known.metadata, &c.metadata);
            fn take<T: Clone>(mine: &mut Option<T>, live: &Option<T>) {
                if live.is_some() {
                    mine.clone_from(live);
                }
            }
            take(&mut m.publisher_kind, &l.publisher_kind);
            take(&mut m.custom, &l.custom);
            take(&mut m.auth_types, &l.auth_types);
            take(&mut m.capabilities, &l.capabilities);
            take(&mut m.release_tag, &l.release_tag);
            take(&mut m.created_time, &l.created_time);
            take(&mut m.changed_time, &l.changed_time);
        }
        out
    }

    pub fn get(&self, id: &str) -> Option<&Connector> {
        self.by_id.get(id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Connector> {
        self.by_id.values()
    }

    /// Resolves what a user wrote: a full id, an API name (`shared_sql`), a short name
    /// (`sql`) or a virtual id (`Http`); case-insensitive.
    pub fn resolve(&self, written: &str) -> Resolved<'_> {
        const PREFIX_LOWER: &str = "/providers/microsoft.powerapps/apis/";
        // Every policy names connectors, so the common (ASCII, short) spelling is lower-cased
        // on the stack rather than into a new string.
        let mut buffer = [0u8; 128];
        let key = lower_case(written.trim(), &mut buffer);
        // `/providers/.../apis/shared_x` and `shared_x` are the same connector.
        let key = match key.strip_prefix(PREFIX_LOWER) {
            Some(tail) if !self.aliases.contains_key(&*key) => tail,
            _ => &*key,
        };
        if let Some(id) = self.aliases.get(key) {
            return Resolved::Known(&self.by_id[id]);
        }
        if written.trim().starts_with(API_PREFIX) {
            return Resolved::UnknownFullId(written.trim().to_owned());
        }
        let short = key.strip_prefix("shared_").unwrap_or(key);
        let suggestion = crate::suggest::closest(
            short,
            self.by_id.values().flat_map(|c| {
                let s = c.name.strip_prefix("shared_").unwrap_or(&c.name);
                [s.to_lowercase(), c.display_name.to_lowercase()]
            }),
        )
        .and_then(|best| {
            self.by_id.values().find(|c| {
                c.name
                    .strip_prefix("shared_")
                    .unwrap_or(&c.name)
                    .to_lowercase()
                    == best
                    || c.display_name.to_lowercase() == best
            })
        });
        Resolved::Unknown { suggestion }
    }
}

/// `text` lower-cased as `str::to_lowercase` does it; in `buffer` when `text` is ASCII and fits.
fn lower_case<'b>(text: &str, buffer: &'b mut [u8]) -> Cow<'b, str> {
    match buffer.get_mut(..text.len()) {
        Some(lowered) if text.is_ascii() => {
            lowered.copy_from_slice(text.as_bytes());
            lowered.make_ascii_lowercase();
            Cow::Borrowed(std::str::from_utf8(lowered).expect("ASCII is UTF-8"))
        }
        _ => Cow::Owned(text.to_lowercase()),
    }
}

/// The short name users write for a connector: `sharepointonline` for
/// `shared_sharepointonline`, the id itself for virtual connectors.
pub fn short_name(connector: &Connector) -> &str {
    connector
        .name
        .strip_prefix("shared_")
        .unwrap_or(&connector.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_catalog_is_consistent() {
        let c = Catalog::bundled();
        assert!(c.len() > 400, "{}", c.len());
        for conn in c.iter() {
            if !conn.is_virtual {
                assert_eq!(conn.id, format!("{API_PREFIX}{}", conn.name));
            }
        }
        assert!(c.iter().filter(|c| c.unblockable).count() >= 20);
        // Every connector says whether it is custom, and where the recorded sample has its
        // auth types, so does the catalog.
        assert!(c.iter().all(|c| c.metadata.custom.is_some()));
        let sharepoint = c
            .get("/providers/Microsoft.PowerApps/apis/shared_sharepointonline")
            .expect("SharePoint");
        let auth = sharepoint.metadata.auth_types.as_ref().expect("auth types");
        assert_eq!(auth.source, Provenance::Recorded);
        assert!(auth.value.contains(&AuthType::EntraId));
    }

    #[test]
    fn resolves_every_spelling() {
        let c = Catalog::bundled();
        let id = "/providers/Microsoft.PowerApps/apis/shared_sharepointonline";
        for written in [
            "sharepointonline",
            "SharePointOnline",
            "shared_sharepointonline",
            id,
            "/providers/microsoft.powerapps/apis/SHARED_sharepointonline",
        ] {
            match c.resolve(written) {
                Resolved::Known(conn) => assert_eq!(conn.id, id, "{written}"),
                other => panic!("{written}: {other:?}"),
            }
        }
        assert!(matches!(c.resolve("http"), Resolved::Known(k) if k.id == "Http"));
        assert!(matches!(
            c.resolve("/providers/Microsoft.PowerApps/apis/shared_contoso-5fapi"),
            Resolved::UnknownFullId(_)
        ));
        match c.resolve("sharepointonlin") {
            Resolved::Unknown {
                suggestion: Some(s),
            } => assert_eq!(s.name, "shared_sharepointonline"),
            other => panic!("{other:?}"),
        }
    }
}
