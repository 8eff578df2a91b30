//! Why a change deserves a second look, computed from its before-value (the observed object)
//! and its after-value, and, for DLP changes, from what they break in the inventory that was
//! read. The planner fills `Change::risk` with [`assess_plan`], and `apply` calls the same
//! function again on a saved plan, so a risk field (or an impact) removed from a plan file
//! cannot skip a gate.

use crate::impact::Impact;
use crate::plan::{Action, Change, Plan};
use ppgov_core::catalog::Catalog;
use ppgov_core::inventory::ItemKind;
use ppgov_core::observed::Observed;
use std::collections::BTreeSet;

/// Which consent a risky change needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskClass {
    /// Deletes a live object (`--allow-destroy`).
    Destroy,
    /// Makes a control less strict (`--allow-loosening`).
    Loosening,
    /// Turns Managed Environments on for an environment, which changes what the tenant is
    /// licensed and billed for (`--allow-managed-environments`).
    ManagedEnvironment,
    /// Makes apps or flows that comply today violate a data policy (`--allow-breaking`).
    Breaking,
}

/// A risky change: its class and the reason, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Risk {
    pub class: RiskClass,
    pub reason: String,
}

impl Risk {
    pub(crate) fn new(class: RiskClass, reason: impl Into<String>) -> Risk {
        Risk {
            class,
            reason: reason.into(),
        }
    }
}

/// Every risk of every change of `plan`, in change order: [`assess`], and
/// [`RiskClass::Breaking`] for a change that breaks apps or flows of `observed.inventory`
/// (computed afresh by [`crate::impact::analyse`], never read from the plan).
pub fn assess_plan(plan: &Plan, observed: &Observed, catalog: &Catalog) -> Vec<Vec<Risk>> {
    let impacts = crate::impact::analyse(plan, observed, catalog);
    with_impacts(plan, &impacts, observed, catalog)
}

/// [`assess_plan`] given the plan's impacts.
pub(crate) fn with_impacts(
    plan: &Plan,
    impacts: &[Option<Impact>],
    observed: &Observed,
    catalog: &Catalog,
) -> Vec<Vec<Risk>> {
    plan.changes
        .iter()
        .zip(impacts)
        .map(|(change, impact)| {
            let mut risks: Vec<Risk> = assess(change, observed, catalog).into_iter().collect();
            risks.extend(impact.as_ref().and_then(breaking));
            risks
        })
        .collect()
}

/// The [`RiskClass::Breaking`] risk of a change with this impact, if it breaks anything.
fn breaking(impact: &Impact) -> Option<Risk> {
    let first = impact.breaks.first()?;
    let apps = impact
        .breaks
        .iter()
        .filter(|i| i.kind == ItemKind::App)
        .count();
    let flows = impact.breaks.len() - apps;
    let environments: BTreeSet<&str> = impact
        .breaks
        .iter()
        .map(|i| i.environment.id.as_str())
        .collect();
    Some(Risk::new(
        RiskClass::Breaking,
        format!(
            "breaks {} in {}, e.g. {} \"{}\" in \"{}\"",
            crate::render::apps_and_flows(apps, flows),
            crate::render::counted(environments.len(), "environment"),
            item_kind_name(first.kind),
            first.display_name,
            first.environment.display_name
        ),
    ))
}

/// `app` or `flow`.
pub fn item_kind_name(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::App => "app",
        ItemKind::Flow => "flow",
    }
}

/// The risk of `change` against `observed` (the tenant the change is applied to), `None` when
/// it is not risky. Every delete is a [`RiskClass::Destroy`].
pub fn assess(change: &Change, observed: &Observed, catalog: &Catalog) -> Option<Risk> {
    if change.action == Action::Delete {
        let reason = change.kind.rules().deletion_risk(change, observed);
        return Some(Risk::new(RiskClass::Destroy, reason));
    }
    // A create or update; one without an after-value has nothing to assess.
    let kind = change.after.kind()?;
    kind.rules().change_risk(change, observed, catalog)
}
