//! `ppgov-planner`: compares the desired state with the observed tenant.
//!
//! Pure: no I/O, no clock, no randomness; the same inputs give the same output.
//!
//! - [`resolve`]: desired references to live objects, by pinned id or display name, never a
//!   guess.
//! - [`classification`]: DLP connector classification compared by meaning.
//! - [`plan()`]: every kind, into [`Plan`] changes with attribute-level diffs, risks, notes for
//!   unmanaged objects, and fingerprints of what was observed, in dependency order ([`order`]).
//! - [`impact`]: which environments' effective DLP a plan changes, and the apps and flows it
//!   breaks or fixes there.
//! - [`simulate`]: a plan applied in memory, to check that plans converge.

pub mod approvals;
mod builder;
pub mod classification;
mod diff;
pub mod expiry;
pub mod impact;
pub mod kind_rules;
mod kinds;
mod lifecycle;
pub mod order;
pub mod plan;
mod plan_step;
mod planned_scope;
pub mod render;
pub mod resolve;
pub mod risk;
pub mod simulate;
pub mod target;
pub use kinds::tenant_isolation;

pub use diff::{plan, rbac_environment_scopes};
pub use impact::affected_environments;
pub use kind_rules::KindRules;
pub use plan::{
    Action, Address, After, AttributeChange, Change, FingerprintKey, Note, Plan, PlanError,
    PlannedMembership, PlannedRoleAssignment, PlannedScope, Ref, ResourceKind,
};
