//! The platform's DLP evaluation, modelled: which policies apply to an environment, and
//! whether an app or flow ([`InventoryItem`]) violates them, with the reasons.
//!
//! Policies are [`ObservedDlpPolicy`] values on both sides of a comparison: the tenant
//! client converts live policies into them, and the planner lowers a desired policy into one
//! (its `after` value, environment groups already expanded to their member environments), so
//! the same evaluation answers "today" and "after the plan".
//!
//! The rules, from Microsoft Learn (Power Platform admin documentation):
//! - "Data policies" / "Connector classification": every connector of a policy is in one
//!   group, Business, Non-business or Blocked; unlisted connectors are in the policy's
//!   default group. An app or flow may not use a Blocked connector, nor connectors of the
//!   Business and the Non-business group together.
//! - "Combined effect of multiple data policies": every policy that applies to the
//!   environment is enforced; an item must satisfy each one (the most restrictive wins).
//!   Violations are therefore reported per policy.
//! - "Connector action control": a policy may allow or block individual actions of a
//!   connector, with a default for actions not listed.
//! - "Connector endpoint filtering": an ordered list of allow/deny endpoint patterns per
//!   connector, ending in `*`; the first pattern that matches decides. Only static
//!   endpoints are evaluated.
//! - "DLP for custom connectors": tenant-level policies classify custom connectors by their
//!   host URL with an ordered pattern list ending in `*`; the first match decides; `Ignore`
//!   leaves the connector unclassified in that policy (other policies decide), so it can be
//!   used with Business and Non-business connectors alike. Environment-level policies
//!   classify custom connectors by name like any other connector (default group if unlisted).
//! - Some connectors cannot be blocked (the catalog's `unblockable`): the admin center keeps
//!   them in Non-business when the default group is Blocked; they never count as Blocked here.
//!
//! Where the platform's behaviour is not documented ppgov chooses, and says so: a tenant-level
//! policy without URL patterns classifies custom connectors by name like an environment-level
//! one; URL patterns take precedence over a custom connector listed by name.

use crate::catalog::Catalog;
use crate::inventory::{
    ConnectorKey, ConnectorUsage, ConnectorUse, CustomConnector, InventoryItem, connector_key,
};
use crate::model::{AllowBlock, AllowDeny, ConnectorGroup, PatternGroup, ScopeMode};
use crate::observed::ObservedDlpPolicy;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Why a policy applies to an environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Coverage {
    /// A tenant-wide policy (`AllEnvironments`).
    AllEnvironments,
    /// A tenant-wide policy that does not exclude the environment (`ExceptEnvironments`).
    NotExcluded,
    /// A policy that lists the environment (`OnlyEnvironments`; a policy scoped to an
    /// environment group is lowered to the group's members).
    Included,
    /// The environment's own environment-level policy (`SingleEnvironment`).
    EnvironmentLevel,
}

/// Whether, and why, `policy` applies to the environment (id compared case-insensitively).
pub fn coverage(policy: &ObservedDlpPolicy, environment_id: &str) -> Option<Coverage> {
    let listed = policy
        .environment_ids
        .contains(&environment_id.to_lowercase());
    match policy.scope_mode {
        Some(ScopeMode::All) => Some(Coverage::AllEnvironments),
        Some(ScopeMode::AllExcept) => (!listed).then_some(Coverage::NotExcluded),
        Some(ScopeMode::Only) => listed.then_some(Coverage::Included),
        None => listed.then_some(Coverage::EnvironmentLevel),
    }
}

/// A pattern of an ordered rule list: `*` matches anything (even an unknown value); other
/// patterns are case-insensitive globs, compared literally when they are not valid globs.
#[derive(Clone, Debug)]
struct Pattern {
    text: String,
    glob: Option<globset::GlobMatcher>,
}

impl Pattern {
    fn new(text: &str) -> Pattern {
        let text = text.trim().to_owned();
        let glob = globset::GlobBuilder::new(&text)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .ok()
            .map(|g| g.compile_matcher());
        Pattern { text, glob }
    }

    fn matches(&self, value: Option<&str>) -> bool {
        if self.text == "*" {
            return true;
        }
        let Some(value) = value else { return false };
        let value = value.trim().trim_end_matches('/');
        match &self.glob {
            Some(glob) => glob.is_match(value),
            None => self.text.eq_ignore_ascii_case(value),
        }
    }
}

/// One policy, indexed by connector key for evaluating many items.
#[derive(Clone, Debug)]
pub struct CompiledPolicy<'a> {
    pub policy: &'a ObservedDlpPolicy,
    groups: BTreeMap<ConnectorKey, ConnectorGroup>,
    /// Default behaviour and lower-cased action id to behaviour.
    actions: BTreeMap<ConnectorKey, (AllowBlock, BTreeMap<String, AllowBlock>)>,
    endpoints: BTreeMap<ConnectorKey, Vec<(Pattern, AllowDeny)>>,
    url_patterns: Vec<(Pattern, PatternGroup)>,
}

impl<'a> CompiledPolicy<'a> {
    pub fn new(policy: &'a ObservedDlpPolicy) -> Self {
        CompiledPolicy {
            policy,
            groups: policy
                .classification
                .iter()
                .map(|(id, g)| (connector_key(id), *g))
                .collect(),
            actions: policy
                .action_rules
                .iter()
                .map(|(id, r)| {
                    let actions = r
                        .actions
                        .iter()
                        .map(|(a, b)| (a.to_lowercase(), *b))
                        .collect();
                    (connector_key(id), (r.default_behavior, actions))
                })
                .collect(),
            endpoints: policy
                .endpoint_rules
                .iter()
                .map(|(id, rules)| {
                    let rules = rules
                        .iter()
                        .map(|r| (Pattern::new(&r.endpoint), r.behavior))
                        .collect();
                    (connector_key(id), rules)
                })
                .collect(),
            url_patterns: policy
                .custom_connector_patterns
                .iter()
                .map(|p| (Pattern::new(&p.pattern), p.group))
                .collect(),
        }
    }

    /// The group of one connector under this policy, and why; `None` when an `Ignore` URL
    /// pattern leaves a custom connector unclassified.
    fn classify(
        &self,
        key: &str,
        used: &ConnectorUse,
        custom: Option<&CustomConnector>,
        unblockable: &BTreeSet<ConnectorKey>,
    ) -> Option<(ConnectorGroup, GroupSource)> {
        let (group, source) = 'found: {
            if (used.custom || custom.is_some()) && !self.url_patterns.is_empty() {
                let host = custom.and_then(|c| c.host_url.as_deref());
                if let Some((pattern, group)) =
                    self.url_patterns.iter().find(|(p, _)| p.matches(host))
                {
                    let source = GroupSource::UrlPattern(pattern.text.clone());
                    break 'found match group {
                        PatternGroup::Ignore => return None,
                        PatternGroup::Business => (ConnectorGroup::Business, source),
                        PatternGroup::NonBusiness => (ConnectorGroup::NonBusiness, source),
                        PatternGroup::Blocked => (ConnectorGroup::Blocked, source),
                    };
                }
            }
            match self.groups.get(key) {
                Some(g) => (*g, GroupSource::Listed),
                None => (self.policy.default_group, GroupSource::Default),
            }
        };
        if group == ConnectorGroup::Blocked && unblockable.contains(key) {
            return Some((ConnectorGroup::NonBusiness, source));
        }
        Some((group, source))
    }

    /// Every way an item that uses `usage` (its [`InventoryItem::connectors`]) violates this
    /// policy, in a stable order: blocked connectors, mixed groups, blocked actions, denied
    /// endpoints. `unblockable` is [`unblockable`] of the catalog. [`Evaluator::evaluate`]
    /// checks every policy of an environment; this one policy alone serves callers that
    /// compare two versions of a few policies over many items (or usage profiles: the answer
    /// depends on nothing else of the item).
    pub fn violations(
        &self,
        usage: &ConnectorUsage,
        custom_connectors: &BTreeMap<ConnectorKey, CustomConnector>,
        unblockable: &BTreeSet<ConnectorKey>,
    ) -> Vec<Reason> {
        let mut reasons = Vec::new();
        self.scan(usage, custom_connectors, unblockable, Some(&mut reasons));
        reasons
    }

    /// Whether an item that uses `usage` complies with this policy: [`Self::violations`] is
    /// empty, found without building the reasons (it stops at the first violation).
    pub fn complies(
        &self,
        usage: &ConnectorUsage,
        custom_connectors: &BTreeMap<ConnectorKey, CustomConnector>,
        unblockable: &BTreeSet<ConnectorKey>,
    ) -> bool {
        self.scan(usage, custom_connectors, unblockable, None)
    }

    /// Whether `usage` complies; with `reasons`, every violation is recorded there, else the
    /// scan stops at the first one.
    fn scan(
        &self,
        usage: &ConnectorUsage,
        custom_connectors: &BTreeMap<ConnectorKey, CustomConnector>,
        unblockable: &BTreeSet<ConnectorKey>,
        mut reasons: Option<&mut Vec<Reason>>,
    ) -> bool {
        let mut complies = true;
        // A violation: recorded, or the answer.
        macro_rules! violated {
            ($reason:expr) => {{
                complies = false;
                match reasons.as_deref_mut() {
                    Some(reasons) => reasons.push($reason),
                    None => return false,
                }
            }};
        }
        // Sets only when reasons are recorded: a plain answer allocates nothing.
        let collect = reasons.is_some();
        let (mut any_business, mut any_non_business) = (false, false);
        let mut business = BTreeSet::new();
        let mut non_business = BTreeSet::new();
        let mut blocked = BTreeSet::new();
        for (key, used) in usage {
            let custom = custom_connectors.get(key);
            match self.classify(key, used, custom, unblockable) {
                None => {}
                Some((ConnectorGroup::Business, _)) => {
                    any_business = true;
                    if collect {
                        business.insert(key);
                    }
                }
                Some((ConnectorGroup::NonBusiness, _)) => {
                    any_non_business = true;
                    if collect {
                        non_business.insert(key);
                    }
                }
                Some((ConnectorGroup::Blocked, source)) => {
                    if collect {
                        blocked.insert(key);
                    }
                    violated!(Reason::BlockedConnector {
                        connector: key.clone(),
                        source,
                    });
                }
            }
        }
        if any_business && any_non_business {
            let owned = |set: BTreeSet<&ConnectorKey>| set.into_iter().cloned().collect();
            violated!(Reason::MixedGroups {
                business: owned(business),
                non_business: owned(non_business),
            });
        }
        for (key, used) in usage {
            if blocked.contains(key) {
                continue;
            }
            if let (Some(ops), Some((default, rules))) = (&used.operations, self.actions.get(key)) {
                for op in ops {
                    let listed = rules.get(&op.to_lowercase());
                    if *listed.unwrap_or(default) == AllowBlock::Block {
                        violated!(Reason::BlockedAction {
                            connector: key.clone(),
                            action: op.clone(),
                            by_default: listed.is_none(),
                        });
                    }
                }
            }
            if let Some(rules) = self.endpoints.get(key) {
                for endpoint in &used.endpoints {
                    let first = rules.iter().find(|(p, _)| p.matches(Some(endpoint)));
                    if let Some((pattern, AllowDeny::Deny)) = first {
                        violated!(Reason::DeniedEndpoint {
                            connector: key.clone(),
                            endpoint: endpoint.clone(),
                            rule: pattern.text.clone(),
                        });
                    }
                }
            }
        }
        complies
    }
}

/// Where a connector's group came from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GroupSource {
    /// The policy lists the connector.
    Listed,
    /// The policy's default group (the connector is not listed).
    Default,
    /// A custom connector URL pattern (the pattern).
    UrlPattern(String),
}

/// Why an item violates one policy.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Reason {
    /// The item uses a connector the policy blocks.
    BlockedConnector {
        connector: ConnectorKey,
        source: GroupSource,
    },
    /// The item uses Business and Non-business connectors together.
    MixedGroups {
        business: BTreeSet<ConnectorKey>,
        non_business: BTreeSet<ConnectorKey>,
    },
    /// A flow uses an action the policy blocks (listed, or by the connector's default).
    BlockedAction {
        connector: ConnectorKey,
        action: String,
        by_default: bool,
    },
    /// The item reaches an endpoint the connector's endpoint rules deny.
    DeniedEndpoint {
        connector: ConnectorKey,
        endpoint: String,
        /// The first rule that matched.
        rule: String,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
        match self {
            Reason::BlockedConnector { connector, source } => {
                write!(f, "uses blocked connector {connector}")?;
                match source {
                    GroupSource::Listed => Ok(()),
                    GroupSource::Default => write!(f, " (the policy's default group)"),
                    GroupSource::UrlPattern(p) => write!(f, " (custom connector URL pattern {p})"),
                }
            }
            Reason::MixedGroups {
                business,
                non_business,
            } => write!(
                f,
                "mixes business connectors ({}) with non-business connectors ({})",
                list(business),
                list(non_business)
            ),
            Reason::BlockedAction {
                connector,
                action,
                by_default,
            } => {
                write!(f, "uses blocked action {action} of {connector}")?;
                if *by_default {
                    write!(f, " (blocked by the connector's default action rule)")?;
                }
                Ok(())
            }
            Reason::DeniedEndpoint {
                connector,
                endpoint,
                rule,
            } => write!(
                f,
                "reaches endpoint {endpoint} through {connector}, denied by endpoint rule {rule}"
            ),
        }
    }
}

/// One policy an item violates, and how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    pub policy_id: String,
    pub policy_name: String,
    pub reasons: Vec<Reason>,
}

/// An item's evaluation against the policies of its environment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// The ids of the policies that apply, with why, by policy id.
    pub policies: BTreeMap<String, Coverage>,
    /// By policy id; empty when the item complies.
    pub violations: Vec<Violation>,
}

impl Evaluation {
    pub fn complies(&self) -> bool {
        self.violations.is_empty()
    }
}

/// The connectors the catalog says cannot be blocked, by key.
pub fn unblockable(catalog: &Catalog) -> BTreeSet<ConnectorKey> {
    catalog
        .iter()
        .filter(|c| c.unblockable)
        .map(|c| connector_key(&c.id))
        .collect()
}

/// A set of policies (one side of a comparison), ready to evaluate many items.
#[derive(Clone, Debug)]
pub struct Evaluator<'a> {
    /// In policy id order.
    policies: Vec<CompiledPolicy<'a>>,
    unblockable: BTreeSet<ConnectorKey>,
}

impl<'a> Evaluator<'a> {
    /// `catalog` tells which connectors cannot be blocked.
    pub fn new(
        policies: impl IntoIterator<Item = &'a ObservedDlpPolicy>,
        catalog: &Catalog,
    ) -> Self {
        let mut policies: Vec<CompiledPolicy<'a>> =
            policies.into_iter().map(CompiledPolicy::new).collect();
        policies.sort_by(|a, b| a.policy.id.cmp(&b.policy.id));
        let unblockable = unblockable(catalog);
        Evaluator {
            policies,
            unblockable,
        }
    }

    /// The policies that apply to an environment, in policy id order.
    pub fn effective(
        &self,
        environment_id: &str,
    ) -> impl Iterator<Item = (&CompiledPolicy<'a>, Coverage)> {
        let environment_id = environment_id.to_lowercase();
        self.policies
            .iter()
            .filter_map(move |p| coverage(p.policy, &environment_id).map(|c| (p, c)))
    }

    /// The group of every connector `item` uses under each policy of its environment (the
    /// same classification [`Evaluator::evaluate`] judges by), by connector key, then policy
    /// id; `None` where an `Ignore` URL pattern leaves a custom connector unclassified.
    pub fn classification(
        &self,
        item: &InventoryItem,
        custom_connectors: &BTreeMap<ConnectorKey, CustomConnector>,
    ) -> BTreeMap<ConnectorKey, BTreeMap<String, Option<ConnectorGroup>>> {
        let policies: Vec<_> = self.effective(&item.environment_id).collect();
        item.connectors
            .iter()
            .map(|(key, used)| {
                let custom = custom_connectors.get(key);
                let groups = policies
                    .iter()
                    .map(|(p, _)| {
                        let group = p
                            .classify(key, used, custom, &self.unblockable)
                            .map(|(g, _)| g);
                        (p.policy.id.clone(), group)
                    })
                    .collect();
                (key.clone(), groups)
            })
            .collect()
    }

    /// Evaluates an item against every policy of its environment. `custom_connectors` are
    /// the custom connectors of that environment (for their host URLs).
    pub fn evaluate(
        &self,
        item: &InventoryItem,
        custom_connectors: &BTreeMap<ConnectorKey, CustomConnector>,
    ) -> Evaluation {
        let mut evaluation = Evaluation::default();
        for (policy, coverage) in self.effective(&item.environment_id) {
            evaluation
                .policies
                .insert(policy.policy.id.clone(), coverage);
            let reasons = policy.violations(&item.connectors, custom_connectors, &self.unblockable);
            if !reasons.is_empty() {
                evaluation.violations.push(Violation {
                    policy_id: policy.policy.id.clone(),
                    policy_name: policy.policy.display_name.clone(),
                    reasons,
                });
            }
        }
        evaluation
    }
}

#[cfg(test)]
mod tests;
