//! Environments: the BAP environment <-> `ObservedEnvironment`, the create request, the
//! Managed Environment (governance) request and the ownership marker.

use ppgov_core::observed::ObservedEnvironment;
use ppgov_tenant_api::environments as we;
use serde_json::json;

pub fn environment(e: &we::Environment) -> ObservedEnvironment {
    ObservedEnvironment {
        id: e.name.to_lowercase(),
        display_name: e.properties.display_name.clone(),
        environment_type: e.properties.environment_sku.clone(),
        region: e.location.clone(),
        managed: e.is_managed(),
        group_id: e.group_id().map(str::to_lowercase),
        has_dataverse: e.has_dataverse(),
        is_default: e.properties.is_default,
        busy: e
            .properties
            .states
            .as_ref()
            .and_then(|s| s.management.as_ref())
            .is_some_and(|m| m.id == "Running"),
        owner: e.properties.description.as_deref().and_then(owner_of),
        delete_blocked: we::disallowed_operation(e, "Delete"),
        dataverse: None,
    }
}

/// The marker ppgov writes into the description of an environment it creates, so that the
/// tenant itself says which project owns it: a lost journal or a fresh clone still knows.
pub(super) const OWNER_MARKER: &str = "[ppgov-owner:";

pub(super) fn owner_description(project: &str) -> String {
    format!("Created and owned by ppgov (project {project}). {OWNER_MARKER}{project}]")
}

/// The project named by the ownership marker in a description, if it holds one.
pub fn owner_of(description: &str) -> Option<String> {
    let start = description.find(OWNER_MARKER)? + OWNER_MARKER.len();
    let rest = &description[start..];
    rest.find(']').map(|end| rest[..end].to_owned())
}

/// The BAP create request of an environment ppgov creates (reference §5.1).
pub fn create_environment_request(o: &ObservedEnvironment) -> we::CreateEnvironmentRequest {
    we::CreateEnvironmentRequest {
        location: o.region.clone(),
        properties: we::CreateEnvironmentProperties {
            display_name: o.display_name.clone(),
            description: o.owner.as_deref().map(owner_description),
            environment_sku: o.environment_type.clone(),
            database_type: o.dataverse.as_ref().map(|_| "CommonDataService".to_owned()),
            linked_environment_metadata: o.dataverse.as_ref().map(|d| we::CreateDataverse {
                base_language: d.language,
                domain_name: d.domain.clone(),
                currency: we::Currency {
                    code: d.currency.clone(),
                },
                security_group_id: d.security_group.clone(),
            }),
        },
    }
}

/// The governed fields of an environment, as the BAP list shows them.
pub fn environment_to_wire(o: &ObservedEnvironment) -> we::Environment {
    we::Environment {
        id: format!(
            "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{}",
            o.id
        ),
        name: o.id.clone(),
        location: o.region.clone(),
        kind: "Microsoft.BusinessAppPlatform/scopes/environments".into(),
        properties: we::EnvironmentProperties {
            display_name: o.display_name.clone(),
            description: o.owner.as_deref().map(owner_description),
            environment_sku: o.environment_type.clone(),
            is_default: o.is_default,
            parent_environment_group: o.group_id.as_ref().map(|g| we::GroupRef { id: g.clone() }),
            governance_configuration: Some(we::GovernanceConfiguration {
                protection_level: protection_level(o.managed).into(),
                settings: None,
            }),
            linked_environment_metadata: o.has_dataverse.then(|| json!({})),
            states: Some(we::States {
                management: Some(we::State {
                    id: if o.busy { "Running" } else { "Ready" }.into(),
                }),
                runtime: None,
            }),
            other: o
                .delete_blocked
                .iter()
                .map(|reason| {
                    (
                        "lifecycleOperationsEnforcement".to_owned(),
                        json!({ "disallowedOperations": [
                            { "type": { "id": "Delete" }, "reason": { "message": reason } }
                        ] }),
                    )
                })
                .collect(),
            ..Default::default()
        },
    }
}

pub(super) fn protection_level(managed: bool) -> &'static str {
    if managed {
        we::PROTECTION_MANAGED
    } else {
        we::PROTECTION_BASIC
    }
}

/// Body that turns Managed Environment on or off.
pub fn governance_request(managed: bool) -> we::GovernanceConfigurationRequest {
    we::GovernanceConfigurationRequest {
        protection_level: protection_level(managed).into(),
        settings: None,
    }
}
