//! The connector checks of a `DlpPolicy`: classification (each connector in one group,
//! unblockable connectors, redundant entries) and action rules.

use super::{Lowering, Parsed, group_key};
use crate::catalog::{self, Catalog, ConnectorId};
use crate::diag::{Code, Diagnostic};
use crate::doc::{self, ConnectorGroup};
use crate::model::*;
use crate::source::Span;
use std::collections::BTreeMap;

/// Each connector a policy classifies, with its group and where it is listed.
pub(super) type Classification = BTreeMap<ConnectorId, (ConnectorGroup, Span)>;

impl Lowering<'_> {
    /// The connectors `p` lists by group, checked.
    pub(super) fn dlp_classification(&mut self, p: &Parsed<doc::DlpPolicySpec>) -> Classification {
        let spec = &p.doc.spec;
        // Classification.
        let default = spec.connectors.default;
        let mut classification: BTreeMap<ConnectorId, (ConnectorGroup, Span)> = BTreeMap::new();
        let lists = [
            (
                ConnectorGroup::Business,
                "business",
                &spec.connectors.business,
            ),
            (
                ConnectorGroup::NonBusiness,
                "nonBusiness",
                &spec.connectors.non_business,
            ),
            (ConnectorGroup::Blocked, "blocked", &spec.connectors.blocked),
        ];
        for (group, key, list) in lists {
            let items = p.items_at(&format!("/spec/connectors/{key}"));
            for (i, written) in list.iter().enumerate() {
                let span = items.at(i, None);
                let Some(id) = self.connector(written, span) else {
                    continue;
                };
                if let Some((first_group, first_span)) = classification.get(&id) {
                    let msg = if *first_group == group {
                        format!("connector `{written}` is listed twice in `{key}`")
                    } else {
                        format!(
                            "connector `{written}` is in both `{}` and `{key}`",
                            group_key(*first_group)
                        )
                    };
                    let d = Diagnostic::new(Code::ConnectorInTwoGroups, msg)
                        .at(span, "listed again")
                        .also(*first_span, "first listed here")
                        .help("keep the connector in one group only");
                    self.push(d);
                    continue;
                }
                let unblockable = self.catalog.get(&id).filter(|c| c.unblockable).cloned();
                if let (ConnectorGroup::Blocked, Some(c)) = (group, unblockable) {
                    let d = Diagnostic::new(
                        Code::UnblockableBlocked,
                        format!(
                            "{} (`{}`) cannot be blocked",
                            c.display_name,
                            catalog::short_name(&c)
                        ),
                    )
                    .at(span, "unblockable connector")
                    .help("move it to `business` or `nonBusiness`");
                    self.push(d);
                } else if group == default {
                    let d = Diagnostic::new(Code::RedundantClassification, format!("connector `{written}` is listed in `{key}`, which is already the default group"))
                        .at(span, "already the default")
                        .help("remove the entry; unlisted connectors go to the default group");
                    self.push(d);
                }
                classification.insert(id, (group, span));
            }
        }
        classification
    }

    /// The action rules of `p`, checked against `classification`.
    pub(super) fn dlp_action_rules(
        &mut self,
        p: &Parsed<doc::DlpPolicySpec>,
        classification: &Classification,
    ) -> BTreeMap<ConnectorId, ActionRules> {
        let spec = &p.doc.spec;
        let default = spec.connectors.default;
        let effective_group = |id: &str, catalog: &Catalog| -> ConnectorGroup {
            match classification.get(id) {
                Some((g, _)) => *g,
                None if default == ConnectorGroup::Blocked
                    && catalog.get(id).is_some_and(|c| c.unblockable) =>
                {
                    ConnectorGroup::NonBusiness
                }
                None => default,
            }
        };

        // Action rules.
        let mut action_rules: BTreeMap<ConnectorId, ActionRules> = BTreeMap::new();
        let mut action_spans: BTreeMap<ConnectorId, Span> = BTreeMap::new();
        for (i, rules) in spec.action_rules.iter().enumerate() {
            let pointer = format!("/spec/actionRules/{i}");
            let actions_pointer = format!("{pointer}/actions");
            let span = p.at(&format!("{pointer}/connector"));
            let Some(id) = self.connector(&rules.connector, span) else {
                continue;
            };
            if let Some(first) = action_spans.get(&id) {
                let d = Diagnostic::new(
                    Code::DuplicateActionRule,
                    format!("action rules for `{}` are given twice", rules.connector),
                )
                .at(span, "again")
                .also(*first, "first here")
                .help("merge the two entries");
                self.push(d);
                continue;
            }
            if effective_group(&id, &self.catalog) == ConnectorGroup::Blocked {
                let d = Diagnostic::new(
                    Code::ActionRulesOnBlockedConnector,
                    format!(
                        "`{}` is blocked, so its action rules never apply",
                        rules.connector
                    ),
                )
                .at(span, "blocked connector")
                .help("remove the action rules, or unblock the connector");
                self.push(d);
            }
            let mut actions: BTreeMap<String, AllowBlock> = BTreeMap::new();
            let mut action_seen: BTreeMap<&str, Span> = BTreeMap::new();
            for (j, rule) in rules.actions.iter().enumerate() {
                let aspan = p.at_item(&actions_pointer, j, Some("action"));
                if let Some(first) = action_seen.get(rule.action.as_str()) {
                    let d = Diagnostic::new(
                        Code::DuplicateActionRule,
                        format!("action `{}` has two rules", rule.action),
                    )
                    .at(aspan, "again")
                    .also(*first, "first here")
                    .help("keep one rule per action");
                    self.push(d);
                    continue;
                }
                action_seen.insert(&rule.action, aspan);
                actions.insert(rule.action.clone(), rule.behavior);
            }
            action_spans.insert(id.clone(), span);
            action_rules.insert(
                id,
                ActionRules {
                    default_behavior: rules.default_behavior,
                    actions,
                },
            );
        }

        action_rules
    }
}
