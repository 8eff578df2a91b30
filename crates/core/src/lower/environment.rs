//! Lowering `Environment` documents, and the rules of environments ppgov creates
//! (`lifecycle: owned`).

use super::{Lowering, Parsed};
use crate::diag::{Code, Diagnostic};
use crate::doc;
use crate::kind::Kind;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

impl Lowering<'_> {
    pub(super) fn environments(&mut self) -> BTreeMap<String, Environment> {
        let set = self.set;
        let docs = self.unique_by_name(Kind::Environment, &set.environments);
        self.unique_display_names(Kind::Environment, &docs, |s| &s.display_name);
        self.unique_pinned_ids(Kind::Environment, &docs);
        let group_names: BTreeSet<&str> = set.groups.iter().map(|g| g.name()).collect();
        let mut out = BTreeMap::new();
        for p in docs {
            let spec = &p.doc.spec;
            if let Some(group) = &spec.group {
                if !group_names.contains(group.0.as_str())
                    && !self.known_name(Kind::EnvironmentGroup, &group.0)
                {
                    self.unknown_group(&group.0, p.at("/spec/group"));
                }
                if spec.managed == Some(false) {
                    let d = Diagnostic::new(
                        Code::UnmanagedEnvironmentInGroup,
                        format!(
                            "environment `{}` joins group `{}` but is not managed",
                            p.name(),
                            group.0
                        ),
                    )
                    .at(p.at("/spec/managed"), "not managed")
                    .also(p.at("/spec/group"), "joins a group")
                    .help("set `managed: true`; only managed environments can join a group");
                    self.push(d);
                }
            }
            if let Some(region) = &spec.region {
                self.check_region(region, p.at("/spec/region"), "expects");
            }
            let owned = spec.lifecycle == Some(doc::Lifecycle::Owned);
            self.check_lifecycle(p, owned);
            let (expires, expiry_grace_days) = self.expiry(p, owned);
            out.insert(
                p.name().to_owned(),
                Environment {
                    meta: p.meta(),
                    display_name: spec.display_name.clone(),
                    managed: spec.managed,
                    group: spec.group.as_ref().map(|g| g.0.clone()),
                    environment_type: spec.environment_type,
                    region: spec.region.clone(),
                    owned,
                    dataverse: spec.dataverse.as_ref().map(|d| Dataverse {
                        currency: d.currency.clone(),
                        language: d.language,
                        security_group: d.security_group.as_ref().map(|g| g.0.to_lowercase()),
                        domain: d.domain.clone(),
                    }),
                    expires,
                    expiry_grace_days,
                },
            );
        }
        out
    }

    /// An owned environment can be created: a creatable type and a region. Dataverse
    /// settings are creation parameters, so only an owned environment has them.
    pub(super) fn check_lifecycle(&mut self, p: &Parsed<doc::EnvironmentSpec>, owned: bool) {
        let spec = &p.doc.spec;
        if !owned {
            if spec.dataverse.is_some() {
                let d = Diagnostic::new(
                    Code::InvalidLifecycle,
                    format!(
                        "environment `{}` declares `dataverse` but ppgov does not create it",
                        p.name()
                    ),
                )
                .at(
                    p.at("/spec/dataverse"),
                    "only used when ppgov creates the environment",
                )
                .help("add `lifecycle: owned`, or remove `dataverse`");
                self.push(d);
            }
            return;
        }
        let at = p.at("/spec/lifecycle");
        match spec.environment_type {
            None => {
                let d = Diagnostic::new(
                    Code::InvalidLifecycle,
                    format!("environment `{}` is owned but declares no `type`", p.name()),
                )
                .at(at, "ppgov creates it")
                .help("add `type: Sandbox` (or Production, Trial, Developer)");
                self.push(d);
            }
            Some(t @ (doc::EnvironmentType::Default | doc::EnvironmentType::Teams)) => {
                let d = Diagnostic::new(
                    Code::InvalidLifecycle,
                    format!(
                        "environment `{}` is owned but the platform cannot create a {t:?} environment",
                        p.name()
                    ),
                )
                .at(p.at("/spec/type"), "not creatable")
                .also(at, "ppgov creates it")
                .help("use Production, Sandbox, Trial or Developer, or `lifecycle: adopted`");
                self.push(d);
            }
            Some(
                doc::EnvironmentType::Production
                | doc::EnvironmentType::Sandbox
                | doc::EnvironmentType::Trial
                | doc::EnvironmentType::Developer,
            ) => {}
        }
        if spec.region.is_none() {
            let d = Diagnostic::new(
                Code::InvalidLifecycle,
                format!(
                    "environment `{}` is owned but declares no `region`",
                    p.name()
                ),
            )
            .at(at, "ppgov creates it")
            .help("add `region: europe` (the Power Platform region to create it in)");
            self.push(d);
        }
    }
}
