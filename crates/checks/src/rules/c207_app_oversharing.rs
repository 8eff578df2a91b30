//! Apps are shared with a bounded number of users.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C207",
    name: "app-oversharing",
    title: "app shared with many users",
    severity: Severity::Warning,
    stage: Stage::Capable,
    area: Area::SecurityAndRoles,
    reads: Reads::Inventory,
    rationale: "An app shared user by user with hundreds of people is usually a production workload living outside a governed environment (threshold, default 100 users, configurable).",
    example: "# an app shared with 250 users",
    fix: "Share with a security group, move the app to a managed production environment with sharing limits, or raise the threshold for it.",
    fix_yaml: None,
    threshold: Some(100),
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    let limit = u64::from(cx.threshold.unwrap_or(100));
    each_item(cx, out, |item| {
        let users = item.shared_users?;
        (users > limit).then(|| {
            format!(
                "{} is shared with {users} users (more than {limit})",
                item_name(cx, item)
            )
        })
    });
}
