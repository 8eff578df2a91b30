//! Plans converge: applying a plan (in memory) and planning again leaves nothing to do.

use ppgov_core::observed::{Observed, ObservedEnvironment};
use ppgov_core::{Loaded, SourceMap};
use ppgov_planner::simulate::apply_in_memory;
use ppgov_planner::{Action, plan};
use std::path::Path;

fn load_sample() -> Loaded {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                files.push((
                    path.strip_prefix(&root).unwrap().display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(name, text);
    }
    let loaded = ppgov_core::load(sources);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    loaded
}

/// A tenant that has the sample's environments, unmanaged and ungrouped, and nothing else.
fn bare_tenant(loaded: &Loaded) -> Observed {
    let mut observed = Observed::default();
    for (i, env) in loaded.desired.environments.values().enumerate() {
        let id = env
            .meta
            .id
            .clone()
            .unwrap_or_else(|| format!("00000000-0000-0000-0000-{i:012}"));
        observed.environments.insert(
            id.clone(),
            ObservedEnvironment {
                id,
                display_name: env.display_name.clone(),
                environment_type: env
                    .environment_type
                    .map(|t| {
                        serde_json::to_value(t)
                            .unwrap()
                            .as_str()
                            .unwrap()
                            .to_owned()
                    })
                    .unwrap_or_else(|| "Sandbox".into()),
                region: env.region.clone().unwrap_or_else(|| "europe".into()),
                ..Default::default()
            },
        );
    }
    // Live objects the repository refers to by id or display name, and pinned groups.
    use ppgov_core::model::{EnvironmentTarget, RoleScope};
    let mut targets: Vec<&EnvironmentTarget> = Vec::new();
    for g in loaded.desired.environment_groups.values() {
        targets.extend(&g.members);
    }
    for p in loaded.desired.dlp_policies.values() {
        targets.extend(&p.scope.environments);
    }
    for r in loaded.desired.role_assignments.values() {
        if let RoleScope::Environment(t) = &r.key.scope {
            targets.push(t);
        }
    }
    for (i, t) in targets.into_iter().enumerate() {
        let (id, name) = match t {
            EnvironmentTarget::Id(id) => (id.clone(), format!("Live {i}")),
            EnvironmentTarget::DisplayName(n) => {
                (format!("11111111-0000-0000-0000-{i:012}"), n.clone())
            }
            EnvironmentTarget::Declared(_) => continue,
        };
        observed
            .environments
            .entry(id.clone())
            .or_insert(ObservedEnvironment {
                id,
                display_name: name,
                environment_type: "Production".into(),
                region: "europe".into(),
                ..Default::default()
            });
    }
    for g in loaded.desired.environment_groups.values() {
        if let Some(id) = &g.meta.id {
            observed.environment_groups.insert(
                id.clone(),
                ppgov_core::observed::ObservedGroup {
                    id: id.clone(),
                    display_name: "Old name".into(),
                    ..Default::default()
                },
            );
        }
    }
    observed
}

#[test]
fn the_sample_repository_converges_on_a_bare_tenant() {
    let loaded = load_sample();
    let observed = bare_tenant(&loaded);
    let first = plan(&loaded.desired, &observed, &loaded.catalog);
    assert!(first.errors.is_empty(), "{:#?}", first.errors);
    let (add, change, destroy) = first.counts();
    assert!(
        add > 10 && change > 0 && destroy == 0,
        "{add} {change} {destroy}"
    );
    // Memberships come after the groups they join, and after the environment turned managed.
    let position = |address: &str| first.changes.iter().position(|c| c.address == address);
    for (i, c) in first.changes.iter().enumerate() {
        for d in &c.depends_on {
            assert!(
                position(d).is_some_and(|p| p < i),
                "{} runs before its dependency {d}",
                c.address
            );
        }
    }
    let after = apply_in_memory(&observed, &first);
    let second = plan(&loaded.desired, &after, &loaded.catalog);
    assert!(second.errors.is_empty(), "{:#?}", second.errors);
    assert!(
        second.is_empty(),
        "not converged: {:#?}",
        second
            .changes
            .iter()
            .map(|c| (&c.address, &c.attributes))
            .collect::<Vec<_>>()
    );
}

#[test]
fn drift_is_planned_back_and_unmanaged_objects_follow_ownership() {
    let loaded = load_sample();
    let observed = bare_tenant(&loaded);
    let converged = apply_in_memory(
        &observed,
        &plan(&loaded.desired, &observed, &loaded.catalog),
    );
    // Drift: someone unblocks a connector by hand, removes an environment from its group,
    // and creates a policy the repository does not declare (DLP ownership is exclusive).
    let mut drifted = converged.clone();
    let policy = drifted
        .dlp_policies
        .values_mut()
        .find(|p| !p.classification.is_empty())
        .unwrap();
    let blocked: Vec<String> = policy
        .classification
        .iter()
        .filter(|(_, g)| **g == ppgov_core::model::ConnectorGroup::Blocked)
        .map(|(c, _)| c.clone())
        .collect();
    let loosened = if let Some(c) = blocked.first() {
        policy
            .classification
            .insert(c.clone(), ppgov_core::model::ConnectorGroup::Business);
        true
    } else {
        policy.default_group = ppgov_core::model::ConnectorGroup::Business;
        true
    };
    let env = drifted
        .environments
        .values_mut()
        .find(|e| e.group_id.is_some())
        .unwrap();
    env.group_id = None;
    let mut rogue = drifted.dlp_policies.values().next().unwrap().clone();
    rogue.id = "rogue".into();
    rogue.display_name = "Made by hand".into();
    drifted.dlp_policies.insert("rogue".into(), rogue);

    let p = plan(&loaded.desired, &drifted, &loaded.catalog);
    assert!(p.errors.is_empty(), "{:#?}", p.errors);
    let delete = p
        .changes
        .iter()
        .find(|c| c.action == Action::Delete)
        .expect("the rogue policy is deleted");
    assert_eq!(delete.id.as_deref(), Some("rogue"));
    assert!(delete.risk.is_some());
    assert!(
        p.changes.iter().any(|c| c.action == Action::Create
            && c.kind == ppgov_planner::ResourceKind::GroupMembership)
    );
    assert!(loosened);
    let restored = apply_in_memory(&drifted, &p);
    assert!(plan(&loaded.desired, &restored, &loaded.catalog).is_empty());
}

#[test]
fn identical_inputs_give_byte_identical_plans() {
    let loaded = load_sample();
    let observed = bare_tenant(&loaded);
    let a = serde_json::to_string(&plan(&loaded.desired, &observed, &loaded.catalog)).unwrap();
    let b = serde_json::to_string(&plan(&loaded.desired, &observed, &loaded.catalog)).unwrap();
    assert_eq!(a, b);
}
