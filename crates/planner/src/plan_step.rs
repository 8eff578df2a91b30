//! Every kind's planning step, run from the one list of kinds ([`crate::resource_kinds!`]).
//!
//! The foundation — environments, then groups, then memberships — is planned first, in that
//! order, by [`crate::diff::plan`]: each of those steps hands its result to the next, and
//! every other kind refers to what they planned (a group's ref and members, the membership
//! changes to depend on). Every other kind's step reads only that [`Foundation`] and the
//! tenant, never another such kind's result, so they run after it in the list's order and
//! none needs a call of its own. A kind whose step needs another kind's result belongs in
//! the foundation (or the foundation grows a field for it).

use crate::builder::PlanBuilder;
use crate::kinds::environment_group::Groups;
use crate::kinds::group_membership::Memberships;

/// What the foundation steps planned, for every other kind's step.
pub(crate) struct Foundation<'a> {
    pub groups: &'a Groups,
    pub memberships: &'a Memberships,
}

/// A kind's planning step, implemented by `Rules` in the kind's module of `kinds/`.
pub(crate) trait PlanStep {
    /// Adds the kind's changes, notes, errors and fingerprints through `b`. The foundation
    /// kinds' steps do nothing here: `crate::diff::plan` has run them already.
    fn plan(b: &mut PlanBuilder<'_>, foundation: &Foundation<'_>);
}

macro_rules! plan_every_kind {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident => $module:ident $(, after_tag = $after_tag:literal)?;
    )*) => {
        /// Runs every kind's [`PlanStep`] after the foundation, in the list's order.
        pub(crate) fn plan_every_kind(b: &mut PlanBuilder<'_>, foundation: &Foundation<'_>) {
            $( <crate::kinds::$module::Rules as PlanStep>::plan(b, foundation); )*
        }
    };
}
crate::resource_kinds!(plan_every_kind);
