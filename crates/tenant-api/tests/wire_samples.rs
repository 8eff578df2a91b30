//! Every recorded response in `shared/wire-samples` parses into the wire types, and writing
//! it back loses no field ppgov reads. Skips, saying so, when the folder is absent, and fails instead under CI (`ppgov-test-support`).

use ppgov_tenant_api::*;
use ppgov_test_support::{read_sample, wire_samples};
use serde_json::Value;

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
    let Some(dir) = wire_samples() else { return };
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
    "connectors/pp-list-connections.json",
    "dlp/v2-get-policy-a.json",
    "dlp/v2-get-policy-b.json",
    "dlp/v2-get-policy-with-rules.json",
    "dlp/v2-list-policies.json",
    "environment-groups/bap-get-environment-group.json",
    "environments/bap-create-environment-409-insufficient-capacity.json",
    "environments/bap-get-environment-a.json",
    "environments/bap-list-environments.json",
    "environments/bap-lifecycle-operation-create.json",
    "environments/bap-list-managed-environments.json",
    "inventory/flows-admin-v2-list.json",
    "inventory/powerapps-admin-list-apps.json",
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
    let Some(dir) = wire_samples() else { return };
    let (list, _): (Page<dlp::PolicyDocument>, _) = read_sample(&dir, "dlp/v2-list-policies.json");
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
        let (doc, raw): (dlp::PolicyDocument, _) = read_sample(&dir, file);
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
    let (doc, _): (dlp::PolicyDocument, _) = read_sample(&dir, "dlp/v2-get-policy-with-rules.json");
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
    let Some(dir) = wire_samples() else { return };
    for file in [
        "environments/bap-list-environments.json",
        "environments/bap-list-managed-environments.json",
    ] {
        let (page, raw): (BapPage<environments::Environment>, _) = read_sample(&dir, file);
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
        read_sample(&dir, "environments/bap-get-environment-a.json");
    assert!(!env.name.is_empty());
    let (page, _): (BapPage<environments::Environment>, _) =
        read_sample(&dir, "environments/bap-list-environments.json");
    assert_eq!(
        page.value[0].group_id(),
        Some("00000000-0000-0000-0000-000000000001")
    );
}

#[test]
fn environment_groups() {
    let Some(dir) = wire_samples() else { return };
    let (g, _): (groups::EnvironmentGroup, _) =
        read_sample(&dir, "environment-groups/bap-get-environment-group.json");
    assert_eq!(g.display_name, "test_env_group");
    assert_eq!(
        g.id.as_deref(),
        Some("00000000-0000-0000-0000-000000000001")
    );
}

#[test]
fn rule_sets() {
    let Some(dir) = wire_samples() else { return };
    for file in [
        "rule-sets/get-rule-sets-a.json",
        "rule-sets/get-rule-sets-b.json",
    ] {
        let (page, raw): (Page<rules::RuleSet>, _) = read_sample(&dir, file);
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
        let (set, _): (rules::RuleSet, _) = read_sample(&dir, file);
        assert!(
            set.value(rules::params::SHARING, rules::params::MAXIMUM_SHARE_LIMIT)
                .is_some(),
            "{file}"
        );
    }
}

#[test]
fn role_assignments() {
    let Some(dir) = wire_samples() else { return };
    let (page, _): (Page<roles::BapRoleAssignment>, _) =
        read_sample(&dir, "role-assignments/bap-list-role-assignments.json");
    assert_eq!(
        page.value[0].properties.role_definition.role_name(),
        "EnvironmentAdmin"
    );
    assert_eq!(
        page.value[1].properties.role_definition.role_name(),
        "EnvironmentMaker"
    );
    let (resp, _): (roles::ModifyRoleAssignmentsResponse, _) = read_sample(
        &dir,
        "role-assignments/bap-modify-role-assignments-response.json",
    );
    assert_eq!(resp.add[0].http_status, "Created");
    assert!(resp.add[0].role_assignment.is_some());
}

#[test]
fn tenant_settings() {
    let Some(dir) = wire_samples() else { return };
    for file in [
        "tenant-settings/list-tenant-settings.json",
        "tenant-settings/update-tenant-settings-response.json",
    ] {
        let (settings, raw): (tenant::TenantSettings, _) = read_sample(&dir, file);
        assert_eq!(Value::Object(settings), raw, "{file}");
    }
}

#[test]
fn connectors() {
    let Some(dir) = wire_samples() else { return };
    let (page, _): (Page<connectors::Connector>, _) =
        read_sample(&dir, "connectors/powerapps-list-apis.json");
    assert_eq!(page.value[0].name, "shared_sharepointonline");
    assert_eq!(page.value[0].properties.tier.as_deref(), Some("Standard"));
    let (unblockable, _): (Vec<connectors::UnblockableConnector>, _) =
        read_sample(&dir, "connectors/governance-unblockable.json");
    assert!(unblockable.iter().all(|c| c.metadata.unblockable));
    let (virt, _): (Vec<connectors::VirtualConnector>, _) =
        read_sample(&dir, "connectors/governance-virtual.json");
    assert!(
        virt.iter()
            .any(|c| c.id == "Http" && c.metadata.virtual_connector)
    );
}

/// `v` without nulls, empty objects and empty arrays: what a tolerant reader may drop or add
/// on the way through without losing information.
fn without_empties(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), without_empties(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_empties).collect()),
        other => other.clone(),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Reading then writing keeps every non-empty field of a recorded inventory answer.
fn assert_lossless<T: serde::Serialize>(typed: &T, raw: &Value, file: &str) {
    let back = serde_json::to_value(typed).unwrap();
    assert_eq!(without_empties(&back), without_empties(raw), "{file}");
}

#[test]
fn inventory_apps() {
    let Some(dir) = wire_samples() else { return };
    let file = "inventory/powerapps-admin-list-apps.json";
    let (page, raw): (Page<inventory::App>, _) = read_sample(&dir, file);
    assert_lossless(&page, &raw, file);
    assert_eq!(page.value.len(), 2);
    assert!(page.next_link.is_none());
    let app = &page.value[0];
    assert_eq!(app.properties.display_name.as_deref(), Some("Overview"));
    assert_eq!(app.app_type.as_deref(), Some("CustomCanvasPage"));
    let owner = app.properties.owner.as_ref().unwrap();
    assert_eq!(
        owner.id.as_deref(),
        Some("f99f844b-ce3b-49ae-86f3-e374ecae789c")
    );
    assert_eq!(app.properties.shared_users_count, Some(0));
    // The recording's connection references are an empty map, not an array.
    assert!(app.properties.connection_references.is_empty());
    let evaluation = app
        .properties
        .execution_restrictions
        .as_ref()
        .and_then(|r| r.data_loss_prevention_evaluation_result.as_ref())
        .unwrap();
    assert_eq!(evaluation.status.as_deref(), Some("Compliant"));
    // The second app's environment has an id but no name: the id's tail names it.
    let env = page.value[1].properties.environment.as_ref().unwrap();
    assert_eq!(
        env.environment_id(),
        Some("00000000-0000-0000-0000-000000000001")
    );
}

#[test]
fn inventory_flows() {
    let Some(dir) = wire_samples() else { return };
    let file = "inventory/flows-admin-v2-list.json";
    let (page, raw): (Page<inventory::Flow>, _) = read_sample(&dir, file);
    assert_lossless(&page, &raw, file);
    assert_eq!(page.value.len(), 2);
    let flow = &page.value[0];
    assert_eq!(flow.name, "fc2d4ef5-4151-4e93-9aaa-1f380d7ed95d");
    assert_eq!(
        flow.properties.display_name.as_deref(),
        Some("Invoicing flow")
    );
    assert_eq!(flow.properties.state.as_deref(), Some("Started"));
    assert_eq!(
        flow.properties.flow_suspension_reason.as_deref(),
        Some("None")
    );
    // The admin list carries no connection references (they need the per-flow GET).
    assert!(flow.properties.connection_references.is_empty());
    let summary = flow.properties.definition_summary.as_ref().unwrap();
    assert!(summary.triggers.is_empty() && summary.actions.is_empty());
    let creator = flow.properties.creator.as_ref().unwrap();
    assert_eq!(
        creator.object_id.as_deref(),
        Some("9723d9b0-b8d6-48af-b381-fb4a9f0403e4")
    );
    assert_eq!(
        flow.properties
            .environment
            .as_ref()
            .and_then(|e| e.environment_id()),
        Some("Default-1e852b49-bf4b-4ba5-bcd4-a8c4706c8ed4")
    );
}

#[test]
fn connections() {
    let Some(dir) = wire_samples() else { return };
    let file = "connectors/pp-list-connections.json";
    let (page, raw): (Page<inventory::Connection>, _) = read_sample(&dir, file);
    assert_lossless(&page, &raw, file);
    let [cds, flow] = page.value.as_slice() else {
        panic!("{file}: two connections expected")
    };
    assert_eq!(
        inventory::connector_name(&cds.properties.api_id),
        "shared_commondataserviceforapps"
    );
    assert_eq!(cds.properties.statuses[0].status, "Connected");
    // One connection carries parameter values, the other a named parameter set.
    let params = cds.properties.connection_parameters.as_ref().unwrap();
    assert_eq!(params["token:grantType"], "code");
    assert!(cds.properties.connection_parameters_set.is_none());
    assert_eq!(
        flow.properties
            .connection_parameters_set
            .as_ref()
            .map(|s| s.name.as_str()),
        Some("firstParty")
    );
    assert_eq!(
        cds.properties
            .created_by
            .as_ref()
            .and_then(|p| p.user_principal_name.as_deref()),
        Some("admin@contoso.com")
    );
}

#[test]
fn environment_lifecycle_operation() {
    let Some(dir) = wire_samples() else { return };
    let file = "environments/bap-lifecycle-operation-create.json";
    let (op, raw): (lro::LifecycleOperation, _) = read_sample(&dir, file);
    assert_lossless(&op, &raw, file);
    assert_eq!(op.id, "b03e1e6d-73db-4367-90e1-2e378bf7e2fc");
    assert!(lro::is_terminal(&op.state.id) && lro::is_success(&op.state.id));
    assert_eq!(op.other["type"]["id"], "Create");
    assert_eq!(
        op.other["links"]["environment"]["path"],
        "/providers/Microsoft.BusinessAppPlatform/environments/00000000-0000-0000-0000-000000000001"
    );
}

#[test]
fn environment_create_without_capacity() {
    let Some(dir) = wire_samples() else { return };
    let file = "environments/bap-create-environment-409-insufficient-capacity.json";
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let (body, raw): (errors::BapError, _) = read_sample(&dir, file);
    assert_lossless(&body, &raw, file);
    assert_eq!(body.error.code, errors::codes::INSUFFICIENT_CAPACITY);
    assert_eq!(body.error.detail_url_type.as_deref(), Some("NotSpecified"));
    let (code, message) = errors::parse(&text).unwrap();
    assert_eq!(code, "InsufficientCapacity_StorageDriven");
    assert!(message.contains("1 GB of database capacity"), "{message}");
}
