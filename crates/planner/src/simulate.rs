//! Applying a plan to an observed state in memory: what the tenant would look like after a
//! perfect apply. Used to check that plans converge (plan, apply, plan again: nothing left).
//! What each change does to the state is its kind's ([`crate::plan::KindRules::simulate`]).

use crate::plan::{Change, Plan, Ref, created_environment_of};
use ppgov_core::observed::Observed;
use std::collections::BTreeMap;

/// The tenant being simulated, and the ids of the objects the simulation created so far.
pub struct Simulation {
    pub state: Observed,
    /// Address of a creating change -> the id it created.
    created: BTreeMap<String, String>,
}

impl Simulation {
    /// The id of an object created by the simulation: derived from the creating change's
    /// address, so the result is deterministic. Recorded for the changes that refer to it.
    pub fn create(&mut self, change: &Change) -> String {
        let id = self.new_id(change);
        self.created.insert(change.address.clone(), id.clone());
        id
    }

    /// The id of an object the simulation makes (`new:{address}`), not referred to by address.
    pub fn new_id(&self, change: &Change) -> String {
        format!("new:{}", change.address)
    }

    /// The live id a reference stands for.
    pub fn resolve(&self, r: &Ref) -> String {
        match r {
            Ref::Id(id) => id.clone(),
            Ref::CreatedBy(address) => self
                .created
                .get(address)
                .cloned()
                .unwrap_or_else(|| address.clone()),
        }
    }

    /// A placeholder id of an environment created earlier in the plan, as created.
    pub fn environment_id(&self, id: &str) -> String {
        match created_environment_of(id) {
            Some(address) => self
                .created
                .get(address)
                .cloned()
                .unwrap_or_else(|| id.to_owned()),
            None => id.to_owned(),
        }
    }
}

pub fn apply_in_memory(observed: &Observed, plan: &Plan) -> Observed {
    let mut sim = Simulation {
        state: observed.clone(),
        created: BTreeMap::new(),
    };
    for change in &plan.changes {
        change.handled_by().rules().simulate(change, &mut sim);
    }
    sim.state
}
