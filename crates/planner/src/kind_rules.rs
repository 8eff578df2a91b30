//! The resource kinds, declared once, and what each kind decides: [`KindRules`].
//!
//! [`resource_kinds!`](crate::resource_kinds) is the only list of resource kinds. It calls the
//! macro it is given with one `Variant => module;` line per kind (`, after_tag = "…"` when the
//! plan JSON names its after-value otherwise); the planner generates [`ResourceKind`],
//! [`ResourceKind::ALL`], the names, the per-kind modules of `kinds/`, the table from a kind to
//! its [`KindRules`] (`kinds/<module>.rs`'s `Rules`) and [`After`] (the module's
//! `AfterValue`); `ppgov-apply`
//! generates its step modules and dispatch from the same list. A new line there makes the
//! compiler demand the kind's module and its `impl KindRules for Rules` (and apply's
//! `KindSteps`), instead of a `match` arm in every file that treats kinds differently.

use crate::plan::{Action, After, Change};
use crate::risk::Risk;
use crate::simulate::Simulation;
use ppgov_core::catalog::Catalog;
use ppgov_core::model::Desired;
use ppgov_core::observed::Observed;
use std::collections::BTreeMap;

/// Calls `$callback! { Variant => module; ... }` with every resource kind, in the order of
/// [`ResourceKind`] (which sorts, tie-breaks and serialises by it).
///
/// Every callback accepts the whole line grammar:
/// `$(#[doc = $doc:literal])* $variant:ident => $module:ident $(, after_tag = $after_tag:literal)?;`
#[macro_export]
macro_rules! resource_kinds {
    ($callback:ident) => {
        $callback! {
            Environment => environment;
            EnvironmentGroup => environment_group;
            /// An environment joining or leaving a group. Its after-value's plan JSON `kind`
            /// is `membership`, as saved plans hold it.
            GroupMembership => group_membership, after_tag = "membership";
            DlpPolicy => dlp_policy;
            RoleAssignment => role_assignment;
            TenantSettings => tenant_settings;
            TenantIsolationPolicy => tenant_isolation;
        }
    };
}

macro_rules! declare_resource_kinds {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident => $module:ident $(, after_tag = $after_tag:literal)?;
    )*) => {
        /// What a change is about.
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        pub enum ResourceKind {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl ResourceKind {
            /// Every resource kind, in declaration order.
            pub const ALL: [ResourceKind; [$(stringify!($variant)),*].len()] =
                [$(ResourceKind::$variant,)*];

            /// `Kind`, as in fingerprint keys and addresses (the serialised name too).
            pub fn name(self) -> &'static str {
                match self { $( ResourceKind::$variant => stringify!($variant), )* }
            }

            /// What the kind decides (`kinds/<module>.rs`).
            pub fn rules(self) -> &'static dyn KindRules {
                match self { $( ResourceKind::$variant => &crate::kinds::$module::Rules, )* }
            }
        }
    };
}
resource_kinds!(declare_resource_kinds);

/// What differs between kinds wherever the planner, apply and the CLI treat every kind: one
/// implementation per kind, `Rules` in the kind's module of `kinds/`. No method has a
/// default, so a new kind answers each question. Methods that take an after-value are called
/// on the kind of that value ([`Change::handled_by`]).
pub trait KindRules: Sync {
    /// Where a change of the kind sorts among changes ready at the same time (`crate::order`):
    /// creates and updates before deletes, and each after what it refers to.
    fn phase(&self, action: Action) -> u8;

    /// The kind whose document declares the change (a membership: its group's).
    fn declared_by(&self) -> ResourceKind;

    /// The annotations of the document of this kind named `name`, if it declares one.
    fn annotations<'a>(
        &self,
        desired: &'a Desired,
        name: &str,
    ) -> Option<&'a BTreeMap<String, String>>;

    /// `(approver, because)` for `change`, beyond the project's default approvers
    /// (`crate::approvals`); `name` is the declaring document's.
    fn approvals(
        &self,
        change: &Change,
        name: Option<&str>,
        desired: &Desired,
        observed: &Observed,
        catalog: &Catalog,
    ) -> Vec<(String, String)>;

    /// Why deleting a live object of the kind is risky, in words (`crate::risk::assess`).
    fn deletion_risk(&self, change: &Change, observed: &Observed) -> String;

    /// The risk of a create or update of the kind, if it has one (`crate::risk::assess`).
    fn change_risk(&self, change: &Change, observed: &Observed, catalog: &Catalog) -> Option<Risk>;

    /// Applies `change` (of this kind's after-value, or a deletion of this kind) to the
    /// simulated tenant (`crate::simulate`).
    fn simulate(&self, change: &Change, sim: &mut Simulation);

    /// The live objects exclusive ownership of the kind governs, by id, with a name to show
    /// ([`crate::plan::exclusively_governed`]).
    fn exclusively_governed(&self, observed: &Observed) -> BTreeMap<String, String>;

    /// The fingerprint of the observed object `id` (`Kind:id` of the plan's fingerprints);
    /// `None` when it no longer exists or the kind is fingerprinted under another kind.
    fn observed_fingerprint(&self, observed: &Observed, id: &str) -> Option<String>;

    /// The observed value a change's journal entry records for object `id`, and its
    /// fingerprint.
    fn observed_value(&self, observed: &Observed, id: &str) -> Option<(serde_json::Value, String)>;

    /// The live name of observed object `id`, when it has one to show.
    fn live_name(&self, observed: &Observed, id: &str) -> Option<String>;

    /// The addresses of the environment creates the after-value refers to.
    fn created_environments_in<'a>(&self, after: &'a After) -> Vec<&'a str>;

    /// The `metadata.name`s of the kind's declared resources (memberships: their groups'),
    /// whose `Kind.name` addresses `--target` knows (`crate::target::declared_addresses`).
    fn declared_names(&self, desired: &Desired) -> Vec<String>;
}

/// The observed value as JSON and its fingerprint, for [`KindRules::observed_value`].
pub(crate) fn value_and_fingerprint<T: serde::Serialize>(
    value: &T,
) -> Option<(serde_json::Value, String)> {
    Some((
        serde_json::to_value(value).ok()?,
        crate::plan::fingerprint(value),
    ))
}
