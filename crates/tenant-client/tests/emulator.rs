//! End to end against the real emulator (`ppgov-emulator`): bulk observe with request
//! accounting, every write kind, and the HTTP core under injected faults.

use ppgov_core::model::{
    AdvancedConnectorPolicies, AllowDeny, AllowedConnector, BackupRetention, ConnectorGroup,
    ContentSecurityPolicy, CspSettings, EndpointRule, GenerativeAi, GroupRules,
    MakerWelcomeContent, PatternGroup, PrincipalType, Role, ScopeMode, SharingControls,
    SharingMode, SolutionChecker, SolutionCheckerMode, Toggle, UrlPattern, UsageInsights,
};
use ppgov_core::observed::{
    ObservedDlpPolicy, ObservedEnvironment, ObservedGroup, ObservedRoleAssignment, ObservedScope,
};
use ppgov_emulator::{Config, Emulator, Faults, RateLimit, RunningEmulator, SeedRequest};
use ppgov_tenant_client::{
    AuthConfig, Client, ClientConfig, Cloud, ErrorKind, ObserveOptions, Secret,
};
use ppgov_test_support::fast;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const PAGE: usize = 7;

async fn emulator(seed: SeedRequest) -> RunningEmulator {
    let config = Config {
        page_size: PAGE,
        ..Config::default().seeded(seed)
    };
    Emulator::start(config).await.expect("emulator starts")
}

fn client(emu: &RunningEmulator) -> Client {
    let auth = AuthConfig::Static(Secret::new(emu.token().unwrap()));
    Client::new(fast(
        ClientConfig::new(Cloud::Public, auth).with_single_base_url(&emu.base_url()),
    ))
    .unwrap()
}

fn pages(n: usize) -> u64 {
    n.div_ceil(PAGE).max(1) as u64
}

fn small() -> SeedRequest {
    SeedRequest {
        environments: 12,
        groups: 2,
        dlp_policies: 2,
        role_assignments: 3,
        seed: 7,
        tenant_id: None,
        apps: 0,
        flows: 0,
    }
}

#[tokio::test]
async fn observe_reads_a_seeded_tenant_in_bulk() {
    let emu = emulator(SeedRequest {
        environments: 60,
        groups: 5,
        dlp_policies: 9,
        role_assignments: 25,
        seed: 3,
        tenant_id: None,
        apps: 0,
        flows: 0,
    })
    .await;
    let state = emu.state();
    let c = client(&emu);
    // Ask for BAP roles of three environments without Dataverse and one with.
    let plain: Vec<String> = state
        .environments
        .values()
        .filter(|e| !e.has_dataverse())
        .map(|e| e.name.to_lowercase())
        .take(3)
        .collect();
    let dataverse = state
        .environments
        .values()
        .find(|e| e.has_dataverse())
        .map(|e| e.name.to_lowercase());
    let mut wanted: BTreeSet<String> = plain.iter().cloned().collect();
    wanted.extend(dataverse.clone());
    let observed = c
        .observe(&ObserveOptions {
            bap_role_environments: wanted,
            connectors: true,
            ..Default::default()
        })
        .await
        .unwrap();

    assert_eq!(
        observed.tenant_id.as_deref(),
        Some(emu.tenant_id().to_lowercase().as_str())
    );
    assert_eq!(observed.environments.len(), state.environments.len());
    assert_eq!(
        observed.environment_groups.len(),
        state.environment_groups.len()
    );
    assert_eq!(observed.dlp_policies.len(), state.dlp_policies.len());
    assert!(
        observed
            .dlp_policies
            .values()
            .any(|p| !p.classification.is_empty())
    );
    let bap_count: usize = plain
        .iter()
        .map(|e| {
            state
                .bap_role_assignments
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(e))
                .map_or(0, |(_, v)| v.len())
        })
        .sum();
    assert_eq!(
        observed.role_assignments.len(),
        state.rbac_role_assignments.len() + bap_count
    );
    assert_eq!(
        observed.role_assignments_read_for,
        plain.iter().cloned().collect::<BTreeSet<_>>()
    );
    // Every RBAC assignment is read at its scope, whichever spelling the tenant holds
    // (`/tenants/{t}/environments/{e}` or `/environments/{e}`).
    for (id, a) in &state.rbac_role_assignments {
        let o = &observed.role_assignments[id];
        let tail = a.scope.rsplit('/').next().unwrap().to_lowercase();
        let expected = if a.scope.contains("/environmentGroups/") {
            ObservedScope::EnvironmentGroup(tail)
        } else if a.scope.contains("/environments/") {
            ObservedScope::Environment(tail)
        } else {
            ObservedScope::Tenant
        };
        assert_eq!(o.scope, expected, "{}", a.scope);
    }
    assert!(
        state
            .rbac_role_assignments
            .values()
            .any(|a| !a.scope.starts_with("/tenants/")),
        "the seed holds short scopes"
    );
    assert!(!observed.tenant_settings.is_empty());
    assert!(observed.connectors.as_ref().is_some_and(|c| !c.is_empty()));
    // Group rules came from the tenant-wide rule-set list.
    let with_rules = observed
        .environment_groups
        .values()
        .filter(|g| g.rule_set_id.is_some())
        .count();
    assert_eq!(with_rules, state.rule_sets.len());

    // Requests: one listing per kind plus its pages, one GET per DLP policy, one role list per
    // asked-for environment without Dataverse; nothing else.
    let d = state.dlp_policies.len();
    let expected = pages(state.environments.len())
        + pages(state.environment_groups.len())
        + pages(state.rule_sets.len())
        + pages(state.rule_based_policies.len())
        + pages(state.rule_assignments.len())
        + pages(d)
        + d as u64
        // RBAC: the tenant-level list holds only tenant-scope assignments; every group's and
        // every environment's scope has its own list.
        + 1 + state.environment_groups.len() as u64 + state.environments.len() as u64
        + 1 // tenant
        + 1 // tenant settings
        + 1 // tenant isolation policy (404: none)
        + 3 // connectors, unblockable, virtual
        + plain.len() as u64;
    let stats = c.stats();
    let log = emu.requests();
    assert_eq!(stats.total, expected, "{:#?}", log.by_route);
    assert_eq!(log.total, expected);
    assert_eq!(stats.retries, 0);
    assert!(pages(state.environments.len()) > 1, "paging is exercised");
    let dlp_gets: u64 = log
        .by_route
        .iter()
        .filter(|(route, _)| route.starts_with("GET ") && route.contains("v2/policies/"))
        .map(|(_, n)| *n)
        .sum();
    assert_eq!(dlp_gets, d as u64);
}

/// `bap_roles_of_managed_or_grouped`: the roles of exactly the managed or grouped
/// environments without Dataverse are read, one list each, during the same observe.
#[tokio::test]
async fn observe_reads_the_roles_of_managed_and_grouped_environments_as_pages_arrive() {
    let emu = emulator(SeedRequest {
        environments: 120,
        groups: 4,
        dlp_policies: 2,
        role_assignments: 3,
        seed: 11,
        tenant_id: None,
        apps: 0,
        flows: 0,
    })
    .await;
    let c = client(&emu);
    let plain = c.observe(&ObserveOptions::default()).await.unwrap();
    let expected: BTreeSet<String> = plain
        .environments
        .values()
        .filter(|e| !e.has_dataverse && (e.managed || e.group_id.is_some()))
        .map(|e| e.id.clone())
        .collect();
    assert!(
        expected.len() >= 5,
        "the seed has managed environments without Dataverse"
    );
    assert!(
        expected.len() < plain.environments.len(),
        "and environments whose roles are not read"
    );
    let before = c.stats().total;
    let observed = c
        .observe(&ObserveOptions {
            bap_roles_of_managed_or_grouped: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(observed.role_assignments_read_for, expected);
    let requests = c.stats().total - before;
    assert_eq!(
        requests,
        before + expected.len() as u64,
        "one role list per environment"
    );
    let state = emu.state();
    let bap: usize = state
        .bap_role_assignments
        .iter()
        .filter(|(env, _)| expected.contains(&env.to_lowercase()))
        .map(|(_, v)| v.len())
        .sum();
    assert_eq!(
        observed.role_assignments.len(),
        plain.role_assignments.len() + bap
    );
}

fn rules() -> GroupRules {
    GroupRules {
        sharing_controls: Some(SharingControls {
            mode: SharingMode::ExcludeSecurityGroups,
            max_users: Some(15),
        }),
        usage_insights: Some(UsageInsights {
            enabled: true,
            include_on_home_page: false,
        }),
        maker_welcome_content: Some(MakerWelcomeContent {
            markdown: "## Welcome".into(),
            learn_more_url: Some("https://contoso.com/makers".into()),
        }),
        solution_checker: Some(SolutionChecker {
            mode: SolutionCheckerMode::Block,
            suppress_validation_emails: true,
            rule_overrides: vec!["meta-remove-dup-reg".into()],
        }),
        backup_retention: Some(BackupRetention { days: 21 }),
        ai_generated_descriptions: Some(Toggle { enabled: false }),
        generative_ai: Some(GenerativeAi {
            cross_geo_data_movement: false,
            bing_search: true,
        }),
        advanced_connector_policies: Some(AdvancedConnectorPolicies {
            enforce_only: true,
            allowed_connectors: vec![AllowedConnector {
                connector: "/providers/Microsoft.PowerApps/apis/shared_office365".into(),
                actions: Some(vec!["SendEmailV2".into()]),
            }],
        }),
        content_security_policy: Some(ContentSecurityPolicy {
            model_driven_apps: Some(CspSettings {
                enforce: true,
                strict: true,
                directives: BTreeMap::from([(
                    "img-src".to_owned(),
                    vec!["https://cdn.contoso.com".to_owned()],
                )]),
            }),
            canvas_apps: None,
            code_apps: None,
            report_uri: Some("https://csp.contoso.com/r".into()),
        }),
    }
}

#[tokio::test]
async fn every_write_kind_round_trips() {
    let emu = emulator(small()).await;
    let c = client(&emu);
    let observed = c.observe(&ObserveOptions::default()).await.unwrap();
    let env = observed
        .environments
        .values()
        .find(|e| !e.managed && e.group_id.is_none() && !e.has_dataverse && !e.is_default)
        .expect("an unmanaged environment without Dataverse")
        .clone();

    // Managed on and off.
    let on = c.set_managed(&env.id, true).await.unwrap();
    assert!(on.managed);
    let off = c.set_managed(&env.id, false).await.unwrap();
    assert!(!off.managed);

    // A group with every rule.
    let desired = ObservedGroup {
        display_name: "ppgov test group".into(),
        description: "made by a test".into(),
        rules: rules(),
        ..Default::default()
    };
    let created = c.create_group(&desired).await.unwrap();
    assert!(!created.id.is_empty());
    assert_eq!(created.display_name, desired.display_name);
    assert_eq!(created.rules, desired.rules);
    assert!(created.rule_set_id.is_some() && created.rule_based_policy_id.is_some());

    // Membership: the unmanaged environment is made managed first.
    let member = c
        .add_environment_to_group(&env.id, &created.id)
        .await
        .unwrap();
    assert!(member.managed);
    assert_eq!(member.group_id.as_deref(), Some(created.id.as_str()));

    // Update: description and rules (one rule dropped, the policy emptied).
    let mut changed = created.clone();
    changed.description = "changed".into();
    changed.rules.backup_retention = Some(BackupRetention { days: 7 });
    changed.rules.generative_ai = None;
    changed.rules.advanced_connector_policies = None;
    changed.rules.content_security_policy = None;
    let updated = c.update_group(&changed).await.unwrap();
    assert_eq!(updated.description, "changed");
    assert_eq!(updated.rules, changed.rules);
    assert_eq!(updated.rule_based_policy_id, None);
    assert_eq!(c.get_group(&created.id).await.unwrap().rules, changed.rules);

    let removed = c
        .remove_environment_from_group(&env.id, &created.id)
        .await
        .unwrap();
    assert_eq!(removed.group_id, None);
    assert!(removed.managed, "stays managed");

    // DLP: create, update, delete.
    let policy = ObservedDlpPolicy {
        id: String::new(),
        display_name: "ppgov test policy".into(),
        scope_mode: Some(ScopeMode::AllExcept),
        environment_ids: BTreeSet::from([env.id.clone()]),
        default_group: ConnectorGroup::NonBusiness,
        classification: BTreeMap::from([
            (
                "/providers/Microsoft.PowerApps/apis/shared_sharepointonline".to_owned(),
                ConnectorGroup::Business,
            ),
            (
                "/providers/Microsoft.PowerApps/apis/shared_twitter".to_owned(),
                ConnectorGroup::Blocked,
            ),
        ]),
        action_rules: BTreeMap::new(),
        endpoint_rules: BTreeMap::from([(
            "/providers/Microsoft.PowerApps/apis/shared_sql".to_owned(),
            vec![
                EndpointRule {
                    endpoint: "contoso.database.windows.net,sales".into(),
                    behavior: AllowDeny::Allow,
                },
                EndpointRule {
                    endpoint: "*".into(),
                    behavior: AllowDeny::Deny,
                },
            ],
        )]),
        custom_connector_patterns: vec![
            UrlPattern {
                pattern: "https://*.contoso.com".into(),
                group: PatternGroup::Business,
            },
            UrlPattern {
                pattern: "*".into(),
                group: PatternGroup::Ignore,
            },
        ],
        etag: None,
        last_modified: None,
    };
    let made = c.create_dlp_policy(&policy).await.unwrap();
    assert!(!made.id.is_empty());
    let same = |a: &ObservedDlpPolicy, b: &ObservedDlpPolicy| {
        ObservedDlpPolicy {
            id: b.id.clone(),
            etag: b.etag.clone(),
            last_modified: b.last_modified.clone(),
            ..a.clone()
        } == *b
    };
    assert!(same(&policy, &made), "{made:#?}");
    let mut edit = made.clone();
    edit.display_name = "renamed".into();
    edit.custom_connector_patterns.remove(0);
    let edited = c.update_dlp_policy(&edit).await.unwrap();
    assert!(same(&edit, &edited), "{edited:#?}");
    assert_ne!(edited.etag, made.etag);
    c.delete_dlp_policy(&made.id).await.unwrap();
    assert_eq!(
        c.get_dlp_policy(&made.id).await.unwrap_err().kind,
        ErrorKind::NotFound
    );

    // Role assignments: RBAC at group scope, and a BAP environment role.
    let rbac = ObservedRoleAssignment {
        id: String::new(),
        principal_id: "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c".into(),
        principal_type: Some(PrincipalType::Group),
        principal_name: None,
        role: Some(Role::Contributor),
        scope: ObservedScope::EnvironmentGroup(created.id.clone()),
    };
    let made_rbac = c.create_role_assignment(&rbac).await.unwrap();
    assert_eq!(
        ObservedRoleAssignment {
            id: String::new(),
            ..made_rbac.clone()
        },
        rbac
    );
    let bap = ObservedRoleAssignment {
        id: String::new(),
        principal_id: "7d6c5b4a-3928-4f17-8e06-d5c4b3a29180".into(),
        principal_type: Some(PrincipalType::User),
        principal_name: None,
        role: Some(Role::EnvironmentMaker),
        scope: ObservedScope::Environment(env.id.clone()),
    };
    let made_bap = c.create_role_assignment(&bap).await.unwrap();
    assert_eq!(made_bap.role, Some(Role::EnvironmentMaker));
    assert!(
        c.list_environment_role_assignments(&env.id)
            .await
            .unwrap()
            .contains(&made_bap)
    );
    c.delete_role_assignment(&made_bap).await.unwrap();
    assert!(
        !c.list_environment_role_assignments(&env.id)
            .await
            .unwrap()
            .iter()
            .any(|a| a.id == made_bap.id)
    );
    c.delete_role_assignment(&made_rbac).await.unwrap();
    assert!(
        !c.list_rbac_role_assignments()
            .await
            .unwrap()
            .iter()
            .any(|a| a.id == made_rbac.id)
    );

    // Tenant settings: sparse write, full read-back.
    let key = "powerPlatform.powerApps.disableShareWithEveryone";
    let before = c.get_tenant_settings().await.unwrap();
    let flipped = !before.get(key).and_then(|v| v.as_bool()).unwrap_or(false);
    let after = c
        .update_tenant_settings(&BTreeMap::from([(key.to_owned(), json!(flipped))]))
        .await
        .unwrap();
    assert_eq!(after[key], json!(flipped));
    assert!(after.len() >= before.len() - 2);

    // Deleting a group with a member and rules empties it first.
    let again = c.create_group(&desired).await.unwrap();
    c.add_environment_to_group(&env.id, &again.id)
        .await
        .unwrap();
    c.delete_group(&again.id).await.unwrap();
    assert_eq!(
        c.get_group(&again.id).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(c.get_environment(&env.id).await.unwrap().group_id, None);
    let state = emu.state();
    assert!(
        state
            .rule_sets
            .values()
            .all(|r| r.group_id() != Some(again.id.as_str()))
    );
    assert!(
        state
            .rule_assignments
            .values()
            .all(|a| a.resource_id.as_deref() != Some(again.id.as_str()))
    );
}

#[tokio::test]
async fn throttling_with_retry_after_is_honoured() {
    let emu = emulator(small()).await;
    let c = client(&emu);
    let env = emu
        .state()
        .environments
        .values()
        .next()
        .unwrap()
        .name
        .clone();
    emu.set_faults(Faults {
        rate_limit: Some(RateLimit {
            requests_per_second: 2.0,
            burst: 1,
        }),
        ..Faults::default()
    })
    .unwrap();
    let started = Instant::now();
    for _ in 0..4 {
        c.get_environment(&env).await.unwrap();
    }
    let log = emu.requests();
    assert!(
        log.by_status.get(&429).copied().unwrap_or(0) > 0,
        "{:?}",
        log.by_status
    );
    assert!(c.stats().retries > 0);
    // The waits came from Retry-After (the bucket refills at 2/s), not from instant retries.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn server_error_bursts_are_retried() {
    let emu = emulator(small()).await;
    let c = client(&emu);
    emu.set_faults(Faults {
        error_rate: 0.4,
        error_status: 500,
        drop_rate: 0.1,
        seed: Some(11),
        ..Faults::default()
    })
    .unwrap();
    let observed = c.observe(&ObserveOptions::default()).await.unwrap();
    assert_eq!(observed.environments.len(), emu.state().environments.len());
    let log = emu.requests();
    assert!(
        log.by_status.get(&500).copied().unwrap_or(0) > 0,
        "{:?}",
        log.by_status
    );
    assert!(c.stats().retries > 0);
}

#[tokio::test]
async fn retries_are_bounded() {
    let emu = emulator(small()).await;
    let c = client(&emu);
    emu.set_faults(Faults {
        error_rate: 1.0,
        error_status: 503,
        ..Faults::default()
    })
    .unwrap();
    let e = c.get_environment("anything").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Server);
    assert_eq!(e.status, Some(503));
    assert_eq!(emu.requests().total, 8, "max_attempts");
    assert!(
        e.to_string().contains(
            "GET bap /providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/anything"
        ),
        "{e}"
    );
}

#[tokio::test]
async fn non_idempotent_creates_are_not_replayed_after_500() {
    let emu = emulator(small()).await;
    let c = client(&emu);
    emu.set_faults(Faults {
        error_rate: 1.0,
        error_status: 500,
        routes: vec!["POST /environmentmanagement/environmentGroups".into()],
        ..Faults::default()
    })
    .unwrap();
    let g = ObservedGroup {
        display_name: "x".into(),
        ..Default::default()
    };
    let e = c.create_group(&g).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Server);
    assert_eq!(emu.requests().total, 1);
}

#[tokio::test]
async fn a_permanent_400_fails_fast_with_code_and_message() {
    let emu = emulator(small()).await;
    let c = client(&emu);
    let bad = ObservedDlpPolicy {
        id: String::new(),
        display_name: "bad patterns".into(),
        scope_mode: Some(ScopeMode::All),
        environment_ids: BTreeSet::new(),
        default_group: ConnectorGroup::NonBusiness,
        classification: BTreeMap::new(),
        action_rules: BTreeMap::new(),
        endpoint_rules: BTreeMap::new(),
        // `*` must be last.
        custom_connector_patterns: vec![
            UrlPattern {
                pattern: "*".into(),
                group: PatternGroup::Blocked,
            },
            UrlPattern {
                pattern: "https://*.contoso.com".into(),
                group: PatternGroup::Business,
            },
        ],
        etag: None,
        last_modified: None,
    };
    let e = c.create_dlp_policy(&bad).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Rejected);
    assert_eq!(e.status, Some(400));
    assert_eq!(e.code.as_deref(), Some("UrlPatternsInvalidRule"));
    assert!(!e.message.is_empty());
    assert!(
        e.to_string()
            .starts_with("POST bap /providers/PowerPlatform.Governance/v2/policies"),
        "{e}"
    );
    assert_eq!(c.stats().total, 1);
}

/// An environment `set_managed(true)` can act on without touching a group.
async fn unmanaged_ungrouped_environment(c: &Client) -> ObservedEnvironment {
    c.observe(&ObserveOptions::default())
        .await
        .unwrap()
        .environments
        .into_values()
        .find(|e| !e.managed && e.group_id.is_none())
        .unwrap()
}

#[tokio::test]
async fn slow_operations_are_polled_to_the_end() {
    let emu = emulator(small()).await;
    let c = client(&emu);
    let env = unmanaged_ungrouped_environment(&c).await;
    emu.set_faults(Faults {
        lro_ms: 300,
        ..Faults::default()
    })
    .unwrap();
    emu.clear_requests();
    let e = c.set_managed(&env.id, true).await.unwrap();
    assert!(e.managed);
    let polls: u64 = emu
        .requests()
        .by_route
        .iter()
        .filter(|(r, _)| r.contains("lifecycleOperations"))
        .map(|(_, n)| *n)
        .sum();
    assert!(polls >= 2, "{:?}", emu.requests().by_route);
}

/// The busy fault, like the service's lifecycle lock, meets only the writes that start an
/// operation on an environment, which the client waits out; every other request (tenant
/// settings reads and writes, groups, rule sets, RBAC) never sees it.
#[tokio::test]
async fn busy_faults_meet_only_lifecycle_writes_and_are_waited_out() {
    let emu = emulator(small()).await;
    let c = client(&emu);
    let env = unmanaged_ungrouped_environment(&c).await;
    emu.set_faults(Faults {
        busy_rate: 0.5,
        seed: Some(11),
        ..Faults::default()
    })
    .unwrap();
    emu.clear_requests();
    c.get_tenant_settings().await.unwrap();
    let changed: BTreeMap<String, serde_json::Value> = [(
        "powerPlatform.powerApps.disableShareWithEveryone".to_owned(),
        json!(true),
    )]
    .into();
    c.update_tenant_settings(&changed).await.unwrap();
    let group = c
        .create_group(&ObservedGroup {
            display_name: "Busy-free".into(),
            rules: rules(),
            ..Default::default()
        })
        .await
        .unwrap();
    let joined = c
        .add_environment_to_group(&env.id, &group.id)
        .await
        .unwrap();
    assert_eq!(joined.group_id.as_deref(), Some(group.id.as_str()));
    c.create_role_assignment(&ObservedRoleAssignment {
        id: String::new(),
        principal_id: "5e4d3c2b-0000-4000-8000-0000000000b1".into(),
        principal_type: Some(PrincipalType::User),
        principal_name: None,
        role: Some(Role::Reader),
        scope: ObservedScope::EnvironmentGroup(group.id.clone()),
    })
    .await
    .unwrap();
    let log = emu.requests();
    let busy: Vec<&String> = log
        .recent
        .iter()
        .filter(|r| r.status == 409)
        .map(|r| &r.route)
        .collect();
    assert!(!busy.is_empty(), "the fault fired: {:?}", log.by_route);
    for route in busy {
        assert!(
            route.contains("governanceConfiguration")
                || route.contains("/addEnvironment/")
                || route.contains("/removeEnvironment/"),
            "409 on {route}"
        );
    }
}

#[tokio::test]
async fn busy_environments_are_waited_out() {
    let emu = emulator(small()).await;
    let c = client(&emu);
    let env = unmanaged_ungrouped_environment(&c).await;
    emu.set_faults(Faults {
        busy_rate: 0.7,
        seed: Some(5),
        routes: vec!["governanceConfiguration".into()],
        ..Faults::default()
    })
    .unwrap();
    assert!(c.set_managed(&env.id, true).await.unwrap().managed);
    assert!(c.set_managed(&env.id, false).await.is_ok());
    assert!(emu.requests().by_status.get(&409).copied().unwrap_or(0) > 0);
}

#[tokio::test]
async fn expired_tokens_are_refreshed_once() {
    let emu = emulator(small()).await;
    let auth = AuthConfig::ClientSecret {
        authority: Some(emu.base_url()),
        tenant_id: emu.tenant_id(),
        client_id: "11111111-2222-3333-4444-555555555555".into(),
        client_secret: Secret::new("s3cr3t-value"),
    };
    let c = Client::new(fast(
        ClientConfig::new(Cloud::Public, auth).with_single_base_url(&emu.base_url()),
    ))
    .unwrap();
    let env = emu
        .state()
        .environments
        .values()
        .next()
        .unwrap()
        .name
        .clone();
    c.get_environment(&env).await.unwrap();
    c.get_environment(&env).await.unwrap();
    assert_eq!(c.stats().token_fetches, 1, "cached");
    emu.expire_tokens();
    c.get_environment(&env).await.unwrap();
    assert_eq!(c.stats().token_fetches, 2, "refreshed once");
    assert_eq!(emu.requests().by_status.get(&401).copied(), Some(1));
    // The PP API takes a token of its own scope.
    c.list_rbac_role_assignments().await.unwrap();
    assert_eq!(c.stats().token_fetches, 3);
    assert!(!format!("{c:?}").contains("s3cr3t"));
}

#[tokio::test]
async fn a_token_that_stays_rejected_fails_after_one_refresh() {
    let emu = emulator(small()).await;
    let c = Client::new(fast(
        ClientConfig::new(
            Cloud::Public,
            AuthConfig::Static(Secret::new("wrong-token")),
        )
        .with_single_base_url(&emu.base_url()),
    ))
    .unwrap();
    let e = c.get_environment("x").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unauthorized);
    assert_eq!(emu.requests().total, 2);
    assert!(!e.to_string().contains("wrong-token"), "{e}");
}

#[tokio::test]
async fn workload_identity_exchanges_the_federated_token() {
    let emu = emulator(small()).await;
    let dir = std::env::temp_dir().join(format!("ppgov-wif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOngifQ.c2ln\n").unwrap();
    let auth = AuthConfig::WorkloadIdentity {
        authority: Some(emu.base_url()),
        tenant_id: emu.tenant_id(),
        client_id: "11111111-2222-3333-4444-555555555555".into(),
        token_file: Some(file),
    };
    let c = Client::new(fast(
        ClientConfig::new(Cloud::Public, auth).with_single_base_url(&emu.base_url()),
    ))
    .unwrap();
    let observed = c.observe(&ObserveOptions::default()).await.unwrap();
    assert!(!observed.environments.is_empty());
    assert_eq!(c.stats().token_fetches, 2, "one per scope");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn plain_http_to_a_non_loopback_host_is_refused() {
    let auth = AuthConfig::Static(Secret::new("t"));
    let e = Client::new(
        ClientConfig::new(Cloud::Public, auth.clone())
            .with_single_base_url("http://api.bap.microsoft.com"),
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config);
    assert!(e.to_string().contains("non-loopback"), "{e}");
    let e = Client::new(ClientConfig::new(
        Cloud::Public,
        AuthConfig::ClientSecret {
            authority: Some("http://login.example.com".into()),
            tenant_id: "t".into(),
            client_id: "c".into(),
            client_secret: Secret::new("s"),
        },
    ))
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config);
}

/// Recorded tenants hold group members whose Managed Environment is off
/// (`protectionLevel: Basic`). The emulator serves that state when seeded, and the client
/// reads it and can make such a member managed or take it out of its group.
#[tokio::test]
async fn a_basic_member_of_a_group_is_read_and_can_be_fixed() {
    let emu = emulator(small()).await;
    let (basic, other, group) = emu.update_state(|t| {
        let group = t.environment_groups.keys().next().unwrap().clone();
        let mut free = t
            .environments
            .iter()
            .filter(|(_, e)| e.group_id().is_none() && !e.properties.is_default)
            .map(|(k, _)| k.clone());
        let (a, b) = (free.next().unwrap(), free.next().unwrap());
        for key in [&a, &b] {
            let e = t.environments.get_mut(key).unwrap();
            e.properties.parent_environment_group =
                Some(ppgov_tenant_api::environments::GroupRef { id: group.clone() });
            e.properties.governance_configuration =
                Some(ppgov_tenant_api::environments::GovernanceConfiguration {
                    protection_level: "Basic".into(),
                    settings: None,
                });
        }
        (a, b, group)
    });
    let c = client(&emu);
    let observed = c.observe(&ObserveOptions::default()).await.unwrap();
    for key in [&basic, &other] {
        let e = &observed.environments[&key.to_lowercase()];
        assert!(!e.managed, "{key}");
        assert_eq!(e.group_id.as_deref(), Some(group.to_lowercase().as_str()));
    }
    let e = c.set_managed(&basic, true).await.unwrap();
    assert!(e.managed && e.group_id.is_some());
    let e = c
        .remove_environment_from_group(&other, &group)
        .await
        .unwrap();
    assert!(e.group_id.is_none() && !e.managed);
}

#[tokio::test]
async fn environment_apps_are_read_across_pages_and_converted() {
    let emu = emulator(small()).await;
    let env = emu.state().environments.keys().next().unwrap().clone();
    let count = PAGE * 2 + 3;
    emu.update_state(|t| {
        let apps = (0..count)
            .map(|i| {
                let app: ppgov_tenant_api::inventory::App = serde_json::from_value(json!({
                    "name": format!("APP-{i:03}"),
                    "properties": {
                        "displayName": format!("App {i}"),
                        "owner": {"id": "OWNER"},
                        "sharedUsersCount": i,
                        "environment": {"name": env},
                        "connectionReferences": {
                            "a": {"id": "/providers/microsoft.powerapps/apis/shared_sql"},
                            "b": {"id": "/providers/microsoft.powerapps/apis/shared_twitter"}
                        }
                    }
                }))
                .unwrap();
                (app.name.clone(), app)
            })
            .collect();
        t.apps.insert(env.clone(), apps);
    });
    let c = client(&emu);
    let before = c.stats().total;
    let apps = c.list_environment_apps(&env).await.unwrap();
    assert_eq!(c.stats().total - before, pages(count));
    assert_eq!(apps.len(), count);
    let first = &apps[0];
    assert_eq!(first.id, "app-000");
    assert_eq!(first.environment_id, env.to_lowercase());
    assert_eq!(first.owner.as_ref().unwrap().id.as_deref(), Some("owner"));
    assert_eq!(
        first.connectors.keys().collect::<Vec<_>>(),
        ["shared_sql", "shared_twitter"]
    );

    let err = c.list_environment_apps("no-such-env").await.unwrap_err();
    assert!(err.to_string().contains("no-such-env"), "{err}");
}

fn with_inventory() -> SeedRequest {
    SeedRequest {
        apps: 40,
        flows: 30,
        ..small()
    }
}

#[tokio::test]
async fn read_inventory_requests_only_the_environments_asked_for() {
    let emu = emulator(with_inventory()).await;
    let state = emu.state();
    // The environment with the most flows, asked for in upper case.
    let (env, flows) = state
        .flows
        .iter()
        .max_by_key(|(name, f)| (f.len(), std::cmp::Reverse(*name)))
        .unwrap();
    let apps = state.apps.get(env).map_or(0, |a| a.len());
    let connections = state.connections.get(env).map_or(0, |c| c.len());
    let custom = state.custom_connectors.get(env).map_or(0, |c| c.len());
    assert!(
        flows.len() > 1 && state.flows.len() > 1,
        "the seed spreads flows"
    );
    let c = client(&emu);
    emu.clear_requests();
    let inventory = c
        .read_inventory(&BTreeSet::from([env.to_uppercase()]))
        .await
        .unwrap();
    let key = env.to_lowercase();
    assert_eq!(inventory.environments.keys().collect::<Vec<_>>(), [&key]);
    let read = &inventory.environments[&key];
    assert_eq!(
        (
            read.apps.len(),
            read.flows.len(),
            read.connections.len(),
            read.custom_connectors.len()
        ),
        (apps, flows.len(), connections, custom)
    );
    // Flows carry the connectors of their references (the per-flow GET), with connections.
    for f in read.flows.values() {
        assert!(!f.connectors.is_empty(), "{}", f.id);
        assert!(f.connectors.values().any(|u| !u.connections.is_empty()));
    }
    // Request accounting: that environment's routes only, and exactly these many.
    let log = emu.requests();
    for r in &log.recent {
        assert!(
            r.uri.to_lowercase().contains(&key),
            "{} is not a request for {key}",
            r.uri
        );
    }
    let expected = pages(apps) + pages(flows.len()) + flows.len() as u64 + 1 + 1;
    assert_eq!(log.total, expected, "{:#?}", log.by_route);
    assert_eq!(
        log.count(
            "GET",
            "/providers/Microsoft.ProcessSimple/scopes/admin/environments/{env}/flows/{flow}"
        ),
        flows.len() as u64
    );
    assert_eq!(
        c.stats().by_host["flow"],
        pages(flows.len()) + flows.len() as u64
    );
}

#[tokio::test]
async fn observe_reads_the_inventory_asked_for_and_unknown_environments_are_named() {
    let emu = emulator(with_inventory()).await;
    let c = client(&emu);
    let plain = c.observe(&ObserveOptions::default()).await.unwrap();
    assert!(plain.inventory.is_empty(), "none read unless asked");
    let all: BTreeSet<String> = emu.state().environments.keys().cloned().collect();
    let observed = c
        .observe(&ObserveOptions {
            inventory: Some(all.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let read = c.read_inventory(&all).await.unwrap();
    assert_eq!(observed.inventory, read);
    // Every environment was read, also those where nothing runs (empty, not unknown).
    assert_eq!(read.environments.len(), all.len());
    let items: usize = read
        .environments
        .values()
        .map(|e| e.apps.len() + e.flows.len())
        .sum();
    assert_eq!(items, 70);

    let mut asked = BTreeSet::from(["no-such-env".to_owned(), "other-missing".to_owned()]);
    asked.extend(all.iter().take(2).cloned());
    let err = c.read_inventory(&asked).await.unwrap_err();
    assert_eq!(err.kind, ppgov_tenant_client::ErrorKind::NotFound);
    let text = err.to_string();
    assert!(
        text.contains("no-such-env, other-missing") && text.contains("not in the tenant"),
        "{text}"
    );
    let err = c
        .observe(&ObserveOptions {
            inventory: Some(asked),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no-such-env"), "{err}");
}

#[tokio::test]
async fn a_seeded_inventory_holds_real_violations_of_the_seeded_policies() {
    use ppgov_core::dlp_eval::{Evaluator, Reason};
    let emu = emulator(with_inventory()).await;
    let all: BTreeSet<String> = emu.state().environments.keys().cloned().collect();
    let observed = emu_observe_with_inventory(&emu, all).await;
    let evaluator = Evaluator::new(
        observed.dlp_policies.values(),
        ppgov_core::catalog::Catalog::bundled(),
    );
    let (mut compliant, mut mixed, mut blocked, mut custom) = (0, 0, 0, 0);
    for env in observed.inventory.environments.values() {
        for item in env.apps.values().chain(env.flows.values()) {
            let evaluation = evaluator.evaluate(item, &env.custom_connectors);
            compliant += usize::from(evaluation.complies());
            let reasons = evaluation.violations.iter().flat_map(|v| &v.reasons);
            for r in reasons {
                match r {
                    Reason::MixedGroups { .. } => mixed += 1,
                    Reason::BlockedConnector { .. } => blocked += 1,
                    _ => {}
                }
            }
            custom += usize::from(item.connectors.values().any(|u| u.custom));
        }
    }
    assert!(
        compliant > 0 && mixed > 0 && blocked > 0 && custom > 0,
        "compliant {compliant}, mixed {mixed}, blocked {blocked}, custom {custom}"
    );
}

async fn emu_observe_with_inventory(
    emu: &RunningEmulator,
    environments: BTreeSet<String>,
) -> ppgov_core::observed::Observed {
    client(emu)
        .observe(&ObserveOptions {
            inventory: Some(environments),
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_snapshot_carries_the_inventory_that_was_read() {
    let emu = emulator(with_inventory()).await;
    let all: BTreeSet<String> = emu.state().environments.keys().cloned().collect();
    let observed = emu_observe_with_inventory(&emu, all.clone()).await;
    let snapshot = ppgov_tenant_client::convert::tenant_snapshot(
        &observed,
        &BTreeMap::new(),
        "Fri, 27 Nov 2026 00:00:00 GMT",
    )
    .unwrap();
    let served = emulator(SeedRequest {
        environments: 0,
        ..small()
    })
    .await;
    served.set_state(snapshot);
    let again = emu_observe_with_inventory(&served, all).await;
    assert!(!again.inventory.is_empty());
    assert_eq!(again.inventory, observed.inventory);
}
