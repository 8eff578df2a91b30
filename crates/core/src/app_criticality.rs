//! App criticality: a scale, criteria over what the inventory tells of each app (shared
//! users, premium, custom and on-premises gateway use, connectors rated at or above a level of
//! the `ConnectorRating`, environment or group, explicit tags), the control process per level,
//! and the review record, from which what is due follows: reviews overdue, apps never
//! reviewed that their level says must be, apps whose criticality rose since their last
//! review.
//!
//! A repository-only kind like `ConnectorRating` (`Kind::is_live` false). Evaluation is pure:
//! the caller hands in the inventory (in an `Observed`) and today's date.
//!
//! Unknown facts are explicit: a condition on a fact nobody knows (an unknown shared users
//! count, a connector neither the catalog nor the inventory describes) never matches.

use crate::catalog::{Catalog, Connector, Resolved, Tier};
use crate::doc::{ControlKind, RatingMode, ReviewOutcome};
use crate::inventory::{ConnectorKey, InventoryItem};
use crate::model::{Desired, ResourceMeta};
use crate::observed::Observed;
use crate::rating::{ConnectorRating, Date};
use serde::Serialize;
use std::collections::BTreeSet;

/// The checked `AppCriticality` document.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppCriticality {
    pub meta: ResourceMeta,
    pub mode: RatingMode,
    /// Lowest first; a level's index is its rank.
    pub levels: Vec<CriticalityLevel>,
    pub criteria: Vec<CriticalityCriterion>,
    pub tags: Vec<AppTags>,
    /// In document order.
    pub reviews: Vec<AppReview>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CriticalityLevel {
    pub name: String,
    pub description: String,
    pub process: ControlProcess,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlProcess {
    pub control: ControlKind,
    /// `periodicReview` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_every_days: Option<u32>,
}

impl ControlProcess {
    /// Whether a person must have reviewed an app at this level.
    pub fn needs_review(&self) -> bool {
        self.control != ControlKind::Automated
    }

    /// `automated`, `review before go-live`, `periodic review every 90 days`.
    pub fn describe(&self) -> String {
        match (self.control, self.review_every_days) {
            (ControlKind::Automated, _) => "automated".into(),
            (ControlKind::ReviewBeforeGoLive, _) => "review before go-live".into(),
            (ControlKind::PeriodicReview, Some(days)) => {
                format!("periodic review every {days} days")
            }
            (ControlKind::PeriodicReview, None) => "periodic review".into(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CriticalityCriterion {
    pub name: String,
    /// Index into `levels`.
    pub level: usize,
    pub when: AppCondition,
}

/// Every `Some` condition must hold.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppCondition {
    pub shared_users_at_least: Option<u64>,
    pub premium: Option<bool>,
    pub custom: Option<bool>,
    pub on_premises_gateway: Option<bool>,
    /// A rank of the `ConnectorRating` scale.
    pub connector_rating_at_least: Option<usize>,
    /// Lower-cased.
    pub environments: Option<BTreeSet<String>>,
    /// Repository group names.
    pub environment_groups: Option<BTreeSet<String>>,
    pub tags: Option<BTreeSet<String>>,
}

/// An app as the repository names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase", untagged)]
pub enum AppRef {
    /// The app GUID, lower-cased.
    Id { id: String },
    /// A display name within an environment (compared without case).
    Named { name: String, environment: String },
}

impl AppRef {
    pub fn matches(&self, facts: &AppFacts<'_>) -> bool {
        match self {
            AppRef::Id { id } => facts.item.id.eq_ignore_ascii_case(id),
            AppRef::Named { name, environment } => {
                facts
                    .item
                    .display_name
                    .trim()
                    .eq_ignore_ascii_case(name.trim())
                    && facts
                        .environment_names
                        .contains(&environment.trim().to_lowercase())
            }
        }
    }
}

impl std::fmt::Display for AppRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppRef::Id { id } => write!(f, "app {id}"),
            AppRef::Named { name, environment } => write!(f, "app `{name}` in `{environment}`"),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppTags {
    pub app: AppRef,
    pub tags: BTreeSet<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppReview {
    pub app: AppRef,
    pub date: Date,
    pub reviewer: String,
    pub outcome: ReviewOutcome,
    /// Index into `levels`: the level the app was reviewed at.
    pub level: usize,
}

/// What the repository and the tenant tell of one app, resolved once.
#[derive(Clone, Debug)]
pub struct AppFacts<'a> {
    pub item: &'a InventoryItem,
    /// The environment's display name (its id when the tenant does not tell).
    pub environment: String,
    /// Every name the app's environment answers to, lower-cased: its id, its display name,
    /// and the repository `Environment`s that are it (pinned id or display name).
    pub environment_names: BTreeSet<String>,
    /// The repository `EnvironmentGroup`s the environment belongs to.
    pub groups: BTreeSet<String>,
    /// Every connector the app uses: `None` when neither the catalog nor the environment's
    /// custom connectors describe it.
    pub connectors: Vec<(ConnectorKey, Option<Connector>)>,
}

impl<'a> AppFacts<'a> {
    /// The facts of `item`, an app of `observed.inventory`.
    pub fn of(
        item: &'a InventoryItem,
        observed: &Observed,
        desired: &Desired,
        catalog: &Catalog,
    ) -> AppFacts<'a> {
        let env_id = item.environment_id.to_lowercase();
        let live = observed.environments.get(&env_id);
        let display = live.map(|e| e.display_name.clone()).unwrap_or_default();
        let mut environment_names = BTreeSet::from([env_id.clone()]);
        if !display.is_empty() {
            environment_names.insert(display.trim().to_lowercase());
        }
        let declared: Vec<(&String, &crate::model::Environment)> = desired
            .environments
            .iter()
            .filter(|(_, e)| {
                e.meta.id.as_deref() == Some(env_id.as_str())
                    || (!display.is_empty()
                        && e.display_name.trim().eq_ignore_ascii_case(display.trim()))
            })
            .collect();
        environment_names.extend(declared.iter().map(|(name, _)| name.to_lowercase()));
        let live_group = live.and_then(|e| e.group_id.as_deref()).map(|id| {
            let name = observed
                .environment_groups
                .get(id)
                .map(|g| g.display_name.as_str());
            (id, name)
        });
        let groups = desired
            .environment_groups
            .iter()
            .filter(|(name, g)| {
                declared
                    .iter()
                    .any(|(_, e)| e.group.as_ref() == Some(*name))
                    || live_group.is_some_and(|(id, live_name)| {
                        g.meta
                            .id
                            .as_deref()
                            .is_some_and(|g| g.eq_ignore_ascii_case(id))
                            || live_name.is_some_and(|n| {
                                n.trim().eq_ignore_ascii_case(g.display_name.trim())
                            })
                    })
            })
            .map(|(name, _)| name.clone())
            .collect();
        let custom = observed.inventory.environments.get(&env_id);
        let connectors = item
            .connectors
            .keys()
            .map(|key| {
                let known = match catalog.resolve(key) {
                    Resolved::Known(c) => Some(c.clone()),
                    _ => custom
                        .and_then(|inv| inv.custom_connectors.get(key))
                        .map(|c| c.as_catalog_connector()),
                };
                (key.clone(), known)
            })
            .collect();
        AppFacts {
            item,
            environment: if display.is_empty() { env_id } else { display },
            environment_names,
            groups,
            connectors,
        }
    }

    /// Uses a premium connector: the service's flag or the connectors' tiers (`true` from
    /// either wins); unknown when neither tells.
    pub fn premium(&self) -> Option<bool> {
        let derived = self.derived(|_, c| c.tier == Tier::Premium);
        either(self.item.risk_flags.premium, derived)
    }

    /// Uses a custom connector: the service's flag, the app's references or the connectors'
    /// metadata.
    pub fn custom(&self) -> Option<bool> {
        let derived = self.derived(|key, c| {
            self.item.connectors.get(key).is_some_and(|u| u.custom)
                || c.metadata.is_custom() == Some(true)
        });
        either(self.item.risk_flags.custom, derived)
    }

    pub fn on_premises_gateway(&self) -> Option<bool> {
        self.item.risk_flags.on_premises_gateway
    }

    /// `Some(true)` when a known connector has the property, `Some(false)` when every
    /// connector is known and none has it, else unknown.
    fn derived(&self, has: impl Fn(&str, &Connector) -> bool) -> Option<bool> {
        let mut unknown = false;
        for (key, c) in &self.connectors {
            match c {
                Some(c) if has(key, c) => return Some(true),
                Some(_) => {}
                None => unknown = true,
            }
        }
        (!unknown).then_some(false)
    }
}

fn either(flag: Option<bool>, derived: Option<bool>) -> Option<bool> {
    match (flag, derived) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), _) | (_, Some(false)) => Some(false),
        (None, None) => None,
    }
}

/// Why an app has its level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "by")]
pub enum CriticalityBy {
    /// Criteria matched (in order); `deciding` is the one whose level the app has.
    Criteria {
        matched: Vec<String>,
        deciding: String,
    },
    /// No criterion matched: the lowest level.
    Lowest,
}

/// An app's place on the scale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Criticality {
    #[serde(skip)]
    pub rank: usize,
    pub level: String,
    #[serde(flatten)]
    pub by: CriticalityBy,
}

impl Criticality {
    /// One line: the level and why.
    pub fn explain(&self) -> String {
        match &self.by {
            CriticalityBy::Criteria { matched, deciding } => {
                let others: Vec<&str> = matched
                    .iter()
                    .map(String::as_str)
                    .filter(|m| m != deciding)
                    .collect();
                if others.is_empty() {
                    format!("{}: criterion `{deciding}`", self.level)
                } else {
                    format!(
                        "{}: criterion `{deciding}` (also matched: {})",
                        self.level,
                        others.join(", ")
                    )
                }
            }
            CriticalityBy::Lowest => format!("{}: no criterion matches (lowest level)", self.level),
        }
    }
}

/// What an app's process asks for now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Due {
    /// Its level needs a review and none is recorded.
    Unreviewed,
    /// Its periodic review's date has passed.
    Overdue,
    /// Its level is higher than the level of its last review.
    Rose,
}

impl Due {
    pub fn as_str(self) -> &'static str {
        match self {
            Due::Unreviewed => "unreviewed",
            Due::Overdue => "overdue",
            Due::Rose => "rose",
        }
    }
}

/// An app's criticality, its process, its last review and what is due.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    #[serde(flatten)]
    pub criticality: Criticality,
    pub process: ControlProcess,
    pub last_review: Option<AppReview>,
    /// The level of the last review.
    pub reviewed_level: Option<String>,
    /// When the periodic review is next due.
    pub next_review: Option<Date>,
    pub due: Vec<Due>,
}

impl AppCriticality {
    /// The app's tags (`spec.tags`).
    pub fn tags_of(&self, facts: &AppFacts<'_>) -> BTreeSet<String> {
        self.tags
            .iter()
            .filter(|t| t.app.matches(facts))
            .flat_map(|t| t.tags.iter().cloned())
            .collect()
    }

    /// Places one app on the scale: the criteria, first match or highest; the lowest level
    /// when none matches.
    pub fn evaluate(&self, facts: &AppFacts<'_>, rating: Option<&ConnectorRating>) -> Criticality {
        let tags = self.tags_of(facts);
        let matched: Vec<&CriticalityCriterion> = self
            .criteria
            .iter()
            .filter(|c| c.when.matches(facts, rating, &tags))
            .collect();
        let deciding = match self.mode {
            RatingMode::FirstMatch => matched.first().copied(),
            // The first of the highest, so ties are explained by the earlier criterion.
            RatingMode::Highest => matched.iter().copied().rev().max_by_key(|c| c.level),
        };
        match deciding {
            None => Criticality {
                rank: 0,
                level: self.levels[0].name.clone(),
                by: CriticalityBy::Lowest,
            },
            Some(d) => Criticality {
                rank: d.level,
                level: self.levels[d.level].name.clone(),
                by: CriticalityBy::Criteria {
                    matched: matched.iter().map(|c| c.name.clone()).collect(),
                    deciding: d.name.clone(),
                },
            },
        }
    }

    /// The app's last review (the latest date; of two on one day, the later in the file).
    pub fn last_review(&self, facts: &AppFacts<'_>) -> Option<&AppReview> {
        self.reviews.iter().filter(|r| r.app.matches(facts)).fold(
            None,
            |last: Option<&AppReview>, r| match last {
                Some(l) if l.date > r.date => Some(l),
                _ => Some(r),
            },
        )
    }

    /// The app's criticality, process and what is due on `today`.
    pub fn status(
        &self,
        facts: &AppFacts<'_>,
        rating: Option<&ConnectorRating>,
        today: Date,
    ) -> AppStatus {
        let criticality = self.evaluate(facts, rating);
        let process = self.levels[criticality.rank].process;
        let last = self.last_review(facts);
        let next_review = match (process.control, process.review_every_days, last) {
            (ControlKind::PeriodicReview, Some(days), Some(r)) => {
                Some(r.date.plus_days(i64::from(days)))
            }
            _ => None,
        };
        let mut due = Vec::new();
        if process.needs_review() && last.is_none() {
            due.push(Due::Unreviewed);
        }
        if next_review.is_some_and(|d| d < today) {
            due.push(Due::Overdue);
        }
        if last.is_some_and(|r| criticality.rank > r.level) {
            due.push(Due::Rose);
        }
        AppStatus {
            reviewed_level: last.map(|r| self.levels[r.level].name.clone()),
            last_review: last.cloned(),
            criticality,
            process,
            next_review,
            due,
        }
    }
}

impl AppCondition {
    pub fn matches(
        &self,
        facts: &AppFacts<'_>,
        rating: Option<&ConnectorRating>,
        tags: &BTreeSet<String>,
    ) -> bool {
        let fact = |want: &Option<bool>, have: Option<bool>| want.is_none_or(|w| have == Some(w));
        self.shared_users_at_least
            .is_none_or(|n| facts.item.shared_users.is_some_and(|u| u >= n))
            && fact(&self.premium, facts.premium())
            && fact(&self.custom, facts.custom())
            && fact(&self.on_premises_gateway, facts.on_premises_gateway())
            && self.connector_rating_at_least.is_none_or(|least| {
                rating.is_some_and(|rating| {
                    facts.connectors.iter().any(|(_, c)| {
                        c.as_ref()
                            .and_then(|c| rating.rate(c).rank)
                            .is_some_and(|rank| rank >= least)
                    })
                })
            })
            && self
                .environments
                .as_ref()
                .is_none_or(|set| !set.is_disjoint(&facts.environment_names))
            && self
                .environment_groups
                .as_ref()
                .is_none_or(|set| !set.is_disjoint(&facts.groups))
            && self.tags.as_ref().is_none_or(|set| !set.is_disjoint(tags))
    }
}
