//! Lowering `RoleAssignment` documents: scopes, principals, and roles that conflict.

use super::Lowering;
use crate::diag::{Code, Diagnostic};
use crate::doc::{self, Role};
use crate::kind::Kind;
use crate::model::*;
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};

impl Lowering<'_> {
    pub(super) fn role_assignments(&mut self) -> BTreeMap<RoleAssignmentKey, RoleAssignment> {
        let set = self.set;
        let docs = self.unique_by_name(Kind::RoleAssignment, &set.role_assignments);
        let group_names: BTreeSet<&str> = set.groups.iter().map(|g| g.name()).collect();
        let mut out: BTreeMap<RoleAssignmentKey, RoleAssignment> = BTreeMap::new();
        let mut spans: BTreeMap<RoleAssignmentKey, Span> = BTreeMap::new();
        let mut principal_types: BTreeMap<String, (doc::PrincipalType, Span)> = BTreeMap::new();
        for p in docs {
            let spec = &p.doc.spec;
            if p.doc.metadata.id.is_some() {
                self.id_not_allowed_because(
                    p,
                    Kind::RoleAssignment,
                    "role assignments are matched by principal, role and scope; remove `id`",
                );
            }
            let scope = if spec.scope.tenant.is_some() {
                RoleScope::Tenant
            } else if let Some(g) = &spec.scope.environment_group {
                if !group_names.contains(g.0.as_str())
                    && !self.known_name(Kind::EnvironmentGroup, &g.0)
                {
                    self.unknown_group(&g.0, p.at("/spec/scope/environmentGroup"));
                }
                RoleScope::EnvironmentGroup(g.0.clone())
            } else if let Some(e) = &spec.scope.environment {
                let target = self.environment_target(e, p.at("/spec/scope/environment"));
                RoleScope::Environment(target)
            } else {
                continue; // the schema requires exactly one; nothing more to check
            };
            if spec.role.is_environment_role() && scope == RoleScope::Tenant {
                let d = Diagnostic::new(Code::RoleScopeMismatch, format!("`{}` cannot be granted at the tenant", role_key(spec.role)))
                    .at(p.at("/spec/scope"), "tenant scope")
                    .also(p.at("/spec/role"), "environment role")
                    .help("grant it on an `environment` or an `environmentGroup`, or use a Power Platform role such as `owner`");
                self.push(d);
            }
            for (i, principal) in spec.principals.iter().enumerate() {
                let pspan = p.at_item("/spec/principals", i, Some("id"));
                let id = principal.id.0.to_lowercase();
                if spec.role.is_environment_role()
                    && principal.principal_type == doc::PrincipalType::ServicePrincipal
                {
                    let d = Diagnostic::new(
                        Code::PrincipalTypeNotAllowed,
                        format!(
                            "`{}` cannot be granted to a service principal",
                            role_key(spec.role)
                        ),
                    )
                    .at(
                        p.at_item("/spec/principals", i, Some("type")),
                        "service principal",
                    )
                    .help("grant a Power Platform role (`owner`, `contributor`, `reader`) instead");
                    self.push(d);
                }
                match principal_types.get(&id) {
                    Some((t, first)) if *t != principal.principal_type => {
                        let d = Diagnostic::new(Code::PrincipalTypeConflict, format!("principal `{id}` is declared as both {} and {}", principal_key(*t), principal_key(principal.principal_type)))
                            .at(p.at_item("/spec/principals", i, Some("type")), "this type")
                            .also(*first, "other type")
                            .help("an object id is either a user, a group or a service principal; fix the type");
                        self.push(d);
                    }
                    Some(_) => {}
                    None => {
                        principal_types.insert(
                            id.clone(),
                            (
                                principal.principal_type,
                                p.at_item("/spec/principals", i, Some("type")),
                            ),
                        );
                    }
                }
                let key = RoleAssignmentKey {
                    principal_id: id,
                    role: spec.role,
                    scope: scope.clone(),
                };
                if let Some(first) = spans.get(&key) {
                    let d = Diagnostic::new(
                        Code::DuplicateRoleAssignment,
                        format!(
                            "principal `{}` has role `{}` at this scope twice",
                            key.principal_id,
                            role_key(spec.role)
                        ),
                    )
                    .at(pspan, "assigned again")
                    .also(*first, "first assigned here")
                    .help("remove one of the two");
                    self.push(d);
                    continue;
                }
                spans.insert(key.clone(), pspan);
                out.insert(
                    key.clone(),
                    RoleAssignment {
                        key,
                        principal_type: principal.principal_type,
                        principal_name: principal.name.clone(),
                        document: p.name().to_owned(),
                    },
                );
            }
        }
        // Power Platform roles inherit from the tenant downwards.
        for (key, span) in &spans {
            if key.role.is_environment_role() || key.scope == RoleScope::Tenant {
                continue;
            }
            let tenant_key = RoleAssignmentKey {
                scope: RoleScope::Tenant,
                ..key.clone()
            };
            if let Some(tenant_span) = spans.get(&tenant_key) {
                let d = Diagnostic::new(
                    Code::RedundantRoleAssignment,
                    format!(
                        "principal `{}` already has `{}` at the tenant",
                        key.principal_id,
                        role_key(key.role)
                    ),
                )
                .at(*span, "redundant")
                .also(*tenant_span, "granted for the whole tenant here")
                .help("remove the narrower assignment");
                self.push(d);
            }
        }
        out
    }
}

fn role_key(r: Role) -> &'static str {
    match r {
        Role::EnvironmentAdmin => "environmentAdmin",
        Role::EnvironmentMaker => "environmentMaker",
        Role::Owner => "owner",
        Role::Contributor => "contributor",
        Role::Reader => "reader",
        Role::RbacAdministrator => "rbacAdministrator",
    }
}

fn principal_key(t: doc::PrincipalType) -> &'static str {
    match t {
        doc::PrincipalType::User => "a user",
        doc::PrincipalType::Group => "a group",
        doc::PrincipalType::ServicePrincipal => "a service principal",
    }
}
