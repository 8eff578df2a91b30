//! Groups with production environments enforce the solution checker.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use ppgov_core::model::SolutionCheckerMode;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C014",
    name: "production-solution-checker",
    title: "production group does not enforce the solution checker",
    severity: Severity::Warning,
    stage: Stage::Capable,
    area: Area::Environments,
    reads: Reads::Model,
    rationale: "Solution checker enforcement in `block` mode stops solutions with critical issues from being imported into production.",
    example: "spec:\n  rules:\n    solutionChecker: {mode: warn}",
    fix: "Set the group's solution checker to `block`.",
    fix_yaml: Some("spec:\n  rules:\n    solutionChecker:\n      mode: block"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    production_group_rule(cx, out, "/spec/rules", |rules| {
        match &rules.solution_checker {
            Some(s) if s.mode == SolutionCheckerMode::Block => None,
            Some(_) => Some("the solution checker does not block".to_owned()),
            None => Some("has no solution checker rule".to_owned()),
        }
    });
}
