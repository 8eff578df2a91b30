//! Property: for random desired and observed states, applying the plan to the observed state
//! in memory and planning again yields an empty plan.

use ppgov_core::SourceMap;
use ppgov_core::model::{ConnectorGroup, PrincipalType, Role, ScopeMode};
use ppgov_core::observed::*;
use ppgov_planner::simulate::apply_in_memory;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// xorshift64*: a tiny deterministic generator driven by proptest's seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const CONNECTORS: &[&str] = &[
    "sql",
    "twitter",
    "sharepointonline",
    "office365",
    "dropbox",
    "msnweather",
    "rss",
    "teams",
];
const GROUPS: &[&str] = &["business", "nonBusiness", "blocked"];
const TYPES: &[&str] = &["Production", "Sandbox", "Developer"];

fn guid(n: u64) -> String {
    format!("{:08x}-0000-4000-8000-{:012x}", n, n)
}

fn conn_id(c: &str) -> String {
    format!("/providers/Microsoft.PowerApps/apis/shared_{c}")
}

/// A random repository and a random tenant that overlap.
fn generate(seed: u64) -> (String, Observed) {
    let mut r = Rng(seed | 1);
    let h = "apiVersion: ppgov.dev/v1\n";
    let own = |r: &mut Rng| if r.chance(50) { "exclusive" } else { "shared" };
    let mut yaml = format!(
        "{h}kind: Project\nmetadata: {{name: p}}\nspec:\n  ownership: {{DlpPolicy: {}, EnvironmentGroup: {}, RoleAssignment: {}}}\n",
        own(&mut r),
        own(&mut r),
        own(&mut r)
    );
    let mut observed = Observed::default();
    let envs = 2 + r.below(6);
    for e in 0..envs {
        let id = guid(e + 1);
        let t = *r.pick(TYPES);
        if r.chance(80) {
            observed.environments.insert(
                id.clone(),
                ObservedEnvironment {
                    id: id.clone(),
                    display_name: format!("Env {e}"),
                    environment_type: t.into(),
                    region: "europe".into(),
                    managed: r.chance(50),
                    ..Default::default()
                },
            );
        }
        // Declared when live, so references resolve.
        if observed.environments.contains_key(&id) && r.chance(70) {
            let managed = if r.chance(30) {
                ""
            } else {
                "\n  managed: true"
            };
            yaml += &format!(
                "---\n{h}kind: Environment\nmetadata:\n  name: env-{e}\n  labels: {{tier: t{}}}\nspec:\n  displayName: Env {e}{managed}\n",
                e % 2
            );
        }
    }
    let live_envs: Vec<String> = observed.environments.keys().cloned().collect();
    // Live groups, some with the names of desired ones.
    for g in 0..r.below(3) {
        let id = guid(100 + g);
        observed.environment_groups.insert(
            id.clone(),
            ObservedGroup {
                id: id.clone(),
                display_name: format!("Group {}", r.below(3)),
                description: "live".into(),
                ..Default::default()
            },
        );
        for env in &live_envs {
            if r.chance(30) {
                let e = observed.environments.get_mut(env).unwrap();
                if e.managed {
                    e.group_id = Some(id.clone());
                }
            }
        }
    }
    // Live group names must be unique to be matched; drop duplicates.
    let mut seen = std::collections::BTreeSet::new();
    observed
        .environment_groups
        .retain(|_, g| seen.insert(g.display_name.clone()));
    for env in observed.environments.values_mut() {
        if let Some(g) = &env.group_id
            && !observed.environment_groups.contains_key(g)
        {
            env.group_id = None;
        }
    }
    // Desired groups: disjoint explicit members.
    let mut unclaimed = live_envs.clone();
    let desired_groups = r.below(3);
    for g in 0..desired_groups {
        let mut members = Vec::new();
        unclaimed.retain(|env| {
            if r.chance(40) {
                members.push(format!("{{id: {env}}}"));
                false
            } else {
                true
            }
        });
        let rules = if r.chance(50) {
            format!(
                "\n  rules:\n    backupRetention: {{days: {}}}\n    sharingControls: {{mode: excludeSecurityGroups, maxUsers: {}}}",
                r.pick(&[7, 14, 21, 28]),
                r.below(99)
            )
        } else {
            String::new()
        };
        yaml += &format!(
            "---\n{h}kind: EnvironmentGroup\nmetadata: {{name: group-{g}}}\nspec:\n  displayName: Group {g}\n  members:\n    environments: [{}]{rules}\n",
            members.join(", ")
        );
    }
    // Live policies, some named like desired ones.
    for p in 0..r.below(3) {
        let mut classification = BTreeMap::new();
        for c in CONNECTORS {
            if r.chance(40) {
                let g: ConnectorGroup =
                    serde_json::from_value(serde_json::json!(r.pick(GROUPS))).unwrap();
                if !(g == ConnectorGroup::Blocked
                    && matches!(*c, "sharepointonline" | "office365" | "teams"))
                {
                    classification.insert(conn_id(c), g);
                }
            }
        }
        let id = guid(200 + p);
        observed.dlp_policies.insert(
            id.clone(),
            ObservedDlpPolicy {
                id,
                display_name: format!("Policy {}", r.below(3)),
                scope_mode: Some(*r.pick(&[ScopeMode::All, ScopeMode::Only])),
                environment_ids: live_envs.iter().filter(|_| r.chance(50)).cloned().collect(),
                default_group: serde_json::from_value(serde_json::json!(r.pick(GROUPS))).unwrap(),
                classification,
                action_rules: BTreeMap::new(),
                endpoint_rules: BTreeMap::new(),
                custom_connector_patterns: Vec::new(),
                etag: Some("e".into()),
                last_modified: None,
            },
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    observed
        .dlp_policies
        .retain(|_, p| seen.insert(p.display_name.clone()));
    for p in 0..r.below(3) {
        let mut listed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for c in CONNECTORS {
            if r.chance(40) {
                let g = *r.pick(&["business", "nonBusiness"]);
                listed.entry(g).or_default().push(c);
            }
        }
        let lists: String = listed
            .iter()
            .map(|(g, cs)| format!("\n    {g}: [{}]", cs.join(", ")))
            .collect();
        let scope = if live_envs.is_empty() || r.chance(50) {
            "{mode: all}".to_owned()
        } else {
            format!(
                "{{mode: only, environments: [{{id: {}}}]}}",
                r.pick(&live_envs)
            )
        };
        yaml += &format!(
            "---\n{h}kind: DlpPolicy\nmetadata: {{name: policy-{p}}}\nspec:\n  displayName: Policy {p}\n  scope: {scope}\n  connectors:\n    default: {}{lists}\n",
            r.pick(&["nonBusiness", "blocked"])
        );
    }
    // Role assignments at the tenant, live and desired.
    for a in 0..r.below(4) {
        let principal = guid(300 + r.below(3));
        observed.role_assignments.insert(
            format!("ra-{a}"),
            ObservedRoleAssignment {
                id: format!("ra-{a}"),
                principal_id: principal,
                principal_type: Some(PrincipalType::Group),
                principal_name: None,
                role: Some(*r.pick(&[Role::Reader, Role::Contributor])),
                scope: ObservedScope::Tenant,
            },
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    observed
        .role_assignments
        .retain(|_, a| seen.insert((a.principal_id.clone(), a.role)));
    let roles: Vec<String> = (0..3u64)
        .filter(|_| r.chance(50))
        .map(|i| format!("    - {{type: group, id: {}}}", guid(300 + i)))
        .collect();
    if !roles.is_empty() {
        yaml += &format!(
            "---\n{h}kind: RoleAssignment\nmetadata: {{name: readers}}\nspec:\n  role: {}\n  scope: {{tenant: true}}\n  principals:\n{}\n",
            r.pick(&["reader", "contributor"]),
            roles.join("\n")
        );
    }
    if r.chance(50) {
        observed.tenant_settings.insert(
            "disableEnvironmentCreationByNonAdminUsers".into(),
            serde_json::json!(r.chance(50)),
        );
        yaml += &format!(
            "---\n{h}kind: TenantSettings\nmetadata: {{name: tenant}}\nspec:\n  disableEnvironmentCreationByNonAdminUsers: {}\n",
            r.chance(50)
        );
    }
    (yaml, observed)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn plans_converge(seed in any::<u64>()) {
        let (yaml, observed) = generate(seed);
        let mut sources = SourceMap::new();
        sources.add("repo.yaml", yaml.clone());
        let loaded = ppgov_core::load(sources);
        prop_assert!(!loaded.has_errors(), "generated YAML invalid: {:?}\n{yaml}", loaded.diagnostics.first());
        let first = ppgov_planner::plan(&loaded.desired, &observed, &loaded.catalog);
        prop_assume!(first.errors.is_empty());
        let after = apply_in_memory(&observed, &first);
        let second = ppgov_planner::plan(&loaded.desired, &after, &loaded.catalog);
        prop_assert!(second.errors.is_empty(), "{:?}", second.errors);
        prop_assert!(
            second.is_empty(),
            "not converged for seed {seed}:\n{yaml}\nleft: {}",
            ppgov_planner::render::text(&second, ppgov_planner::render::Colors { enabled: false })
        );
    }
}

/// Guards the property against vacuity: most generated cases must plan real changes
/// without errors (so `prop_assume!` rarely discards).
#[test]
fn generated_cases_exercise_the_planner() {
    let (mut usable, mut deletes, mut memberships) = (0, 0, 0);
    for seed in 1..=200u64 {
        let (yaml, observed) = generate(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut sources = SourceMap::new();
        sources.add("repo.yaml", yaml);
        let loaded = ppgov_core::load(sources);
        let p = ppgov_planner::plan(&loaded.desired, &observed, &loaded.catalog);
        if p.errors.is_empty() && !p.is_empty() {
            usable += 1;
        }
        deletes += p
            .changes
            .iter()
            .filter(|c| c.action == ppgov_planner::Action::Delete)
            .count();
        memberships += p
            .changes
            .iter()
            .filter(|c| c.kind == ppgov_planner::ResourceKind::GroupMembership)
            .count();
    }
    assert!(
        usable >= 150,
        "only {usable} of 200 cases planned changes without errors"
    );
    assert!(
        deletes > 20 && memberships > 20,
        "deletes {deletes}, memberships {memberships}"
    );
}
