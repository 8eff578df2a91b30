//! The executor: order, parallelism, failures and skips against an in-memory fake; references,
//! read-back and optimistic concurrency against the emulator.

use ppgov_apply::tenant::writes;
use ppgov_apply::{Event, Options, Outcome, TenantWrites, apply};
use ppgov_core::model::{ConnectorGroup, ScopeMode};
use ppgov_core::observed::*;
use ppgov_planner::plan::{FORMAT_VERSION, fingerprint};
use ppgov_planner::{
    Action, After, Change, Plan, PlannedMembership, PlannedScope, Ref, ResourceKind,
};
use ppgov_tenant_client::{AuthConfig, Client, ClientConfig, ClientError, ErrorKind, Secret};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

type R<T> = Result<T, ClientError>;

/// Only DLP policies: creates take 10 ms, count how many run at once, and fail when the
/// display name starts with `fail`.
#[derive(Default)]
struct Fake {
    running: Mutex<(usize, usize)>,
    order: Mutex<Vec<String>>,
}

fn nope<T>() -> R<T> {
    Err(ClientError::new(ErrorKind::Rejected, "not in the fake"))
}

impl writes::environment::Writes for Fake {
    async fn get_environment(&self, _: &str) -> R<ObservedEnvironment> {
        nope()
    }
    async fn set_managed(&self, _: &str, _: bool) -> R<ObservedEnvironment> {
        nope()
    }
    async fn create_environment(&self, _: &ObservedEnvironment) -> R<ObservedEnvironment> {
        nope()
    }
    async fn delete_environment(&self, _: &str) -> R<()> {
        nope()
    }
    async fn list_environment_names(&self) -> R<Vec<ppgov_tenant_client::NamedObject>> {
        Ok(Vec::new())
    }
}

impl writes::environment_group::Writes for Fake {
    async fn list_group_names(&self) -> R<Vec<ppgov_tenant_client::NamedObject>> {
        Ok(Vec::new())
    }
    async fn get_group(&self, _: &str) -> R<ObservedGroup> {
        nope()
    }
    async fn create_group(&self, _: &ObservedGroup) -> R<ObservedGroup> {
        nope()
    }
    async fn update_group(&self, _: &ObservedGroup) -> R<ObservedGroup> {
        nope()
    }
    async fn delete_group(&self, _: &str) -> R<()> {
        nope()
    }
}

impl writes::group_membership::Writes for Fake {
    async fn add_environment_to_group(&self, _: &str, _: &str) -> R<ObservedEnvironment> {
        nope()
    }
    async fn remove_environment_from_group(&self, _: &str, _: &str) -> R<ObservedEnvironment> {
        nope()
    }
}

impl writes::dlp_policy::Writes for Fake {
    async fn list_dlp_policy_names(&self) -> R<Vec<ppgov_tenant_client::NamedObject>> {
        Ok(Vec::new())
    }
    async fn get_dlp_policy(&self, _: &str) -> R<ObservedDlpPolicy> {
        nope()
    }
    async fn create_dlp_policy(&self, p: &ObservedDlpPolicy) -> R<ObservedDlpPolicy> {
        {
            let mut r = self.running.lock().unwrap();
            r.0 += 1;
            r.1 = r.1.max(r.0);
        }
        self.order.lock().unwrap().push(p.display_name.clone());
        tokio::time::sleep(Duration::from_millis(10)).await;
        self.running.lock().unwrap().0 -= 1;
        if p.display_name.starts_with("fail") {
            return Err(ClientError {
                status: Some(400),
                code: Some("DLPPolicyConnectorReferenceInvalid".into()),
                ..ClientError::new(ErrorKind::Rejected, "bad connector")
            });
        }
        Ok(ObservedDlpPolicy {
            id: format!("id-{}", p.display_name),
            ..p.clone()
        })
    }
    async fn update_dlp_policy(&self, _: &ObservedDlpPolicy) -> R<ObservedDlpPolicy> {
        nope()
    }
    async fn delete_dlp_policy(&self, _: &str) -> R<()> {
        nope()
    }
}

impl writes::role_assignment::Writes for Fake {
    async fn list_environment_role_assignments(&self, _: &str) -> R<Vec<ObservedRoleAssignment>> {
        nope()
    }
    async fn list_rbac_role_assignments_at(
        &self,
        _: &ppgov_core::observed::ObservedScope,
    ) -> R<Vec<ObservedRoleAssignment>> {
        nope()
    }
    async fn create_role_assignment(
        &self,
        _: &ObservedRoleAssignment,
    ) -> R<ObservedRoleAssignment> {
        nope()
    }
    async fn delete_role_assignment(&self, _: &ObservedRoleAssignment) -> R<()> {
        nope()
    }
}

impl writes::tenant_settings::Writes for Fake {
    async fn get_tenant_settings(&self) -> R<BTreeMap<String, Value>> {
        nope()
    }
    async fn update_tenant_settings(
        &self,
        _: &BTreeMap<String, Value>,
    ) -> R<BTreeMap<String, Value>> {
        nope()
    }
}

impl writes::tenant_isolation::Writes for Fake {
    async fn get_tenant_isolation(&self) -> R<Option<ppgov_core::model::TenantIsolation>> {
        nope()
    }
    async fn put_tenant_isolation(
        &self,
        _: &ppgov_core::model::TenantIsolation,
    ) -> R<ppgov_core::model::TenantIsolation> {
        nope()
    }
}

fn policy(name: &str) -> ObservedDlpPolicy {
    ObservedDlpPolicy {
        id: String::new(),
        display_name: name.to_owned(),
        scope_mode: Some(ScopeMode::All),
        environment_ids: Default::default(),
        default_group: ConnectorGroup::NonBusiness,
        classification: Default::default(),
        action_rules: Default::default(),
        endpoint_rules: Default::default(),
        custom_connector_patterns: Vec::new(),
        etag: None,
        last_modified: None,
    }
}

fn create(name: &str, deps: &[&str]) -> Change {
    Change {
        address: format!("DlpPolicy.{name}"),
        kind: ResourceKind::DlpPolicy,
        action: Action::Create,
        id: None,
        display_name: name.to_owned(),
        attributes: Vec::new(),
        risk: None,
        impact: None,
        after: After::DlpPolicy(Box::new(policy(name))),
        depends_on: deps.iter().map(|d| format!("DlpPolicy.{d}")).collect(),
    }
}

fn plan(changes: Vec<Change>) -> Plan {
    Plan {
        format_version: FORMAT_VERSION,
        changes,
        notes: Vec::new(),
        errors: Vec::new(),
        fingerprints: BTreeMap::new(),
        approvals: BTreeMap::new(),
        seal: None,
    }
}

fn run<T: TenantWrites>(
    plan: &Plan,
    t: &T,
    parallelism: usize,
) -> (ppgov_apply::ApplyReport, Vec<Event>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let report = apply(
            plan,
            t,
            &Options {
                parallelism,
                ..Default::default()
            },
            Some(&tx),
        )
        .await;
        drop(tx);
        let mut events = Vec::new();
        while let Some(e) = rx.recv().await {
            events.push(e);
        }
        (report, events)
    })
}

#[test]
fn parallelism_is_bounded_and_dependencies_run_first() {
    let mut changes: Vec<Change> = (0..12).map(|i| create(&format!("p{i:02}"), &[])).collect();
    changes.push(create("after", &["p00", "p11"]));
    let p = plan(changes);
    for n in [1, 3, 8] {
        let fake = Fake::default();
        let (report, events) = run(&p, &fake, n);
        assert_eq!(report.applied(), 13, "{report:?}");
        let max = fake.running.lock().unwrap().1;
        assert!(max <= n, "{max} ran at once with --parallelism {n}");
        if n > 1 {
            assert!(max > 1, "independent steps run at once");
        }
        let order = fake.order.lock().unwrap().clone();
        assert_eq!(order.last().unwrap(), "after", "{order:?}");
        // Events: every start has its finish, and `after` starts after its dependencies finish.
        let pos = |f: &dyn Fn(&Event) -> bool| events.iter().position(f).unwrap();
        let started_after = pos(
            &|e| matches!(e, Event::StepStarted { address, .. } if address == "DlpPolicy.after"),
        );
        for dep in ["DlpPolicy.p00", "DlpPolicy.p11"] {
            let finished =
                pos(&|e| matches!(e, Event::StepFinished { address, .. } if address == dep));
            assert!(finished < started_after);
        }
        assert!(matches!(events.last(), Some(Event::Done)));
    }
}

#[test]
fn a_failure_skips_its_dependents_transitively_but_not_independent_steps() {
    let p = plan(vec![
        create("fail-a", &[]),
        create("ok-b", &[]),
        create("c", &["fail-a"]),
        create("d", &["c", "ok-b"]),
        create("e", &["ok-b"]),
    ]);
    let (report, _) = run(&p, &Fake::default(), 4);
    let outcome = |a: &str| {
        report
            .steps
            .iter()
            .find(|s| s.address == format!("DlpPolicy.{a}"))
            .unwrap()
            .outcome
            .clone()
    };
    match outcome("fail-a") {
        Outcome::Failed { error } => {
            assert!(
                error.contains("HTTP 400") && error.contains("DLPPolicyConnectorReferenceInvalid"),
                "{error}"
            )
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(outcome("ok-b"), Outcome::Applied);
    assert_eq!(outcome("e"), Outcome::Applied);
    for skipped in ["c", "d"] {
        assert_eq!(
            outcome(skipped),
            Outcome::Skipped {
                because: "DlpPolicy.fail-a".into()
            },
            "the root failure is named"
        );
    }
    assert_eq!(
        (report.applied(), report.failed(), report.skipped()),
        (2, 1, 2)
    );
    let mut report = report;
    report.finish(&plan(Vec::new()));
    assert!(!report.converged, "a failed step never converges");

    // What a fresh plan still changes is named as a reviewer knows it.
    let mut left = create("x", &[]);
    left.action = Action::Update;
    left.display_name = "Finance DLP".into();
    left.attributes = vec![ppgov_planner::AttributeChange {
        path: "scope.mode".into(),
        before: None,
        after: None,
    }];
    let mut gone = create("y", &[]);
    gone.address = "DlpPolicy[c0de03cc]".into();
    gone.action = Action::Delete;
    gone.display_name = "Legacy".into();
    report.finish(&plan(vec![left, gone]));
    assert_eq!(
        report.not_converged,
        [
            "DlpPolicy.x \"Finance DLP\": still differs in scope.mode",
            "DlpPolicy[c0de03cc] \"Legacy\": still to be destroyed"
        ]
    );
}

#[test]
fn before_step_runs_before_each_write_and_a_refusal_writes_nothing() {
    let p = plan(vec![
        create("a", &[]),
        create("refused", &[]),
        create("after-refused", &["refused"]),
    ]);
    let fake = std::sync::Arc::new(Fake::default());
    let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
    let (hook_fake, hook_seen) = (fake.clone(), seen.clone());
    let options = Options {
        parallelism: 2,
        before_step: Some(std::sync::Arc::new(move |c: &Change| {
            let name = c.display_name.clone();
            // The step has not written yet when it is announced.
            let written = hook_fake.order.lock().unwrap().contains(&name);
            hook_seen.lock().unwrap().push((name.clone(), written));
            if name == "refused" {
                return Err("cannot write the journal: disk full".to_owned());
            }
            Ok(())
        })),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = rt.block_on(apply(&p, fake.as_ref(), &options, None));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [("a".to_owned(), false), ("refused".to_owned(), false)],
        "announced before writing; a skipped step is not announced"
    );
    assert_eq!(
        *fake.order.lock().unwrap(),
        ["a"],
        "the refused step wrote nothing"
    );
    assert_eq!(report.steps[0].outcome, Outcome::Applied);
    assert_eq!(
        report.steps[1].outcome,
        Outcome::Failed {
            error: "cannot write the journal: disk full (nothing was written)".into()
        }
    );
    assert_eq!(
        report.steps[2].outcome,
        Outcome::Skipped {
            because: "DlpPolicy.refused".into()
        }
    );
}

// ---- against the emulator -----------------------------------------------------------------

fn emulator_client(rt: &tokio::runtime::Runtime) -> (ppgov_emulator::RunningEmulator, Client) {
    let emu = rt
        .block_on(ppgov_emulator::Emulator::start(
            ppgov_emulator::Config::default().seeded(ppgov_emulator::SeedRequest {
                environments: 6,
                groups: 1,
                dlp_policies: 2,
                role_assignments: 2,
                seed: 3,
                tenant_id: None,
                apps: 0,
                flows: 0,
            }),
        ))
        .unwrap();
    let mut config = ClientConfig::new(
        Default::default(),
        AuthConfig::Static(Secret::new(emu.token().unwrap().to_owned())),
    )
    .with_single_base_url(&emu.base_url());
    config.lro.poll_interval = Duration::from_millis(20);
    (emu, Client::new(config).unwrap())
}

/// Fingerprints of single-object reads equal those of the bulk observe (the plan's), or every
/// update would be refused as a conflict.
#[test]
fn single_reads_fingerprint_like_observe() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (emu, client) = emulator_client(&rt);
    rt.block_on(async {
        let observed = client.observe(&Default::default()).await.unwrap();
        for (id, e) in &observed.environments {
            assert_eq!(
                fingerprint(&client.get_environment(id).await.unwrap()),
                fingerprint(e)
            );
        }
        for (id, g) in &observed.environment_groups {
            assert_eq!(client.get_group(id).await.unwrap(), *g);
        }
        for (id, p) in &observed.dlp_policies {
            assert_eq!(client.get_dlp_policy(id).await.unwrap(), *p);
        }
        assert_eq!(
            client.get_tenant_settings().await.unwrap(),
            observed.tenant_settings
        );
    });
    drop(emu);
}

#[test]
fn created_ids_resolve_references_and_stale_objects_are_refused() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (emu, client) = emulator_client(&rt);
    let observed = rt.block_on(client.observe(&Default::default())).unwrap();
    let env = observed
        .environments
        .values()
        .find(|e| e.group_id.is_none() && !e.is_default)
        .unwrap()
        .clone();
    let (pid, live_policy) = observed.dlp_policies.iter().next().unwrap();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(format!("Environment:{}", env.id), fingerprint(&env));
    fingerprints.insert(format!("DlpPolicy:{pid}"), fingerprint(live_policy));
    let group = ObservedGroup {
        display_name: "Created by apply".into(),
        ..Default::default()
    };
    let changes = vec![
        Change {
            address: "EnvironmentGroup.new".into(),
            kind: ResourceKind::EnvironmentGroup,
            action: Action::Create,
            id: None,
            display_name: "Created by apply".into(),
            attributes: Vec::new(),
            risk: None,
            impact: None,
            after: After::EnvironmentGroup(Box::new(group)),
            depends_on: Vec::new(),
        },
        Change {
            address: "GroupMembership.new[\"x\"]".into(),
            kind: ResourceKind::GroupMembership,
            action: Action::Create,
            id: Some(env.id.clone()),
            display_name: env.display_name.clone(),
            attributes: Vec::new(),
            risk: None,
            impact: None,
            after: After::GroupMembership(PlannedMembership {
                group: Ref::CreatedBy("EnvironmentGroup.new".into()),
                environment_id: env.id.clone(),
            }),
            depends_on: vec!["EnvironmentGroup.new".into()],
        },
        Change {
            address: "RoleAssignment.r[x]".into(),
            kind: ResourceKind::RoleAssignment,
            action: Action::Create,
            id: None,
            display_name: "x".into(),
            attributes: Vec::new(),
            risk: None,
            impact: None,
            after: After::RoleAssignment(ObservedRoleAssignment {
                id: String::new(),
                principal_id: "5a9d1c37-8e42-4f0b-9c6a-1e3b7d5f2a98".into(),
                principal_type: Some(ppgov_core::model::PrincipalType::Group),
                principal_name: None,
                role: Some(ppgov_core::model::Role::Contributor),
                scope: PlannedScope::EnvironmentGroup(Ref::CreatedBy(
                    "EnvironmentGroup.new".into(),
                )),
            }),
            depends_on: vec!["EnvironmentGroup.new".into()],
        },
        Change {
            address: "DlpPolicy.stale".into(),
            kind: ResourceKind::DlpPolicy,
            action: Action::Update,
            id: Some(pid.clone()),
            display_name: "renamed".into(),
            attributes: Vec::new(),
            risk: None,
            impact: None,
            after: After::DlpPolicy(Box::new(ObservedDlpPolicy {
                display_name: "renamed".into(),
                ..live_policy.clone()
            })),
            depends_on: Vec::new(),
        },
    ];
    let p = Plan {
        fingerprints,
        ..plan(changes)
    };
    // Someone renames the policy after the plan was made.
    emu.update_state(|t| {
        let doc = t.dlp_policies.get_mut(pid).unwrap();
        doc.policy_definition.display_name = "someone else".into();
    });
    emu.clear_requests();
    let (report, _) = run_mt(&rt, &p, &client);
    let by = |a: &str| {
        report
            .steps
            .iter()
            .find(|s| s.address == a)
            .unwrap()
            .outcome
            .clone()
    };
    assert_eq!(by("EnvironmentGroup.new"), Outcome::Applied, "{report:?}");
    assert_eq!(
        by("GroupMembership.new[\"x\"]"),
        Outcome::Applied,
        "{report:?}"
    );
    assert_eq!(by("RoleAssignment.r[x]"), Outcome::Applied, "{report:?}");
    match by("DlpPolicy.stale") {
        // Named as a reviewer knows it, with the field that differs.
        Outcome::Failed { error } => assert!(
            error.contains(&format!("DlpPolicy.stale \"renamed\" (DlpPolicy:{pid})"))
                && error.contains("changed since the plan was made")
                && error.contains("differs from the planned result in displayName"),
            "{error}"
        ),
        o => panic!("{o:?}"),
    }
    let log = emu.requests();
    assert!(
        !log.by_route
            .keys()
            .any(|r| r.starts_with("PATCH") && r.contains("dlp")),
        "nothing written for the stale policy: {:?}",
        log.by_route
    );
    let after = rt.block_on(client.observe(&Default::default())).unwrap();
    let gid = after
        .environment_groups
        .values()
        .find(|g| g.display_name == "Created by apply")
        .unwrap()
        .id
        .clone();
    assert_eq!(
        after.environments[&env.id].group_id.as_deref(),
        Some(gid.as_str())
    );
    assert!(
        after
            .role_assignments
            .values()
            .any(|a| a.scope == ObservedScope::EnvironmentGroup(gid.clone()))
    );
}

/// Racing applies: a step whose object already is as the plan wants it (the other run got
/// there first) succeeds without writing; a delete of an object already gone succeeds too.
#[test]
fn steps_already_done_by_a_racing_apply_are_no_ops() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (emu, client) = emulator_client(&rt);
    let observed = rt.block_on(client.observe(&Default::default())).unwrap();
    let mut policies = observed.dlp_policies.iter();
    let (updated, live_updated) = policies.next().unwrap();
    let (deleted, live_deleted) = policies.next().unwrap();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(format!("DlpPolicy:{updated}"), fingerprint(live_updated));
    fingerprints.insert(format!("DlpPolicy:{deleted}"), fingerprint(live_deleted));
    let changes = vec![
        Change {
            address: "DlpPolicy.renamed".into(),
            kind: ResourceKind::DlpPolicy,
            action: Action::Update,
            id: Some(updated.clone()),
            display_name: "renamed by both".into(),
            attributes: Vec::new(),
            risk: None,
            impact: None,
            after: After::DlpPolicy(Box::new(ObservedDlpPolicy {
                display_name: "renamed by both".into(),
                ..live_updated.clone()
            })),
            depends_on: Vec::new(),
        },
        Change {
            address: format!("DlpPolicy[{deleted}]"),
            kind: ResourceKind::DlpPolicy,
            action: Action::Delete,
            id: Some(deleted.clone()),
            display_name: live_deleted.display_name.clone(),
            attributes: Vec::new(),
            risk: None,
            impact: None,
            after: After::Nothing,
            depends_on: Vec::new(),
        },
    ];
    let p = Plan {
        fingerprints,
        ..plan(changes)
    };
    // The other apply of the same plan ran first.
    emu.update_state(|t| {
        t.dlp_policies
            .get_mut(updated)
            .unwrap()
            .policy_definition
            .display_name = "renamed by both".into();
        t.dlp_policies.remove(deleted);
    });
    emu.clear_requests();
    let (report, _) = run_mt(&rt, &p, &client);
    for step in &report.steps {
        assert_eq!(step.outcome, Outcome::Applied, "{report:?}");
    }
    let log = emu.requests();
    assert!(
        !log.by_route
            .keys()
            .any(|r| (r.starts_with("PATCH") || r.starts_with("DELETE")) && r.contains("dlp")),
        "nothing written: {:?}",
        log.by_route
    );
    drop(emu);
}

fn run_mt(
    rt: &tokio::runtime::Runtime,
    plan: &Plan,
    client: &Client,
) -> (ppgov_apply::ApplyReport, ()) {
    (
        rt.block_on(apply(plan, client, &Options::default(), None)),
        (),
    )
}
