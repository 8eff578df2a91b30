//! Execution order: a topological sort of `depends_on`, ties broken by phase then address so
//! the order is stable. Creates and updates come before deletes; deletes run in reverse
//! dependency order (memberships, then policies and assignments, then groups).

use crate::plan::{Change, PlanError};
use std::collections::{BTreeMap, BTreeSet};

/// The change's phase, as its kind places it ([`crate::plan::KindRules::phase`]).
fn phase(c: &Change) -> u8 {
    c.kind.rules().phase(c.action)
}

pub fn order(changes: Vec<Change>, errors: &mut Vec<PlanError>) -> Vec<Change> {
    let mut by_address: BTreeMap<String, Change> = BTreeMap::new();
    for c in changes {
        by_address.insert(c.address.clone(), c);
    }
    let mut ready: BTreeSet<(u8, String)> = BTreeSet::new();
    let mut waiting: BTreeMap<String, usize> = BTreeMap::new();
    let mut dependents: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (address, c) in &by_address {
        let deps: BTreeSet<&String> = c
            .depends_on
            .iter()
            .filter(|d| by_address.contains_key(*d))
            .collect();
        for d in &deps {
            dependents
                .entry((*d).clone())
                .or_default()
                .push(address.clone());
        }
        if deps.is_empty() {
            ready.insert((phase(c), address.clone()));
        } else {
            waiting.insert(address.clone(), deps.len());
        }
    }
    let mut out = Vec::with_capacity(by_address.len());
    while let Some(next) = ready.pop_first() {
        let address = next.1;
        for d in dependents.get(&address).cloned().unwrap_or_default() {
            if let Some(n) = waiting.get_mut(&d) {
                *n -= 1;
                if *n == 0 {
                    waiting.remove(&d);
                    ready.insert((phase(&by_address[&d]), d));
                }
            }
        }
        out.push(by_address.remove(&address).expect("each address once"));
    }
    if !waiting.is_empty() {
        let cycle: Vec<&String> = waiting.keys().collect();
        errors.push(PlanError {
            resource: cycle[0].clone(),
            pointer: String::new(),
            message: format!(
                "changes depend on each other in a cycle: {}",
                cycle
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
        out.extend(by_address.into_values());
    }
    out
}
