//! Apps and flows have an owner.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C205",
    name: "orphaned-item",
    title: "app or flow without an owner",
    severity: Severity::Warning,
    stage: Stage::Repeatable,
    area: Area::Process,
    reads: Reads::Inventory,
    rationale: "An app or flow whose owner is gone (the service reports no owner, or an owner with no identity) has nobody to fix it, renew its connections or answer for its data.",
    example: "# an app the service lists with no owner",
    fix: "Assign a new owner (co-owners for apps, the CoE for flows), or retire the item.",
    fix_yaml: None,
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_item(cx, out, |item| {
        let orphan = match &item.owner {
            None => true,
            Some(owner) => owner.id.is_none() && owner.email.is_none(),
        };
        orphan.then(|| format!("{} has no owner", item_name(cx, item)))
    });
}
