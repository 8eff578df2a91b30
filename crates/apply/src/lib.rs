//! `ppgov-apply`: executes a [`Plan`] against a tenant and decides nothing the plan did not.
//!
//! - [`graph`]: the steps' dependency graph: the plan's `depends_on`, references to objects
//!   created earlier, and ordering between steps that write the same object.
//! - [`apply`]: runs the steps with bounded parallelism. A failed step skips everything that
//!   depends on it (transitively); independent steps go on. Each update or delete first
//!   re-reads its object and refuses to write when its fingerprint differs from the plan's
//!   (optimistic concurrency); each write's read-back is compared with the plan's after-value.
//! - [`gate`]: risky steps (deletes, loosening) and what allows them; stale saved plans.
//!
//! The crate never prints: progress goes out as [`Event`]s on a channel, the outcome is an
//! [`ApplyReport`].

pub mod drift;
pub mod gate;
pub mod graph;
mod step;
pub mod tenant;

pub use tenant::TenantWrites;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use ppgov_planner::{Action, Change, Plan, ResourceKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// Called for each step before its first request to the tenant, on the scheduler (so before
/// the step can write anything): the step runs only when it returns `Ok`, else it fails with
/// that error and nothing is written. The CLI journals each step's intent here, so a killed
/// run leaves a record of every write it began.
pub type BeforeStep = Arc<dyn Fn(&Change) -> Result<(), String> + Send + Sync>;

/// How to apply.
#[derive(Clone)]
pub struct Options {
    /// Steps running at once (at least 1).
    pub parallelism: usize,
    pub before_step: Option<BeforeStep>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            parallelism: 4,
            before_step: None,
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("parallelism", &self.parallelism)
            .field("before_step", &self.before_step.as_ref().map(|_| "Fn"))
            .finish()
    }
}

/// The key in [`Plan::fingerprints`] of the live object `change` writes: `Kind:id`;
/// `None` for a create, whose object does not exist yet.
pub fn object_key(change: &Change) -> Option<String> {
    step::object_key(change).map(|key| key.to_string())
}

/// What happened to one step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum Outcome {
    Applied,
    /// The client's error (request, HTTP status, the server's code and message), a conflict
    /// with a change made since the plan, or a read-back that did not match.
    Failed {
        error: String,
    },
    /// Not attempted: `because` is the address of the failed step it depends on.
    Skipped {
        because: String,
    },
}

/// Progress, in the order things happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    StepStarted {
        /// 0-based position in the plan.
        index: usize,
        total: usize,
        address: String,
        action: Action,
    },
    StepFinished {
        index: usize,
        total: usize,
        address: String,
        action: Action,
        outcome: Outcome,
        elapsed: Duration,
        /// The id of the object a create made, once it is known to be kept (its duplicate
        /// check passed), also when the step failed after that.
        created: Option<String>,
    },
    Done,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    pub address: String,
    pub kind: ResourceKind,
    pub action: Action,
    pub display_name: String,
    pub outcome: Outcome,
    pub elapsed_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyReport {
    /// In plan order.
    pub steps: Vec<StepReport>,
    /// Every step applied and a fresh plan afterwards was empty ([`ApplyReport::finish`]).
    pub converged: bool,
    /// The fresh plan's changes (address, display name, what differs): what is still
    /// different from the policies.
    pub not_converged: Vec<String>,
}

impl ApplyReport {
    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.steps.iter().filter(|s| f(&s.outcome)).count()
    }

    pub fn applied(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Applied))
    }

    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed { .. }))
    }

    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped { .. }))
    }

    /// Records the plan made after applying: converged when every step applied and it is empty.
    pub fn finish(&mut self, fresh: &Plan) {
        // Named as a reviewer knows them: address, display name, what still differs.
        self.not_converged = fresh
            .changes
            .iter()
            .map(|c| {
                let what = match c.action {
                    Action::Create => "still to be created".to_owned(),
                    Action::Delete => "still to be destroyed".to_owned(),
                    Action::Update => {
                        let paths: Vec<&str> =
                            c.attributes.iter().map(|a| a.path.as_str()).collect();
                        format!("still differs in {}", paths.join(", "))
                    }
                };
                format!("{} \"{}\": {what}", c.address, c.display_name)
            })
            .collect();
        self.converged = self.not_converged.is_empty() && self.applied() == self.steps.len();
    }
}

/// State shared by running steps: ids of created objects, fingerprints we expect.
pub(crate) struct Shared {
    /// Address of a create -> id of what it created.
    pub created: Mutex<BTreeMap<String, String>>,
    /// `Kind:id` -> the fingerprint the object must have before we write it: the plan's,
    /// replaced by our own read-back after we write it.
    pub expected: Mutex<BTreeMap<String, String>>,
}

/// Applies `plan` through `tenant`. Sends [`Event`]s to `events` when given (a closed channel
/// is ignored). Never retries a step: retries are the client's bounded policy.
pub async fn apply<T: TenantWrites>(
    plan: &Plan,
    tenant: &T,
    options: &Options,
    events: Option<&UnboundedSender<Event>>,
) -> ApplyReport {
    let changes = &plan.changes;
    let total = changes.len();
    let graph = graph::Graph::new(changes);
    let shared = Shared {
        created: Mutex::new(BTreeMap::new()),
        expected: Mutex::new(plan.fingerprints.clone()),
    };
    let send = |e: Event| {
        if let Some(tx) = events {
            let _ = tx.send(e);
        }
    };
    let mut outcomes: Vec<Option<(Outcome, Duration)>> = vec![None; total];
    let mut waiting: Vec<usize> = graph.deps.iter().map(Vec::len).collect();
    // Ready steps, run lowest plan index first.
    let mut ready: std::collections::BTreeSet<usize> =
        (0..total).filter(|&i| waiting[i] == 0).collect();
    let mut running = FuturesUnordered::new();
    let parallelism = options.parallelism.max(1);
    let mut finished = 0;
    // Records a step's end, run or not: its event, its outcome, the dependents it releases.
    macro_rules! finish {
        ($i:expr, $outcome:expr, $elapsed:expr, $created:expr) => {{
            let (i, outcome, elapsed): (usize, Outcome, Duration) = ($i, $outcome, $elapsed);
            send(Event::StepFinished {
                index: i,
                total,
                address: changes[i].address.clone(),
                action: changes[i].action,
                outcome: outcome.clone(),
                elapsed,
                created: $created,
            });
            outcomes[i] = Some((outcome, elapsed));
            finished += 1;
            for &d in &graph.dependents[i] {
                waiting[d] -= 1;
                if waiting[d] == 0 {
                    ready.insert(d);
                }
            }
        }};
    }
    while finished < total {
        while running.len() < parallelism
            && let Some(i) = ready.pop_first()
        {
            // A dependency failed or was skipped: skip, naming the root failure.
            let root = graph.hard[i].iter().find_map(|&d| match &outcomes[d] {
                Some((Outcome::Failed { .. }, _)) => Some(changes[d].address.clone()),
                Some((Outcome::Skipped { because }, _)) => Some(because.clone()),
                _ => None,
            });
            if let Some(because) = root {
                finish!(i, Outcome::Skipped { because }, Duration::ZERO, None);
                continue;
            }
            send(Event::StepStarted {
                index: i,
                total,
                address: changes[i].address.clone(),
                action: changes[i].action,
            });
            if let Some(before_step) = &options.before_step
                && let Err(e) = before_step(&changes[i])
            {
                let error = format!("{e} (nothing was written)");
                finish!(i, Outcome::Failed { error }, Duration::ZERO, None);
                continue;
            }
            let shared = &shared;
            running.push(async move {
                let start = Instant::now();
                let result = step::run(&changes[i], tenant, shared).await;
                (i, result, start.elapsed())
            });
        }
        let Some((i, result, elapsed)) = running.next().await else {
            // Nothing running and nothing ready: only possible with a dependency cycle, which
            // the planner refuses; fail what is left rather than hang.
            for (j, o) in outcomes.iter_mut().enumerate() {
                if o.is_none() {
                    *o = Some((
                        Outcome::Failed {
                            error: format!("{} is part of a dependency cycle", changes[j].address),
                        },
                        Duration::ZERO,
                    ));
                }
            }
            break;
        };
        let outcome = match result {
            Ok(()) => Outcome::Applied,
            Err(error) => Outcome::Failed { error },
        };
        let created = shared
            .created
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&changes[i].address)
            .cloned();
        finish!(i, outcome, elapsed, created);
    }
    send(Event::Done);
    let steps = changes
        .iter()
        .zip(outcomes)
        .map(|(c, o)| {
            let (outcome, elapsed) = o.expect("every step has an outcome");
            StepReport {
                address: c.address.clone(),
                kind: c.kind,
                action: c.action,
                display_name: c.display_name.clone(),
                outcome,
                elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            }
        })
        .collect();
    ApplyReport {
        steps,
        converged: false,
        not_converged: Vec::new(),
    }
}
