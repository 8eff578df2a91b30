//! Checks made before anything is written: risky steps that were not allowed, and saved plans
//! whose observed objects changed since.

use ppgov_core::catalog::Catalog;
use ppgov_core::model::Desired;
use ppgov_core::observed::Observed;
use ppgov_planner::plan::{Address, FingerprintKey, exclusively_governed, kind_name};
use ppgov_planner::risk::{self, RiskClass};
use ppgov_planner::{Change, Plan, ResourceKind};

/// Annotation that allows deleting the declared resource's objects (e.g. memberships).
pub const ALLOW_DESTROY: &str = "ppgov.dev/allow-destroy";
/// Annotation that allows loosening changes to the declared resource.
pub const ALLOW_LOOSENING: &str = "ppgov.dev/allow-loosening";
/// Annotation that allows turning Managed Environments on for the declared environment, or
/// for the environments a declared group's members and selectors bring in.
pub const ALLOW_MANAGED_ENVIRONMENTS: &str = "ppgov.dev/allow-managed-environments";
/// Annotation that allows a DLP change of the declared policy (or a membership change of the
/// declared group) that breaks apps or flows.
pub const ALLOW_BREAKING: &str = "ppgov.dev/allow-breaking";

/// What the user allowed on the command line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Allowed {
    pub destroy: bool,
    pub loosening: bool,
    pub managed_environments: bool,
    pub breaking: bool,
}

/// A risky step nothing allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub address: String,
    /// `--allow-destroy`, `--allow-loosening`, `--allow-managed-environments` or
    /// `--allow-breaking`.
    pub flag: &'static str,
    pub annotation: Option<&'static str>,
    /// The declared resource whose annotation allows the step, as `Kind.name` (a membership
    /// change is allowed on its group's document).
    pub annotate: Option<String>,
    pub risk: String,
}

/// The declared resource a change belongs to, as `Kind.name`: memberships belong to their
/// group. `None` for undeclared objects (`Kind[id]`).
pub fn declaring_resource(address: &str) -> Option<String> {
    let address: Address = address.parse().ok()?;
    let name = address.name?;
    let kind = address.kind.rules().declared_by();
    Some(Address::named(kind, name).to_string())
}

/// The annotations of the declared resource a change belongs to, if it is declared:
/// `Kind.name...` addresses (memberships belong to their group).
fn annotations<'a>(
    c: &Change,
    desired: &'a Desired,
) -> Option<&'a std::collections::BTreeMap<String, String>> {
    let address: Address = c.address.parse().ok()?;
    let name = address.name.as_deref()?;
    address.kind.rules().annotations(desired, name)
}

/// The annotations of the declared groups whose memberships need `env_change` first (the
/// groups whose members or selectors bring the environment in).
fn joining_groups_annotations<'a>(
    env_change: &Change,
    plan: &Plan,
    desired: &'a Desired,
) -> Vec<&'a std::collections::BTreeMap<String, String>> {
    plan.changes
        .iter()
        .filter(|c| {
            c.kind == ResourceKind::GroupMembership && c.depends_on.contains(&env_change.address)
        })
        .filter_map(|c| annotations(c, desired))
        .collect()
}

/// Risky steps not allowed by a flag or by an annotation on their declared resource. The risk
/// is computed again here from the observed (before) and planned (after) values, with the
/// planner's own [`risk::assess`], never read from the plan. Deletes need `--allow-destroy`
/// (or `ppgov.dev/allow-destroy: "true"`, for declared resources); loosening changes need
/// `--allow-loosening` (or `ppgov.dev/allow-loosening: "true"`); turning Managed Environments
/// on needs `--allow-managed-environments` (or `ppgov.dev/allow-managed-environments: "true"`
/// on the `Environment`, or on the `EnvironmentGroup` that brings the environment in); DLP
/// changes that break apps or flows of the inventory read need `--allow-breaking` (or
/// `ppgov.dev/allow-breaking: "true"` on the `DlpPolicy`, or on the group of a membership
/// change). A change may be refused once per risk it carries.
pub fn refused(
    plan: &Plan,
    desired: &Desired,
    observed: &Observed,
    catalog: &Catalog,
    allowed: Allowed,
) -> Vec<Refused> {
    let mut out = Vec::new();
    let risks = risk::assess_plan(plan, observed, catalog);
    for (c, risk) in plan
        .changes
        .iter()
        .zip(risks)
        .flat_map(|(c, risks)| risks.into_iter().map(move |r| (c, r)))
    {
        let (flag_given, flag, annotation) = match risk.class {
            RiskClass::Destroy => (allowed.destroy, "--allow-destroy", ALLOW_DESTROY),
            RiskClass::Loosening => (allowed.loosening, "--allow-loosening", ALLOW_LOOSENING),
            RiskClass::ManagedEnvironment => (
                allowed.managed_environments,
                "--allow-managed-environments",
                ALLOW_MANAGED_ENVIRONMENTS,
            ),
            RiskClass::Breaking => (allowed.breaking, "--allow-breaking", ALLOW_BREAKING),
        };
        if flag_given {
            continue;
        }
        let mut annotated: Vec<_> = annotations(c, desired).into_iter().collect();
        if risk.class == RiskClass::ManagedEnvironment {
            annotated.extend(joining_groups_annotations(c, plan, desired));
        }
        if annotated
            .iter()
            .any(|a| a.get(annotation).is_some_and(|v| v == "true"))
        {
            continue;
        }
        out.push(Refused {
            address: c.address.clone(),
            flag,
            annotation: (!annotated.is_empty()).then_some(annotation),
            annotate: (!annotated.is_empty())
                .then(|| declaring_resource(&c.address))
                .flatten(),
            risk: risk.reason,
        });
    }
    out
}

/// The fingerprint of the observed object named `Kind:id`, `None` when it no longer exists.
pub fn observed_fingerprint(observed: &Observed, key: &str) -> Option<String> {
    let FingerprintKey { kind, id } = key.parse().ok()?;
    kind.rules().observed_fingerprint(observed, &id)
}

/// An object a saved plan depends on that is no longer as it was observed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stale {
    pub key: String,
    /// `changed`, `deleted`, or what appeared.
    pub what: String,
}

/// Environments whose BAP role assignments a plan's fingerprints name: they must be read
/// (there is no tenant-wide list) before [`stale`] can tell.
pub fn bap_environments(plan: &Plan) -> std::collections::BTreeSet<String> {
    plan.fingerprints
        .keys()
        .filter_map(|k| k.parse::<FingerprintKey>().ok())
        .filter(|k| k.kind == ResourceKind::RoleAssignment)
        .filter_map(|k| bap_environment(&k.id))
        .collect()
}

/// A stale object as a reviewer knows it: the address and name of the change it belongs to
/// (or the object's live name), its key, and the fields in which it now differs from the
/// plan's result, when the plan holds that result.
pub fn describe_stale(plan: &Plan, observed: &Observed, s: &Stale) -> String {
    let key: Option<FingerprintKey> = s.key.parse().ok();
    let change = key.as_ref().and_then(|key| {
        plan.changes.iter().find(|c| {
            c.id.as_deref() == Some(key.id.as_str())
                && !matches!(c.after, ppgov_planner::After::GroupMembership(_))
                && c.kind == key.kind
        })
    });
    let kind = key.as_ref().map_or("", |k| kind_name(k.kind));
    let id = key.as_ref().map_or("", |k| k.id.as_str());
    let live_name = key
        .as_ref()
        .and_then(|k| k.kind.rules().live_name(observed, id));
    let fields = change
        .map(|c| crate::step::differences_from(&c.after, observed))
        .unwrap_or_default();
    let mut out = match (change, live_name) {
        (Some(c), _) => format!("{} \"{}\" ({})", c.address, c.display_name, s.key),
        (None, Some(name)) => format!("{kind} \"{name}\" ({})", s.key),
        (None, None) => s.key.clone(),
    };
    out.push_str(&format!(" ({})", s.what));
    if s.what == "changed" && !fields.is_empty() {
        out.push_str(&format!(
            ": now differs from the planned result in {}",
            fields.join(", ")
        ));
    }
    out
}

/// Objects whose fingerprints in `plan` no longer match `observed`, and, for kinds the plan
/// owned exclusively, objects that appeared since (the plan would have deleted them).
pub fn stale(plan: &Plan, observed: &Observed) -> Vec<Stale> {
    let mut out: Vec<Stale> = plan
        .fingerprints
        .iter()
        .filter(|(key, _)| {
            !key.parse::<FingerprintKey>()
                .is_ok_and(|k| k.is_exclusive_marker())
        })
        .filter_map(|(key, fp)| match observed_fingerprint(observed, key) {
            None => Some(Stale {
                key: key.clone(),
                what: "deleted".to_owned(),
            }),
            Some(now) if &now != fp => Some(Stale {
                key: key.clone(),
                what: "changed".to_owned(),
            }),
            Some(_) => None,
        })
        .collect();
    // Every kind the plan owned exclusively left a `Kind:*` marker.
    let mut exclusive: Vec<ResourceKind> = plan
        .fingerprints
        .keys()
        .filter_map(|key| key.parse::<FingerprintKey>().ok())
        .filter(FingerprintKey::is_exclusive_marker)
        .map(|key| key.kind)
        .collect();
    exclusive.sort(); // in `ResourceKind` order, whatever the key order
    for kind in exclusive {
        let governed = exclusively_governed(kind, observed);
        for (id, name) in governed {
            let key = FingerprintKey::new(kind, id).to_string();
            let kind = kind_name(kind);
            if !plan.fingerprints.contains_key(&key) {
                out.push(Stale {
                    key,
                    what: format!(
                        "appeared since: \"{name}\" is not declared and {kind} is owned exclusively"
                    ),
                });
            }
        }
    }
    out
}

/// The environment of a BAP role assignment id (`/providers/.../environments/{env}/roleAssignments/{id}`).
pub fn bap_environment(id: &str) -> Option<String> {
    if !id.starts_with("/providers/") {
        return None;
    }
    let parts: Vec<&str> = id.split('/').collect();
    parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("environments"))
        .and_then(|i| parts.get(i + 1))
        .map(|e| e.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROJECT: &str =
        "apiVersion: ppgov.dev/v1\nkind: Project\nmetadata: {name: t}\nspec: {}\n";

    fn group(annotations: &str) -> String {
        format!(
            "apiVersion: ppgov.dev/v1\nkind: EnvironmentGroup\nmetadata: {{name: sandboxes{annotations}}}\nspec:\n  displayName: Sandboxes\n  members:\n    selectors: [{{displayName: \"DEV-*\"}}]\n"
        )
    }

    fn refused_for(group_doc: &str, allowed: Allowed) -> Vec<Refused> {
        let mut sources = ppgov_core::SourceMap::new();
        sources.add("ppgov.yaml", PROJECT);
        sources.add("group.yaml", group_doc);
        let loaded = ppgov_core::load(sources);
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        let observed: Observed = serde_json::from_value(serde_json::json!({
            "environments": {
                "e1": {"id": "e1", "displayName": "DEV-new", "environmentType": "Developer",
                       "region": "europe", "managed": false}
            }
        }))
        .unwrap();
        let mut plan = ppgov_planner::plan(&loaded.desired, &observed, &loaded.catalog);
        // The risk in the plan is never what the gate reads.
        for c in &mut plan.changes {
            c.risk = None;
        }
        refused(&plan, &loaded.desired, &observed, &loaded.catalog, allowed)
    }

    #[test]
    fn a_selector_turning_managed_environments_on_needs_consent() {
        let refused = refused_for(&group(""), Allowed::default());
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert_eq!(refused[0].address, "Environment[\"DEV-new\"]");
        assert_eq!(refused[0].flag, "--allow-managed-environments");
        assert_eq!(refused[0].annotation, Some(ALLOW_MANAGED_ENVIRONMENTS));
        assert!(refused[0].risk.contains("licensing"), "{refused:?}");

        let flag = Allowed {
            managed_environments: true,
            ..Default::default()
        };
        assert!(refused_for(&group(""), flag).is_empty());
        let annotated = group(", annotations: {ppgov.dev/allow-managed-environments: \"true\"}");
        assert!(refused_for(&annotated, Allowed::default()).is_empty());
        // Another gate's consent is not this one.
        let loosening = Allowed {
            loosening: true,
            destroy: true,
            ..Default::default()
        };
        assert_eq!(refused_for(&group(""), loosening).len(), 1);
    }

    /// A plan moving dropbox from non-business to business (loosening) in Finance Prod, where
    /// an app uses dropbox with rss (both non-business today: it complies; mixed after).
    fn refused_breaking(annotations: &str, inventory: bool, allowed: Allowed) -> Vec<Refused> {
        let policy = format!(
            "apiVersion: ppgov.dev/v1\nkind: DlpPolicy\nmetadata: {{name: finance{annotations}}}\nspec:\n  displayName: Finance\n  scope: {{mode: only, environments: [{{displayName: Finance Prod}}]}}\n  connectors: {{default: nonBusiness, business: [dropbox]}}\n"
        );
        let mut sources = ppgov_core::SourceMap::new();
        sources.add("ppgov.yaml", PROJECT);
        sources.add("policy.yaml", policy);
        let loaded = ppgov_core::load(sources);
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        let mut observed: Observed = serde_json::from_value(serde_json::json!({
            "environments": {
                "e1": {"id": "e1", "displayName": "Finance Prod", "environmentType": "Production",
                       "region": "europe", "managed": true}
            },
            "dlpPolicies": {"p1": {"id": "p1", "displayName": "Finance", "scopeMode": "only",
                                   "environmentIds": ["e1"], "defaultGroup": "nonBusiness"}}
        }))
        .unwrap();
        if inventory {
            observed.inventory.insert(
                serde_json::from_value(serde_json::json!({
                    "kind": "app", "id": "a1", "displayName": "Receipts", "environmentId": "e1",
                    "connectors": {"shared_dropbox": {}, "shared_rss": {}}
                }))
                .unwrap(),
            );
        }
        let mut plan = ppgov_planner::plan(&loaded.desired, &observed, &loaded.catalog);
        assert_eq!(plan.changes.len(), 1, "{plan:#?}");
        // Neither the risk nor the impact in the plan is what the gate reads.
        for c in &mut plan.changes {
            c.risk = None;
            c.impact = None;
        }
        refused(&plan, &loaded.desired, &observed, &loaded.catalog, allowed)
    }

    #[test]
    fn a_dlp_change_that_breaks_apps_needs_consent_besides_its_other_risks() {
        let refused = refused_breaking("", true, Allowed::default());
        let flags: Vec<&str> = refused.iter().map(|r| r.flag).collect();
        assert_eq!(
            flags,
            ["--allow-loosening", "--allow-breaking"],
            "{refused:?}"
        );
        let breaking = &refused[1];
        assert_eq!(breaking.address, "DlpPolicy.finance");
        assert_eq!(breaking.annotation, Some(ALLOW_BREAKING));
        assert_eq!(breaking.annotate.as_deref(), Some("DlpPolicy.finance"));
        assert!(
            breaking.risk.contains("breaks 1 app") && breaking.risk.contains("Receipts"),
            "{breaking:?}"
        );

        let loosening = Allowed {
            loosening: true,
            destroy: true,
            managed_environments: true,
            ..Default::default()
        };
        let left = refused_breaking("", true, loosening);
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(left[0].flag, "--allow-breaking");
        let both = Allowed {
            breaking: true,
            ..loosening
        };
        assert!(refused_breaking("", true, both).is_empty());
        let annotated = ", annotations: {ppgov.dev/allow-breaking: \"true\", ppgov.dev/allow-loosening: \"true\"}";
        assert!(refused_breaking(annotated, true, Allowed::default()).is_empty());
        // Without inventory nothing is known to break: only the loosening is refused.
        let unknown = refused_breaking("", false, Allowed::default());
        assert_eq!(unknown.len(), 1, "{unknown:?}");
        assert_eq!(unknown[0].flag, "--allow-loosening");
    }
}
