//! Who must approve each change: the owners the repository declares on the DLP policy or the
//! environment group (`spec.owners`), the approvers of the connector ratings a DLP change
//! touches (a connector whose group, action rules or endpoint rules change, on its level and
//! its override), and the project's default approvers (`spec.approvals.default`).

use crate::plan::{Address, After, Change};
use ppgov_core::catalog::{Catalog, ConnectorId};
use ppgov_core::model::{ConnectorGroup, Desired};
use ppgov_core::observed::{Observed, ObservedDlpPolicy};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One approver a change needs, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Approval {
    pub approver: String,
    pub because: String,
}

/// How many connectors one reason names.
const NAMED_CONNECTORS: usize = 5;

/// The approvals of every change, by change address (changes needing none are absent).
pub fn required(
    desired: &Desired,
    observed: &Observed,
    catalog: &Catalog,
    changes: &[Change],
) -> BTreeMap<String, Vec<Approval>> {
    let mut out = BTreeMap::new();
    for change in changes {
        let mut reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut add = |approver: &String, because: String| {
            reasons.entry(approver.clone()).or_default().push(because);
        };
        let name = change.address.parse::<Address>().ok().and_then(|a| a.name);
        let rules = change.kind.rules();
        for (approver, because) in
            rules.approvals(change, name.as_deref(), desired, observed, catalog)
        {
            add(&approver, because);
        }
        for approver in &desired.project.default_approvers {
            add(approver, "default approver (ppgov.yaml)".into());
        }
        if !reasons.is_empty() {
            let approvals = reasons
                .into_iter()
                .map(|(approver, because)| Approval {
                    approver,
                    because: because.join("; "),
                })
                .collect();
            out.insert(change.address.clone(), approvals);
        }
    }
    out
}

/// A data policy change's approvers: the policy's owners, then the approvers of the rated
/// connectors it touches.
pub(crate) fn dlp_policy(
    change: &Change,
    name: Option<&str>,
    desired: &Desired,
    observed: &Observed,
    catalog: &Catalog,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(policy) = name.and_then(|n| desired.dlp_policies.get(n)) {
        for owner in &policy.owners {
            out.push((owner.clone(), "owner of the policy".to_owned()));
        }
    }
    if let Some(rating) = &desired.connector_rating {
        let before = change
            .id
            .as_ref()
            .and_then(|id| observed.dlp_policies.get(id));
        let after = if let After::DlpPolicy(p) = &change.after {
            Some(p.as_ref())
        } else {
            None
        };
        let mut by_approver: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for id in touched_connectors(before, after, catalog) {
            let Some(connector) = catalog.get(&id) else {
                continue;
            };
            let level = rating.rate(connector).level;
            for approver in rating.approvers(connector) {
                by_approver.entry(approver).or_default().push(format!(
                    "`{}` ({})",
                    ppgov_core::catalog::short_name(connector),
                    level.as_deref().unwrap_or("unrated")
                ));
            }
        }
        for (approver, connectors) in by_approver {
            out.push((approver, connectors_reason(&connectors)));
        }
    }
    out
}

/// The owners of the environment group named `name`, for its changes and its memberships'.
pub(crate) fn group_owners(name: Option<&str>, desired: &Desired) -> Vec<(String, String)> {
    name.and_then(|n| desired.environment_groups.get(n))
        .map(|group| {
            group
                .owners
                .iter()
                .map(|owner| (owner.clone(), "owner of the environment group".to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn connectors_reason(connectors: &[String]) -> String {
    let shown = connectors[..connectors.len().min(NAMED_CONNECTORS)].join(", ");
    let more = connectors.len().saturating_sub(NAMED_CONNECTORS);
    if more > 0 {
        format!("rated connectors whose classification or rules change: {shown} and {more} more")
    } else {
        format!("rated connectors whose classification or rules change: {shown}")
    }
}

/// Connectors whose effective group, action rules or endpoint rules differ between the
/// live policy and the planned one. A created policy touches the connectors it lists; a
/// deleted one those it listed.
fn touched_connectors(
    before: Option<&ObservedDlpPolicy>,
    after: Option<&ObservedDlpPolicy>,
    catalog: &Catalog,
) -> BTreeSet<ConnectorId> {
    let listed = |p: &ObservedDlpPolicy| -> BTreeSet<ConnectorId> {
        p.classification
            .keys()
            .chain(p.action_rules.keys())
            .chain(p.endpoint_rules.keys())
            .cloned()
            .collect()
    };
    match (before, after) {
        (None, Some(p)) | (Some(p), None) => listed(p),
        (None, None) => BTreeSet::new(),
        (Some(b), Some(a)) => {
            let group = |p: &ObservedDlpPolicy, id: &str| -> ConnectorGroup {
                match p.classification.get(id) {
                    Some(g) => *g,
                    None if p.default_group == ConnectorGroup::Blocked
                        && catalog.get(id).is_some_and(|c| c.unblockable) =>
                    {
                        ConnectorGroup::NonBusiness
                    }
                    None => p.default_group,
                }
            };
            let candidates: BTreeSet<ConnectorId> = catalog
                .iter()
                .map(|c| c.id.clone())
                .chain(listed(b))
                .chain(listed(a))
                .collect();
            candidates
                .into_iter()
                .filter(|id| {
                    group(b, id) != group(a, id)
                        || b.action_rules.get(id) != a.action_rules.get(id)
                        || b.endpoint_rules.get(id) != a.endpoint_rules.get(id)
                })
                .collect()
        }
    }
}
