//! Lowering `DlpPolicy` documents: the scope here; the connector checks in
//! `dlp_connectors`, the endpoint and URL pattern checks in `dlp_endpoints`.

use super::{Lowering, Parsed};
use crate::diag::{Code, Diagnostic};
use crate::doc::{self, ScopeMode};
use crate::kind::Kind;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

impl Lowering<'_> {
    pub(super) fn dlp_policies(&mut self) -> BTreeMap<String, DlpPolicy> {
        let set = self.set;
        let docs = self.unique_by_name(Kind::DlpPolicy, &set.dlp_policies);
        self.unique_display_names(Kind::DlpPolicy, &docs, |s| &s.display_name);
        self.unique_pinned_ids(Kind::DlpPolicy, &docs);
        let group_names: BTreeSet<String> =
            set.groups.iter().map(|g| g.name().to_owned()).collect();
        let mut out = BTreeMap::new();
        for p in docs {
            let policy = self.dlp_policy(p, &group_names);
            out.insert(p.name().to_owned(), policy);
        }
        out
    }

    fn dlp_policy(
        &mut self,
        p: &Parsed<doc::DlpPolicySpec>,
        group_names: &BTreeSet<String>,
    ) -> DlpPolicy {
        let spec = &p.doc.spec;
        // Scope.
        let scope = &spec.scope;
        let envs = self.environment_targets(p, "/spec/scope/environments", &scope.environments);
        let mut groups = BTreeSet::new();
        for (i, g) in scope.environment_groups.iter().enumerate() {
            let span = p.at_item("/spec/scope/environmentGroups", i, None);
            if !group_names.contains(&g.0) && !self.known_name(Kind::EnvironmentGroup, &g.0) {
                self.unknown_group(&g.0, span);
            }
            if !groups.insert(g.0.clone()) {
                let d = Diagnostic::new(
                    Code::DuplicateMember,
                    format!("group `{}` listed twice", g.0),
                )
                .at(span, "listed again")
                .help("remove the repeated entry");
                self.push(d);
            }
        }
        let listed = !scope.environments.is_empty() || !scope.environment_groups.is_empty();
        let problem = match scope.mode {
            ScopeMode::All if listed => Some((
                "`mode: all` applies to every environment, so it takes no lists",
                "remove the lists, or use `mode: allExcept` or `mode: only`",
            )),
            ScopeMode::Only if !listed => Some((
                "`mode: only` with no environments applies to nothing",
                "list `environments` or `environmentGroups`",
            )),
            ScopeMode::AllExcept if !listed => Some((
                "`mode: allExcept` with no exceptions",
                "write `mode: all`, or list the exceptions",
            )),
            _ => None,
        };
        if let Some((message, help)) = problem {
            let d = Diagnostic::new(Code::EmptyDlpScope, message)
                .at(p.at("/spec/scope/mode"), "scope mode")
                .help(help);
            self.push(d);
        }

        let default = spec.connectors.default;
        let classification = self.dlp_classification(p);
        let action_rules = self.dlp_action_rules(p, &classification);
        let endpoint_rules = self.dlp_endpoint_rules(p);
        let patterns = self.dlp_url_patterns(p);

        DlpPolicy {
            meta: p.meta(),
            display_name: spec.display_name.clone(),
            scope: DlpScope {
                mode: scope.mode,
                environments: envs,
                environment_groups: groups,
            },
            default_group: default,
            classification: {
                let spans = classification
                    .iter()
                    .map(|(id, (_, span))| (id.clone(), *span))
                    .collect();
                self.classification_spans.insert(p.name().to_owned(), spans);
                classification
                    .into_iter()
                    .map(|(id, (g, _))| (id, g))
                    .collect()
            },
            action_rules,
            endpoint_rules,
            custom_connector_patterns: patterns
                .into_iter()
                .map(|(pattern, _, group)| UrlPattern { pattern, group })
                .collect(),
            owners: spec.owners.iter().cloned().collect(),
        }
    }
}
