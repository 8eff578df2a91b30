//! Resolving desired references to live objects.
//!
//! Identity without a state file: a resource is the live object pinned by its `metadata.id`,
//! or else the one live object with its display name. Two live objects with the name are an
//! error, never a guess.

use ppgov_core::model::{Desired, DlpPolicy, EnvironmentTarget};
use ppgov_core::observed::{Observed, ObservedEnvironment};
use std::collections::BTreeMap;

/// Why a reference did not resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unresolved {
    /// No live object matches.
    NotFound { what: String },
    /// Several live objects share the display name.
    Ambiguous { what: String, ids: Vec<String> },
    /// A pinned id names no live object.
    PinnedIdMissing { what: String, id: String },
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unresolved::NotFound { what } => write!(f, "no live {what}"),
            Unresolved::Ambiguous { what, ids } => {
                write!(
                    f,
                    "{} live objects match {what}: {}",
                    ids.len(),
                    ids.join(", ")
                )
            }
            Unresolved::PinnedIdMissing { what, id } => {
                write!(f, "{what} is pinned to id {id}, which does not exist")
            }
        }
    }
}

/// The annotation that declares a rename: the live object still has this display name, and
/// the plan renames it instead of creating a new object beside it.
pub const RENAMED_FROM: &str = "ppgov.dev/renamed-from";

/// The previous display name a resource declares, if any.
pub fn renamed_from(meta: &ppgov_core::model::ResourceMeta) -> Option<&str> {
    meta.annotations.get(RENAMED_FROM).map(String::as_str)
}

/// Lookup tables over the observed tenant.
pub struct Resolver<'a> {
    desired: &'a Desired,
    observed: &'a Observed,
    environments_by_name: BTreeMap<&'a str, Vec<&'a str>>,
    groups_by_name: BTreeMap<&'a str, Vec<&'a str>>,
    /// Tenant-level data policies only: environment-level ones are never adopted, even when
    /// a name matches.
    dlp_policies_by_name: BTreeMap<&'a str, Vec<&'a str>>,
}

/// How a desired data policy matches the live ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DlpMatch {
    /// No live policy: the plan creates one.
    New,
    /// This live tenant-level policy, by id.
    Live(String),
    /// Not planned: the error to report at `pointer`, and the live policies the document
    /// claims nonetheless (so they are not reported as unmanaged as well).
    Refused {
        pointer: &'static str,
        message: String,
        claimed: Vec<String>,
    },
}

impl<'a> Resolver<'a> {
    pub fn new(desired: &'a Desired, observed: &'a Observed) -> Self {
        let mut environments_by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for env in observed.environments.values() {
            environments_by_name
                .entry(env.display_name.as_str())
                .or_default()
                .push(&env.id);
        }
        let mut groups_by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for group in observed.environment_groups.values() {
            groups_by_name
                .entry(group.display_name.as_str())
                .or_default()
                .push(&group.id);
        }
        let mut dlp_policies_by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (id, p) in &observed.dlp_policies {
            if p.scope_mode.is_some() {
                dlp_policies_by_name
                    .entry(p.display_name.as_str())
                    .or_default()
                    .push(id);
            }
        }
        Resolver {
            desired,
            observed,
            environments_by_name,
            groups_by_name,
            dlp_policies_by_name,
        }
    }

    /// The live environment a desired reference denotes.
    pub fn environment(
        &self,
        target: &EnvironmentTarget,
    ) -> Result<&'a ObservedEnvironment, Unresolved> {
        match target {
            EnvironmentTarget::Id(id) => {
                self.observed
                    .environments
                    .get(id)
                    .ok_or_else(|| Unresolved::NotFound {
                        what: format!("environment with id {id}"),
                    })
            }
            EnvironmentTarget::DisplayName(name) => self.environment_by_display_name(name),
            EnvironmentTarget::Declared(name) => {
                let Some(env) = self.desired.environments.get(name) else {
                    return Err(Unresolved::NotFound {
                        what: format!("declared environment `{name}`"),
                    });
                };
                match &env.meta.id {
                    Some(id) => self.observed.environments.get(id).ok_or_else(|| {
                        Unresolved::PinnedIdMissing {
                            what: format!("environment `{name}`"),
                            id: id.clone(),
                        }
                    }),
                    None => match (
                        self.environment_by_display_name(&env.display_name),
                        renamed_from(&env.meta),
                    ) {
                        (Err(Unresolved::NotFound { .. }), Some(old)) => {
                            self.environment_by_display_name(old)
                        }
                        (found, _) => found,
                    },
                }
            }
        }
    }

    fn environment_by_display_name(
        &self,
        name: &str,
    ) -> Result<&'a ObservedEnvironment, Unresolved> {
        match self.environments_by_name.get(name).map(Vec::as_slice) {
            Some([id]) => Ok(&self.observed.environments[*id]),
            Some(ids) if ids.len() > 1 => Err(Unresolved::Ambiguous {
                what: format!("environment display name \"{name}\""),
                ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            }),
            _ => Err(Unresolved::NotFound {
                what: format!("environment named \"{name}\""),
            }),
        }
    }

    /// The live group a desired group matches; `Ok(None)` when it does not exist yet.
    pub fn group(&self, name: &str) -> Result<Option<&'a str>, Unresolved> {
        let Some(group) = self.desired.environment_groups.get(name) else {
            return Err(Unresolved::NotFound {
                what: format!("declared group `{name}`"),
            });
        };
        if let Some(id) = &group.meta.id {
            return match self.observed.environment_groups.get_key_value(id) {
                Some((id, _)) => Ok(Some(id.as_str())),
                None => Err(Unresolved::PinnedIdMissing {
                    what: format!("group `{name}`"),
                    id: id.clone(),
                }),
            };
        }
        let by_name = |name: &str| self.groups_by_name.get(name).map(Vec::as_slice);
        let found = match (by_name(&group.display_name), renamed_from(&group.meta)) {
            (None | Some([]), Some(old)) => by_name(old),
            (found, _) => found,
        };
        match found {
            None | Some([]) => Ok(None),
            Some([id]) => Ok(Some(id)),
            Some(ids) => Err(Unresolved::Ambiguous {
                what: format!("group display name \"{}\"", group.display_name),
                ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            }),
        }
    }
}

impl Resolver<'_> {
    /// The live tenant-level policy data policy `name` matches: pinned id, else display
    /// name, else a declared previous name.
    pub fn dlp_policy(&self, name: &str, policy: &DlpPolicy) -> DlpMatch {
        match &policy.meta.id {
            Some(id)
                if self
                    .observed
                    .dlp_policies
                    .get(id)
                    .is_some_and(|p| p.scope_mode.is_none()) =>
            {
                DlpMatch::Refused {
                    pointer: "/metadata/id",
                    message: format!(
                        "data policy `{name}` is pinned to id {id}, an environment-level policy, which tenant-level governance does not manage"
                    ),
                    claimed: vec![id.clone()],
                }
            }
            Some(id) if self.observed.dlp_policies.contains_key(id) => DlpMatch::Live(id.clone()),
            Some(id) => DlpMatch::Refused {
                pointer: "/metadata/id",
                message: Unresolved::PinnedIdMissing {
                    what: format!("data policy `{name}`"),
                    id: id.clone(),
                }
                .to_string(),
                claimed: Vec::new(),
            },
            None => {
                let by_name = |name: &str| self.dlp_policies_by_name.get(name).map(Vec::as_slice);
                match match (by_name(&policy.display_name), renamed_from(&policy.meta)) {
                    (None | Some([]), Some(old)) => by_name(old),
                    (found, _) => found,
                } {
                    None | Some([]) => DlpMatch::New,
                    Some([id]) => DlpMatch::Live((*id).to_owned()),
                    Some(ids) => DlpMatch::Refused {
                        pointer: "/spec/displayName",
                        message: format!(
                            "{} live data policies are named \"{}\" ({}); pin one with `metadata.id`",
                            ids.len(),
                            policy.display_name,
                            ids.join(", ")
                        ),
                        claimed: ids.iter().map(|id| (*id).to_owned()).collect(),
                    },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppgov_core::model::{Environment, ResourceMeta};

    fn observed_env(id: &str, name: &str) -> ObservedEnvironment {
        ObservedEnvironment {
            id: id.into(),
            display_name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn environments_resolve_by_pinned_id_then_display_name_and_refuse_to_guess() {
        let mut desired = Desired::default();
        for (name, display, id) in [
            ("a", "Alpha", None),
            ("b", "Twin", None),
            ("c", "Gamma", Some("c-id")),
            ("d", "Delta", Some("gone")),
        ] {
            desired.environments.insert(
                name.into(),
                Environment {
                    meta: ResourceMeta {
                        name: name.into(),
                        id: id.map(Into::into),
                        ..Default::default()
                    },
                    display_name: display.into(),
                    managed: None,
                    group: None,
                    environment_type: None,
                    region: None,
                    owned: false,
                    dataverse: None,
                    expires: None,
                    expiry_grace_days: 0,
                },
            );
        }
        let mut observed = Observed::default();
        for (id, name) in [
            ("a-id", "Alpha"),
            ("t1", "Twin"),
            ("t2", "Twin"),
            ("c-id", "Renamed Gamma"),
        ] {
            observed
                .environments
                .insert(id.into(), observed_env(id, name));
        }
        let r = Resolver::new(&desired, &observed);
        let declared = |n: &str| EnvironmentTarget::Declared(n.into());
        assert_eq!(r.environment(&declared("a")).unwrap().id, "a-id");
        assert_eq!(
            r.environment(&declared("c")).unwrap().id,
            "c-id",
            "a pinned id wins over the name"
        );
        assert!(
            matches!(r.environment(&declared("b")), Err(Unresolved::Ambiguous { ids, .. }) if ids.len() == 2)
        );
        assert!(matches!(
            r.environment(&declared("d")),
            Err(Unresolved::PinnedIdMissing { .. })
        ));
        assert!(matches!(
            r.environment(&EnvironmentTarget::Id("zzz".into())),
            Err(Unresolved::NotFound { .. })
        ));
        assert_eq!(
            r.environment(&EnvironmentTarget::DisplayName("Alpha".into()))
                .unwrap()
                .id,
            "a-id"
        );
    }
}
