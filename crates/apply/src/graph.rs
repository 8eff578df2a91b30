//! The steps' dependency graph.
//!
//! Edges, all pointing from an earlier step in the plan's order to a later one. Hard edges
//! (a failure skips the later step):
//! - the plan's `depends_on`;
//! - a reference to an object created by another step (`Ref::CreatedBy`, `@address` scopes).
//!
//! Order-only edges (the later step waits, whatever the earlier one's outcome):
//! - steps writing the same environment run one after another, in plan order (an environment
//!   update and its membership changes);
//! - a group delete waits for every step before it in the plan: the client removes the
//!   group's members first, and the plan does not list them.
//!
//! The plan's order is a topological order of `depends_on`, so every edge goes forward and
//! the graph has no cycle.

use ppgov_planner::{Action, Change, ResourceKind};
use std::collections::{BTreeMap, BTreeSet};

pub struct Graph {
    /// Per step, the steps it waits for (indices, sorted, unique).
    pub deps: Vec<Vec<usize>>,
    /// Per step, the steps whose failure skips it (a subset of `deps`).
    pub hard: Vec<Vec<usize>>,
    /// Per step, the steps waiting for it.
    pub dependents: Vec<Vec<usize>>,
}

/// The address a step's reference to a created object names, if any.
pub fn created_refs(c: &Change) -> Vec<String> {
    let mut out: Vec<String> = ppgov_planner::plan::created_environments_in(&c.after)
        .into_iter()
        .map(str::to_owned)
        .collect();
    out.extend(crate::step::edges(c).created_refs);
    out
}

/// The environment a step writes, if it writes one.
fn environment_written(c: &Change) -> Option<&str> {
    crate::step::edges(c).environment_written
}

impl Graph {
    pub fn new(changes: &[Change]) -> Graph {
        let index: BTreeMap<&str, usize> = changes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.address.as_str(), i))
            .collect();
        let mut deps: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); changes.len()];
        let mut hard: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); changes.len()];
        let mut last_writer: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, c) in changes.iter().enumerate() {
            for d in c.depends_on.iter().chain(created_refs(c).iter()) {
                if let Some(&j) = index.get(d.as_str())
                    && j != i
                {
                    deps[i].insert(j);
                    hard[i].insert(j);
                }
            }
            if let Some(env) = environment_written(c) {
                if let Some(&j) = last_writer.get(env) {
                    deps[i].insert(j);
                }
                last_writer.insert(env, i);
            }
            if c.kind == ResourceKind::EnvironmentGroup && c.action == Action::Delete {
                deps[i].extend(0..i);
            }
        }
        // Keep only edges that go forward in plan order; a backward one would mean the plan's
        // order is not topological, and then its own order wins.
        let forward = |sets: Vec<BTreeSet<usize>>| -> Vec<Vec<usize>> {
            sets.into_iter()
                .enumerate()
                .map(|(i, d)| d.into_iter().filter(|&j| j < i).collect())
                .collect()
        };
        let deps = forward(deps);
        let hard = forward(hard);
        let mut dependents = vec![Vec::new(); changes.len()];
        for (i, d) in deps.iter().enumerate() {
            for &j in d {
                dependents[j].push(i);
            }
        }
        Graph {
            deps,
            hard,
            dependents,
        }
    }
}
