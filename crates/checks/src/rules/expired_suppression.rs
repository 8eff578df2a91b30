//! Suppressions past their expiry date are findings themselves (run by the engine).

use crate::config::{Config, is_date};
use crate::{Anchor, Area, CheckInfo, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C900",
    name: "expired-suppression",
    title: "suppression expired",
    severity: Severity::Warning,
    stage: Stage::Repeatable,
    area: Area::Process,
    reads: Reads::Configuration,
    rationale: "A suppression accepts a finding for a while, with a reason. Once its date has passed the finding is reported again, and so is the stale suppression: renew it with a new reason and date, or remove it.",
    example: "spec:\n  checks:\n    suppressions:\n      - check: PPG-C022\n        object: RoleAssignment.break-glass\n        reason: break-glass account\n        expires: 2024-01-31",
    fix: "Fix the finding and remove the suppression, or renew it with a current reason and a new date.",
    fix_yaml: None,
    threshold: None,
};

/// One finding per suppression whose last day is before `today`.
pub fn findings(config: &Config, today: &str) -> Vec<Raw> {
    config
        .suppressions
        .iter()
        .enumerate()
        .filter(|(_, s)| is_date(&s.expires) && s.expires.as_str() < today)
        .map(|(i, s)| Raw {
            anchor: Anchor::Repository {
                pointer: format!("/spec/checks/suppressions/{i}/expires"),
            },
            message: format!(
                "the suppression of {} on `{}` expired on {} (reason: {})",
                s.check, s.object, s.expires, s.reason
            ),
            fix_yaml: None,
        })
        .collect()
}
