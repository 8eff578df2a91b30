//! Lowering `EnvironmentGroup` documents: members (references and selectors) and the
//! group's rules.

use super::{Lowering, Parsed};
use crate::catalog::ConnectorId;
use crate::diag::{Code, Diagnostic};
use crate::doc;
use crate::kind::Kind;
use crate::model::*;
use crate::source::Span;
use std::collections::BTreeMap;

impl Lowering<'_> {
    pub(super) fn groups(
        &mut self,
        environments: &BTreeMap<String, Environment>,
    ) -> BTreeMap<String, EnvironmentGroup> {
        let set = self.set;
        let docs = self.unique_by_name(Kind::EnvironmentGroup, &set.groups);
        self.unique_display_names(Kind::EnvironmentGroup, &docs, |s| &s.display_name);
        self.unique_pinned_ids(Kind::EnvironmentGroup, &docs);
        // Which group claims each environment, and where: to find environments in two groups.
        let mut claims: BTreeMap<EnvironmentTarget, Vec<(String, Span)>> = BTreeMap::new();
        let env_docs: BTreeMap<&str, &Parsed<doc::EnvironmentSpec>> =
            set.environments.iter().map(|e| (e.name(), e)).collect();
        // An environment document naming its group is a claim too.
        for (name, env) in environments {
            if let Some(group) = &env.group {
                let span = env_docs[name.as_str()].at("/spec/group");
                claims
                    .entry(EnvironmentTarget::Declared(name.clone()))
                    .or_default()
                    .push((group.clone(), span));
            }
        }

        let mut out = BTreeMap::new();
        for p in docs {
            let spec = &p.doc.spec;
            let members = self.environment_targets(
                p,
                "/spec/members/environments",
                &spec.members.environments,
            );
            let member_items = p.items_at("/spec/members/environments");
            for (i, member) in spec.members.environments.iter().enumerate() {
                let span = member_items.at(i, None);
                let target = self.declared.resolve(member);
                if let EnvironmentTarget::Declared(env_name) = &target
                    && let Some(env) = environments.get(env_name)
                    && env.managed == Some(false)
                {
                    let d = Diagnostic::new(
                        Code::UnmanagedEnvironmentInGroup,
                        format!(
                            "environment `{env_name}` is not managed, so it cannot join group `{}`",
                            p.name()
                        ),
                    )
                    .at(span, "unmanaged environment")
                    .also(
                        env_docs[env_name.as_str()].at("/spec/managed"),
                        "declared unmanaged here",
                    )
                    .help("set `managed: true` on the environment");
                    self.push(d);
                }
                let claim = claims.entry(target).or_default();
                if !claim.iter().any(|(g, _)| g == p.name()) {
                    claim.push((p.name().to_owned(), span));
                }
            }
            let mut selectors = Vec::new();
            for (i, s) in spec.members.selectors.iter().enumerate() {
                let pointer = format!("/spec/members/selectors/{i}");
                if s.types.is_empty()
                    && s.regions.is_empty()
                    && s.display_name.is_none()
                    && s.labels.is_empty()
                {
                    let d = Diagnostic::new(Code::EmptySelector, "selector has no conditions")
                        .at(p.at(&pointer), "matches every environment")
                        .help("add `types`, `regions`, `displayName` or `labels`; to add every environment, list them");
                    self.push(d);
                    continue;
                }
                if let Some(glob) = &s.display_name
                    && let Err(e) = globset::Glob::new(glob)
                {
                    let d = Diagnostic::new(
                        Code::InvalidPattern,
                        format!("`{glob}` is not a valid pattern: {}", e.kind()),
                    )
                    .at(p.at(&format!("{pointer}/displayName")), "invalid pattern")
                    .help("use `*` for any text and `?` for one character; escape `[` as `[[]`");
                    self.push(d);
                    continue;
                }
                for (r, region) in s.regions.iter().enumerate() {
                    let span = p.at_item(&format!("{pointer}/regions"), r, None);
                    self.check_region(region, span, "selects");
                }
                let selector = Selector {
                    types: s.types.iter().copied().collect(),
                    regions: s.regions.iter().map(|r| r.to_lowercase()).collect(),
                    display_name: s.display_name.clone(),
                    labels: s.labels.clone(),
                };
                // Declared environments the selector matches are claims, checked offline.
                let compiled = selector.compile();
                for (env_name, env) in environments {
                    let input = SelectorInput {
                        environment_type: env.environment_type,
                        region: env.region.as_deref(),
                        display_name: &env.display_name,
                        labels: Some(&env.meta.labels),
                    };
                    if compiled.matches(input) {
                        let claim = claims
                            .entry(EnvironmentTarget::Declared(env_name.clone()))
                            .or_default();
                        if !claim.iter().any(|(g, _)| g == p.name()) {
                            claim.push((p.name().to_owned(), p.head_at(&pointer)));
                        }
                    }
                }
                selectors.push(selector);
            }
            self.group_rules(p);
            out.insert(
                p.name().to_owned(),
                EnvironmentGroup {
                    meta: p.meta(),
                    display_name: spec.display_name.clone(),
                    description: spec.description.clone(),
                    members,
                    selectors,
                    rules: spec.rules.clone().into(),
                    owners: spec.owners.iter().cloned().collect(),
                },
            );
        }
        // Environments that name their group join its explicit members.
        for (name, env) in environments {
            if let Some(group) = env.group.as_ref().and_then(|g| out.get_mut(g)) {
                group
                    .members
                    .insert(EnvironmentTarget::Declared(name.clone()));
            }
        }
        for (target, groups) in claims {
            if groups.len() > 1 {
                let who = match &target {
                    EnvironmentTarget::Declared(n) => format!("environment `{n}`"),
                    EnvironmentTarget::Id(id) => format!("environment `{id}`"),
                    EnvironmentTarget::DisplayName(n) => format!("environment \"{n}\""),
                };
                let names: Vec<&str> = groups.iter().map(|(g, _)| g.as_str()).collect();
                let mut d = Diagnostic::new(
                    Code::EnvironmentInTwoGroups,
                    format!("{who} is in more than one group: {}", names.join(", ")),
                )
                .at(groups[1].1, format!("puts it in `{}`", groups[1].0))
                .also(groups[0].1, format!("puts it in `{}`", groups[0].0));
                for (g, span) in &groups[2..] {
                    d = d.also(*span, format!("puts it in `{g}`"));
                }
                self.push(d.help(
                    "an environment belongs to at most one group; remove it from all but one",
                ));
            }
        }
        out
    }

    pub(super) fn group_rules(&mut self, p: &Parsed<doc::EnvironmentGroupSpec>) {
        let rules = &p.doc.spec.rules;
        if let Some(sharing) = &rules.sharing_controls
            && sharing.mode == doc::SharingMode::NoLimit
            && sharing.max_users.is_some()
        {
            let d = Diagnostic::new(
                Code::SharingLimitConflict,
                "`maxUsers` has no effect with `mode: noLimit`",
            )
            .at(
                p.at("/spec/rules/sharingControls/maxUsers"),
                "ignored with noLimit",
            )
            .also(p.at("/spec/rules/sharingControls/mode"), "no limit")
            .help("remove `maxUsers`, or set `mode: excludeSecurityGroups`");
            self.push(d);
        }
        if let Some(acp) = &rules.advanced_connector_policies {
            let mut seen: BTreeMap<ConnectorId, Span> = BTreeMap::new();
            for (i, allowed) in acp.allowed_connectors.iter().enumerate() {
                let pointer = format!(
                    "/spec/rules/advancedConnectorPolicies/allowedConnectors/{i}/connector"
                );
                let span = p.at(&pointer);
                if let Some(id) = self.connector(&allowed.connector, span) {
                    if let Some(first) = seen.get(&id) {
                        let d = Diagnostic::new(
                            Code::DuplicateActionRule,
                            format!("connector `{}` is allowed twice", allowed.connector),
                        )
                        .at(span, "again")
                        .also(*first, "first here")
                        .help("merge the two entries");
                        self.push(d);
                    } else {
                        seen.insert(id, span);
                    }
                }
            }
        }
    }
}
