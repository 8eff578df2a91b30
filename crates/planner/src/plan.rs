//! The plan: what to change, in what order, and what it was computed from.

use ppgov_core::observed::{
    Observed, ObservedDlpPolicy, ObservedEnvironment, ObservedGroup, ObservedRoleAssignment,
    ObservedScope,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped whenever the plan JSON changes incompatibly; `apply` refuses other versions.
/// Version 2 added the [`Seal`].
pub const FORMAT_VERSION: u32 = 2;

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
    /// What a saved plan was made from; set by whoever saves the plan ([`Plan::seal`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<Seal>,
}

/// Hashes that let `apply` refuse a plan file edited after it was made, or made from other
/// policies. They detect changes, not forgery: anyone with ppgov can compute them, so a plan
/// file is still an artifact to keep where only the pipeline can write it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Seal {
    /// The `metadata.name` of the repository's Project document, to tell "another repository"
    /// from "the policies changed".
    pub project: String,
    /// [`policies_hash`] of the policy files the plan was made from.
    pub policies: String,
    /// [`Plan::body_hash`]: everything else in the plan, this seal's `policies` included.
    pub body: String,
}

impl Plan {
    /// Records the hash of the policies the plan was made from and the hash of the body.
    pub fn seal(&mut self, project: String, policies_hash: String) {
        self.seal = Some(Seal {
            project,
            policies: policies_hash,
            body: String::new(),
        });
        let body = self.body_hash();
        if let Some(seal) = &mut self.seal {
            seal.body = body;
        }
    }

    /// The hash of the plan as it stands, without the recorded body hash itself.
    pub fn body_hash(&self) -> String {
        let mut body = self.clone();
        if let Some(seal) = &mut body.seal {
            seal.body.clear();
        }
        hash128(
            serde_json::to_string(&body)
                .expect("plans serialize")
                .as_bytes(),
        )
    }

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

/// The fingerprint key that records that `kind` is owned exclusively. Under exclusive
/// ownership the plan fingerprints every live object [`exclusively_governed`] lists (it is
/// declared, or planned for deletion), so one that appears later makes the plan stale.
pub fn exclusive_key(kind: ResourceKind) -> String {
    format!("{}:*", kind_name(kind))
}

/// A role assignment's scope as its change's address ends: `tenant`, `group:{id}`,
/// `environment:{id}`.
pub fn scope_label(scope: &ObservedScope) -> String {
    match scope {
        ObservedScope::Tenant => "tenant".to_owned(),
        ObservedScope::EnvironmentGroup(id) => format!("group:{id}"),
        ObservedScope::Environment(id) => format!("environment:{id}"),
        ObservedScope::Unknown(scope) => format!("scope `{scope}`"),
    }
}

/// The scope a role assignment change's address names (its [`scope_label`] read back), so
/// apply can re-read that one scope; `None` for any other address.
pub fn scope_of_address(address: &str) -> Option<ObservedScope> {
    let inside = address
        .strip_prefix("RoleAssignment")?
        .strip_suffix(']')?
        .rsplit_once('[')?
        .1;
    // `{principal}/{role}/{scope}`: principal ids and role names hold no `/`.
    let label = inside.splitn(3, '/').nth(2)?;
    if label == "tenant" {
        return Some(ObservedScope::Tenant);
    }
    if let Some(id) = label.strip_prefix("group:") {
        return Some(ObservedScope::EnvironmentGroup(id.to_owned()));
    }
    label
        .strip_prefix("environment:")
        .map(|id| ObservedScope::Environment(id.to_owned()))
}

/// `Kind`, as in fingerprint keys and addresses.
pub fn kind_name(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Environment => "Environment",
        ResourceKind::EnvironmentGroup => "EnvironmentGroup",
        ResourceKind::GroupMembership => "GroupMembership",
        ResourceKind::DlpPolicy => "DlpPolicy",
        ResourceKind::RoleAssignment => "RoleAssignment",
        ResourceKind::TenantSettings => "TenantSettings",
    }
}

/// The kind named `name` ([`kind_name`]'s inverse), as fingerprint keys and addresses
/// start; `None` for a name no kind has (a plan from another version).
pub fn parse_kind_name(name: &str) -> Option<ResourceKind> {
    // The serialised name of a `ResourceKind` is its variant name, as `kind_name` writes it.
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

/// The live objects of `kind` that exclusive ownership governs, those the plan deletes when
/// nothing declares them (every group, tenant-level data policies, role assignments of a role
/// and a principal type ppgov models), by id, with a name to show.
pub fn exclusively_governed(kind: ResourceKind, observed: &Observed) -> BTreeMap<String, String> {
    match kind {
        ResourceKind::EnvironmentGroup => observed
            .environment_groups
            .iter()
            .map(|(id, g)| (id.clone(), g.display_name.clone()))
            .collect(),
        ResourceKind::DlpPolicy => observed
            .dlp_policies
            .iter()
            .filter(|(_, p)| p.scope_mode.is_some())
            .map(|(id, p)| (id.clone(), p.display_name.clone()))
            .collect(),
        ResourceKind::RoleAssignment => observed
            .role_assignments
            .iter()
            .filter(|(_, a)| {
                a.role.is_some() && a.principal_type.is_some() && !a.in_unread_scope(observed)
            })
            .map(|(id, a)| {
                let name = a.principal_name.as_ref().unwrap_or(&a.principal_id);
                (id.clone(), name.clone())
            })
            .collect(),
        // Exclusive ownership deletes no environment, membership or setting.
        ResourceKind::Environment
        | ResourceKind::GroupMembership
        | ResourceKind::TenantSettings => BTreeMap::new(),
    }
}

/// The hash of the policy files' texts, given in file-name order.
pub fn policies_hash<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut all = Vec::new();
    for text in texts {
        // Length-prefixed, so moving text from one file to the next changes the hash.
        all.extend_from_slice(&(text.len() as u64).to_le_bytes());
        all.extend_from_slice(text.as_bytes());
    }
    hash128(&all)
}

/// A deterministic 128-bit FNV-1a hash, as hex.
fn hash128(bytes: &[u8]) -> String {
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for byte in bytes {
        hash ^= u128::from(*byte);
        hash = hash.wrapping_mul(PRIME);
    }
    format!("{hash:032x}")
}

/// A deterministic 64-bit FNV-1a hash of a value's canonical JSON, as hex.
pub fn fingerprint<T: Serialize>(value: &T) -> String {
    // Hashed as serde_json writes it: the same bytes as `to_string`, without the string
    // (a plan fingerprints every object it relies on, tens of thousands in a large tenant).
    struct Fnv1a(u64);
    impl std::io::Write for Fnv1a {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            for &byte in bytes {
                self.0 ^= u64::from(byte);
                self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
            }
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hash = Fnv1a(0xcbf2_9ce4_8422_2325);
    serde_json::to_writer(&mut hash, value).expect("model values serialize");
    format!("{:016x}", hash.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_is_the_fnv1a_hash_of_the_canonical_json() {
        // Pinned: saved plans carry fingerprints, so the hash of a value may never change.
        assert_eq!(fingerprint(&""), "07cc7607b4949e25");
        let value = serde_json::json!({"b": [1, "x"], "a": null});
        let json = serde_json::to_string(&value).unwrap();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in json.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        assert_eq!(fingerprint(&value), format!("{hash:016x}"));
    }

    #[test]
    fn a_role_assignment_address_gives_back_its_scope() {
        for scope in [
            ObservedScope::Tenant,
            ObservedScope::EnvironmentGroup("4c9a2f71-8d3e-4b15-a6c0-2e7f9d1b3a58".into()),
            ObservedScope::Environment("0a1b2c3d-0000-4000-8000-000000000001".into()),
        ] {
            let label = scope_label(&scope);
            let p = "6d3a9eb4-2f57-4b8c-9d4a-a5e9c7f32b06";
            for address in [
                format!("RoleAssignment[{p}/reader/{label}]"),
                format!("RoleAssignment.auditors[{p}/reader/{label}]"),
            ] {
                assert_eq!(scope_of_address(&address), Some(scope.clone()), "{address}");
            }
        }
        assert_eq!(scope_of_address("DlpPolicy.default"), None);
        assert_eq!(
            scope_of_address("RoleAssignment[p/reader/scope `/x/y`]"),
            None
        );
    }
}
