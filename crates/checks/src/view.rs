//! One shape for the two sides a check can read: the repository's desired model and the
//! observed tenant. Most checks are about governance as such (is the default environment
//! covered, are production environments managed), so they read a [`View`] and hold for the
//! repository with `ppgov check` and for both with `ppgov assess`.
//!
//! Environments are keyed by `metadata.name` in the repository and by id in the tenant; a
//! repository reference to an undeclared live environment is keyed by what it names.

use crate::Anchor;
use ppgov_core::Kind;
use ppgov_core::Loaded;
use ppgov_core::inventory::{ConnectorKey, connector_key};
use ppgov_core::model::{
    ConnectorGroup, Desired, EnvironmentTarget, EnvironmentType, GroupRules, PatternGroup,
    PrincipalType, Role, RoleScope, ScopeMode, SelectorInput, UrlPattern,
};
use ppgov_core::observed::{Observed, ObservedScope, flatten_settings};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Repository,
    Tenant,
}

/// Where an object of a view comes from, to anchor findings on it.
#[derive(Clone, Debug)]
pub enum Origin {
    Document { kind: Kind, name: String },
    Live { kind: Kind, id: String },
}

impl Origin {
    /// The anchor of the value at `pointer` (repository) or of the object (tenant).
    pub fn at(&self, pointer: &str) -> Anchor {
        match self {
            Origin::Document { kind, name } => Anchor::Document {
                kind: *kind,
                name: name.clone(),
                pointer: pointer.to_owned(),
            },
            Origin::Live { kind, id } => Anchor::Live {
                address: format!("{}[{id}]", kind.as_str()),
                id: Some(id.clone()),
            },
        }
    }
}

pub struct EnvironmentView {
    pub key: String,
    pub display_name: String,
    pub environment_type: Option<EnvironmentType>,
    /// `None`: the repository does not say.
    pub managed: Option<bool>,
    /// The group key.
    pub group: Option<String>,
    pub is_default: bool,
    pub origin: Origin,
    /// How many of the view's DLP policies apply to it, counted once per view
    /// ([`crate::coverage`]): `0` means none covers it.
    pub covering_policies: usize,
}

pub struct GroupView {
    pub key: String,
    pub display_name: String,
    pub rules: GroupRules,
    pub origin: Origin,
}

pub struct PolicyView {
    pub key: String,
    pub display_name: String,
    /// `None`: an environment-level policy.
    pub scope_mode: Option<ScopeMode>,
    /// The environment keys listed (groups expanded).
    pub environments: BTreeSet<String>,
    pub default_group: ConnectorGroup,
    pub classification: BTreeMap<ConnectorKey, ConnectorGroup>,
    pub endpoint_rules: BTreeSet<ConnectorKey>,
    pub custom_connector_patterns: Vec<UrlPattern>,
    pub origin: Origin,
}

impl PolicyView {
    /// Whether the policy applies to the environment `key`.
    pub fn covers(&self, key: &str) -> bool {
        let listed = self.environments.contains(key);
        match self.scope_mode {
            Some(ScopeMode::All) => true,
            Some(ScopeMode::AllExcept) => !listed,
            Some(ScopeMode::Only) | None => listed,
        }
    }

    pub fn is_tenant_wide(&self) -> bool {
        matches!(
            self.scope_mode,
            Some(ScopeMode::All) | Some(ScopeMode::AllExcept)
        )
    }

    /// The group a connector is in under this policy.
    pub fn group_of(&self, connector: &str) -> ConnectorGroup {
        self.classification
            .get(connector)
            .copied()
            .unwrap_or(self.default_group)
    }

    /// The policy's catch-all custom connector pattern's group, if it has patterns.
    pub fn custom_catch_all(&self) -> Option<PatternGroup> {
        self.custom_connector_patterns
            .iter()
            .find(|p| p.pattern.trim() == "*")
            .map(|p| p.group)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeView {
    Tenant,
    Group(String),
    Environment(String),
    Other,
}

pub struct RoleView {
    pub principal_id: String,
    pub principal_type: Option<PrincipalType>,
    pub principal_name: Option<String>,
    pub role: Option<Role>,
    pub scope: ScopeView,
    pub origin: Origin,
    /// Where in the origin the principal is written.
    pub pointer: &'static str,
}

pub struct View<'a> {
    pub side: Side,
    pub environments: Vec<EnvironmentView>,
    pub groups: BTreeMap<String, GroupView>,
    pub policies: Vec<PolicyView>,
    pub roles: Vec<RoleView>,
    /// Flattened tenant settings (`powerPlatform.powerApps.disableShareWithEveryone`);
    /// `None` when the repository declares none or the tenant's were not read.
    pub settings: Option<BTreeMap<String, Value>>,
    /// The anchor for "settings are missing": the TenantSettings document, or the repository.
    pub settings_origin: Option<Origin>,
    /// The desired model, on the repository side.
    pub desired: Option<&'a Desired>,
}

/// The key the repository side uses for the tenant's default environment when no
/// `Environment` document declares it.
pub const UNDECLARED_DEFAULT: &str = "(default environment)";

impl<'a> View<'a> {
    pub fn repository(loaded: &'a Loaded) -> View<'a> {
        let desired = &loaded.desired;
        let compiled: Vec<(&String, Vec<_>)> = desired
            .environment_groups
            .iter()
            .map(|(name, g)| (name, g.selectors.iter().map(|s| s.compile()).collect()))
            .collect();
        let mut environments: Vec<EnvironmentView> = desired
            .environments
            .iter()
            .map(|(name, e)| {
                let input = SelectorInput {
                    environment_type: e.environment_type,
                    region: e.region.as_deref(),
                    display_name: &e.display_name,
                    labels: Some(&e.meta.labels),
                };
                let by_selector = compiled
                    .iter()
                    .find(|(_, selectors)| selectors.iter().any(|s| s.matches(input)))
                    .map(|(g, _)| (*g).clone());
                EnvironmentView {
                    key: name.clone(),
                    display_name: e.display_name.clone(),
                    environment_type: e.environment_type,
                    managed: e.managed,
                    group: e.group.clone().or(by_selector),
                    is_default: e.environment_type == Some(EnvironmentType::Default),
                    origin: Origin::Document {
                        kind: Kind::Environment,
                        name: name.clone(),
                    },
                    covering_policies: 0,
                }
            })
            .collect();
        let target_key = |t: &EnvironmentTarget| -> String {
            let found = desired.environments.iter().find(|(_, e)| match t {
                EnvironmentTarget::Declared(n) => &e.meta.name == n,
                EnvironmentTarget::Id(id) => e.meta.id.as_deref() == Some(id.as_str()),
                EnvironmentTarget::DisplayName(d) => &e.display_name == d,
            });
            match (found, t) {
                (Some((name, _)), _) => name.clone(),
                (None, EnvironmentTarget::Declared(n)) => n.clone(),
                (None, EnvironmentTarget::Id(id)) => id.clone(),
                (None, EnvironmentTarget::DisplayName(d)) => d.clone(),
            }
        };
        let policies: Vec<PolicyView> = desired
            .dlp_policies
            .iter()
            .map(|(name, p)| {
                let mut listed: BTreeSet<String> =
                    p.scope.environments.iter().map(target_key).collect();
                for env in &environments {
                    if env
                        .group
                        .as_ref()
                        .is_some_and(|g| p.scope.environment_groups.contains(g))
                    {
                        listed.insert(env.key.clone());
                    }
                }
                PolicyView {
                    key: name.clone(),
                    display_name: p.display_name.clone(),
                    scope_mode: Some(p.scope.mode),
                    environments: listed,
                    default_group: p.default_group,
                    classification: keyed(&p.classification),
                    endpoint_rules: p.endpoint_rules.keys().map(|c| connector_key(c)).collect(),
                    custom_connector_patterns: p.custom_connector_patterns.clone(),
                    origin: Origin::Document {
                        kind: Kind::DlpPolicy,
                        name: name.clone(),
                    },
                }
            })
            .collect();
        let groups = desired
            .environment_groups
            .iter()
            .map(|(name, g)| {
                (
                    name.clone(),
                    GroupView {
                        key: name.clone(),
                        display_name: g.display_name.clone(),
                        rules: g.rules.clone(),
                        origin: Origin::Document {
                            kind: Kind::EnvironmentGroup,
                            name: name.clone(),
                        },
                    },
                )
            })
            .collect();
        let roles = desired
            .role_assignments
            .values()
            .map(|a| RoleView {
                principal_id: a.key.principal_id.clone(),
                principal_type: Some(a.principal_type),
                principal_name: a.principal_name.clone(),
                role: Some(a.key.role),
                scope: match &a.key.scope {
                    RoleScope::Tenant => ScopeView::Tenant,
                    RoleScope::EnvironmentGroup(g) => ScopeView::Group(g.clone()),
                    RoleScope::Environment(t) => ScopeView::Environment(target_key(t)),
                },
                origin: Origin::Document {
                    kind: Kind::RoleAssignment,
                    name: a.document.clone(),
                },
                pointer: "/spec/principals",
            })
            .collect();
        let (settings, settings_origin) = match &desired.tenant_settings {
            Some(s) => (
                Some(flatten_settings(
                    &serde_json::to_value(&s.settings).unwrap_or_default(),
                )),
                Some(Origin::Document {
                    kind: Kind::TenantSettings,
                    name: s.meta.name.clone(),
                }),
            ),
            None => (None, None),
        };
        crate::coverage::count_covering(&mut environments, &policies);
        View {
            side: Side::Repository,
            environments,
            groups,
            policies,
            roles,
            settings,
            settings_origin,
            desired: Some(desired),
        }
    }

    pub fn tenant(observed: &'a Observed) -> View<'a> {
        let mut environments: Vec<EnvironmentView> = observed
            .environments
            .values()
            .map(|e| EnvironmentView {
                key: e.id.clone(),
                display_name: e.display_name.clone(),
                environment_type: parse_type(&e.environment_type),
                managed: Some(e.managed),
                group: e.group_id.clone(),
                is_default: e.is_default,
                origin: Origin::Live {
                    kind: Kind::Environment,
                    id: e.id.clone(),
                },
                covering_policies: 0,
            })
            .collect();
        let groups = observed
            .environment_groups
            .values()
            .map(|g| {
                (
                    g.id.clone(),
                    GroupView {
                        key: g.id.clone(),
                        display_name: g.display_name.clone(),
                        rules: g.rules.clone(),
                        origin: Origin::Live {
                            kind: Kind::EnvironmentGroup,
                            id: g.id.clone(),
                        },
                    },
                )
            })
            .collect();
        let policies: Vec<PolicyView> = observed
            .dlp_policies
            .values()
            .map(|p| PolicyView {
                key: p.id.clone(),
                display_name: p.display_name.clone(),
                scope_mode: p.scope_mode,
                environments: p.environment_ids.clone(),
                default_group: p.default_group,
                classification: keyed(&p.classification),
                endpoint_rules: p.endpoint_rules.keys().map(|c| connector_key(c)).collect(),
                custom_connector_patterns: p.custom_connector_patterns.clone(),
                origin: Origin::Live {
                    kind: Kind::DlpPolicy,
                    id: p.id.clone(),
                },
            })
            .collect();
        let roles = observed
            .role_assignments
            .values()
            .map(|a| RoleView {
                principal_id: a.principal_id.clone(),
                principal_type: a.principal_type,
                principal_name: a.principal_name.clone(),
                role: a.role,
                scope: match &a.scope {
                    ObservedScope::Tenant => ScopeView::Tenant,
                    ObservedScope::EnvironmentGroup(g) => ScopeView::Group(g.clone()),
                    ObservedScope::Environment(e) => ScopeView::Environment(e.clone()),
                    ObservedScope::Unknown(_) => ScopeView::Other,
                },
                origin: Origin::Live {
                    kind: Kind::RoleAssignment,
                    id: a.id.clone(),
                },
                pointer: "",
            })
            .collect();
        let settings =
            (!observed.tenant_settings.is_empty()).then(|| observed.tenant_settings.clone());
        crate::coverage::count_covering(&mut environments, &policies);
        View {
            side: Side::Tenant,
            environments,
            groups,
            policies,
            roles,
            settings_origin: settings.as_ref().map(|_| Origin::Live {
                kind: Kind::TenantSettings,
                id: observed
                    .tenant_id
                    .clone()
                    .unwrap_or_else(|| "tenant".into()),
            }),
            settings,
            desired: None,
        }
    }

    /// The default environment's key, whether or not it is declared (repository side).
    pub fn default_environment(&self) -> Option<String> {
        match self.environments.iter().find(|e| e.is_default) {
            Some(e) => Some(e.key.clone()),
            None if self.side == Side::Repository => Some(UNDECLARED_DEFAULT.to_owned()),
            None => None,
        }
    }

    /// The policies that apply to an environment.
    pub fn policies_covering<'v>(&'v self, key: &'v str) -> impl Iterator<Item = &'v PolicyView> {
        self.policies.iter().filter(move |p| p.covers(key))
    }

    /// Production environments.
    pub fn production(&self) -> impl Iterator<Item = &EnvironmentView> {
        self.environments
            .iter()
            .filter(|e| e.environment_type == Some(EnvironmentType::Production))
    }

    /// A boolean tenant setting, when settings are known and it is set.
    pub fn setting_bool(&self, path: &str) -> Option<bool> {
        self.settings.as_ref()?.get(path)?.as_bool()
    }

    /// The anchor of a tenant setting: its value in the TenantSettings document (or the
    /// document), the live settings, or the repository when no document declares settings.
    pub fn setting_anchor(&self, path: &str) -> Anchor {
        match &self.settings_origin {
            Some(origin) => origin.at(&format!("/spec/{}", path.replace('.', "/"))),
            None => Anchor::Repository {
                pointer: String::new(),
            },
        }
    }

    /// "the repository" or "the tenant", for messages.
    pub fn noun(&self) -> &'static str {
        match self.side {
            Side::Repository => "the repository",
            Side::Tenant => "the tenant",
        }
    }
}

fn keyed(groups: &BTreeMap<String, ConnectorGroup>) -> BTreeMap<ConnectorKey, ConnectorGroup> {
    groups.iter().map(|(c, g)| (connector_key(c), *g)).collect()
}

fn parse_type(s: &str) -> Option<EnvironmentType> {
    Some(match s.to_ascii_lowercase().as_str() {
        "production" => EnvironmentType::Production,
        "sandbox" => EnvironmentType::Sandbox,
        "trial" => EnvironmentType::Trial,
        "developer" => EnvironmentType::Developer,
        "default" => EnvironmentType::Default,
        "teams" => EnvironmentType::Teams,
        _ => return None,
    })
}
