//! One module per check, each with its `INFO` and `run`; listed once in `rules!`. Helpers
//! shared by several checks are below.

use crate::view::{EnvironmentView, GroupView, PolicyView, Side, View};
use crate::{Anchor, Context, Raw};
use ppgov_core::inventory::InventoryItem;
use ppgov_core::model::GroupRules;

macro_rules! rules {
    ($($module:ident),* $(,)?) => {
        $(pub mod $module;)*
        /// Every check the engine runs, in id order.
        pub const ALL: &[crate::Rule] = &[
            $(crate::Rule { info: &$module::INFO, run: $module::run },)*
        ];
    };
}

rules! {
    c001_default_environment_covered,
    c002_default_environment_restrictive,
    c003_tenant_wide_baseline,
    c004_environment_covered,
    c005_default_group_business,
    c006_policy_blocks_nothing,
    c007_http_endpoint_rules,
    c008_custom_connector_patterns,
    c009_custom_connector_catch_all_business,
    c010_dlp_ownership_exclusive,
    c011_production_managed,
    c012_production_in_group,
    c013_production_sharing_limits,
    c014_production_solution_checker,
    c015_environment_in_group,
    c016_environment_creation_admins,
    c017_trial_creation_admins,
    c018_developer_creation_admins,
    c019_share_with_everyone,
    c020_connection_sharing_everyone,
    c021_guests_make,
    c022_roles_to_groups,
    c023_tenant_admin_count,
    c024_cross_geo_generative_ai,
    c025_usage_insights,
    c026_admin_digest,
    c027_tenant_settings_governed,
    c028_maker_welcome_content,
    c029_group_ownership_exclusive,
    c030_default_environment_routing,
    c031_unrated_business_connector,
    c032_tenant_isolation,
    c201_app_dlp_violation,
    c202_flow_dlp_violation,
    c203_flow_suspended,
    c204_app_service_noncompliant,
    c205_orphaned_item,
    c206_guest_owned_item,
    c207_app_oversharing,
    c208_connection_error,
    c209_app_bypass_consent,
    c210_app_review_overdue,
    c211_app_quarantined,
    c212_independent_publisher_connector,
    c213_deprecated_connector,
}

pub mod expired_suppression;

pub(crate) fn raw(anchor: Anchor, message: impl Into<String>) -> Raw {
    Raw {
        anchor,
        message: message.into(),
        fix_yaml: None,
    }
}

/// `what` with the side's noun, for messages: "in the tenant".
fn side_suffix(view: &View<'_>) -> &'static str {
    match view.side {
        Side::Repository => "",
        Side::Tenant => " (live)",
    }
}

/// A boolean tenant setting that must be `want`: on the repository side it must be written
/// so; on the tenant side an unset setting is the platform default, `default`.
pub(crate) fn setting(cx: &Context<'_>, out: &mut Vec<Raw>, path: &str, want: bool, default: bool) {
    for view in &cx.views {
        let value = match (view.side, &view.settings) {
            (Side::Tenant, None) => continue, // not read
            (Side::Tenant, Some(_)) => Some(view.setting_bool(path).unwrap_or(default)),
            (Side::Repository, _) => view.setting_bool(path),
        };
        if value == Some(want) {
            continue;
        }
        let message = match value {
            None => format!(
                "{} does not set `{path}` (it should be `{want}`)",
                view.noun()
            ),
            Some(v) => format!(
                "`{path}` is `{v}` in {}; it should be `{want}`",
                view.noun()
            ),
        };
        out.push(raw(view.setting_anchor(path), message));
    }
}

/// Calls `f` for every environment of every side.
pub(crate) fn each_environment(
    cx: &Context<'_>,
    out: &mut Vec<Raw>,
    f: impl Fn(&View<'_>, &EnvironmentView) -> Option<(&'static str, String)>,
) {
    for view in &cx.views {
        for env in &view.environments {
            if let Some((pointer, message)) = f(view, env) {
                out.push(raw(env.origin.at(pointer), message + side_suffix(view)));
            }
        }
    }
}

/// Calls `f` for every DLP policy of every side (environment-level policies excluded).
pub(crate) fn each_policy(
    cx: &Context<'_>,
    out: &mut Vec<Raw>,
    f: impl Fn(&View<'_>, &PolicyView) -> Option<(&'static str, String)>,
) {
    for view in &cx.views {
        for policy in view.policies.iter().filter(|p| p.scope_mode.is_some()) {
            if let Some((pointer, message)) = f(view, policy) {
                out.push(raw(policy.origin.at(pointer), message + side_suffix(view)));
            }
        }
    }
}

/// The groups that hold production environments, with those environments' names.
fn production_groups<'v>(view: &'v View<'_>) -> Vec<(&'v GroupView, Vec<&'v str>)> {
    let mut groups: Vec<(&GroupView, Vec<&str>)> = Vec::new();
    // Each group's place in `groups` (first seen first), found by key in a map: a scan of
    // `groups` per environment is groups × environments.
    let mut position: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for env in view.production() {
        let Some(group) = env.group.as_ref().and_then(|g| view.groups.get(g)) else {
            continue;
        };
        match position.get(group.key.as_str()) {
            Some(&i) => groups[i].1.push(&env.display_name),
            None => {
                position.insert(&group.key, groups.len());
                groups.push((group, vec![&env.display_name]));
            }
        }
    }
    groups
}

/// A rule every group holding production environments must have: `problem` says what is
/// wrong with the group's rules, if anything.
pub(crate) fn production_group_rule(
    cx: &Context<'_>,
    out: &mut Vec<Raw>,
    pointer: &str,
    problem: impl Fn(&GroupRules) -> Option<String>,
) {
    for view in &cx.views {
        for (group, envs) in production_groups(view) {
            if let Some(problem) = problem(&group.rules) {
                out.push(raw(
                    group.origin.at(pointer),
                    format!(
                        "group `{}` holds production environments ({}) but {problem}{}",
                        group.display_name,
                        envs.join(", "),
                        side_suffix(view)
                    ),
                ));
            }
        }
    }
}

/// A rule every group should have: `problem` says what is wrong, if anything.
pub(crate) fn group_rule(
    cx: &Context<'_>,
    out: &mut Vec<Raw>,
    pointer: &str,
    problem: impl Fn(&GroupRules) -> Option<String>,
) {
    for view in &cx.views {
        for group in view.groups.values() {
            if let Some(problem) = problem(&group.rules) {
                out.push(raw(
                    group.origin.at(pointer),
                    format!(
                        "group `{}`: {problem}{}",
                        group.display_name,
                        side_suffix(view)
                    ),
                ));
            }
        }
    }
}

/// Calls `f` for every app and flow of the tenant's inventory.
pub(crate) fn each_item(
    cx: &Context<'_>,
    out: &mut Vec<Raw>,
    f: impl Fn(&InventoryItem) -> Option<String>,
) {
    let Some(observed) = cx.observed else { return };
    for env in observed.inventory.environments.values() {
        for item in env.apps.values().chain(env.flows.values()) {
            if let Some(message) = f(item) {
                out.push(raw(item_anchor(item), message));
            }
        }
    }
}

/// Calls `f` for every connector of the catalog that an app or flow of the inventory uses
/// (one finding per item and connector).
pub(crate) fn each_catalog_connector_use(
    cx: &Context<'_>,
    out: &mut Vec<Raw>,
    f: impl Fn(&InventoryItem, &ppgov_core::catalog::Connector) -> Option<String>,
) {
    let Some(observed) = cx.observed else { return };
    let by_key: std::collections::BTreeMap<String, &ppgov_core::catalog::Connector> = cx
        .loaded
        .catalog
        .iter()
        .map(|c| (ppgov_core::inventory::connector_key(&c.name), c))
        .collect();
    for env in observed.inventory.environments.values() {
        for item in env.apps.values().chain(env.flows.values()) {
            for key in item.connectors.keys() {
                if let Some(message) = by_key.get(key).and_then(|c| f(item, c)) {
                    out.push(raw(item_anchor(item), message));
                }
            }
        }
    }
}

/// A live app or flow: `App[<id>]` / `Flow[<id>]`, in its environment.
pub(crate) fn item_anchor(item: &InventoryItem) -> Anchor {
    let kind = match item.kind {
        ppgov_core::inventory::ItemKind::App => "App",
        ppgov_core::inventory::ItemKind::Flow => "Flow",
    };
    Anchor::Live {
        address: format!("{kind}[{}]", item.id),
        id: Some(item.id.clone()),
    }
}

/// How an item is named in messages: `app "Expenses" in environment "Finance Prod"`.
pub(crate) fn item_name(cx: &Context<'_>, item: &InventoryItem) -> String {
    let kind = match item.kind {
        ppgov_core::inventory::ItemKind::App => "app",
        ppgov_core::inventory::ItemKind::Flow => "flow",
    };
    let env = cx
        .observed
        .and_then(|o| o.environments.get(&item.environment_id))
        .map_or(item.environment_id.as_str(), |e| e.display_name.as_str());
    format!("{kind} `{}` in environment `{env}`", item.display_name)
}

/// The origin of a view's repository (for "missing" findings).
pub(crate) fn repository_anchor(view: &View<'_>, pointer: &str) -> Anchor {
    match view.side {
        Side::Repository => Anchor::Repository {
            pointer: pointer.to_owned(),
        },
        Side::Tenant => Anchor::Live {
            address: "Tenant".into(),
            id: None,
        },
    }
}

/// Apps or flows of the inventory that violate a live DLP policy, one finding per item.
pub(crate) fn dlp_violations(
    cx: &Context<'_>,
    out: &mut Vec<Raw>,
    kind: ppgov_core::inventory::ItemKind,
) {
    let Some(observed) = cx.observed else { return };
    let evaluator =
        ppgov_core::dlp_eval::Evaluator::new(observed.dlp_policies.values(), &cx.loaded.catalog);
    for env in observed.inventory.environments.values() {
        for item in env.apps.values().chain(env.flows.values()) {
            if item.kind != kind {
                continue;
            }
            let evaluation = evaluator.evaluate(item, &env.custom_connectors);
            for violation in &evaluation.violations {
                let reasons: Vec<String> =
                    violation.reasons.iter().map(|r| r.to_string()).collect();
                out.push(raw(
                    item_anchor(item),
                    format!(
                        "{} violates policy `{}`: {}",
                        item_name(cx, item),
                        violation.policy_name,
                        reasons.join("; ")
                    ),
                ));
            }
        }
    }
}
