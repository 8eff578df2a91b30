//! The repository owns environment groups exclusively.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use ppgov_core::model::OwnershipMode;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C029",
    name: "group-ownership-exclusive",
    title: "hand-made environment groups are not removed",
    severity: Severity::Info,
    stage: Stage::Efficient,
    area: Area::Process,
    reads: Reads::Repository,
    rationale: "Environment groups carry the Managed Environment rules (sharing limits, solution checker). A group made by hand bypasses review; exclusive ownership plans its removal.",
    example: "spec:\n  ownership:\n    EnvironmentGroup: shared",
    fix: "Set `EnvironmentGroup: exclusive` in the project file once every live group is declared.",
    fix_yaml: Some("spec:\n  ownership:\n    EnvironmentGroup: exclusive"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    if cx.loaded.desired.project.ownership.environment_group != OwnershipMode::Exclusive {
        out.push(raw(
            crate::Anchor::Repository {
                pointer: "/spec/ownership".into(),
            },
            "environment groups are owned `shared`: groups created outside the repository stay",
        ));
    }
}
