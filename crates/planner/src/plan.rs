//! The plan: what to change, in what order, and what it was computed from.

use ppgov_core::observed::{
    ObservedDlpPolicy, ObservedEnvironment, ObservedGroup, ObservedRoleAssignment,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped whenever the plan JSON changes incompatibly; `apply` refuses other versions.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    /// The symbol Terraform users know.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Delete => "-",
        }
    }
}

/// What a change is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ResourceKind {
    Environment,
    EnvironmentGroup,
    /// An environment joining or leaving a group.
    GroupMembership,
    DlpPolicy,
    RoleAssignment,
    TenantSettings,
}

/// One attribute that changes: a dotted path, its value before and after.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeChange {
    pub path: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// The complete value an object must have after the change (what the client writes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum After {
    Environment(ObservedEnvironment),
    EnvironmentGroup(Box<ObservedGroup>),
    Membership {
        group: Ref,
        environment_id: String,
    },
    DlpPolicy(Box<ObservedDlpPolicy>),
    RoleAssignment(ObservedRoleAssignment),
    /// Changed settings only, flattened.
    TenantSettings(BTreeMap<String, serde_json::Value>),
    /// Deletions carry no after-value.
    Nothing,
}

/// A reference to a live object that may not exist yet when the plan is made.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Ref {
    /// An existing object's id.
    Id(String),
    /// Created earlier in the same plan: the address of that change.
    CreatedBy(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// A stable, human-readable address, e.g. `DlpPolicy.default-environment`.
    pub address: String,
    pub kind: ResourceKind,
    pub action: Action,
    /// The live object's id; `None` for creates.
    pub id: Option<String>,
    pub display_name: String,
    pub attributes: Vec<AttributeChange>,
    /// Why the change deserves a second look (deletes, loosening), if it does.
    pub risk: Option<String>,
    pub after: After,
    /// Addresses of changes that must run first.
    pub depends_on: Vec<String>,
}

/// Something the plan reports but does not change.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub kind: ResourceKind,
    pub id: String,
    pub display_name: String,
    pub message: String,
}

/// A problem that makes the plan unusable (an ambiguous match, an unknown live environment).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanError {
    /// The desired resource at fault: kind and name, and the JSON pointer of the field.
    pub resource: String,
    pub pointer: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub format_version: u32,
    /// In execution order: creates and updates after what they reference, deletes in reverse.
    pub changes: Vec<Change>,
    pub notes: Vec<Note>,
    pub errors: Vec<PlanError>,
    /// Fingerprint of every observed object the plan depends on, by `kind:id`, so `apply`
    /// can refuse a stale plan.
    pub fingerprints: BTreeMap<String, String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// `(to add, to change, to destroy)`.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |a| self.changes.iter().filter(|c| c.action == a).count();
        (
            count(Action::Create),
            count(Action::Update),
            count(Action::Delete),
        )
    }
}

/// A deterministic 64-bit FNV-1a hash of a value's canonical JSON, as hex.
pub fn fingerprint<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).expect("model values serialize");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in json.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}
