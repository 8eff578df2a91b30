//! [`PlannedScope`]: the scope of a role assignment in a plan's after-value, where a group may
//! be one the same plan creates. The plan JSON keeps the form it had when that group was
//! written as an `@{address}` placeholder id, so saved plans read back unchanged.

use crate::plan::Ref;
use ppgov_core::observed::{ObservedRoleAssignment, ObservedScope};
use serde::{Deserialize, Serialize};

/// A role assignment as a plan creates it.
pub type PlannedRoleAssignment = ObservedRoleAssignment<PlannedScope>;

/// Where a planned role assignment applies: an [`ObservedScope`], except that a group is a
/// [`Ref`], live or created earlier in the same plan.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PlannedScope {
    Tenant,
    /// Serialised as the group's id, or `@` and the address of the change creating it.
    EnvironmentGroup(#[serde(with = "group_ref")] Ref),
    Environment(String),
    Unknown(String),
}

impl From<ObservedScope> for PlannedScope {
    fn from(scope: ObservedScope) -> Self {
        match scope {
            ObservedScope::Tenant => PlannedScope::Tenant,
            ObservedScope::EnvironmentGroup(id) => PlannedScope::EnvironmentGroup(Ref::Id(id)),
            ObservedScope::Environment(id) => PlannedScope::Environment(id),
            ObservedScope::Unknown(scope) => PlannedScope::Unknown(scope),
        }
    }
}

impl PlannedScope {
    /// The address of the change creating the group this scope names; `None` for a scope
    /// naming a live object.
    pub fn created_group(&self) -> Option<&str> {
        match self {
            PlannedScope::EnvironmentGroup(Ref::CreatedBy(address)) => Some(address),
            PlannedScope::EnvironmentGroup(Ref::Id(_))
            | PlannedScope::Tenant
            | PlannedScope::Environment(_)
            | PlannedScope::Unknown(_) => None,
        }
    }

    /// The live scope: a created group's id comes from `created_group_id` (given the address
    /// of its create), an environment's id passes through `environment_id` (an environment
    /// the plan creates has a placeholder id until then).
    pub fn resolve<E>(
        self,
        created_group_id: impl FnOnce(&str) -> Result<String, E>,
        environment_id: impl FnOnce(&str) -> Result<String, E>,
    ) -> Result<ObservedScope, E> {
        Ok(match self {
            PlannedScope::Tenant => ObservedScope::Tenant,
            PlannedScope::EnvironmentGroup(Ref::Id(id)) => ObservedScope::EnvironmentGroup(id),
            PlannedScope::EnvironmentGroup(Ref::CreatedBy(address)) => {
                ObservedScope::EnvironmentGroup(created_group_id(&address)?)
            }
            PlannedScope::Environment(id) => ObservedScope::Environment(environment_id(&id)?),
            PlannedScope::Unknown(scope) => ObservedScope::Unknown(scope),
        })
    }

    /// The live scope this one is, if it names no group the plan creates.
    pub fn live(&self) -> Option<ObservedScope> {
        self.clone()
            .resolve(|_| Err(()), |id| Ok(id.to_owned()))
            .ok()
    }

    /// The scope as role assignment addresses show it ([`crate::plan::scope_label`]).
    pub fn label(&self) -> String {
        match self {
            PlannedScope::EnvironmentGroup(Ref::CreatedBy(address)) => {
                format!("group:{}", group_ref::placeholder(address))
            }
            other => crate::plan::scope_label(&other.live().expect("names no created group")),
        }
    }
}

/// A group [`Ref`] as the string a group id field held: the id, or `@{address}`.
mod group_ref {
    use crate::plan::Ref;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn placeholder(address: &str) -> String {
        format!("@{address}")
    }

    pub(super) fn serialize<S: Serializer>(r: &Ref, s: S) -> Result<S::Ok, S::Error> {
        match r {
            Ref::Id(id) => s.serialize_str(id),
            Ref::CreatedBy(address) => s.serialize_str(&placeholder(address)),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Ref, D::Error> {
        let text = String::deserialize(d)?;
        Ok(match text.strip_prefix('@') {
            Some(address) => Ref::CreatedBy(address.to_owned()),
            None => Ref::Id(text),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_created_group_keeps_the_placeholder_form_in_json_and_reads_back() {
        let created =
            PlannedScope::EnvironmentGroup(Ref::CreatedBy("EnvironmentGroup.sales".into()));
        let json = serde_json::to_value(&created).unwrap();
        assert_eq!(json, json!({"environmentGroup": "@EnvironmentGroup.sales"}));
        let back: PlannedScope = serde_json::from_value(json).unwrap();
        assert_eq!(back, created);
        assert_eq!(back.created_group(), Some("EnvironmentGroup.sales"));
        assert_eq!(back.live(), None);
        assert_eq!(back.label(), "group:@EnvironmentGroup.sales");
    }

    #[test]
    fn live_scopes_serialise_as_observed_scopes_do() {
        for scope in [
            ObservedScope::Tenant,
            ObservedScope::EnvironmentGroup("4c9a2f71".into()),
            ObservedScope::Environment("e1".into()),
            ObservedScope::Unknown("/odd".into()),
        ] {
            let planned = PlannedScope::from(scope.clone());
            assert_eq!(
                serde_json::to_value(&planned).unwrap(),
                serde_json::to_value(&scope).unwrap()
            );
            assert_eq!(planned.created_group(), None);
            assert_eq!(planned.live(), Some(scope.clone()));
            assert_eq!(planned.label(), crate::plan::scope_label(&scope));
        }
    }
}
