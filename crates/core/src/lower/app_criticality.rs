//! Lowering the `AppCriticality` document: its scale, control processes, criteria (levels and
//! the `ConnectorRating` levels they name, groups), tags and review records.

use super::{Lowering, Parsed};
use crate::app_criticality::{
    AppCondition, AppCriticality, AppRef, AppReview, AppTags, ControlProcess, CriticalityCriterion,
    CriticalityLevel,
};
use crate::diag::{Code, Diagnostic};
use crate::doc::{self, ControlKind};
use crate::kind::Kind;
use crate::rating::{ConnectorRating, Date};
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};

type Doc = Parsed<doc::AppCriticalitySpec>;

impl<'a> Lowering<'a> {
    pub(super) fn app_criticality(
        &mut self,
        rating: Option<&ConnectorRating>,
    ) -> Option<AppCriticality> {
        let set = self.set;
        let p = self.singleton(
            &set.app_criticalities,
            Kind::AppCriticality,
            (
                Code::DuplicateAppCriticality,
                "app criticality is declared in more than one document",
                "keep one scale: merge them into one `AppCriticality` document",
            ),
        )?;
        let spec = &p.doc.spec;
        let levels = self.criticality_levels(p);
        let ranks: BTreeMap<&str, usize> = levels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.name.as_str(), i))
            .collect();
        let scale: Vec<&str> = levels.iter().map(|l| l.name.as_str()).collect();
        let rank_of = |cx: &mut Self, name: &str, span: Span| -> Option<usize> {
            let rank = ranks.get(name).copied();
            if rank.is_none() {
                cx.push(unknown_level(
                    Code::UnknownCriticalityLevel,
                    "the app criticality scale",
                    name,
                    span,
                    &scale,
                ));
            }
            rank
        };

        let mut criteria = Vec::new();
        let mut criterion_names: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, c) in spec.criteria.iter().enumerate() {
            if let Some(first) = criterion_names.insert(&c.name.0, i) {
                let d = Diagnostic::new(
                    Code::DuplicateAppCriticality,
                    format!("criterion `{}` is declared twice", c.name.0),
                )
                .at(p.at_item("/spec/criteria", i, Some("name")), "again")
                .also(p.at_item("/spec/criteria", first, Some("name")), "first here")
                .help("give each criterion its own name: explanations name the criterion that decided");
                self.push(d);
            }
            let level = rank_of(
                self,
                &c.level.0,
                p.at_item("/spec/criteria", i, Some("level")),
            );
            let when = self.criticality_condition(p, i, &c.when, rating);
            if let (Some(level), Some(when)) = (level, when) {
                criteria.push(CriticalityCriterion {
                    name: c.name.0.clone(),
                    level,
                    when,
                });
            }
        }

        let tags = spec
            .tags
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let app = self.app_ref(p, &format!("/spec/tags/{i}/app"), &t.app)?;
                Some(AppTags {
                    app,
                    tags: t.tags.iter().cloned().collect(),
                })
            })
            .collect();

        let mut reviews = Vec::new();
        let mut seen: BTreeMap<(AppRef, Date), usize> = BTreeMap::new();
        for (i, r) in spec.reviews.iter().enumerate() {
            let app = self.app_ref(p, &format!("/spec/reviews/{i}/app"), &r.app);
            let date = Date::parse(&r.date);
            if date.is_none() {
                let d = Diagnostic::new(
                    Code::InvalidReviewDate,
                    format!("`{}` is not a date", r.date),
                )
                .at(
                    p.at_item("/spec/reviews", i, Some("date")),
                    "not YYYY-MM-DD",
                )
                .help("write the date as `YYYY-MM-DD`, e.g. `2026-03-31`");
                self.push(d);
            }
            let level = rank_of(
                self,
                &r.level.0,
                p.at_item("/spec/reviews", i, Some("level")),
            );
            let (Some(app), Some(date), Some(level)) = (app, date, level) else {
                continue;
            };
            if let Some(first) = seen.insert((app.clone(), date), i) {
                let d = Diagnostic::new(
                    Code::InvalidAppReview,
                    format!("{app} has two reviews on {date}"),
                )
                .at(p.at_item("/spec/reviews", i, Some("app")), "again")
                .also(p.at_item("/spec/reviews", first, Some("app")), "first here")
                .help("record one review per app and day: merge the two records");
                self.push(d);
                continue;
            }
            reviews.push(AppReview {
                app,
                date,
                reviewer: r.reviewer.clone(),
                outcome: r.outcome,
                level,
            });
        }
        if levels.is_empty() {
            return None;
        }
        Some(AppCriticality {
            meta: p.meta(),
            mode: spec.mode,
            levels,
            criteria,
            tags,
            reviews,
        })
    }

    /// The scale: each level once, each with a process that fits its control.
    fn criticality_levels(&mut self, p: &Doc) -> Vec<CriticalityLevel> {
        let spec_levels = &p.doc.spec.levels;
        let kept = self.distinct_levels(
            p,
            spec_levels.iter().map(|l| l.name.0.as_str()),
            Code::DuplicateAppCriticality,
        );
        let mut levels = Vec::new();
        for i in kept {
            let level = &spec_levels[i];
            let process = &level.process;
            let days = process.review_every_days;
            let problem = match (process.control, days) {
                (ControlKind::PeriodicReview, None) => Some((
                    "a periodic review needs `reviewEveryDays`",
                    "add `reviewEveryDays: N` (e.g. 180)",
                )),
                (ControlKind::PeriodicReview, Some(0)) => Some((
                    "`reviewEveryDays` must be at least 1",
                    "review at least a day apart",
                )),
                (ControlKind::Automated | ControlKind::ReviewBeforeGoLive, Some(_)) => Some((
                    "`reviewEveryDays` applies to `control: periodicReview` only",
                    "remove `reviewEveryDays`, or make the control `periodicReview`",
                )),
                _ => None,
            };
            if let Some((message, help)) = problem {
                let d = Diagnostic::new(
                    Code::InvalidControlProcess,
                    format!("level `{}`: {message}", level.name.0),
                )
                .at(
                    p.at(&format!("/spec/levels/{i}/process")),
                    "this control process",
                )
                .help(help);
                self.push(d);
            }
            levels.push(CriticalityLevel {
                name: level.name.0.clone(),
                description: level.description.clone(),
                process: ControlProcess {
                    control: process.control,
                    review_every_days: days
                        .filter(|_| process.control == ControlKind::PeriodicReview),
                },
            });
        }
        levels
    }

    fn criticality_condition(
        &mut self,
        p: &Doc,
        i: usize,
        w: &doc::CriticalityCondition,
        rating: Option<&ConnectorRating>,
    ) -> Option<AppCondition> {
        let mut ok = true;
        let connector_rating_at_least = match &w.connector_rating_at_least {
            None => None,
            Some(name) => {
                let span = p.at(&format!("/spec/criteria/{i}/when/connectorRatingAtLeast"));
                let scale: Vec<&str> = rating
                    .map(|r| r.levels.iter().map(|l| l.name.as_str()).collect())
                    .unwrap_or_default();
                let rank = scale.iter().position(|l| *l == name.0);
                if rank.is_none() {
                    let d = if rating.is_none() {
                        Diagnostic::new(
                            Code::UnknownCriticalityRatingLevel,
                            format!(
                                "`connectorRatingAtLeast: {}` needs a ConnectorRating, and the repository has none",
                                name.0
                            ),
                        )
                        .at(span, "no connector rating scale")
                        .help("declare the connector scale with `kind: ConnectorRating`, or remove the condition")
                    } else {
                        unknown_level(
                            Code::UnknownCriticalityRatingLevel,
                            "the ConnectorRating scale",
                            &name.0,
                            span,
                            &scale,
                        )
                    };
                    self.push(d);
                    ok = false;
                }
                rank
            }
        };
        if let Some(groups) = &w.environment_groups {
            for (j, g) in groups.iter().enumerate() {
                let declared = self.set.groups.iter().any(|d| d.name() == g.0);
                if !declared && !self.known_name(Kind::EnvironmentGroup, &g.0) {
                    let span = p.at_item(
                        &format!("/spec/criteria/{i}/when/environmentGroups"),
                        j,
                        None,
                    );
                    self.unknown_group(&g.0, span);
                    ok = false;
                }
            }
        }
        let lower_set = |v: &Option<Vec<String>>| {
            v.as_ref()
                .map(|v| v.iter().map(|s| s.trim().to_lowercase()).collect())
        };
        ok.then(|| AppCondition {
            shared_users_at_least: w.shared_users_at_least,
            premium: w.premium,
            custom: w.custom,
            on_premises_gateway: w.on_premises_gateway,
            connector_rating_at_least,
            environments: lower_set(&w.environments),
            environment_groups: w
                .environment_groups
                .as_ref()
                .map(|v| v.iter().map(|g| g.0.clone()).collect()),
            tags: w
                .tags
                .as_ref()
                .map(|v| v.iter().cloned().collect::<BTreeSet<_>>()),
        })
    }

    /// An app by id, or by name and environment; anything else is a diagnostic.
    fn app_ref(&mut self, p: &Doc, pointer: &str, r: &doc::AppRefDoc) -> Option<AppRef> {
        fn text(s: &Option<String>) -> Option<&str> {
            s.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        match (text(&r.id), text(&r.name), text(&r.environment)) {
            (Some(id), None, None) => Some(AppRef::Id {
                id: id.to_lowercase(),
            }),
            (None, Some(name), Some(environment)) => Some(AppRef::Named {
                name: name.to_owned(),
                environment: environment.to_owned(),
            }),
            _ => {
                let d = Diagnostic::new(
                    Code::InvalidAppReview,
                    "an app is named by `id` alone, or by `name` and `environment`",
                )
                .at(p.at(pointer), "which app?")
                .help("write `app: {id: <app GUID>}` or `app: {name: <display name>, environment: <environment>}`");
                self.push(d);
                None
            }
        }
    }
}

fn unknown_level(
    code: Code,
    scale_name: &str,
    name: &str,
    span: Span,
    scale: &[&str],
) -> Diagnostic {
    let d = Diagnostic::new(code, format!("no level `{name}` on {scale_name}"))
        .at(span, "unknown level");
    match crate::suggest::closest(name, scale) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(format!("the levels are: {}", scale.join(", "))),
    }
}
