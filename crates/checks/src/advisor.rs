//! Power Platform Advisor's recommendations as findings (`ppgov assess --advisor`): one
//! finding per affected resource, with the id `ADVISOR:<scenario>` (the service's scenario
//! id, discovered at run time: no list of scenarios is built in).
//!
//! Severity comes from the recommendation's category: **Security is a warning; Operational
//! efficiency, Licensing and capacity, Performance and an unknown category are info**
//! (Advisor's own recommendations are advice about hygiene and cost; only the security ones
//! ask for action). The area follows the same split: Security is "security and roles",
//! everything else "monitoring"; the stage is Capable. Advisor findings do not count towards
//! the maturity score, which measures ppgov's own checks. Like a check, an Advisor id can be
//! configured in `spec.checks.rules` (`enabled`, `severity`) and suppressed per object (the
//! resource's address or id) in `spec.checks.suppressions`.

use crate::config::Config;
use crate::{Area, Finding, Location, Severity, Source, Stage};
use ppgov_core::advisor::{Advisor, AffectedResource, Category, Recommendation};
use std::borrow::Cow;

/// What every Advisor finding's id starts with.
pub const PREFIX: &str = "ADVISOR:";

/// The documentation of Advisor findings.
pub const DOC_ANCHOR: &str = "docs/checks.md#power-advisor";

/// Whether `id` names an Advisor recommendation (`ADVISOR:<scenario>`, any case).
pub fn is_advisor_id(id: &str) -> bool {
    id.len() > PREFIX.len()
        && id.is_char_boundary(PREFIX.len())
        && id[..PREFIX.len()].eq_ignore_ascii_case(PREFIX)
}

/// Whether a finding comes from Advisor.
pub fn is_advisor(finding: &Finding) -> bool {
    is_advisor_id(&finding.rule_id)
}

/// The documented mapping from category to severity.
pub fn severity(category: Category) -> Severity {
    match category {
        Category::Security => Severity::Warning,
        Category::OperationalEfficiency
        | Category::LicensingAndCapacity
        | Category::Performance
        | Category::Unknown => Severity::Info,
    }
}

pub fn area(category: Category) -> Area {
    match category {
        Category::Security => Area::SecurityAndRoles,
        Category::OperationalEfficiency
        | Category::LicensingAndCapacity
        | Category::Performance
        | Category::Unknown => Area::Monitoring,
    }
}

/// One finding per affected resource of every enabled recommendation.
pub fn findings(advisor: &Advisor, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for recommendation in &advisor.recommendations {
        let id = format!("{PREFIX}{}", recommendation.scenario);
        let key = id.to_ascii_uppercase();
        if !config.enabled(&key) {
            continue;
        }
        let severity = config
            .severity(&key)
            .unwrap_or(severity(recommendation.category));
        for resource in &recommendation.resources {
            out.push(Finding {
                rule_id: Cow::Owned(id.clone()),
                rule_name: Cow::Owned(recommendation.scenario.clone()),
                title: Cow::Owned(recommendation.name.clone()),
                severity,
                stage: Stage::Capable,
                area: area(recommendation.category),
                source: Source::Tenant,
                message: message(recommendation, resource),
                location: Location {
                    address: format!(
                        "{}[{}]",
                        resource.resource_type.as_deref().unwrap_or("Resource"),
                        resource.id
                    ),
                    id: Some(resource.id.clone()),
                    ..Default::default()
                },
                remediation: Cow::Owned(format!(
                    "Review the recommendation in the Power Platform admin center (Advisor, {} category): act on the resource there or with the scenario's actions, or suppress the finding with a reason.",
                    recommendation.category.as_str()
                )),
                remediation_yaml: None,
                help: Cow::Borrowed(DOC_ANCHOR),
            });
        }
    }
    out
}

/// `Power Platform Advisor, "Unused apps": PowerApp `Expenses` in environment `Finance` (owner
/// Ana Lima): Unused for 30 days`.
fn message(recommendation: &Recommendation, r: &AffectedResource) -> String {
    let mut m = format!(
        "Power Platform Advisor, `{}`: {} `{}`",
        recommendation.name,
        r.resource_type.as_deref().unwrap_or("resource"),
        r.name.as_deref().unwrap_or(&r.id)
    );
    if let Some(env) = r
        .environment_name
        .as_deref()
        .or(r.environment_id.as_deref())
    {
        m.push_str(&format!(" in environment `{env}`"));
    }
    if let Some(owner) = r.owner.as_deref() {
        m.push_str(&format!(" (owner {owner})"));
    }
    if let Some(description) = r.description.as_deref().filter(|d| !d.is_empty()) {
        m.push_str(&format!(": {description}"));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advisor_ids() {
        assert!(is_advisor_id("ADVISOR:UnusedApps"));
        assert!(is_advisor_id("advisor:x"));
        assert!(!is_advisor_id("ADVISOR:"));
        assert!(!is_advisor_id("PPG-C001"));
        assert!(!is_advisor_id("ADVISÖR"));
    }
}
