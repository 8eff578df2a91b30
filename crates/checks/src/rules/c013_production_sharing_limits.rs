//! Groups with production environments limit sharing.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use ppgov_core::model::SharingMode;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C013",
    name: "production-sharing-limits",
    title: "production group without sharing limits",
    severity: Severity::Warning,
    stage: Stage::Capable,
    area: Area::Environments,
    reads: Reads::Model,
    rationale: "Sharing limits keep a production app from being shared with security groups or more users than intended, the usual path for business data to reach everyone.",
    example: "kind: EnvironmentGroup\nspec:\n  rules: {}",
    fix: "Set `sharingControls` on the group: exclude security groups and cap the number of users.",
    fix_yaml: Some(
        "spec:\n  rules:\n    sharingControls:\n      mode: excludeSecurityGroups\n      maxUsers: 20",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    production_group_rule(cx, out, "/spec/rules", |rules| {
        match &rules.sharing_controls {
            None => Some("has no sharing limits".to_owned()),
            Some(s) if s.mode == SharingMode::NoLimit => Some("does not limit sharing".to_owned()),
            Some(s) if s.max_users.is_none() => {
                Some("does not cap how many users an app is shared with".to_owned())
            }
            Some(_) => None,
        }
    });
}
