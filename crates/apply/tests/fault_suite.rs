//! Randomized fault suite: seeded schedules of desired states and emulator faults.
//!
//! Per seed, against its own in-process emulator (a small seeded tenant: 6 environments, no
//! groups, policies or assignments):
//!
//! 1. a baseline desired state `D0` (random groups with rules, environments joining them,
//!    DLP policies, RBAC assignments, tenant settings) is planned and applied without faults
//!    and must converge: this leaves objects to keep, update and delete;
//! 2. a second desired state `D1`, drawn independently, is planned (exclusive ownership of
//!    groups, policies and assignments, so undeclared ones are deleted), then random faults
//!    derived from the seed are set (429 with `Retry-After: 0`, 500/503, dropped connections,
//!    busy 409s, slow operations) and the plan is applied;
//! 3. faults are cleared, the tenant re-observed and re-planned, and a non-empty plan applied
//!    once more; then a fresh plan must be empty (a).
//!
//! After every apply, each write in the emulator's request log must map to a step of that
//! apply's plan that was attempted (b) — see [`write_target`] and [`allowed`] for the
//! mapping — and every failed step's error must name the request or the conflict (c).
//!
//! About a third of the schedules ([`disk_for`]) persist the tenant to a state file; their
//! faulted apply also meets a full disk (`diskFullRate`: the save fails, the request answers
//! 507 and its change is undone). After each apply the file must hold exactly the tenant
//! served (d); after the faulted apply the emulator is stopped as if killed while saving (a
//! partial temporary file left behind) and restarted from the file, which must give the same
//! tenant, and step 3 runs against the restarted one.
//!
//! Seeds `1..=200` by default; `PPGOV_FAULT_SEEDS=N` runs `1..=N`, `PPGOV_FAULT_SEED=S` runs
//! only `S`. Every failure message starts with `seed S:`. The faults' random choices are
//! seeded (`Faults::seed`); with parallelism above one the order in which concurrent requests
//! reach the emulator can vary between runs, so a failing seed reproduces its desired states
//! and fault rates exactly, and its fault placement usually.

use ppgov_apply::{ApplyReport, Options, Outcome, apply};
use ppgov_core::observed::{Observed, ObservedScope};
use ppgov_emulator::{Config, Emulator, Faults, RunningEmulator, SeedRequest};
use ppgov_planner::{Action, After, Plan, PlannedMembership, PlannedScope, Ref, ResourceKind};
use ppgov_tenant_client::{AuthConfig, Client, ClientConfig, Secret};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const GROUPS: [&str; 3] = ["alpha", "beta", "gamma"];
const POLICIES: [&str; 3] = ["p-one", "p-two", "p-three"];
const PRINCIPALS: [&str; 3] = [
    "6c3a9e57-2f14-4d8b-b7e0-3a5d9c1f6e82",
    "8f1b4d26-7e93-4a0c-95d2-4c6e8a1b3f70",
    "4b1e7c92-0d35-4f6a-9b28-e3c7a5d10f84",
];
const CONNECTORS: [&str; 4] = ["sharepointonline", "office365", "teams", "sql"];

fn seeds() -> Vec<u64> {
    if let Some(s) = std::env::var("PPGOV_FAULT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return vec![s];
    }
    let n = std::env::var("PPGOV_FAULT_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200u64);
    (1..=n).collect()
}

// ---- desired states -------------------------------------------------------------------------

#[derive(Clone)]
struct Env {
    id: String,
    name: String,
}

/// A random repository over the tenant's environments.
fn desired_yaml(rng: &mut fastrand::Rng, envs: &[Env]) -> String {
    let mut y = String::from(
        "apiVersion: ppgov.dev/v1\nkind: Project\nmetadata: {name: suite}\nspec:\n  ownership:\n    DlpPolicy: exclusive\n    EnvironmentGroup: exclusive\n    RoleAssignment: exclusive\n",
    );
    let groups: Vec<&str> = GROUPS.iter().copied().filter(|_| rng.f64() < 0.7).collect();
    for g in &groups {
        let _ = write!(
            y,
            "---\napiVersion: ppgov.dev/v1\nkind: EnvironmentGroup\nmetadata: {{name: {g}}}\nspec:\n  displayName: Group {g}\n  description: {}\n",
            ["first", "second"][rng.usize(..2)]
        );
        let mut rules = String::new();
        if rng.bool() {
            let _ = writeln!(rules, "    usageInsights: {{enabled: {}}}", rng.bool());
        }
        if rng.bool() {
            let _ = writeln!(
                rules,
                "    backupRetention: {{days: {}}}",
                [7, 14, 28][rng.usize(..3)]
            );
        }
        if rng.f64() < 0.3 {
            let _ = writeln!(
                rules,
                "    sharingControls: {{mode: excludeSecurityGroups, maxUsers: {}}}",
                [10, 20][rng.usize(..2)]
            );
        }
        if !rules.is_empty() {
            let _ = write!(y, "  rules:\n{rules}");
        }
    }
    for e in envs {
        if rng.f64() < 0.6 {
            let _ = write!(
                y,
                "---\napiVersion: ppgov.dev/v1\nkind: Environment\nmetadata: {{name: env-{}, id: {}}}\nspec:\n  displayName: \"{}\"\n  managed: true\n",
                &e.id[..8],
                e.id,
                e.name
            );
            if !groups.is_empty() && rng.f64() < 0.7 {
                let _ = writeln!(y, "  group: {}", groups[rng.usize(..groups.len())]);
            }
        }
    }
    for p in POLICIES {
        if rng.f64() < 0.7 {
            let business: Vec<&str> = CONNECTORS.iter().copied().filter(|_| rng.bool()).collect();
            let _ = write!(
                y,
                "---\napiVersion: ppgov.dev/v1\nkind: DlpPolicy\nmetadata: {{name: {p}}}\nspec:\n  displayName: Policy {p}\n  scope: {{mode: all}}\n  connectors:\n    default: {}\n    business: [{}]\n",
                ["nonBusiness", "blocked"][rng.usize(..2)],
                business.join(", ")
            );
        }
    }
    let mut assigned: BTreeSet<(String, String, &str)> = BTreeSet::new();
    for i in 0..4 {
        if rng.f64() < 0.6 {
            let scope = if !groups.is_empty() && rng.bool() {
                format!(
                    "{{environmentGroup: {}}}",
                    groups[rng.usize(..groups.len())]
                )
            } else {
                "{tenant: true}".to_owned()
            };
            let role = ["owner", "contributor", "reader"][rng.usize(..3)];
            let principals: Vec<&str> = PRINCIPALS
                .iter()
                .copied()
                .filter(|_| rng.bool())
                .filter(|p| assigned.insert((scope.clone(), role.to_owned(), p)))
                .collect();
            if principals.is_empty() {
                continue;
            }
            let _ = write!(
                y,
                "---\napiVersion: ppgov.dev/v1\nkind: RoleAssignment\nmetadata: {{name: role-{i}}}\nspec:\n  role: {role}\n  scope: {scope}\n  principals:\n"
            );
            for p in principals {
                let _ = writeln!(y, "    - {{type: group, id: {p}}}");
            }
        }
    }
    let _ = write!(
        y,
        "---\napiVersion: ppgov.dev/v1\nkind: TenantSettings\nmetadata: {{name: tenant}}\nspec:\n  disableTrialEnvironmentCreationByNonAdminUsers: {}\n  powerPlatform:\n    powerApps:\n      disableShareWithEveryone: {}\n",
        rng.bool(),
        rng.bool()
    );
    y
}

fn load(seed: u64, yaml: &str) -> Result<ppgov_core::Loaded, String> {
    let mut sources = ppgov_core::SourceMap::new();
    sources.add("suite.yaml", yaml);
    let loaded = ppgov_core::load(sources);
    if loaded.has_errors() {
        return Err(format!(
            "seed {seed}: the generated repository does not load: {:?}\n{yaml}",
            loaded.diagnostics
        ));
    }
    Ok(loaded)
}

fn plan_of(seed: u64, loaded: &ppgov_core::Loaded, observed: &Observed) -> Result<Plan, String> {
    let p = ppgov_planner::plan(&loaded.desired, observed, &loaded.catalog);
    if !p.errors.is_empty() {
        return Err(format!("seed {seed}: the plan has errors: {:?}", p.errors));
    }
    Ok(p)
}

// ---- faults ---------------------------------------------------------------------------------

/// Rates low enough that the client's five attempts usually, but not always, get through.
fn faults_for(seed: u64) -> Faults {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed_fa17);
    let mut f = Faults {
        retry_after_seconds: 0,
        // Operations run on the clock: up to a few client poll intervals.
        lro_ms: rng.u64(0..4) * 40,
        seed: Some(seed),
        ..Faults::default()
    };
    // Each kind of fault is on in about half the schedules; a few schedules get storms.
    let storm = rng.f64() < 0.1;
    let level = |rng: &mut fastrand::Rng, max: f64| {
        if rng.bool() {
            rng.f64() * max * if storm { 2.5 } else { 1.0 }
        } else {
            0.0
        }
    };
    f.throttle_rate = level(&mut rng, 0.3);
    f.error_rate = level(&mut rng, 0.15);
    f.error_status = [500, 503][rng.usize(..2)];
    f.drop_rate = level(&mut rng, 0.08);
    f.busy_rate = level(&mut rng, 0.15);
    // Every route gets faults, slow operations included: an operation whose client went
    // away (a failed sibling step) still completes on the clock, as on the service.
    f
}

// ---- the write mapping ----------------------------------------------------------------------

/// What a logged write request touches: a route template and the path parameters it names.
#[derive(Debug)]
struct Write {
    method: String,
    route: String,
    params: BTreeMap<String, String>,
}

/// Route template parameters (`{name}`) read from the request's path.
fn parse_write(method: &str, route: &str, uri: &str) -> Write {
    let path = uri.split('?').next().unwrap_or(uri);
    let mut params = BTreeMap::new();
    for (t, v) in route.split('/').zip(path.split('/')) {
        if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            params.insert(name.to_owned(), v.to_lowercase());
        }
    }
    Write {
        method: method.to_owned(),
        route: route.to_owned(),
        params,
    }
}

/// Writes are requests that are not GETs, not the token endpoint, not the control routes,
/// and not the settings listing (a POST that reads).
fn is_write(method: &str, route: &str) -> bool {
    method != "GET"
        && !route.contains("/oauth2/")
        && !route.starts_with("/_emulator")
        && !route.to_lowercase().ends_with("/listtenantsettings")
}

/// Ids the executed steps' objects have: group ids (created ones found by display name after
/// the apply), and which group owns each rule set and rule-based policy (before or after).
struct Ids {
    /// Create address -> id of the group or policy it made.
    created: BTreeMap<String, String>,
    rule_set_group: BTreeMap<String, String>,
    policy_group: BTreeMap<String, String>,
}

fn ids_of(plan: &Plan, before: &ppgov_emulator::Tenant, after: &ppgov_emulator::Tenant) -> Ids {
    let mut created = BTreeMap::new();
    for c in &plan.changes {
        if c.action != Action::Create {
            continue;
        }
        match &c.after {
            After::EnvironmentGroup(g) => {
                for (id, live) in &after.environment_groups {
                    if live.display_name == g.display_name {
                        created.insert(c.address.clone(), id.to_lowercase());
                    }
                }
            }
            After::DlpPolicy(p) => {
                for (id, live) in &after.dlp_policies {
                    if live.policy_definition.display_name == p.display_name {
                        created.insert(c.address.clone(), id.to_lowercase());
                    }
                }
            }
            _ => {}
        }
    }
    let mut groups: BTreeSet<String> = BTreeSet::new();
    for t in [before, after] {
        groups.extend(t.environment_groups.keys().map(|g| g.to_lowercase()));
    }
    let mut rule_set_group = BTreeMap::new();
    let mut policy_group = BTreeMap::new();
    for t in [before, after] {
        for (id, rs) in &t.rule_sets {
            let json = serde_json::to_string(rs).unwrap().to_lowercase();
            if let Some(g) = groups.iter().find(|g| json.contains(g.as_str())) {
                rule_set_group.insert(id.to_lowercase(), g.clone());
            }
        }
        for (key, a) in &t.rule_assignments {
            let json = serde_json::to_string(a).unwrap().to_lowercase();
            let Some(g) = key
                .to_lowercase()
                .strip_prefix("environmentgroup/")
                .map(str::to_owned)
            else {
                continue;
            };
            for pid in t.rule_based_policies.keys() {
                if json.contains(&pid.to_lowercase()) {
                    policy_group.insert(pid.to_lowercase(), g.clone());
                }
            }
        }
    }
    Ids {
        created,
        rule_set_group,
        policy_group,
    }
}

/// The object a write is about, as `(kind, id)`; `id` is `None` for a create into a
/// collection. Unknown routes map to nothing, so the check fails on them.
enum Target {
    /// An environment's managed state (the LRO), by environment id.
    Environment(String),
    /// An environment joining or leaving a group: (group, environment).
    Membership {
        group: String,
        env: String,
    },
    /// Group-level writes, by group id (`None`: the group create itself, or a new
    /// rule-based policy, which has no id yet and is then assigned by group).
    Group(Option<String>),
    Dlp(Option<String>),
    /// RBAC: creates by scope (`None`: the tenant-level route, which takes every scope in
    /// its body; the body is not logged, so what was created is checked on the state, see
    /// [`check_created`]), deletes by assignment id.
    RoleCreate(Option<ObservedScope>),
    RoleDelete(String),
    TenantSettings,
}

fn write_target(w: &Write, ids: &Ids) -> Option<Target> {
    let p = |k: &str| w.params.get(k).cloned().unwrap_or_default();
    let r = w.route.as_str();
    let m = w.method.as_str();
    Some(match (m, r) {
        ("POST", r) if r.ends_with("/environments/{env}/governanceConfiguration") => {
            Target::Environment(p("env"))
        }
        ("POST", r)
            if r.ends_with("/environmentGroups/{group}/addEnvironment/{env}")
                || r.ends_with("/environmentGroups/{group}/removeEnvironment/{env}") =>
        {
            Target::Membership {
                group: p("group"),
                env: p("env"),
            }
        }
        ("POST", "/environmentmanagement/environmentGroups") => Target::Group(None),
        ("PUT" | "DELETE", "/environmentmanagement/environmentGroups/{group}") => {
            Target::Group(Some(p("group")))
        }
        ("POST", "/governance/environmentGroups/{group}/ruleSets") => {
            Target::Group(Some(p("group")))
        }
        ("PUT" | "DELETE", "/governance/ruleSets/{id}") => {
            Target::Group(Some(ids.rule_set_group.get(&p("id"))?.clone()))
        }
        ("POST", "/governance/ruleBasedPolicies") => Target::Group(None),
        ("PUT" | "PATCH" | "DELETE", "/governance/ruleBasedPolicies/{id}") => {
            Target::Group(Some(ids.policy_group.get(&p("id"))?.clone()))
        }
        (
            "POST" | "DELETE",
            "/governance/ruleBasedPolicies/{id}/environmentGroups/{group}/assignments",
        ) => Target::Group(Some(p("group"))),
        ("POST", "/providers/PowerPlatform.Governance/v2/policies") => Target::Dlp(None),
        ("PATCH" | "DELETE", "/providers/PowerPlatform.Governance/v2/policies/{name}") => {
            Target::Dlp(Some(p("name")))
        }
        ("POST", "/authorization/roleAssignments") => Target::RoleCreate(None),
        ("POST", "/authorization/environmentGroups/{group}/roleAssignments") => {
            Target::RoleCreate(Some(ObservedScope::EnvironmentGroup(p("group"))))
        }
        ("POST", "/authorization/environments/{env}/roleAssignments") => {
            Target::RoleCreate(Some(ObservedScope::Environment(p("env"))))
        }
        ("DELETE", r)
            if r.starts_with("/authorization/") && r.ends_with("/roleAssignments/{id}") =>
        {
            Target::RoleDelete(p("id"))
        }
        ("POST", r) if r.ends_with("/scopes/admin/updateTenantSettings") => Target::TenantSettings,
        _ => return None,
    })
}

/// Whether an attempted step (`c`) may have made a write to `target`:
/// - environment LRO: an `Environment` step on that id;
/// - add/remove membership: a `GroupMembership` step on that environment (its group, or for
///   a move the group it leaves), or a delete of that group (it empties itself first);
/// - group-level writes (the group, its rule set, its rule-based policy and assignment): a
///   group step whose id (or created id) is that group; an id-less create: a group create or
///   a group step whose rules the client may give a new policy;
/// - DLP: a policy step on that id, or a create for the collection;
/// - RBAC create: a `RoleAssignment` create with that scope (a group scope created in the
///   same plan resolved through its created id); delete: a delete of that assignment id;
/// - tenant settings: the `TenantSettings` step.
fn allowed(c: &ppgov_planner::Change, target: &Target, ids: &Ids) -> bool {
    let lc = |s: &str| s.to_lowercase();
    let id = c.id.as_deref().map(lc);
    let group_id = |r: &Ref| match r {
        Ref::Id(i) => Some(lc(i)),
        Ref::CreatedBy(a) => ids.created.get(a).cloned(),
    };
    let own_id = || id.clone().or_else(|| ids.created.get(&c.address).cloned());
    match target {
        Target::Environment(env) => c.kind == ResourceKind::Environment && id.as_ref() == Some(env),
        Target::Membership { group, env } => match (&c.kind, &c.after) {
            (
                ResourceKind::GroupMembership,
                After::GroupMembership(PlannedMembership {
                    group: g,
                    environment_id,
                }),
            ) => {
                lc(environment_id) == *env
                    && (group_id(g).as_ref() == Some(group) || c.action != Action::Create)
            }
            (ResourceKind::GroupMembership, After::Nothing) => id.as_ref() == Some(env),
            (ResourceKind::EnvironmentGroup, _) => {
                c.action == Action::Delete && id.as_ref() == Some(group)
            }
            _ => false,
        },
        Target::Group(None) => {
            c.kind == ResourceKind::EnvironmentGroup && c.action != Action::Delete
        }
        Target::Group(Some(g)) => {
            c.kind == ResourceKind::EnvironmentGroup && own_id().as_ref() == Some(g)
        }
        Target::Dlp(None) => c.kind == ResourceKind::DlpPolicy && c.action == Action::Create,
        Target::Dlp(Some(p)) => {
            c.kind == ResourceKind::DlpPolicy
                && c.action != Action::Create
                && id.as_ref() == Some(p)
        }
        Target::RoleCreate(scope) => {
            let After::RoleAssignment(a) = &c.after else {
                return false;
            };
            c.kind == ResourceKind::RoleAssignment
                && c.action == Action::Create
                && scope
                    .as_ref()
                    .is_none_or(|s| planned_scope(&a.scope, ids) == *s)
        }
        Target::RoleDelete(rid) => {
            c.kind == ResourceKind::RoleAssignment
                && c.action == Action::Delete
                && id
                    .as_deref()
                    .is_some_and(|i| i == rid || i.ends_with(&format!("/{rid}")))
        }
        Target::TenantSettings => c.kind == ResourceKind::TenantSettings,
    }
}

/// A planned scope with ids in lower case and `@address` resolved to the created group.
fn planned_scope(scope: &PlannedScope, ids: &Ids) -> ObservedScope {
    match scope {
        PlannedScope::EnvironmentGroup(Ref::CreatedBy(addr)) => {
            ObservedScope::EnvironmentGroup(ids.created.get(addr).cloned().unwrap_or_default())
        }
        other => lc_scope(&other.live().expect("names no created group")),
    }
}

fn lc_scope(scope: &ObservedScope) -> ObservedScope {
    match scope {
        ObservedScope::EnvironmentGroup(g) => ObservedScope::EnvironmentGroup(g.to_lowercase()),
        ObservedScope::Environment(e) => ObservedScope::Environment(e.to_lowercase()),
        other => other.clone(),
    }
}

/// (b) on the state, for creates (whose bodies the log does not show): every group, DLP
/// policy and RBAC assignment that exists after the apply and did not before is what an
/// attempted create step asked for (display name; principal, role and scope), and no two new
/// objects answer the same step (no duplicate from a retried create).
fn check_created(
    seed: u64,
    what: &str,
    plan: &Plan,
    report: &ApplyReport,
    ids: &Ids,
    before: &Observed,
    after: &Observed,
) -> Result<(), String> {
    let creates: Vec<&ppgov_planner::Change> = plan
        .changes
        .iter()
        .zip(&report.steps)
        .filter(|(c, s)| {
            c.action == Action::Create && !matches!(s.outcome, Outcome::Skipped { .. })
        })
        .map(|(c, _)| c)
        .collect();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut claim = |found: Option<&&ppgov_planner::Change>, new: String| match found {
        Some(c) if used.insert(c.address.clone()) => Ok(()),
        Some(c) => Err(format!(
            "seed {seed}: {what}: {new} was created a second time for {}",
            c.address
        )),
        None => Err(format!(
            "seed {seed}: {what}: {new} was created by no step of the plan"
        )),
    };
    for (id, g) in &after.environment_groups {
        if !before.environment_groups.contains_key(id) {
            claim(
                creates.iter().find(|c| {
                    matches!(&c.after, After::EnvironmentGroup(x) if x.display_name == g.display_name)
                }),
                format!("group {id} \"{}\"", g.display_name),
            )?;
        }
    }
    for (id, p) in &after.dlp_policies {
        if !before.dlp_policies.contains_key(id) {
            claim(
                creates.iter().find(
                    |c| matches!(&c.after, After::DlpPolicy(x) if x.display_name == p.display_name),
                ),
                format!("DLP policy {id} \"{}\"", p.display_name),
            )?;
        }
    }
    for (id, a) in &after.role_assignments {
        if !before.role_assignments.contains_key(id) {
            claim(
                creates.iter().find(|c| {
                    matches!(&c.after, After::RoleAssignment(x)
                        if x.principal_id.eq_ignore_ascii_case(&a.principal_id)
                            && x.role == a.role
                            && planned_scope(&x.scope, ids) == lc_scope(&a.scope))
                }),
                format!("role assignment {id} {a:?}"),
            )?;
        }
    }
    Ok(())
}

/// (b) for one apply: every write in the log maps to an attempted step of `plan`.
#[allow(clippy::too_many_arguments)]
fn check_writes(
    seed: u64,
    what: &str,
    emu: &RunningEmulator,
    plan: &Plan,
    report: &ApplyReport,
    before: &ppgov_emulator::Tenant,
    observed_before: &Observed,
    observed_after: &Observed,
) -> Result<usize, String> {
    let after = emu.state();
    let log = emu.requests();
    if log.total as usize != log.recent.len() {
        return Err(format!(
            "seed {seed}: {what}: the request log overflowed ({} requests); shrink the schedule: {:?} {:?}",
            log.total, log.by_route, log.by_status
        ));
    }
    let ids = ids_of(plan, before, &after);
    check_created(
        seed,
        what,
        plan,
        report,
        &ids,
        observed_before,
        observed_after,
    )?;
    let attempted: Vec<&ppgov_planner::Change> = plan
        .changes
        .iter()
        .zip(&report.steps)
        .filter(|(_, s)| !matches!(s.outcome, Outcome::Skipped { .. }))
        .map(|(c, _)| c)
        .collect();
    let mut writes = 0;
    for r in &log.recent {
        if !is_write(&r.method, &r.route) {
            continue;
        }
        writes += 1;
        let w = parse_write(&r.method, &r.route, &r.uri);
        let Some(target) = write_target(&w, &ids) else {
            return Err(format!(
                "seed {seed}: {what}: a write no step explains: {} {} (status {})",
                r.method, r.uri, r.status
            ));
        };
        if !attempted.iter().any(|c| allowed(c, &target, &ids)) {
            return Err(format!(
                "seed {seed}: {what}: a write outside the plan: {} {} (status {}); attempted steps: {:?}",
                r.method,
                r.uri,
                r.status,
                attempted.iter().map(|c| &c.address).collect::<Vec<_>>()
            ));
        }
    }
    emu.clear_requests();
    Ok(writes)
}

/// (c): a failed step names the request (`METHOD host /path`), a conflict, or the fields
/// that did not converge.
fn check_errors(seed: u64, report: &ApplyReport) -> Result<(), String> {
    for s in &report.steps {
        if let Outcome::Failed { error } = &s.outcome {
            let names_request = ["GET ", "POST ", "PUT ", "PATCH ", "DELETE "]
                .iter()
                .any(|m| error.starts_with(m))
                && error.contains(" /");
            let names_conflict = error.starts_with("conflict: ") && error.contains(':');
            let names_fields = error.starts_with("did not converge: ");
            if error.trim().is_empty() || !(names_request || names_conflict || names_fields) {
                return Err(format!(
                    "seed {seed}: {} failed with an error that names neither the request nor the conflict: {error:?}",
                    s.address
                ));
            }
        }
    }
    Ok(())
}

// ---- one schedule ---------------------------------------------------------------------------

#[derive(Default, Debug)]
struct Stats {
    steps: usize,
    /// Steps of the faulted apply that failed on a full disk.
    disk_full: usize,
    failed: usize,
    skipped: usize,
    reruns: usize,
    writes: usize,
}

fn client_for(emu: &RunningEmulator) -> Client {
    let config = ClientConfig::new(
        Default::default(),
        AuthConfig::Static(Secret::new(emu.token().unwrap().to_owned())),
    )
    .with_single_base_url(&emu.base_url());
    Client::new(ppgov_test_support::fastest(config)).unwrap()
}

async fn observe(seed: u64, client: &Client) -> Result<Observed, String> {
    client
        .observe(&Default::default())
        .await
        .map_err(|e| format!("seed {seed}: observe failed: {e}"))
}

/// A schedule's state file, when it has one: the emulator saves the tenant there (a disk
/// that may fill up, a process that may be killed while saving).
struct Disk {
    dir: std::path::PathBuf,
    file: std::path::PathBuf,
    full_rate: f64,
}

/// About a third of the schedules persist to a state file (some named `*.tmp`, which must not
/// be its own temporary file); their faulted apply also meets a full disk.
fn disk_for(seed: u64) -> Option<Disk> {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0xd15c_f011);
    if rng.f64() >= 0.35 {
        return None;
    }
    let dir = std::env::temp_dir().join(format!(
        "ppgov-fault-suite-{}-{seed}-{}",
        std::process::id(),
        rng.u32(..)
    ));
    let name = if rng.bool() {
        "tenant.json"
    } else {
        "tenant.tmp"
    };
    Some(Disk {
        file: dir.join(name),
        dir,
        full_rate: 0.05 + rng.f64() * 0.25,
    })
}

/// (d) The state file holds exactly the tenant the emulator serves (no write acknowledged
/// that is not on disk, none on disk that was refused), and no temporary file is left.
fn check_disk(seed: u64, what: &str, emu: &RunningEmulator, disk: &Disk) -> Result<(), String> {
    let text = std::fs::read_to_string(&disk.file)
        .map_err(|e| format!("seed {seed}: {what}: cannot read the state file: {e}"))?;
    let on_disk = ppgov_emulator::Tenant::from_json(&text)
        .map_err(|e| format!("seed {seed}: {what}: the state file is not a snapshot: {e}"))?;
    if on_disk != emu.state() {
        return Err(format!(
            "seed {seed}: {what}: the state file differs from the tenant served"
        ));
    }
    let names: Vec<String> = std::fs::read_dir(&disk.dir)
        .map_err(|e| format!("seed {seed}: {what}: {e}"))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with(".killed-"))
        .collect();
    if names.len() != 1 {
        return Err(format!(
            "seed {seed}: {what}: files left next to the state file: {names:?}"
        ));
    }
    Ok(())
}

/// A process killed while saving leaves a partial temporary file next to the old, whole
/// state file: plant one, stop the emulator, start another from the file; it must serve
/// exactly what the first one did.
async fn kill_and_restart(
    seed: u64,
    emu: RunningEmulator,
    disk: &Disk,
) -> Result<RunningEmulator, String> {
    let served = emu.state();
    let partial = served.to_json();
    std::fs::write(
        disk.dir.join(".killed-writer.tmp"),
        &partial[..partial.len() / 2],
    )
    .map_err(|e| format!("seed {seed}: {e}"))?;
    emu.shutdown().await;
    let again = Emulator::start(Config {
        state_file: Some(disk.file.clone()),
        ..Config::default()
    })
    .await
    .map_err(|e| format!("seed {seed}: restart from the state file: {e}"))?;
    if again.state() != served {
        return Err(format!(
            "seed {seed}: after a restart from the state file the tenant differs from what was served"
        ));
    }
    Ok(again)
}

async fn schedule(seed: u64) -> Result<Stats, String> {
    let disk = disk_for(seed);
    if let Some(d) = &disk {
        std::fs::create_dir_all(&d.dir).map_err(|e| format!("seed {seed}: {e}"))?;
    }
    let emu = Emulator::start(Config {
        state_file: disk.as_ref().map(|d| d.file.clone()),
        ..Config::default().seeded(SeedRequest {
            environments: 6,
            groups: 0,
            dlp_policies: 0,
            role_assignments: 0,
            seed: 11,
            tenant_id: None,
            apps: 0,
            flows: 0,
        })
    })
    .await
    .map_err(|e| format!("seed {seed}: emulator: {e}"))?;
    let result = schedule_on(seed, emu, disk.as_ref()).await;
    if let Some(d) = &disk {
        let _ = std::fs::remove_dir_all(&d.dir);
    }
    result
}

async fn schedule_on(
    seed: u64,
    emu: RunningEmulator,
    disk: Option<&Disk>,
) -> Result<Stats, String> {
    let mut emu = emu;
    let mut client = client_for(&emu);
    let mut stats = Stats::default();
    let observed = observe(seed, &client).await?;
    let envs: Vec<Env> = observed
        .environments
        .values()
        .filter(|e| !e.is_default)
        .map(|e| Env {
            id: e.id.clone(),
            name: e.display_name.clone(),
        })
        .collect();
    let mut rng = fastrand::Rng::with_seed(seed);
    let parallelism = 1 + rng.usize(..4);
    let options = Options {
        parallelism,
        ..Default::default()
    };

    // 1. Baseline, without faults: must converge.
    let d0 = load(seed, &desired_yaml(&mut rng, &envs))?;
    let p0 = plan_of(seed, &d0, &observed)?;
    let before = emu.state();
    emu.clear_requests();
    let r0 = apply(&p0, &client, &options, None).await;
    let o0 = observe(seed, &client).await?;
    stats.writes += check_writes(seed, "baseline", &emu, &p0, &r0, &before, &observed, &o0)?;
    if r0.applied() != r0.steps.len() {
        return Err(format!(
            "seed {seed}: the baseline apply without faults failed: {:?}",
            r0.steps
                .iter()
                .filter(|s| s.outcome != Outcome::Applied)
                .collect::<Vec<_>>()
        ));
    }
    let fresh = plan_of(seed, &d0, &o0)?;
    if !fresh.is_empty() {
        return Err(format!(
            "seed {seed}: the baseline did not converge: {:?}",
            fresh.changes.iter().map(|c| &c.address).collect::<Vec<_>>()
        ));
    }

    // 2. The change under faults.
    let d1 = load(seed, &desired_yaml(&mut rng, &envs))?;
    let p1 = plan_of(seed, &d1, &o0)?;
    let before = emu.state();
    let mut faults = faults_for(seed);
    if let Some(d) = disk {
        check_disk(seed, "baseline", &emu, d)?;
        faults.disk_full_rate = d.full_rate;
    }
    emu.set_faults(faults.clone())
        .map_err(|e| format!("seed {seed}: faults: {e}"))?;
    let r1 = apply(&p1, &client, &options, None).await;
    emu.set_faults(Faults::default())
        .map_err(|e| format!("seed {seed}: faults: {e}"))?;
    // Operations a failed step left behind complete on the clock, as on the service: wait
    // out their length before reading the tenant.
    tokio::time::sleep(Duration::from_millis(faults.lro_ms)).await;
    stats.steps += r1.steps.len();
    stats.failed += r1.failed();
    stats.skipped += r1.skipped();
    stats.disk_full +=
        r1.count(|o| matches!(o, Outcome::Failed { error } if error.contains("PersistFailed")));
    check_errors(seed, &r1)?;
    let o1 = observe(seed, &client).await?;
    stats.writes += check_writes(
        seed,
        "apply under faults",
        &emu,
        &p1,
        &r1,
        &before,
        &o0,
        &o1,
    )?;

    if let Some(d) = disk {
        check_disk(seed, "apply under faults", &emu, d)?;
        emu = kill_and_restart(seed, emu, d).await?;
        client = client_for(&emu);
    }

    // 3. Re-run without faults, at most once.
    let p2 = plan_of(seed, &d1, &o1)?;
    let mut last = o1;
    if !p2.is_empty() {
        stats.reruns += 1;
        let before = emu.state();
        let r2 = apply(&p2, &client, &options, None).await;
        check_errors(seed, &r2)?;
        let o2 = observe(seed, &client).await?;
        stats.writes += check_writes(seed, "re-run", &emu, &p2, &r2, &before, &last, &o2)?;
        if let Some(d) = disk {
            check_disk(seed, "re-run", &emu, d)?;
        }
        last = o2;
    }
    let p3 = plan_of(seed, &d1, &last)?;
    if !p3.is_empty() {
        return Err(format!(
            "seed {seed}: not converged after the re-run (faults {faults:?}); still to change: {:?}; first apply: {:?}",
            p3.changes.iter().map(|c| &c.address).collect::<Vec<_>>(),
            r1.steps
                .iter()
                .filter(|s| s.outcome != Outcome::Applied)
                .collect::<Vec<_>>()
        ));
    }
    emu.shutdown().await;
    Ok(stats)
}

#[test]
fn randomized_fault_schedules_converge_and_write_only_the_plan() {
    let seeds = seeds();
    let started = Instant::now();
    let next = AtomicU64::new(0);
    let results: Mutex<Vec<(u64, Result<Stats, String>)>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(4, |n| n.get())
        .clamp(2, 16);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst) as usize;
                    let Some(&seed) = seeds.get(i) else { break };
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        rt.block_on(async {
                            tokio::time::timeout(Duration::from_secs(60), schedule(seed))
                                .await
                                .unwrap_or_else(|_| {
                                    Err(format!("seed {seed}: timed out after 60 s"))
                                })
                        })
                    }))
                    .unwrap_or_else(|_| Err(format!("seed {seed}: panicked (see above)")));
                    results.lock().unwrap().push((seed, r));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(s, _)| *s);
    let mut total = Stats::default();
    let mut failures = Vec::new();
    for (_, r) in &results {
        match r {
            Ok(s) => {
                total.steps += s.steps;
                total.failed += s.failed;
                total.skipped += s.skipped;
                total.disk_full += s.disk_full;
                total.reruns += s.reruns;
                total.writes += s.writes;
            }
            Err(e) => failures.push(e.clone()),
        }
    }
    eprintln!(
        "fault suite: {} schedules in {:.1?} on {workers} threads; steps under faults {}, failed {} ({} on a full disk), skipped {}, re-runs {}, writes checked {}",
        results.len(),
        started.elapsed(),
        total.steps,
        total.failed,
        total.disk_full,
        total.skipped,
        total.reruns,
        total.writes
    );
    assert!(
        failures.is_empty(),
        "{} of {} schedules failed (re-run one with PPGOV_FAULT_SEED=S):\n{}",
        failures.len(),
        results.len(),
        failures.join("\n")
    );
}

/// The write check is not vacuous: a write no step of the plan explains is reported, both on
/// the log (a PATCH of a policy the plan does not touch) and on the state (a new policy).
#[test]
fn the_write_check_reports_writes_outside_the_plan() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let emu = Emulator::start(Config::default().seeded(SeedRequest {
            environments: 2,
            groups: 0,
            dlp_policies: 1,
            role_assignments: 0,
            seed: 1,
            tenant_id: None,
            apps: 0,
            flows: 0,
        }))
        .await
        .unwrap();
        let client = client_for(&emu);
        let before_state = emu.state();
        let before = observe(0, &client).await.unwrap();
        let empty = Plan {
            format_version: ppgov_planner::plan::FORMAT_VERSION,
            changes: Vec::new(),
            notes: Vec::new(),
            errors: Vec::new(),
            fingerprints: BTreeMap::new(),
            approvals: BTreeMap::new(),
            seal: None,
        };
        let report = apply(&empty, &client, &Options::default(), None).await;
        emu.clear_requests();
        let live = before.dlp_policies.values().next().unwrap().clone();
        client
            .update_dlp_policy(&ppgov_core::observed::ObservedDlpPolicy {
                display_name: "renamed outside the plan".into(),
                ..live.clone()
            })
            .await
            .unwrap();
        let after = observe(0, &client).await.unwrap();
        let e = check_writes(
            0,
            "t",
            &emu,
            &empty,
            &report,
            &before_state,
            &before,
            &after,
        )
        .unwrap_err();
        assert!(e.contains("a write outside the plan: PATCH"), "{e}");
        client
            .create_dlp_policy(&ppgov_core::observed::ObservedDlpPolicy {
                display_name: "new outside the plan".into(),
                ..live
            })
            .await
            .unwrap();
        let after2 = observe(0, &client).await.unwrap();
        let ids = ids_of(&empty, &before_state, &emu.state());
        let e = check_created(0, "t", &empty, &report, &ids, &after, &after2).unwrap_err();
        assert!(e.contains("created by no step of the plan"), "{e}");
    });
}
