//! The repository owns DLP policies exclusively.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use ppgov_core::model::OwnershipMode;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C010",
    name: "dlp-ownership-exclusive",
    title: "hand-made DLP policies are not removed",
    severity: Severity::Info,
    stage: Stage::Efficient,
    area: Area::Process,
    reads: Reads::Repository,
    rationale: "With `shared` ownership a DLP policy created in the admin center is only reported; it can quietly stack on top of (or loosen) what is reviewed in git. Teams that govern data policies only through code own the kind exclusively.",
    example: "spec:\n  ownership:\n    DlpPolicy: shared",
    fix: "Set `DlpPolicy: exclusive` in the project file once every live policy is declared (`ppgov import --missing` helps).",
    fix_yaml: Some("spec:\n  ownership:\n    DlpPolicy: exclusive"),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    if cx.loaded.desired.project.ownership.dlp_policy != OwnershipMode::Exclusive {
        out.push(raw(
            crate::Anchor::Repository {
                pointer: "/spec/ownership".into(),
            },
            "DLP policies are owned `shared`: policies created outside the repository stay",
        ));
    }
}
