//! Wire types <-> model types. The only place in ppgov that maps between them.
//!
//! Reading is lossless for everything ppgov governs, and what it does not model is kept
//! (`unmodelled_rules`, `unmodelled_policy_rules`) so a write puts it back unchanged. Writing
//! produces exactly what the service documents: all three DLP groups in order, `[]` never
//! `null`, rules numbered 1..N, read-only fields left out.
//!
//! Conventions for kept-but-unmodelled data:
//! - `unmodelled_rules[type][valueId] = value` for classic rule-set values ppgov does not
//!   model; a whole parameter lands there when its values do not parse. The reserved key
//!   `@resourceType` keeps a parameter's `resourceType` when it differs from the usual one.
//! - `unmodelled_policy_rules[ruleSetId]` is an object of inputs: the whole rule set for
//!   rule sets ppgov does not model, or the leftover inputs of one it does. The reserved key
//!   `@version` keeps a version other than `1.0`. Leftovers of a modelled rule set are only
//!   written together with that rule set.
//!
//! A kind's conversions live in its module of `kinds/` (`kinds/<kind>.rs`, with its writes),
//! each re-exported here so callers write `convert::<function>`; conversions that are not per
//! kind (connectors, inventory, Advisor, the tenant snapshot) are modules here, and the
//! helpers they all share (`ConvertError`, the reserved keys) are here.

/// A value the wire or the model holds that the other side cannot represent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConvertError(pub String);

pub(crate) fn err<T>(msg: impl Into<String>) -> Result<T, ConvertError> {
    Err(ConvertError(msg.into()))
}

pub(crate) const ZERO_GUID: &str = "00000000-0000-0000-0000-000000000000";
pub(crate) const RESOURCE_TYPE_KEY: &str = "@resourceType";
pub(crate) const VERSION_KEY: &str = "@version";

pub mod advisor;
mod connector_metadata;
mod connectors;
pub mod inventory;
mod snapshot;

pub use connectors::*;
pub use snapshot::tenant_snapshot;

/// Every wire kind's conversions, from the one list of wire kinds.
macro_rules! reexport_kinds {
    ($( $(#[doc = $doc:literal])* $module:ident; )*) => {
        $( pub use crate::kinds::$module::*; )*
    };
}
ppgov_tenant_api::wire_kinds!(reexport_kinds);

#[cfg(test)]
mod tests;
