//! The plan: what to change, in what order, and what it was computed from.

pub use crate::kinds::group_membership::PlannedMembership;
pub use crate::planned_scope::{PlannedRoleAssignment, PlannedScope};
use ppgov_core::observed::{Observed, ObservedScope};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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

pub use crate::kind_rules::{KindRules, ResourceKind};

/// One attribute that changes: a dotted path, its value before and after.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeChange {
    pub path: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

macro_rules! declare_after {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident => $module:ident $(, after_tag = $after_tag:literal)?;
    )*) => {
        /// The complete value an object must have after the change (what the client writes):
        /// one variant per [`ResourceKind`], of the type its module of `kinds/` declares as
        /// `AfterValue`. The plan JSON tags it `kind`, the variant's name in camelCase unless
        /// the list says otherwise.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", tag = "kind")]
        pub enum After {
            $(
                $(#[serde(rename = $after_tag)])?
                $variant(crate::kinds::$module::AfterValue),
            )*
            /// Deletions carry no after-value.
            Nothing,
        }

        impl After {
            /// The kind of the object the value is written to; `None` for a deletion.
            pub fn kind(&self) -> Option<ResourceKind> {
                match self {
                    $( After::$variant(_) => Some(ResourceKind::$variant), )*
                    After::Nothing => None,
                }
            }
        }
    };
}
crate::resource_kinds!(declare_after);

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
    /// What the change does to the apps and flows of the environments whose effective DLP it
    /// alters ([`crate::impact`]); `None` for other changes, and when no inventory was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<crate::impact::Impact>,
    pub after: After,
    /// Addresses of changes that must run first.
    pub depends_on: Vec<String>,
}

impl Change {
    /// The kind whose [`KindRules`] (and apply's steps) handle the change: its after-value's
    /// kind, or, for a deletion (no after-value), its own.
    pub fn handled_by(&self) -> ResourceKind {
        self.after.kind().unwrap_or(self.kind)
    }
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
    /// Who must approve each change, by change address (`crate::approvals`); changes that
    /// need nobody are absent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub approvals: BTreeMap<String, Vec<crate::approvals::Approval>>,
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
    /// Every approver the plan needs, once each.
    pub fn approvers(&self) -> BTreeSet<&str> {
        self.approvals
            .values()
            .flatten()
            .map(|a| a.approver.as_str())
            .collect()
    }

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

/// The address of a change, e.g. `DlpPolicy.default`, `EnvironmentGroup[{id}]`,
/// `RoleAssignment.auditors[{principal}/reader/tenant]`: its kind, the declaring document's
/// `metadata.name` (none for undeclared live objects) and a key telling apart several changes
/// of one document or naming an undeclared object. The plan stores its [`Display`] string
/// (plan JSON unchanged); planner builds and apply/CLI read addresses only through this type.
///
/// [`Display`]: std::fmt::Display
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Address {
    pub kind: ResourceKind,
    /// A `metadata.name`: lower-case letters, digits and `-`, so never `[` (dots and other
    /// characters still read back, up to the first `[`).
    pub name: Option<String>,
    /// Anything; written inside `[...]`, read back up to the last `]`.
    pub key: Option<String>,
}

impl Address {
    /// `Kind.name`: a declared resource.
    pub fn named(kind: ResourceKind, name: impl Into<String>) -> Address {
        Address {
            kind,
            name: Some(name.into()),
            key: None,
        }
    }

    /// `Kind[key]`: an undeclared live object, or one of no document.
    pub fn keyed(kind: ResourceKind, key: impl Into<String>) -> Address {
        Address {
            kind,
            name: None,
            key: Some(key.into()),
        }
    }

    /// `Kind.name[key]`: one of several changes a document makes.
    pub fn named_keyed(
        kind: ResourceKind,
        name: impl Into<String>,
        key: impl Into<String>,
    ) -> Address {
        Address {
            kind,
            name: Some(name.into()),
            key: Some(key.into()),
        }
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(kind_name(self.kind))?;
        if let Some(name) = &self.name {
            write!(f, ".{name}")?;
        }
        if let Some(key) = &self.key {
            write!(f, "[{key}]")?;
        }
        Ok(())
    }
}

/// Why a string is not an [`Address`] or a [`FingerprintKey`]; the message names the string
/// and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityError(String);

impl std::fmt::Display for IdentityError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for IdentityError {}

fn parse_kind_in(kind: &str, what: &str, whole: &str) -> Result<ResourceKind, IdentityError> {
    if kind.is_empty() {
        return Err(IdentityError(format!(
            "{what} `{whole}` does not start with a kind"
        )));
    }
    parse_kind_name(kind)
        .ok_or_else(|| IdentityError(format!("{what} `{whole}` names no known kind: `{kind}`")))
}

impl std::str::FromStr for Address {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<Address, IdentityError> {
        let kind_end = s.find(['.', '[']).unwrap_or(s.len());
        let kind = parse_kind_in(&s[..kind_end], "address", s)?;
        let mut rest = &s[kind_end..];
        let mut name = None;
        if let Some(after_dot) = rest.strip_prefix('.') {
            let name_end = after_dot.find('[').unwrap_or(after_dot.len());
            if name_end == 0 {
                return Err(IdentityError(format!(
                    "address `{s}` has an empty name after `.`"
                )));
            }
            name = Some(after_dot[..name_end].to_owned());
            rest = &after_dot[name_end..];
        }
        let key = if rest.is_empty() {
            None
        } else {
            let inner = rest
                .strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .ok_or_else(|| {
                    IdentityError(format!(
                        "address `{s}` has a key without a closing `]`: `{rest}`"
                    ))
                })?;
            Some(inner.to_owned())
        };
        Ok(Address { kind, name, key })
    }
}

/// The key of one entry of [`Plan::fingerprints`]: `Kind:id`, or `Kind:*` for the marker of
/// exclusive ownership. The plan keeps the [`Display`] strings as map keys, so the JSON and
/// its key order stay those of the strings (a derived `Ord` on the kind enum would not sort
/// `DlpPolicy:` before `Environment:` as the strings do).
///
/// [`Display`]: std::fmt::Display
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FingerprintKey {
    pub kind: ResourceKind,
    /// The live object's id (a dotted path for a setting; anything, `:` included), or `*`.
    pub id: String,
}

impl FingerprintKey {
    pub fn new(kind: ResourceKind, id: impl Into<String>) -> FingerprintKey {
        FingerprintKey {
            kind,
            id: id.into(),
        }
    }

    /// The marker that `kind` is owned exclusively ([`exclusive_key`]).
    pub fn exclusive(kind: ResourceKind) -> FingerprintKey {
        FingerprintKey::new(kind, "*")
    }

    pub fn is_exclusive_marker(&self) -> bool {
        self.id == "*"
    }
}

impl std::fmt::Display for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", kind_name(self.kind), self.id)
    }
}

impl std::str::FromStr for FingerprintKey {
    type Err = IdentityError;

    fn from_str(s: &str) -> Result<FingerprintKey, IdentityError> {
        // Kind names hold no `:`, so the first one ends the kind; ids may hold more.
        let (kind, id) = s.split_once(':').ok_or_else(|| {
            IdentityError(format!(
                "fingerprint key `{s}` has no `:` between kind and id"
            ))
        })?;
        let kind = parse_kind_in(kind, "fingerprint key", s)?;
        Ok(FingerprintKey::new(kind, id))
    }
}

/// The address of the change creating the group a planned role assignment's `scope` names
/// (a typed [`Ref`]; plan files hold it as `@{address}`); `None` for a scope naming a live
/// object.
pub fn created_group_of(scope: &PlannedScope) -> Option<&str> {
    scope.created_group()
}

/// The id that stands for the environment created by the change at `address` (its id is
/// known only once apply has created it): `@{address}`, in memberships, role assignment
/// scopes and data policy scopes alike.
pub fn created_environment_id(address: &str) -> String {
    format!("@{address}")
}

/// The address of the change creating the environment `id` stands for
/// ([`created_environment_id`] read back); `None` for a live environment's id.
pub fn created_environment_of(id: &str) -> Option<&str> {
    id.strip_prefix('@')
}

/// The addresses of the environment creates an after-value refers to.
pub fn created_environments_in(after: &After) -> Vec<&str> {
    after
        .kind()
        .map_or_else(Vec::new, |kind| kind.rules().created_environments_in(after))
}

/// The fingerprint key that records that `kind` is owned exclusively. Under exclusive
/// ownership the plan fingerprints every live object [`exclusively_governed`] lists (it is
/// declared, or planned for deletion), so one that appears later makes the plan stale.
pub fn exclusive_key(kind: ResourceKind) -> String {
    FingerprintKey::exclusive(kind).to_string()
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
    let address: Address = address.parse().ok()?;
    if address.kind != ResourceKind::RoleAssignment {
        return None;
    }
    let inside = address.key?;
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
    kind.name()
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
    kind.rules().exclusively_governed(observed)
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
mod tests;
