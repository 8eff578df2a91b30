//! An observed tenant -> a tenant snapshot (`ppgov export`), through the per-kind conversions
//! above: a snapshot holds the governed state, which is all an offline plan needs.

use super::{
    ConvertError, bap_role_assignment_to_wire, dlp_policy_to_wire, environment_to_wire,
    group_to_wire, policy_to_wire, rbac_role_assignment_to_wire, rule_set_to_wire,
    tenant_settings_update,
};
use ppgov_core::catalog;
use ppgov_core::observed::{Observed, ObservedScope};
use ppgov_tenant_api::rules::{RuleAssignment, RuleSet};
use ppgov_tenant_api::snapshot::{CatalogEntry, TenantSnapshot, assignment_key};
use std::collections::BTreeMap;

/// The snapshot of `observed`. `live_rule_sets` are the groups' classic rule sets as read (by
/// group id): they carry what the model leaves out (the maker-content timestamp), which a
/// snapshot must keep rather than stamp with `now` (an HTTP date).
///
/// `Observed` is destructured field by field, so a new kind that is not exported here is a
/// compile error, not a kind a snapshot silently drops.
pub fn tenant_snapshot(
    observed: &Observed,
    live_rule_sets: &BTreeMap<String, RuleSet>,
    now: &str,
) -> Result<TenantSnapshot, ConvertError> {
    let Observed {
        tenant_id,
        environments,
        environment_groups,
        dlp_policies,
        role_assignments,
        tenant_settings,
        tenant_isolation,
        connectors,
        // What was read, not tenant state: a snapshot holds every scope.
        role_assignments_read_for: _,
        rbac_environment_scopes_read: _,
        // The environments read (all of them when `ppgov export --inventory`); one read and
        // empty leaves nothing in the snapshot, which serves it as empty.
        inventory,
        // When it was read, not tenant state.
        observed_on: _,
    } = observed;
    let tenant_id = tenant_id.clone().unwrap_or_default();
    let mut t = TenantSnapshot::new(tenant_id.clone());
    for env in environments.values() {
        t.environments
            .insert(env.id.clone(), environment_to_wire(env));
    }
    for group in environment_groups.values() {
        t.environment_groups
            .insert(group.id.clone(), group_to_wire(group));
        let live = live_rule_sets.get(&group.id);
        if let Some(mut set) =
            rule_set_to_wire(&group.id, &group.rules, &group.unmodelled_rules, live, now)
        {
            // A group observed without a rule set id has none live yet: the snapshot names
            // the one it gets after the group.
            let id = group
                .rule_set_id
                .clone()
                .unwrap_or_else(|| format!("rs-{}", group.id));
            set.id = Some(id.clone());
            if let Some(live) = live {
                set.last_modified.clone_from(&live.last_modified);
            }
            t.rule_sets.insert(id, set);
        }
        if let Some(mut policy) = policy_to_wire(
            &group.display_name,
            &group.rules,
            &group.unmodelled_policy_rules,
        ) {
            let id = group
                .rule_based_policy_id
                .clone()
                .unwrap_or_else(|| format!("rbp-{}", group.id));
            policy.id = Some(id.clone());
            t.rule_based_policies.insert(id.clone(), policy);
            t.rule_assignments.insert(
                assignment_key("EnvironmentGroup", &group.id),
                RuleAssignment {
                    policy_id: id,
                    tenant_id: Some(tenant_id.clone()),
                    resource_id: Some(group.id.clone()),
                    resource_type: "EnvironmentGroup".into(),
                    rule_set_count: None,
                },
            );
        }
    }
    for policy in dlp_policies.values() {
        let doc = dlp_policy_to_wire(policy)
            .map_err(|e| ConvertError(format!("DLP policy {}: {e}", policy.id)))?;
        t.dlp_policies.insert(policy.id.clone(), doc);
    }
    for a in role_assignments.values() {
        let bap = a.role.is_some_and(|r| r.is_environment_role()) || a.principal_type.is_none();
        let in_role_assignment =
            |e: ConvertError| ConvertError(format!("role assignment {}: {e}", a.id));
        match (&a.scope, bap) {
            (ObservedScope::Environment(env), true) => {
                let wire =
                    bap_role_assignment_to_wire(a, &tenant_id).map_err(in_role_assignment)?;
                t.bap_role_assignments
                    .entry(env.clone())
                    .or_default()
                    .insert(a.id.clone(), wire);
            }
            _ => {
                let wire =
                    rbac_role_assignment_to_wire(a, &tenant_id).map_err(in_role_assignment)?;
                t.rbac_role_assignments.insert(a.id.clone(), wire);
            }
        }
    }
    super::inventory::inventory_to_wire(inventory, &mut t);
    t.tenant_settings = tenant_settings_update(tenant_settings);
    t.tenant_isolation_policy = tenant_isolation
        .as_ref()
        .map(|p| super::tenant_isolation_to_wire(p, &tenant_id).properties);
    t.connectors = connectors
        .as_ref()
        .map(|list| list.iter().map(catalog_entry).collect());
    Ok(t)
}

fn catalog_entry(c: &catalog::Connector) -> CatalogEntry {
    CatalogEntry {
        name: c.name.clone(),
        id: c.id.clone(),
        display_name: c.display_name.clone(),
        // The tier as the catalog file spells it.
        tier: serde_json::to_value(c.tier)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        publisher: c.publisher.clone(),
        unblockable: c.unblockable,
        is_virtual: c.is_virtual,
        endpoint_filtering: c.endpoint_filtering,
        api_properties: Default::default(),
    }
}
