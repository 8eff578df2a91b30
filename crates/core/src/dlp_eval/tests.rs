//! Cases written from Microsoft Learn's Power Platform admin documentation; each names the
//! page (and the rule) it checks. The expected lines are `policy id: reason`.

use super::*;
use crate::model::{ActionRules, EndpointRule, UrlPattern};
use ConnectorGroup::{Blocked, Business, NonBusiness};

const ENV: &str = "env-1";

fn policy(
    id: &str,
    scope: Option<ScopeMode>,
    envs: &[&str],
    default: ConnectorGroup,
) -> ObservedDlpPolicy {
    ObservedDlpPolicy {
        id: id.into(),
        display_name: format!("Policy {id}"),
        scope_mode: scope,
        environment_ids: envs.iter().map(|e| e.to_string()).collect(),
        default_group: default,
        classification: BTreeMap::new(),
        action_rules: BTreeMap::new(),
        endpoint_rules: BTreeMap::new(),
        custom_connector_patterns: Vec::new(),
        etag: None,
        last_modified: None,
    }
}

/// A tenant-wide policy (`AllEnvironments`).
fn tenant(id: &str, default: ConnectorGroup) -> ObservedDlpPolicy {
    policy(id, Some(ScopeMode::All), &[], default)
}

fn full_id(name: &str) -> String {
    format!("/providers/Microsoft.PowerApps/apis/{name}")
}

trait PolicyExt {
    fn with(self, connector: &str, group: ConnectorGroup) -> Self;
    fn actions(self, connector: &str, default: AllowBlock, rules: &[(&str, AllowBlock)]) -> Self;
    fn endpoints(self, connector: &str, rules: &[(&str, AllowDeny)]) -> Self;
    fn url_patterns(self, rules: &[(&str, PatternGroup)]) -> Self;
}

impl PolicyExt for ObservedDlpPolicy {
    fn with(mut self, connector: &str, group: ConnectorGroup) -> Self {
        self.classification.insert(full_id(connector), group);
        self
    }
    fn actions(
        mut self,
        connector: &str,
        default: AllowBlock,
        rules: &[(&str, AllowBlock)],
    ) -> Self {
        self.action_rules.insert(
            full_id(connector),
            ActionRules {
                default_behavior: default,
                actions: rules.iter().map(|(a, b)| (a.to_string(), *b)).collect(),
            },
        );
        self
    }
    fn endpoints(mut self, connector: &str, rules: &[(&str, AllowDeny)]) -> Self {
        self.endpoint_rules.insert(
            full_id(connector),
            rules
                .iter()
                .map(|(e, b)| EndpointRule {
                    endpoint: e.to_string(),
                    behavior: *b,
                })
                .collect(),
        );
        self
    }
    fn url_patterns(mut self, rules: &[(&str, PatternGroup)]) -> Self {
        self.custom_connector_patterns = rules
            .iter()
            .map(|(p, g)| UrlPattern {
                pattern: p.to_string(),
                group: *g,
            })
            .collect();
        self
    }
}

/// An app using these connectors (ids as apps send them: lower-cased full ids).
fn app(connectors: &[&str]) -> InventoryItem {
    InventoryItem {
        kind: crate::inventory::ItemKind::App,
        id: "app-1".into(),
        display_name: "App".into(),
        environment_id: ENV.into(),
        connectors: connectors
            .iter()
            .map(|c| {
                (
                    connector_key(&full_id(c).to_lowercase()),
                    ConnectorUse::default(),
                )
            })
            .collect(),
        ..Default::default()
    }
}

/// A flow using these connectors with these actions.
fn flow(uses: &[(&str, &[&str])]) -> InventoryItem {
    InventoryItem {
        kind: crate::inventory::ItemKind::Flow,
        id: "flow-1".into(),
        display_name: "Flow".into(),
        environment_id: ENV.into(),
        connectors: uses
            .iter()
            .map(|(c, ops)| {
                let used = ConnectorUse {
                    operations: Some(ops.iter().map(|o| o.to_string()).collect()),
                    ..Default::default()
                };
                (connector_key(c), used)
            })
            .collect(),
        ..Default::default()
    }
}

fn with_endpoint(mut item: InventoryItem, connector: &str, endpoint: &str) -> InventoryItem {
    item.connectors
        .entry(connector_key(connector))
        .or_default()
        .endpoints
        .insert(endpoint.into());
    item
}

fn custom(key: &str, host: Option<&str>) -> CustomConnector {
    CustomConnector {
        key: key.into(),
        id: full_id(key),
        display_name: key.into(),
        environment_id: ENV.into(),
        host_url: host.map(str::to_owned),
        ..Default::default()
    }
}

struct Case {
    name: &'static str,
    /// The documented rule the case checks.
    rule: &'static str,
    policies: Vec<ObservedDlpPolicy>,
    item: InventoryItem,
    custom_connectors: Vec<CustomConnector>,
    expected: &'static [&'static str],
}

fn cases() -> Vec<Case> {
    use AllowBlock::{Allow, Block};
    use AllowDeny::{Allow as EAllow, Deny};
    vec![
        Case {
            name: "business connectors together",
            rule: "Data policies: connectors in the same group can share data",
            policies: vec![
                tenant("p1", NonBusiness)
                    .with("shared_sql", Business)
                    .with("shared_sharepointonline", Business),
            ],
            item: app(&["shared_sql", "shared_sharepointonline"]),
            custom_connectors: vec![],
            expected: &[],
        },
        Case {
            name: "non-business connectors together",
            rule: "Data policies: connectors in the same group can share data",
            policies: vec![tenant("p1", NonBusiness)],
            item: app(&["shared_twitter", "shared_dropbox"]),
            custom_connectors: vec![],
            expected: &[],
        },
        Case {
            name: "business with non-business",
            rule: "Data policies: connectors of Business and Non-business can't be used in the same app or flow",
            policies: vec![tenant("p1", NonBusiness).with("shared_sql", Business)],
            item: app(&["shared_sql", "shared_twitter"]),
            custom_connectors: vec![],
            expected: &[
                "p1: mixes business connectors (shared_sql) with non-business connectors (shared_twitter)",
            ],
        },
        Case {
            name: "unlisted connector falls in the default group",
            rule: "Connector classification: connectors not listed are in the default group",
            policies: vec![tenant("p1", Business).with("shared_twitter", NonBusiness)],
            item: app(&["shared_sql", "shared_twitter"]),
            custom_connectors: vec![],
            expected: &[
                "p1: mixes business connectors (shared_sql) with non-business connectors (shared_twitter)",
            ],
        },
        Case {
            name: "blocked connector",
            rule: "Data policies: a connector in the Blocked group can't be used",
            policies: vec![tenant("p1", Business).with("shared_twitter", Blocked)],
            item: app(&["shared_twitter"]),
            custom_connectors: vec![],
            expected: &["p1: uses blocked connector shared_twitter"],
        },
        Case {
            name: "blocked by the default group",
            rule: "Connector classification: new and unlisted connectors go to the default group, Blocked included",
            policies: vec![tenant("p1", Blocked).with("shared_sql", Business)],
            item: app(&["shared_sql", "shared_dropbox"]),
            custom_connectors: vec![],
            expected: &["p1: uses blocked connector shared_dropbox (the policy's default group)"],
        },
        Case {
            name: "an unblockable connector is never blocked",
            rule: "Connector classification: some connectors can't be blocked (they stay Non-business)",
            policies: vec![tenant("p1", Blocked)],
            item: app(&["shared_approvals"]),
            custom_connectors: vec![],
            expected: &[],
        },
        Case {
            name: "connector ids compare case-insensitively",
            rule: "Apps send lower-cased ids (microsoft.powerapps); policies keep the catalog's casing",
            policies: vec![tenant("p1", Business).with("shared_Twitter", Blocked)],
            item: app(&["SHARED_TWITTER"]),
            custom_connectors: vec![],
            expected: &["p1: uses blocked connector shared_twitter"],
        },
        Case {
            name: "every applicable policy is enforced",
            rule: "Combined effect of multiple data policies: the most restrictive applies; each policy must be satisfied",
            policies: vec![
                tenant("p1", Business),
                policy("p2", Some(ScopeMode::Only), &[ENV], Business)
                    .with("shared_twitter", NonBusiness),
                policy("p3", Some(ScopeMode::Only), &[ENV], Business)
                    .with("shared_twitter", Blocked),
            ],
            item: app(&["shared_sql", "shared_twitter"]),
            custom_connectors: vec![],
            expected: &[
                "p2: mixes business connectors (shared_sql) with non-business connectors (shared_twitter)",
                "p3: uses blocked connector shared_twitter",
            ],
        },
        Case {
            name: "an excluded environment is not covered",
            rule: "Data policies scope: Exclude certain environments",
            policies: vec![policy("p1", Some(ScopeMode::AllExcept), &[ENV], Blocked)],
            item: app(&["shared_twitter"]),
            custom_connectors: vec![],
            expected: &[],
        },
        Case {
            name: "an environment not listed is not covered",
            rule: "Data policies scope: Add multiple environments (only those)",
            policies: vec![policy("p1", Some(ScopeMode::Only), &["env-2"], Blocked)],
            item: app(&["shared_twitter"]),
            custom_connectors: vec![],
            expected: &[],
        },
        Case {
            name: "an environment-level policy covers its environment",
            rule: "Data policies scope: environment-level policies apply to their environment",
            policies: vec![policy("p1", None, &[ENV], Business).with("shared_twitter", Blocked)],
            item: app(&["shared_twitter"]),
            custom_connectors: vec![],
            expected: &["p1: uses blocked connector shared_twitter"],
        },
        Case {
            name: "blocked action",
            rule: "Connector action control: an action set to Block can't be used",
            policies: vec![tenant("p1", Business).actions(
                "shared_sql",
                Allow,
                &[("DeleteItem_V2", Block)],
            )],
            item: flow(&[("shared_sql", &["GetItems_V2", "DeleteItem_V2"])]),
            custom_connectors: vec![],
            expected: &["p1: uses blocked action DeleteItem_V2 of shared_sql"],
        },
        Case {
            name: "action blocked by the default action rule",
            rule: "Connector action control: the default applies to actions not listed and new actions",
            policies: vec![tenant("p1", Business).actions(
                "shared_sql",
                Block,
                &[("GetItems_V2", Allow)],
            )],
            item: flow(&[("shared_sql", &["GetItems_V2", "ExecuteProcedure_V2"])]),
            custom_connectors: vec![],
            expected: &[
                "p1: uses blocked action ExecuteProcedure_V2 of shared_sql (blocked by the connector's default action rule)",
            ],
        },
        Case {
            name: "allowed actions only",
            rule: "Connector action control: allowed actions are usable",
            policies: vec![tenant("p1", Business).actions(
                "shared_sql",
                Allow,
                &[("DeleteItem_V2", Block)],
            )],
            item: flow(&[("shared_sql", &["GetItems_V2"])]),
            custom_connectors: vec![],
            expected: &[],
        },
        Case {
            name: "unknown operations cannot break action rules",
            rule: "Connector action control (apps do not report their operations: nothing to check)",
            policies: vec![tenant("p1", Business).actions("shared_sql", Block, &[])],
            item: app(&["shared_sql"]),
            custom_connectors: vec![],
            expected: &[],
        },
        Case {
            name: "denied endpoint",
            rule: "Connector endpoint filtering: ordered allow/deny list, first match wins, ends in *",
            policies: vec![tenant("p1", Business).endpoints(
                "shared_sql",
                &[("contoso.database.windows.net*", EAllow), ("*", Deny)],
            )],
            item: with_endpoint(
                flow(&[("shared_sql", &["GetItems_V2"])]),
                "shared_sql",
                "fabrikam.database.windows.net, sales",
            ),
            custom_connectors: vec![],
            expected: &[
                "p1: reaches endpoint fabrikam.database.windows.net, sales through shared_sql, denied by endpoint rule *",
            ],
        },
        Case {
            name: "allowed endpoint: the first matching rule wins",
            rule: "Connector endpoint filtering: rules are evaluated in order",
            policies: vec![tenant("p1", Business).endpoints(
                "shared_sql",
                &[
                    ("CONTOSO.database.windows.net*", EAllow),
                    ("*.database.windows.net*", Deny),
                    ("*", Deny),
                ],
            )],
            item: with_endpoint(
                flow(&[("shared_sql", &[])]),
                "shared_sql",
                "contoso.database.windows.net, sales",
            ),
            custom_connectors: vec![],
            expected: &[],
        },
        Case {
            name: "custom connector blocked by its host pattern",
            rule: "DLP for custom connectors: ordered host URL patterns, first match decides",
            policies: vec![tenant("p1", Business).url_patterns(&[
                ("https://*.contoso.com", PatternGroup::Business),
                ("*", PatternGroup::Blocked),
            ])],
            item: app(&["shared_sql", "shared_fabrikam-5f"]),
            custom_connectors: vec![custom(
                "shared_fabrikam-5f",
                Some("https://api.fabrikam.com"),
            )],
            expected: &[
                "p1: uses blocked connector shared_fabrikam-5f (custom connector URL pattern *)",
            ],
        },
        Case {
            name: "custom connector inside the allowed pattern",
            rule: "DLP for custom connectors: a matching pattern's group applies",
            policies: vec![tenant("p1", Business).url_patterns(&[
                ("https://*.contoso.com", PatternGroup::Business),
                ("*", PatternGroup::Blocked),
            ])],
            item: app(&["shared_sql", "shared_contoso-7a"]),
            custom_connectors: vec![custom(
                "shared_contoso-7a",
                Some("https://API.contoso.com/"),
            )],
            expected: &[],
        },
        Case {
            name: "custom connector grouped non-business by its pattern",
            rule: "DLP for custom connectors: a pattern can put custom connectors in Non-business",
            policies: vec![tenant("p1", Business).url_patterns(&[
                ("https://*.contoso.com", PatternGroup::NonBusiness),
                ("*", PatternGroup::Ignore),
            ])],
            item: app(&["shared_sql", "shared_contoso-7a"]),
            custom_connectors: vec![custom("shared_contoso-7a", Some("https://api.contoso.com"))],
            expected: &[
                "p1: mixes business connectors (shared_sql) with non-business connectors (shared_contoso-7a)",
            ],
        },
        Case {
            name: "Ignore leaves a custom connector to other policies",
            rule: "DLP for custom connectors: Ignore * allows custom connectors with Business and Non-business",
            policies: vec![
                tenant("p1", NonBusiness)
                    .with("shared_sql", Business)
                    .url_patterns(&[("*", PatternGroup::Ignore)]),
            ],
            item: app(&["shared_sql", "shared_fabrikam-5f"]),
            custom_connectors: vec![custom(
                "shared_fabrikam-5f",
                Some("https://api.fabrikam.com"),
            )],
            expected: &[],
        },
        Case {
            name: "custom connector with an unknown host: only * matches",
            rule: "DLP for custom connectors: the * rule applies to every custom connector",
            policies: vec![tenant("p1", Business).url_patterns(&[
                ("https://*.contoso.com", PatternGroup::Business),
                ("*", PatternGroup::Blocked),
            ])],
            item: app(&["shared_contoso-7a"]),
            custom_connectors: vec![custom("shared_contoso-7a", None)],
            expected: &[
                "p1: uses blocked connector shared_contoso-7a (custom connector URL pattern *)",
            ],
        },
        Case {
            name: "environment-level policy classifies a custom connector by name",
            rule: "DLP for custom connectors: environment admins classify custom connectors by name; unlisted ones go to the default group",
            policies: vec![policy("p1", None, &[ENV], Blocked).with("shared_sql", Business)],
            item: app(&["shared_sql", "shared_contoso-7a"]),
            custom_connectors: vec![custom("shared_contoso-7a", Some("https://api.contoso.com"))],
            expected: &[
                "p1: uses blocked connector shared_contoso-7a (the policy's default group)",
            ],
        },
        Case {
            name: "several reasons in one policy",
            rule: "Data policies + Connector action control: every violation is reported",
            policies: vec![
                tenant("p1", NonBusiness)
                    .with("shared_sql", Business)
                    .with("shared_dropbox", Blocked)
                    .actions("shared_office365", Allow, &[("SendEmailV2", Block)]),
            ],
            item: flow(&[
                ("shared_sql", &[]),
                ("shared_office365", &["SendEmailV2"]),
                ("shared_dropbox", &[]),
            ]),
            custom_connectors: vec![],
            expected: &[
                "p1: uses blocked connector shared_dropbox",
                "p1: mixes business connectors (shared_sql) with non-business connectors (shared_office365)",
                "p1: uses blocked action SendEmailV2 of shared_office365",
            ],
        },
    ]
}

#[test]
fn documented_cases() {
    let mut failures = Vec::new();
    for case in cases() {
        let evaluator = Evaluator::new(&case.policies, Catalog::bundled());
        let custom = case
            .custom_connectors
            .iter()
            .map(|c| (c.key.clone(), c.clone()))
            .collect();
        let evaluation = evaluator.evaluate(&case.item, &custom);
        let got: Vec<String> = evaluation
            .violations
            .iter()
            .flat_map(|v| {
                v.reasons
                    .iter()
                    .map(move |r| format!("{}: {r}", v.policy_id))
            })
            .collect();
        assert_eq!(evaluation.complies(), got.is_empty());
        if got != case.expected {
            failures.push(format!(
                "{} ({})\n  expected {:#?}\n  got      {:#?}",
                case.name, case.rule, case.expected, got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn effective_policies_say_why_they_apply() {
    let policies = [
        tenant("a", Business),
        policy("b", Some(ScopeMode::AllExcept), &["env-2"], Business),
        policy("c", Some(ScopeMode::AllExcept), &[ENV], Business),
        policy("d", Some(ScopeMode::Only), &[ENV], Business),
        policy("e", Some(ScopeMode::Only), &["env-2"], Business),
        policy("f", None, &[ENV], Business),
    ];
    let evaluator = Evaluator::new(&policies, Catalog::bundled());
    let got: Vec<(&str, Coverage)> = evaluator
        .effective("ENV-1")
        .map(|(p, c)| (p.policy.id.as_str(), c))
        .collect();
    assert_eq!(
        got,
        [
            ("a", Coverage::AllEnvironments),
            ("b", Coverage::NotExcluded),
            ("d", Coverage::Included),
            ("f", Coverage::EnvironmentLevel),
        ]
    );
}

#[test]
fn evaluation_lists_the_applicable_policies_and_is_deterministic() {
    let policies = [
        tenant("z", Business),
        tenant("a", Business).with("shared_sql", Blocked),
    ];
    let reversed: Vec<_> = policies.iter().rev().collect();
    let item = app(&["shared_sql"]);
    let one = Evaluator::new(&policies, Catalog::bundled()).evaluate(&item, &BTreeMap::new());
    let two = Evaluator::new(reversed, Catalog::bundled()).evaluate(&item, &BTreeMap::new());
    assert_eq!(one, two);
    assert_eq!(one.policies.keys().collect::<Vec<_>>(), ["a", "z"]);
    assert_eq!(
        serde_json::to_string(&one.violations).unwrap(),
        r#"[{"policyId":"a","policyName":"Policy a","reasons":[{"kind":"blockedConnector","connector":"shared_sql","source":"listed"}]}]"#
    );
}

#[test]
fn classification_gives_each_connector_its_group_per_applicable_policy() {
    let policies = [
        tenant("a", NonBusiness).with("shared_sql", Business),
        policy("b", Some(ScopeMode::Only), &["other-env"], Blocked),
        tenant("c", Business).url_patterns(&[("*", PatternGroup::Ignore)]),
    ];
    let evaluator = Evaluator::new(&policies, Catalog::bundled());
    let mut item = app(&["shared_sql", "shared_contoso"]);
    item.connectors.get_mut("shared_contoso").unwrap().custom = true;
    let custom_connectors = [(
        "shared_contoso".to_owned(),
        custom("shared_contoso", Some("https://api.contoso.com")),
    )]
    .into();
    let groups = evaluator.classification(&item, &custom_connectors);
    let sql: Vec<_> = groups["shared_sql"].iter().collect();
    assert_eq!(
        sql,
        [
            (&"a".to_owned(), &Some(Business)),
            (&"c".to_owned(), &Some(Business))
        ]
    );
    let contoso: Vec<_> = groups["shared_contoso"].iter().collect();
    assert_eq!(
        contoso,
        [
            (&"a".to_owned(), &Some(NonBusiness)),
            (&"c".to_owned(), &None)
        ],
        "policy c's Ignore pattern leaves it unclassified there; b does not apply"
    );
}
