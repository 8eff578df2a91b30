//! Lowering the `ConnectorRating` document, and checking every DLP policy against the
//! constraints of its levels.

use super::{Lowering, Parsed, group_key};
use crate::catalog::ConnectorId;
use crate::diag::{Code, Diagnostic};
use crate::doc::{self, ConnectorGroup, PolicyReach, ScopeMode};
use crate::kind::Kind;
use crate::model::{DlpPolicy, Environment, EnvironmentGroup, EnvironmentTarget, EnvironmentType};
use crate::rating::{
    Condition, ConnectorRating, Constraint, Criterion, Date, Level, Override, RatedBy,
};
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};

/// Where the parts of the rating are written, for notes on constraint diagnostics.
pub(super) struct RatingSpans<'p> {
    doc: &'p Parsed<doc::ConnectorRatingSpec>,
    overrides: BTreeMap<ConnectorId, usize>,
    criteria: BTreeMap<String, usize>,
}

/// How many connectors a diagnostic about a policy's default group names.
const NAMED_CONNECTORS: usize = 10;

impl<'a> Lowering<'a> {
    pub(super) fn connector_rating(&mut self) -> Option<(ConnectorRating, RatingSpans<'a>)> {
        let set = self.set;
        let p = self.singleton(
            &set.connector_ratings,
            Kind::ConnectorRating,
            (
                Code::DuplicateConnectorRating,
                "connector ratings are declared in more than one document",
                "keep one scale: merge them into one `ConnectorRating` document",
            ),
        )?;
        let spec = &p.doc.spec;
        let kept = self.distinct_levels(
            p,
            spec.levels.iter().map(|l| l.name.0.as_str()),
            Code::DuplicateConnectorRating,
        );
        let mut ranks: BTreeMap<&str, usize> = BTreeMap::new();
        let mut levels = Vec::new();
        for level in kept.into_iter().map(|i| &spec.levels[i]) {
            ranks.insert(&level.name.0, levels.len());
            levels.push(Level {
                name: level.name.0.clone(),
                description: level.description.clone(),
                approvers: level.approvers.iter().cloned().collect(),
                constraints: level
                    .constraints
                    .iter()
                    .map(|c| Constraint {
                        policies: c.policies,
                        only: c.only.iter().copied().collect(),
                        never: c.never.iter().copied().collect(),
                    })
                    .collect(),
            });
        }
        let scale: Vec<&str> = spec.levels.iter().map(|l| l.name.0.as_str()).collect();
        let rank_of = |cx: &mut Self, name: &str, span: Span| -> Option<usize> {
            let rank = ranks.get(name).copied();
            if rank.is_none() {
                let mut d = Diagnostic::new(
                    Code::UnknownRatingLevel,
                    format!("no level `{name}` on the rating scale"),
                )
                .at(span, "unknown level");
                d = match crate::suggest::closest(name, &scale) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(format!("the levels are: {}", scale.join(", "))),
                };
                cx.push(d);
            }
            rank
        };

        let mut criteria = Vec::new();
        let mut criterion_index = BTreeMap::new();
        for (i, c) in spec.criteria.iter().enumerate() {
            let span = p.at_item("/spec/criteria", i, Some("level"));
            let Some(level) = rank_of(self, &c.level.0, span) else {
                continue;
            };
            let w = &c.when;
            let connectors = w.connectors.as_ref().map(|list| {
                let pointer = format!("/spec/criteria/{i}/when/connectors");
                list.iter()
                    .enumerate()
                    .filter_map(|(j, written)| {
                        self.connector(written, p.at_item(&pointer, j, None))
                    })
                    .collect()
            });
            criterion_index.entry(c.name.0.clone()).or_insert(i);
            criteria.push(Criterion {
                name: c.name.0.clone(),
                level,
                when: Condition {
                    auth_types: set_of(&w.auth_types),
                    tier: set_of(&w.tier),
                    publisher: set_of(&w.publisher),
                    custom: w.custom,
                    capabilities: set_of(&w.capabilities),
                    release_tag: set_of(&w.release_tag),
                    connectors,
                },
            });
        }

        let mut overrides = BTreeMap::new();
        let mut override_index: BTreeMap<ConnectorId, usize> = BTreeMap::new();
        for (i, o) in spec.overrides.iter().enumerate() {
            let connector_span = p.at_item("/spec/overrides", i, Some("connector"));
            // A full id the catalog lacks may be a custom connector found live: accepted.
            let id = match self.catalog.resolve(&o.connector) {
                crate::catalog::Resolved::UnknownFullId(id) => Some(id),
                _ => self.connector(&o.connector, connector_span),
            };
            let level = rank_of(
                self,
                &o.level.0,
                p.at_item("/spec/overrides", i, Some("level")),
            );
            let reviewed = self.review_date(p, i, "reviewed", &o.reviewed);
            let next_review = self.review_date(p, i, "nextReview", &o.next_review);
            if let (Some(r), Some(n)) = (reviewed, next_review)
                && n <= r
            {
                let d = Diagnostic::new(
                    Code::InvalidReviewDate,
                    format!("the next review ({n}) is not after the review ({r})"),
                )
                .at(
                    p.at_item("/spec/overrides", i, Some("nextReview")),
                    "too early",
                )
                .help("set `nextReview` to a date after `reviewed`");
                self.push(d);
            }
            let (Some(id), Some(level), Some(reviewed), Some(next_review)) =
                (id, level, reviewed, next_review)
            else {
                continue;
            };
            if let Some(first) = override_index.get(&id) {
                let d = Diagnostic::new(
                    Code::DuplicateConnectorRating,
                    format!("connector `{}` is overridden twice", o.connector),
                )
                .at(connector_span, "again")
                .also(
                    p.at_item("/spec/overrides", *first, Some("connector")),
                    "first here",
                )
                .help("keep one override per connector");
                self.push(d);
                continue;
            }
            override_index.insert(id.clone(), i);
            overrides.insert(
                id,
                Override {
                    level,
                    reason: o.reason.clone(),
                    reviewer: o.reviewer.clone(),
                    reviewed,
                    next_review,
                    approvers: o.approvers.iter().cloned().collect(),
                },
            );
        }
        let reviewed = spec.reviewed.as_deref().and_then(|text| {
            let date = Date::parse(text);
            if date.is_none() {
                let d = Diagnostic::new(Code::InvalidReviewDate, format!("`{text}` is not a date"))
                    .at(p.at("/spec/reviewed"), "not YYYY-MM-DD")
                    .help("write the date as `YYYY-MM-DD`, e.g. `2026-03-31`");
                self.push(d);
            }
            date
        });
        let rating = ConnectorRating {
            reviewed,
            meta: p.meta(),
            mode: spec.mode,
            levels,
            criteria,
            overrides,
        };
        let spans = RatingSpans {
            doc: p,
            overrides: override_index,
            criteria: criterion_index,
        };
        Some((rating, spans))
    }

    fn review_date(
        &mut self,
        p: &Parsed<doc::ConnectorRatingSpec>,
        i: usize,
        field: &str,
        text: &str,
    ) -> Option<Date> {
        let date = Date::parse(text);
        if date.is_none() {
            let d = Diagnostic::new(Code::InvalidReviewDate, format!("`{text}` is not a date"))
                .at(
                    p.at_item("/spec/overrides", i, Some(field)),
                    "not YYYY-MM-DD",
                )
                .help("write the date as `YYYY-MM-DD`, e.g. `2026-03-31`");
            self.push(d);
        }
        date
    }

    /// Reports every classification a level's constraint forbids, at the policy's line.
    pub(super) fn rating_constraints(
        &mut self,
        rating: &ConnectorRating,
        spans: &RatingSpans<'_>,
        policies: &BTreeMap<String, DlpPolicy>,
        environments: &BTreeMap<String, Environment>,
        groups: &BTreeMap<String, EnvironmentGroup>,
    ) {
        if rating.levels.iter().all(|l| l.constraints.is_empty()) {
            return;
        }
        // Rate every connector once; only those at a constrained level matter.
        let constrained: Vec<(&crate::catalog::Connector, usize, RatedBy)> = self
            .catalog
            .iter()
            .filter_map(|c| {
                let r = rating.rate(c);
                let rank = r.rank?;
                (!rating.levels[rank].constraints.is_empty()).then_some((c, rank, r.by))
            })
            .collect();
        let mut found = Vec::new();
        for (name, policy) in policies {
            let reach = Reach::of(policy, environments, groups);
            let listed = self.classification_spans.get(name);
            let doc = self.set.dlp_policies.iter().find(|d| d.name() == name);
            let Some(doc) = doc else { continue };
            // (level, constraint) -> connectors in the default group that break it.
            let mut by_default: BTreeMap<(usize, usize), Vec<&str>> = BTreeMap::new();
            for (connector, rank, by) in &constrained {
                let level = &rating.levels[*rank];
                let explicit = listed.and_then(|l| l.get(&connector.id));
                let group = policy
                    .classification
                    .get(&connector.id)
                    .copied()
                    .unwrap_or(policy.default_group);
                if explicit.is_none()
                    && policy.default_group == ConnectorGroup::Blocked
                    && connector.unblockable
                {
                    continue; // the platform puts it in non-business; nothing was chosen
                }
                for (ci, constraint) in level.constraints.iter().enumerate() {
                    if !reach.includes(constraint.policies) || constraint.allows(group) {
                        continue;
                    }
                    let Some(span) = explicit else {
                        by_default
                            .entry((*rank, ci))
                            .or_default()
                            .push(crate::catalog::short_name(connector));
                        continue;
                    };
                    let d = Diagnostic::new(
                        Code::RatingConstraintViolated,
                        format!(
                            "`{}` is rated `{}`, which {}; this policy puts it in `{}`",
                            crate::catalog::short_name(connector),
                            level.name,
                            describe(constraint),
                            group_key(group)
                        ),
                    )
                    .at(*span, "forbidden by the connector rating")
                    .also(spans.constraint(*rank, ci), "the level's constraint");
                    let d = match spans.assignment(&connector.id, by) {
                        Some(s) => d.also(s, "why the connector has this level"),
                        None => d,
                    };
                    found.push(d.help(help(constraint)));
                }
            }
            for ((rank, ci), names) in by_default {
                let level = &rating.levels[rank];
                let constraint = &level.constraints[ci];
                let shown: Vec<String> = names
                    .iter()
                    .take(NAMED_CONNECTORS)
                    .map(|n| format!("`{n}`"))
                    .collect();
                let more = names.len().saturating_sub(NAMED_CONNECTORS);
                let list = if more > 0 {
                    format!("{} and {more} more", shown.join(", "))
                } else {
                    shown.join(", ")
                };
                let d = Diagnostic::new(
                    Code::RatingConstraintViolated,
                    format!(
                        "the default group `{}` holds connectors rated `{}`, which {}: {list}",
                        group_key(policy.default_group),
                        level.name,
                        describe(constraint),
                    ),
                )
                .at(
                    doc.at("/spec/connectors/default"),
                    "default group of unlisted connectors",
                )
                .also(spans.constraint(rank, ci), "the level's constraint")
                .help(format!(
                    "list them in an allowed group of this policy, or change the default; {}",
                    help(constraint)
                ));
                found.push(d);
            }
        }
        for d in found {
            self.push(d);
        }
    }
}

impl RatingSpans<'_> {
    fn constraint(&self, rank: usize, ci: usize) -> Span {
        self.doc
            .at_item(&format!("/spec/levels/{rank}/constraints"), ci, None)
    }

    /// The override or the deciding criterion that gave the connector its level.
    fn assignment(&self, id: &str, by: &RatedBy) -> Option<Span> {
        match by {
            RatedBy::Override => self
                .overrides
                .get(id)
                .map(|i| self.doc.at_item("/spec/overrides", *i, Some("connector"))),
            RatedBy::Criteria { deciding, .. } => self
                .criteria
                .get(deciding)
                .map(|i| self.doc.at_item("/spec/criteria", *i, Some("name"))),
            RatedBy::Unrated => None,
        }
    }
}

/// The kinds of policy a policy is, as far as the repository tells.
struct Reach {
    tenant_wide: bool,
    default_environment: bool,
}

impl Reach {
    fn of(
        policy: &DlpPolicy,
        environments: &BTreeMap<String, Environment>,
        groups: &BTreeMap<String, EnvironmentGroup>,
    ) -> Reach {
        let is_default = |t: &EnvironmentTarget| match t {
            EnvironmentTarget::Declared(name) => environments
                .get(name)
                .is_some_and(|e| e.environment_type == Some(EnvironmentType::Default)),
            // A live environment named by id or display name: its type is unknown offline.
            EnvironmentTarget::Id(_) | EnvironmentTarget::DisplayName(_) => false,
        };
        let group_has_default = |name: &String| {
            groups.get(name).is_some_and(|g| {
                g.members.iter().any(is_default)
                    || g.selectors
                        .iter()
                        .any(|s| s.types.contains(&EnvironmentType::Default))
            })
        };
        let scope = &policy.scope;
        let lists_default = scope.environments.iter().any(is_default)
            || scope.environment_groups.iter().any(group_has_default);
        Reach {
            tenant_wide: scope.mode == ScopeMode::All,
            default_environment: match scope.mode {
                ScopeMode::All => true,
                ScopeMode::AllExcept => !lists_default,
                ScopeMode::Only => lists_default,
            },
        }
    }

    fn includes(&self, reach: PolicyReach) -> bool {
        match reach {
            PolicyReach::AnyPolicy => true,
            PolicyReach::TenantWide => self.tenant_wide,
            PolicyReach::DefaultEnvironment => self.default_environment,
        }
    }
}

fn set_of<T: Ord + Copy>(v: &Option<Vec<T>>) -> Option<BTreeSet<T>> {
    v.as_ref().map(|v| v.iter().copied().collect())
}

fn groups_text(groups: &BTreeSet<ConnectorGroup>) -> String {
    let names: Vec<String> = groups
        .iter()
        .map(|g| format!("`{}`", group_key(*g)))
        .collect();
    names.join(" or ")
}

fn reach_text(reach: PolicyReach) -> &'static str {
    match reach {
        PolicyReach::AnyPolicy => "in every policy",
        PolicyReach::TenantWide => "in tenant-wide policies",
        PolicyReach::DefaultEnvironment => "in policies covering the default environment",
    }
}

/// "must be `blocked` in policies covering the default environment".
fn describe(c: &Constraint) -> String {
    let mut parts = Vec::new();
    if !c.only.is_empty() {
        parts.push(format!("must be {}", groups_text(&c.only)));
    }
    if !c.never.is_empty() {
        parts.push(format!("must never be {}", groups_text(&c.never)));
    }
    format!("{} {}", parts.join(" and "), reach_text(c.policies))
}

fn help(c: &Constraint) -> String {
    let allowed: Vec<ConnectorGroup> = [
        ConnectorGroup::Business,
        ConnectorGroup::NonBusiness,
        ConnectorGroup::Blocked,
    ]
    .into_iter()
    .filter(|g| c.allows(*g))
    .collect();
    if allowed.is_empty() {
        "the constraint allows no group at all: fix the rating's constraint".into()
    } else {
        format!(
            "allowed here: {}",
            groups_text(&allowed.into_iter().collect())
        )
    }
}
