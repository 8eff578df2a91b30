//! Every recorded response in `shared/wire-samples` parses into the wire types, and writing
//! it back loses no field ppgov reads. Skips, saying so, when the folder is absent.

use ppgov_tenant_api::*;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::PathBuf;

fn samples() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/wire-samples");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: {} not found", dir.display());
        None
    }
}

fn parse<T: DeserializeOwned>(dir: &std::path::Path, file: &str) -> (T, Value) {
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let typed = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    (typed, serde_json::from_str(&text).unwrap())
}

fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

#[test]
fn every_sample_file_is_covered() {
    let Some(dir) = samples() else { return };
    let mut files = Vec::new();
    for sub in std::fs::read_dir(&dir).unwrap().flatten() {
        if sub.path().is_dir() {
            for f in std::fs::read_dir(sub.path()).unwrap().flatten() {
                files.push(format!(
                    "{}/{}",
                    sub.file_name().to_string_lossy(),
                    f.file_name().to_string_lossy()
                ));
            }
        }
    }
    files.sort();
    let covered = COVERED.to_vec();
    for f in &files {
        assert!(covered.contains(&f.as_str()), "{f} has no parsing test");
    }
}

const COVERED: &[&str] = &[
    "connectors/governance-unblockable.json",
    "connectors/governance-virtual.json",
    "connectors/powerapps-list-apis.json",
    "dlp/v2-get-policy-a.json",
    "dlp/v2-get-policy-b.json",
    "dlp/v2-get-policy-with-rules.json",
    "dlp/v2-list-policies.json",
    "environment-groups/bap-get-environment-group.json",
    "environments/bap-get-environment-a.json",
    "environments/bap-list-environments.json",
    "environments/bap-list-managed-environments.json",
    "role-assignments/bap-list-role-assignments.json",
    "role-assignments/bap-modify-role-assignments-response.json",
    "rule-sets/get-rule-sets-a.json",
    "rule-sets/get-rule-sets-b.json",
    "rule-sets/post-rule-set-response.json",
    "rule-sets/put-rule-set-response.json",
    "tenant-settings/list-tenant-settings.json",
    "tenant-settings/update-tenant-settings-response.json",
];

#[test]
fn dlp_policies() {
    let Some(dir) = samples() else { return };
    let (list, _): (Page<dlp::PolicyDocument>, _) = parse(&dir, "dlp/v2-list-policies.json");
    assert!(!list.value.is_empty());
    assert!(
        list.value
            .iter()
            .all(|p| p.policy_definition.name.is_some())
    );
    for file in [
        "dlp/v2-get-policy-a.json",
        "dlp/v2-get-policy-b.json",
        "dlp/v2-get-policy-with-rules.json",
    ] {
        let (doc, raw): (dlp::PolicyDocument, _) = parse(&dir, file);
        let groups = doc
            .policy_definition
            .connector_groups
            .as_ref()
            .expect("a GET has groups");
        assert_eq!(groups.len(), 3, "{file}");
        // Round trip: the governed fields survive.
        let back = serde_json::to_value(&doc).unwrap();
        for key in [
            "displayName",
            "defaultConnectorsClassification",
            "environmentType",
            "environments",
            "connectorGroups",
        ] {
            assert_eq!(
                back["policyDefinition"][key], raw["policyDefinition"][key],
                "{file} {key}"
            );
        }
    }
    let (doc, _): (dlp::PolicyDocument, _) = parse(&dir, "dlp/v2-get-policy-with-rules.json");
    let configs = doc.connector_configurations_definition.unwrap();
    assert_eq!(
        configs.connector_action_configurations[0]
            .action_rules
            .len(),
        2
    );
    let rules = &configs.endpoint_configurations[0].endpoint_rules;
    assert_eq!(rules.last().unwrap().endpoint, "*", "endPoint is read");
    assert_eq!(
        doc.custom_connector_url_patterns_definition
            .unwrap()
            .rules
            .len(),
        2
    );
}

#[test]
fn environments() {
    let Some(dir) = samples() else { return };
    for file in [
        "environments/bap-list-environments.json",
        "environments/bap-list-managed-environments.json",
    ] {
        let (page, raw): (BapPage<environments::Environment>, _) = parse(&dir, file);
        assert!(!page.value.is_empty(), "{file}");
        for (env, raw) in page.value.iter().zip(raw["value"].as_array().unwrap()) {
            assert_eq!(env.name, raw["name"]);
            assert_eq!(
                env.properties.display_name,
                raw["properties"]["displayName"]
            );
            assert_eq!(
                env.properties.environment_sku,
                raw["properties"]["environmentSku"]
            );
            // Unknown properties are kept for a lossless round trip (a `null` reads as absent).
            assert_eq!(
                serde_json::to_value(env).unwrap()["properties"],
                without_nulls(&raw["properties"]),
                "{file}"
            );
        }
    }
    let (env, _): (environments::Environment, _) =
        parse(&dir, "environments/bap-get-environment-a.json");
    assert!(!env.name.is_empty());
    let (page, _): (BapPage<environments::Environment>, _) =
        parse(&dir, "environments/bap-list-environments.json");
    assert_eq!(
        page.value[0].group_id(),
        Some("00000000-0000-0000-0000-000000000001")
    );
}

#[test]
fn environment_groups() {
    let Some(dir) = samples() else { return };
    let (g, _): (groups::EnvironmentGroup, _) =
        parse(&dir, "environment-groups/bap-get-environment-group.json");
    assert_eq!(g.display_name, "test_env_group");
    assert_eq!(
        g.id.as_deref(),
        Some("00000000-0000-0000-0000-000000000001")
    );
}

#[test]
fn rule_sets() {
    let Some(dir) = samples() else { return };
    for file in [
        "rule-sets/get-rule-sets-a.json",
        "rule-sets/get-rule-sets-b.json",
    ] {
        let (page, raw): (Page<rules::RuleSet>, _) = parse(&dir, file);
        assert!(!page.value.is_empty());
        assert_eq!(
            serde_json::to_value(&page.value[0]).unwrap(),
            raw["value"][0],
            "{file}"
        );
        assert!(page.value[0].group_id().is_some());
    }
    for file in [
        "rule-sets/post-rule-set-response.json",
        "rule-sets/put-rule-set-response.json",
    ] {
        let (set, _): (rules::RuleSet, _) = parse(&dir, file);
        assert!(
            set.value(rules::params::SHARING, rules::params::MAXIMUM_SHARE_LIMIT)
                .is_some(),
            "{file}"
        );
    }
}

#[test]
fn role_assignments() {
    let Some(dir) = samples() else { return };
    let (page, _): (Page<roles::BapRoleAssignment>, _) =
        parse(&dir, "role-assignments/bap-list-role-assignments.json");
    assert_eq!(
        page.value[0].properties.role_definition.role_name(),
        "EnvironmentAdmin"
    );
    assert_eq!(
        page.value[1].properties.role_definition.role_name(),
        "EnvironmentMaker"
    );
    let (resp, _): (roles::ModifyRoleAssignmentsResponse, _) = parse(
        &dir,
        "role-assignments/bap-modify-role-assignments-response.json",
    );
    assert_eq!(resp.add[0].http_status, "Created");
    assert!(resp.add[0].role_assignment.is_some());
}

#[test]
fn tenant_settings() {
    let Some(dir) = samples() else { return };
    for file in [
        "tenant-settings/list-tenant-settings.json",
        "tenant-settings/update-tenant-settings-response.json",
    ] {
        let (settings, raw): (tenant::TenantSettings, _) = parse(&dir, file);
        assert_eq!(Value::Object(settings), raw, "{file}");
    }
}

#[test]
fn connectors() {
    let Some(dir) = samples() else { return };
    let (page, _): (Page<connectors::Connector>, _) =
        parse(&dir, "connectors/powerapps-list-apis.json");
    assert_eq!(page.value[0].name, "shared_sharepointonline");
    assert_eq!(page.value[0].properties.tier.as_deref(), Some("Standard"));
    let (unblockable, _): (Vec<connectors::UnblockableConnector>, _) =
        parse(&dir, "connectors/governance-unblockable.json");
    assert!(unblockable.iter().all(|c| c.metadata.unblockable));
    let (virt, _): (Vec<connectors::VirtualConnector>, _) =
        parse(&dir, "connectors/governance-virtual.json");
    assert!(
        virt.iter()
            .any(|c| c.id == "Http" && c.metadata.virtual_connector)
    );
}
