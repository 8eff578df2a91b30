//! Apps and flows are not owned by guests.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C206",
    name: "guest-owned-item",
    title: "app or flow owned by a guest",
    severity: Severity::Warning,
    stage: Stage::Defined,
    area: Area::SecurityAndRoles,
    reads: Reads::Inventory,
    rationale: "A guest (an `#EXT#` account) owning an app or flow takes its connections' access with them when the collaboration ends, and is outside the organisation's joiner-leaver process.",
    example: "# an app owned by alice_fabrikam.com#EXT#@contoso.onmicrosoft.com",
    fix: "Give the item an owner from the organisation and remove the guest.",
    fix_yaml: None,
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_item(cx, out, |item| {
        let email = item.owner.as_ref()?.email.as_deref()?;
        email
            .to_ascii_lowercase()
            .contains("#ext#")
            .then(|| format!("{} is owned by guest `{email}`", item_name(cx, item)))
    });
}
