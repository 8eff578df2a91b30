//! The 10,000-environment tenant of the planning benchmarks: desired YAML files and the
//! observed tenant (JSON), every tenth object drifted. Included by `#[path]` from
//! `crates/planner/benches/plan.rs` and `crates/checks/benches/assess.rs`, so both measure
//! the same inputs.

// Each bench uses a different part of it.
#![allow(dead_code)]

use ppgov_core::model::{ConnectorGroup, PrincipalType, Role, ScopeMode};
use ppgov_core::observed::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

pub const ENVIRONMENTS: usize = 10_000;
pub const GROUPS: usize = 300;
pub const MEMBERS_PER_GROUP: usize = 20;
pub const POLICIES: usize = 500;
pub const ASSIGNMENTS: usize = 20_000;

fn guid(kind: u32, n: usize) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}

fn conn(c: &str) -> String {
    format!("/providers/Microsoft.PowerApps/apis/shared_{c}")
}

const BUSINESS: &[&str] = &[
    "sharepointonline",
    "office365",
    "teams",
    "sql",
    "onedriveforbusiness",
    "planner",
];
const NON_BUSINESS: &[&str] = &["msnweather", "rss", "bingmaps"];

/// Desired YAML files and the observed tenant, with every tenth object drifted.
pub fn generate() -> (Vec<(String, String)>, String) {
    let h = "apiVersion: ppgov.dev/v1\n";
    let mut docs = vec![format!(
        "{h}kind: Project\nmetadata: {{name: bench}}\nspec:\n  ownership: {{DlpPolicy: exclusive, EnvironmentGroup: exclusive, RoleAssignment: exclusive}}\n"
    )];
    let mut observed = Observed::default();
    for e in 0..ENVIRONMENTS {
        let id = guid(1, e);
        let group = (e < GROUPS * MEMBERS_PER_GROUP).then(|| guid(2, e / MEMBERS_PER_GROUP));
        // Drift: every tenth grouped environment has left its group.
        let drifted = e % 10 == 0;
        observed.environments.insert(
            id.clone(),
            ObservedEnvironment {
                id,
                display_name: format!("Environment {e}"),
                environment_type: "Production".into(),
                region: "europe".into(),
                managed: true,
                group_id: if drifted { None } else { group },
                ..Default::default()
            },
        );
    }
    for g in 0..GROUPS {
        let id = guid(2, g);
        let mut d = format!(
            "{h}kind: EnvironmentGroup\nmetadata: {{name: group-{g}}}\nspec:\n  displayName: Group {g}\n  members:\n    environments:\n"
        );
        for m in 0..MEMBERS_PER_GROUP {
            let _ = writeln!(d, "      - id: {}", guid(1, g * MEMBERS_PER_GROUP + m));
        }
        d.push_str("  rules:\n    backupRetention: {days: 28}\n    sharingControls: {mode: excludeSecurityGroups, maxUsers: 20}\n");
        docs.push(d);
        let mut group = ObservedGroup {
            id: id.clone(),
            display_name: format!("Group {g}"),
            ..Default::default()
        };
        group.rules.backup_retention = Some(ppgov_core::model::BackupRetention {
            days: if g % 10 == 0 { 7 } else { 28 },
        });
        group.rules.sharing_controls = Some(ppgov_core::model::SharingControls {
            mode: ppgov_core::model::SharingMode::ExcludeSecurityGroups,
            max_users: Some(20),
        });
        observed.environment_groups.insert(id, group);
    }
    for p in 0..POLICIES {
        let id = guid(3, p);
        let envs: Vec<String> = (0..4)
            .map(|i| {
                guid(
                    1,
                    GROUPS * MEMBERS_PER_GROUP
                        + (p * 4 + i) % (ENVIRONMENTS - GROUPS * MEMBERS_PER_GROUP),
                )
            })
            .collect();
        let mut d = format!(
            "{h}kind: DlpPolicy\nmetadata: {{name: policy-{p}}}\nspec:\n  displayName: Policy {p}\n  scope:\n    mode: only\n    environmentGroups: [group-{}]\n    environments:\n",
            p % GROUPS
        );
        for e in &envs {
            let _ = writeln!(d, "      - id: {e}");
        }
        let _ = write!(
            d,
            "  connectors:\n    default: blocked\n    business: [{}]\n    nonBusiness: [{}]\n",
            BUSINESS.join(", "),
            NON_BUSINESS.join(", ")
        );
        docs.push(d);
        let mut classification: BTreeMap<String, ConnectorGroup> = BUSINESS
            .iter()
            .map(|c| (conn(c), ConnectorGroup::Business))
            .collect();
        classification.extend(
            NON_BUSINESS
                .iter()
                .map(|c| (conn(c), ConnectorGroup::NonBusiness)),
        );
        if p % 10 == 0 {
            classification.insert(conn("twitter"), ConnectorGroup::Business); // drift: unblocked by hand
        }
        let mut ids: BTreeSet<String> = envs.into_iter().collect();
        ids.extend((0..MEMBERS_PER_GROUP).map(|m| guid(1, (p % GROUPS) * MEMBERS_PER_GROUP + m)));
        observed.dlp_policies.insert(
            id.clone(),
            ObservedDlpPolicy {
                id,
                display_name: format!("Policy {p}"),
                scope_mode: Some(ScopeMode::Only),
                environment_ids: ids,
                default_group: ConnectorGroup::Blocked,
                classification,
                action_rules: BTreeMap::new(),
                endpoint_rules: BTreeMap::new(),
                custom_connector_patterns: Vec::new(),
                etag: Some(format!("etag-{p}")),
                last_modified: None,
            },
        );
    }
    // Role assignments: RBAC readers at group scope, 20 documents of 1,000 principals each.
    for doc in 0..ASSIGNMENTS / 1000 {
        let mut d = format!(
            "{h}kind: RoleAssignment\nmetadata: {{name: readers-{doc}}}\nspec:\n  role: reader\n  scope: {{environmentGroup: group-{doc}}}\n  principals:\n"
        );
        for i in 0..1000 {
            let n = doc * 1000 + i;
            let _ = writeln!(d, "    - {{type: user, id: {}}}", guid(4, n));
            // Drift: every tenth assignment is missing in the tenant.
            if n % 10 != 0 {
                let id = guid(5, n);
                observed.role_assignments.insert(
                    id.clone(),
                    ObservedRoleAssignment {
                        id,
                        principal_id: guid(4, n),
                        principal_type: Some(PrincipalType::User),
                        principal_name: None,
                        role: Some(Role::Reader),
                        scope: ObservedScope::EnvironmentGroup(guid(2, doc)),
                    },
                );
            }
        }
        docs.push(d);
    }
    let files = docs
        .chunks(20)
        .enumerate()
        .map(|(i, c)| (format!("f{i:03}.yaml"), c.join("---\n")))
        .collect();
    (files, serde_json::to_string(&observed).unwrap())
}
