//! A live connector's rating facts from its Power Apps properties (§3 of the inventory
//! reference): custom or not, publisher, auth types from `connectionParameters` and
//! `connectionParameterSets`, capabilities, release tag, created and changed times. Every
//! fact read is `Provenance::Live`; what the properties do not hold stays unknown.

use ppgov_core::catalog::{
    AuthType, ConnectorMetadata, Fact, Provenance, PublisherKind, ReleaseTag,
};
use ppgov_tenant_api::connectors as wc;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

fn live<T>(value: T) -> Fact<T> {
    Fact::new(value, Provenance::Live)
}

pub fn metadata(p: &wc::ConnectorProperties) -> ConnectorMetadata {
    let text = |key: &str| p.other.get(key).and_then(Value::as_str).map(str::to_owned);
    ConnectorMetadata {
        publisher_kind: p
            .publisher
            .as_deref()
            .filter(|name| name.starts_with("Microsoft"))
            .map(|_| live(PublisherKind::Microsoft)),
        custom: p.is_custom_api.map(live),
        auth_types: auth_types(p).map(live),
        capabilities: p
            .other
            .get("capabilities")
            .and_then(Value::as_array)
            .map(|list| {
                live(
                    list.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_lowercase)
                        .collect(),
                )
            }),
        release_tag: text("releaseTag").and_then(|t| match t.to_lowercase().as_str() {
            "production" => Some(live(ReleaseTag::Production)),
            "preview" => Some(live(ReleaseTag::Preview)),
            _ => None,
        }),
        created_time: text("createdTime"),
        changed_time: text("changedTime"),
    }
}

/// `None` when the properties carry neither `connectionParameters` nor
/// `connectionParameterSets`; an empty object means no sign-in (`anonymous`).
fn auth_types(p: &wc::ConnectorProperties) -> Option<BTreeSet<AuthType>> {
    let params = p
        .other
        .get("connectionParameters")
        .and_then(Value::as_object);
    let sets = p
        .other
        .get("connectionParameterSets")
        .and_then(|s| s.get("values"))
        .and_then(Value::as_array);
    if params.is_none() && sets.is_none() {
        return None;
    }
    let mut out = BTreeSet::new();
    if let Some(params) = params {
        parameters(params, &mut out);
    }
    for set in sets.into_iter().flatten() {
        let name = set.get("name").and_then(Value::as_str).unwrap_or_default();
        let lower = name.to_lowercase();
        if lower.contains("clientcredentials") || lower.contains("serviceprincipal") {
            out.insert(AuthType::ServicePrincipal);
        } else if lower.contains("cert") {
            out.insert(AuthType::Certificate);
        }
        if let Some(params) = set.get("parameters").and_then(Value::as_object) {
            parameters(params, &mut out);
        }
    }
    if out.is_empty() {
        out.insert(AuthType::Anonymous);
    }
    Some(out)
}

fn parameters(params: &serde_json::Map<String, Value>, out: &mut BTreeSet<AuthType>) {
    for (name, param) in params {
        let kind = param
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let gateway_only = param
            .pointer("/uiDefinition/constraints/capability")
            .and_then(Value::as_array)
            .is_some_and(|c| c.iter().all(|c| c.as_str() == Some("gateway")) && !c.is_empty());
        match kind {
            "oauthSetting" => {
                let first_party = param
                    .pointer("/oAuthSettings/properties/IsFirstParty")
                    .and_then(Value::as_str)
                    == Some("True");
                out.insert(if first_party {
                    AuthType::EntraId
                } else {
                    AuthType::Oauth
                });
            }
            "clientCertificate" => {
                out.insert(AuthType::Certificate);
            }
            // The credential type of an on-premises data source.
            "string" if name == "authType" => {
                for v in param
                    .get("allowedValues")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.get("value").and_then(Value::as_str))
                {
                    match v.to_lowercase().as_str() {
                        "windows" => out.insert(AuthType::Windows),
                        "basic" => out.insert(AuthType::Basic),
                        "anonymous" => out.insert(AuthType::Anonymous),
                        _ => false,
                    };
                }
            }
            // Gateway credentials are covered by `authType` above.
            "securestring" if !gateway_only => {
                let lower = name.to_lowercase();
                if lower.contains("password") {
                    out.insert(AuthType::Basic);
                } else if lower.contains("key") || lower.contains("token") {
                    out.insert(AuthType::ApiKey);
                }
            }
            _ => {}
        }
    }
}

/// The catalog-shape properties that [`metadata`] reads back as `m` (custom and publisher
/// aside: `isCustomApi` and `publisher` are the caller's), for snapshots of custom connectors.
pub fn metadata_to_wire(m: &ConnectorMetadata) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    if let Some(auth) = &m.auth_types {
        let mut params = serde_json::Map::new();
        let mut gateway_types = Vec::new();
        let mut sets = Vec::new();
        for a in &auth.value {
            let (name, param) = match a {
                AuthType::EntraId => (
                    "token",
                    json!({"type": "oauthSetting", "oAuthSettings": {"properties": {"IsFirstParty": "True"}}}),
                ),
                AuthType::Oauth => (
                    "oauth",
                    json!({"type": "oauthSetting", "oAuthSettings": {}}),
                ),
                AuthType::Certificate => ("certificate", json!({"type": "clientCertificate"})),
                AuthType::ApiKey => ("api_key", json!({"type": "securestring"})),
                AuthType::Basic => ("password", json!({"type": "securestring"})),
                AuthType::Windows => {
                    gateway_types.push(json!({"value": "windows"}));
                    continue;
                }
                // Alone, no parameter at all is what says "no sign-in".
                AuthType::Anonymous if auth.value.len() == 1 => continue,
                AuthType::Anonymous => {
                    gateway_types.push(json!({"value": "anonymous"}));
                    continue;
                }
                AuthType::ServicePrincipal => {
                    sets.push(json!({"name": "oAuthClientCredentials", "parameters": {}}));
                    continue;
                }
            };
            params.insert(name.to_owned(), param);
        }
        if !gateway_types.is_empty() {
            params.insert(
                "authType".to_owned(),
                json!({"type": "string", "allowedValues": gateway_types}),
            );
        }
        if !params.is_empty() || sets.is_empty() {
            out.insert("connectionParameters".to_owned(), Value::Object(params));
        }
        if !sets.is_empty() {
            out.insert(
                "connectionParameterSets".to_owned(),
                json!({ "values": sets }),
            );
        }
    }
    if let Some(capabilities) = &m.capabilities {
        out.insert("capabilities".to_owned(), json!(capabilities.value));
    }
    if let Some(tag) = &m.release_tag {
        let tag = match tag.value {
            ReleaseTag::Production => "Production",
            ReleaseTag::Preview => "Preview",
        };
        out.insert("releaseTag".to_owned(), tag.into());
    }
    for (field, time) in [
        ("createdTime", &m.created_time),
        ("changedTime", &m.changed_time),
    ] {
        if let Some(time) = time {
            out.insert(field.to_owned(), time.as_str().into());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recorded Power Apps list (SharePoint, OneDrive for Business).
    #[test]
    fn recorded_connectors_give_their_facts() {
        let Some(dir) = ppgov_test_support::wire_samples() else {
            return;
        };
        let (list, _): (ppgov_tenant_api::Page<wc::Connector>, _) =
            ppgov_test_support::read_sample(&dir, "connectors/powerapps-list-apis.json");
        let by_name = |n: &str| {
            let c = list.value.iter().find(|c| c.name == n).expect(n);
            metadata(&c.properties)
        };
        let sharepoint = by_name("shared_sharepointonline");
        assert_eq!(
            sharepoint.auth_types.map(|f| f.value),
            Some([AuthType::EntraId, AuthType::Windows].into())
        );
        assert_eq!(sharepoint.custom.map(|f| f.value), Some(false));
        assert_eq!(
            sharepoint.capabilities.map(|f| f.value),
            Some(["cloud", "gateway", "tabular"].map(String::from).into())
        );
        assert_eq!(
            sharepoint.changed_time.as_deref(),
            Some("2023-09-26T00:11:38.2143635Z")
        );
        let onedrive = by_name("shared_onedriveforbusiness");
        assert_eq!(
            onedrive.auth_types.map(|f| f.value),
            Some([AuthType::EntraId].into())
        );
        assert_eq!(
            onedrive.release_tag.map(|f| (f.value, f.source)),
            Some((ReleaseTag::Production, Provenance::Live))
        );
    }

    /// Every sign-in combination, capability set, release tag and time written to the wire
    /// reads back as the same facts (what an exported snapshot of custom connectors relies on).
    #[test]
    fn facts_written_to_the_wire_read_back_the_same() {
        use AuthType::*;
        let all = [
            EntraId,
            Oauth,
            ServicePrincipal,
            Certificate,
            ApiKey,
            Basic,
            Windows,
            Anonymous,
        ];
        let mut cases: Vec<BTreeSet<AuthType>> = all.iter().map(|a| [*a].into()).collect();
        cases.push(all.into());
        cases.push([Anonymous, Windows].into());
        cases.push([ServicePrincipal, Certificate].into());
        for auth in cases {
            let m = ConnectorMetadata {
                auth_types: Some(live(auth.clone())),
                capabilities: Some(live(["actions".to_owned(), "gateway".to_owned()].into())),
                release_tag: Some(live(ReleaseTag::Preview)),
                created_time: Some("2026-01-02T03:04:05Z".into()),
                changed_time: Some("2026-02-02T03:04:05Z".into()),
                ..Default::default()
            };
            let props = wc::ConnectorProperties {
                other: metadata_to_wire(&m),
                ..Default::default()
            };
            assert_eq!(metadata(&props), m, "{auth:?}");
        }
        let unknown = wc::ConnectorProperties {
            other: metadata_to_wire(&ConnectorMetadata::default()),
            ..Default::default()
        };
        assert_eq!(metadata(&unknown), ConnectorMetadata::default());
    }
}
