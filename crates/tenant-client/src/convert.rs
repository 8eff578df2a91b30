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
//! One module per kind (`convert/<kind>.rs`; a group's rules in `group_rule_sets` and
//! `group_rule_policies`), each re-exported here so callers write `convert::<function>`; the
//! helpers they share (`ConvertError`, the reserved keys) are here.

/// A value the wire or the model holds that the other side cannot represent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConvertError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, ConvertError> {
    Err(ConvertError(msg.into()))
}

const ZERO_GUID: &str = "00000000-0000-0000-0000-000000000000";
const RESOURCE_TYPE_KEY: &str = "@resourceType";
const VERSION_KEY: &str = "@version";

pub mod advisor;
mod connector_metadata;
mod connectors;
mod dlp_policy;
mod environment;
mod environment_group;
mod group_rule_policies;
mod group_rule_sets;
pub mod inventory;
mod role_assignment;
mod snapshot;
pub mod tenant_isolation;
mod tenant_settings;

pub use connectors::*;
pub use dlp_policy::*;
pub use environment::*;
pub use environment_group::*;
pub use group_rule_policies::*;
pub use group_rule_sets::*;
pub use role_assignment::*;
pub use snapshot::tenant_snapshot;
pub use tenant_settings::*;

#[cfg(test)]
mod tests;
