//! Checks made before anything is written: risky steps that were not allowed, and saved plans
//! whose observed objects changed since.

use ppgov_core::model::Desired;
use ppgov_core::observed::Observed;
use ppgov_planner::plan::fingerprint;
use ppgov_planner::{Action, Change, Plan};

/// Annotation that allows deleting the declared resource's objects (e.g. memberships).
pub const ALLOW_DESTROY: &str = "ppgov.dev/allow-destroy";
/// Annotation that allows loosening changes to the declared resource.
pub const ALLOW_LOOSENING: &str = "ppgov.dev/allow-loosening";

/// What the user allowed on the command line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Allowed {
    pub destroy: bool,
    pub loosening: bool,
}

/// A risky step nothing allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub address: String,
    /// `--allow-destroy` or `--allow-loosening`.
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
    let (kind, rest) = address.split_once('.')?;
    let name = rest.split('[').next().unwrap_or(rest);
    let kind = match kind {
        "GroupMembership" => "EnvironmentGroup",
        other => other,
    };
    Some(format!("{kind}.{name}"))
}

/// The annotations of the declared resource a change belongs to, if it is declared:
/// `Kind.name...` addresses (memberships belong to their group).
fn annotations<'a>(
    c: &Change,
    desired: &'a Desired,
) -> Option<&'a std::collections::BTreeMap<String, String>> {
    let (kind, rest) = c.address.split_once('.')?;
    let name = rest.split('[').next().unwrap_or(rest);
    match kind {
        "Environment" => desired.environments.get(name).map(|e| &e.meta.annotations),
        "EnvironmentGroup" | "GroupMembership" => desired
            .environment_groups
            .get(name)
            .map(|g| &g.meta.annotations),
        "DlpPolicy" => desired.dlp_policies.get(name).map(|p| &p.meta.annotations),
        "TenantSettings" => desired
            .tenant_settings
            .as_ref()
            .map(|t| &t.meta.annotations),
        _ => None,
    }
}

/// Risky steps not allowed by a flag or by an annotation on their declared resource. Deletes
/// need `--allow-destroy` (or `ppgov.dev/allow-destroy: "true"`, for declared resources);
/// other risky changes need `--allow-loosening` (or `ppgov.dev/allow-loosening: "true"`).
pub fn refused(plan: &Plan, desired: &Desired, allowed: Allowed) -> Vec<Refused> {
    let mut out = Vec::new();
    for c in &plan.changes {
        let destroy = c.action == Action::Delete;
        if !destroy && c.risk.is_none() {
            continue;
        }
        let (flag_given, flag, annotation) = if destroy {
            (allowed.destroy, "--allow-destroy", ALLOW_DESTROY)
        } else {
            (allowed.loosening, "--allow-loosening", ALLOW_LOOSENING)
        };
        if flag_given {
            continue;
        }
        let annotated = annotations(c, desired);
        if annotated.is_some_and(|a| a.get(annotation).is_some_and(|v| v == "true")) {
            continue;
        }
        out.push(Refused {
            address: c.address.clone(),
            flag,
            annotation: annotated.map(|_| annotation),
            annotate: annotated.and_then(|_| declaring_resource(&c.address)),
            risk: c
                .risk
                .clone()
                .unwrap_or_else(|| "deletes a live object".to_owned()),
        });
    }
    out
}

/// The fingerprint of the observed object named `Kind:id`, `None` when it no longer exists.
pub fn observed_fingerprint(observed: &Observed, key: &str) -> Option<String> {
    let (kind, id) = key.split_once(':')?;
    match kind {
        "Environment" => observed.environments.get(id).map(fingerprint),
        "EnvironmentGroup" => observed.environment_groups.get(id).map(fingerprint),
        "DlpPolicy" => observed.dlp_policies.get(id).map(fingerprint),
        "RoleAssignment" => observed.role_assignments.get(id).map(fingerprint),
        "TenantSettings" => Some(fingerprint(&observed.tenant_settings)),
        _ => None,
    }
}

/// An object a saved plan depends on that is no longer as it was observed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stale {
    pub key: String,
    /// `changed` or `deleted`.
    pub what: &'static str,
}

/// Environments whose BAP role assignments a plan's fingerprints name: they must be read
/// (there is no tenant-wide list) before [`stale`] can tell.
pub fn bap_environments(plan: &Plan) -> std::collections::BTreeSet<String> {
    plan.fingerprints
        .keys()
        .filter_map(|k| k.strip_prefix("RoleAssignment:"))
        .filter_map(bap_environment)
        .collect()
}

/// A stale object as a reviewer knows it: the address and name of the change it belongs to
/// (or the object's live name), its key, and the fields in which it now differs from the
/// plan's result, when the plan holds that result.
pub fn describe_stale(plan: &Plan, observed: &Observed, s: &Stale) -> String {
    let (kind, id) = s.key.split_once(':').unwrap_or((s.key.as_str(), ""));
    let change = plan.changes.iter().find(|c| {
        c.id.as_deref() == Some(id)
            && !matches!(c.after, ppgov_planner::After::Membership { .. })
            && format!("{:?}", c.kind) == kind
    });
    let live_name = match kind {
        "Environment" => observed
            .environments
            .get(id)
            .map(|e| e.display_name.clone()),
        "EnvironmentGroup" => observed
            .environment_groups
            .get(id)
            .map(|g| g.display_name.clone()),
        "DlpPolicy" => observed
            .dlp_policies
            .get(id)
            .map(|p| p.display_name.clone()),
        "RoleAssignment" => observed.role_assignments.get(id).map(|a| {
            a.principal_name
                .clone()
                .unwrap_or_else(|| a.principal_id.clone())
        }),
        _ => None,
    };
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

/// Objects whose fingerprints in `plan` no longer match `observed`.
pub fn stale(plan: &Plan, observed: &Observed) -> Vec<Stale> {
    plan.fingerprints
        .iter()
        .filter_map(|(key, fp)| match observed_fingerprint(observed, key) {
            None => Some(Stale {
                key: key.clone(),
                what: "deleted",
            }),
            Some(now) if &now != fp => Some(Stale {
                key: key.clone(),
                what: "changed",
            }),
            Some(_) => None,
        })
        .collect()
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
