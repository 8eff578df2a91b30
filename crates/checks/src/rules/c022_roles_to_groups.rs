//! Roles are assigned to groups, not individual users.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

use ppgov_core::model::PrincipalType;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C022",
    name: "roles-to-groups",
    title: "role assigned to an individual user",
    severity: Severity::Warning,
    stage: Stage::Defined,
    area: Area::SecurityAndRoles,
    reads: Reads::Model,
    rationale: "Roles given to security groups follow joiners and leavers through the identity process; roles given to users outlive their owner's job and are missed in access reviews.",
    example: "kind: RoleAssignment\nspec:\n  principals:\n    - {type: user, id: ...}",
    fix: "Assign the role to a security group and manage membership in Entra ID.",
    fix_yaml: Some(
        "spec:\n  principals:\n    - type: group\n      id: <security group object id>\n      name: SG-PP-Admins",
    ),
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    for view in &cx.views {
        for role in &view.roles {
            if role.principal_type == Some(PrincipalType::User) {
                let who = role.principal_name.as_deref().unwrap_or(&role.principal_id);
                let what = role.role.map_or("a role".to_owned(), |r| format!("{r:?}"));
                out.push(raw(
                    role.origin.at(role.pointer),
                    format!("{what} is assigned to user `{who}` in {}", view.noun()),
                ));
            }
        }
    }
}
