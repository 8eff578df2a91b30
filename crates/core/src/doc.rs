//! The policy language as written: serde structs that mirror the YAML documents.
//!
//! These types exist to be deserialized and to generate the JSON Schemas in `schemas/`.
//! They hold no logic; `lower` turns them into the checked [`crate::model`]. Field docs
//! become schema descriptions, which editors show on hover, so they are written for users.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::kind::kind_spec_types!();

/// The only supported `apiVersion`.
pub const API_VERSION: &str = "ppgov.dev/v1";

/// `metadata.name`: lower-case letters, digits and `-`, starting with a letter or digit.
pub const NAME_PATTERN: &str = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
/// A GUID in its canonical 8-4-4-4-12 form (either case).
pub const GUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// Whether `s` matches [`GUID_PATTERN`], without a regex: the schema's fast path checks every
/// id with it.
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A resource name (`metadata.name`) used to refer to another document.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct Name(#[schemars(regex(pattern = NAME_PATTERN))] pub String);

/// An Entra ID or Power Platform object id.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct Guid(#[schemars(regex(pattern = GUID_PATTERN))] pub String);

/// Identity and labels shared by every document.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metadata {
    /// The resource's name in ppgov, unique per kind: lower-case letters, digits and `-`
    /// (at most 63). Other documents refer to it by this name.
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    /// Pins the resource to one live object by its id. Without it, the live object is
    /// found by its natural key (the display name). Not allowed on `RoleAssignment`, whose
    /// documents can declare several assignments, nor on `Project` and `TenantSettings`.
    pub id: Option<Guid>,
    /// Free-form labels. Environment-group selectors match on the labels of `Environment`s.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Free-form annotations for people and tools. Keys under `ppgov.dev/` are reserved for
    /// ppgov.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// Envelope shared by every kind. The schema generator fixes `kind` per kind.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Document<S> {
    /// Always `ppgov.dev/v1`.
    pub api_version: String,
    /// The kind of resource this document declares.
    pub kind: String,
    pub metadata: Metadata,
    pub spec: S,
}

// ---------------------------------------------------------------------------------------------
// Shared references

/// An environment: the `metadata.name` of an `Environment` document, or a live environment
/// by `id` or `displayName` (resolved against the tenant when planning).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum EnvironmentRef {
    /// The name of an `Environment` document in this repository.
    Name(Name),
    /// A live environment by id.
    Id(EnvironmentById),
    /// A live environment by exact display name.
    DisplayName(EnvironmentByDisplayName),
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentById {
    /// The environment id (a GUID).
    pub id: Guid,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvironmentByDisplayName {
    /// The environment's exact display name; it must match exactly one live environment.
    #[schemars(length(min = 1))]
    pub display_name: String,
}

/// Reads what `#[serde(untagged)]` reads, with its error, without its cost: untagged buffers
/// every reference into serde's `Content` (a copy of each string and mapping) before trying
/// the variants, and every group and policy lists environments. A string is a `Name`; a
/// mapping with `id` alone or `displayName` alone is the matching variant.
impl<'de> Deserialize<'de> for EnvironmentRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
        use std::fmt;

        /// The one key of a `{id: ...}` or `{displayName: ...}` reference, read in place.
        enum Key {
            Id,
            DisplayName,
            Other,
        }
        impl<'de> Deserialize<'de> for Key {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct KeyVisitor;
                impl Visitor<'_> for KeyVisitor {
                    type Value = Key;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("a key")
                    }
                    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                        Ok(match key {
                            "id" => Key::Id,
                            "displayName" => Key::DisplayName,
                            _ => Key::Other,
                        })
                    }
                }
                d.deserialize_identifier(KeyVisitor)
            }
        }

        struct RefVisitor;
        impl<'de> Visitor<'de> for RefVisitor {
            type Value = EnvironmentRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an environment name, `{id: ...}` or `{displayName: ...}`")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<EnvironmentRef, E> {
                Ok(EnvironmentRef::Name(Name(name.to_owned())))
            }
            fn visit_string<E: de::Error>(self, name: String) -> Result<EnvironmentRef, E> {
                Ok(EnvironmentRef::Name(Name(name)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EnvironmentRef, A::Error> {
                let found = match map.next_key::<Key>()? {
                    Some(Key::Id) => EnvironmentRef::Id(EnvironmentById {
                        id: map.next_value()?,
                    }),
                    Some(Key::DisplayName) => {
                        EnvironmentRef::DisplayName(EnvironmentByDisplayName {
                            display_name: map.next_value()?,
                        })
                    }
                    Some(Key::Other) | None => return Err(de::Error::custom("no variant")),
                };
                // Both variants deny unknown fields.
                match map.next_key::<IgnoredAny>()? {
                    Some(_) => Err(de::Error::custom("no variant")),
                    None => Ok(found),
                }
            }
            /// Derived structs also read a sequence of their fields: `[x]` is `{id: x}`.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<EnvironmentRef, A::Error> {
                match (
                    seq.next_element::<Guid>()?,
                    seq.next_element::<IgnoredAny>()?,
                ) {
                    (Some(id), None) => Ok(EnvironmentRef::Id(EnvironmentById { id })),
                    _ => Err(de::Error::custom("no variant")),
                }
            }
        }

        deserializer
            .deserialize_any(RefVisitor)
            .map_err(|_: D::Error| {
                de::Error::custom("data did not match any variant of untagged enum EnvironmentRef")
            })
    }
}

/// Environment types as the platform names them.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum EnvironmentType {
    Production,
    Sandbox,
    Trial,
    Developer,
    Default,
    Teams,
}

// ---------------------------------------------------------------------------------------------
// EnvironmentGroup

/// An environment group, its members and its rules.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvironmentGroupSpec {
    /// The group's display name, used to find it when `metadata.id` is not set.
    #[schemars(length(min = 1, max = 100))]
    pub display_name: String,
    /// Shown in the admin center.
    #[serde(default)]
    #[schemars(length(max = 1000))]
    pub description: String,
    /// Which environments belong to the group.
    #[serde(default)]
    pub members: Members,
    /// Rules applied to every environment in the group.
    #[serde(default)]
    pub rules: GroupRules,
    /// Who must approve any change to the group (people or teams, as your reviews name them).
    #[serde(default)]
    pub owners: Vec<String>,
}

/// Group membership: explicit environments plus selectors. An environment is a member if it
/// is listed or if any selector matches it.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Members {
    /// Environments by document name, `id` or `displayName`.
    #[serde(default)]
    pub environments: Vec<EnvironmentRef>,
    /// Attribute selectors; all conditions of one selector must match.
    #[serde(default)]
    pub selectors: Vec<Selector>,
}

/// Matches environments by their attributes. Every condition given must hold.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    /// Any of these environment types.
    #[serde(default)]
    pub types: Vec<EnvironmentType>,
    /// Any of these regions (locations), e.g. `europe`, `unitedstates`.
    #[serde(default)]
    pub regions: Vec<String>,
    /// A glob over the display name: `*` any text, `?` one character. Case-insensitive.
    pub display_name: Option<String>,
    /// Labels the environment's `Environment` document must carry.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// The group's rules. A rule left out is not managed by ppgov.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GroupRules {
    /// Limits on sharing canvas apps.
    pub sharing_controls: Option<SharingControls>,
    /// The weekly usage-insights digest.
    pub usage_insights: Option<UsageInsights>,
    /// Welcome content makers see in Power Apps.
    pub maker_welcome_content: Option<MakerWelcomeContent>,
    /// Solution checker enforcement on solution import.
    pub solution_checker: Option<SolutionChecker>,
    /// How long environment backups are kept.
    pub backup_retention: Option<BackupRetention>,
    /// AI-generated descriptions of apps.
    pub ai_generated_descriptions: Option<Toggle>,
    /// Generative AI features.
    pub generative_ai: Option<GenerativeAi>,
    /// Advanced connector policies: an allow-list of connectors (rule-based policy).
    pub advanced_connector_policies: Option<AdvancedConnectorPolicies>,
    /// Content Security Policy for apps (rule-based policy).
    pub content_security_policy: Option<ContentSecurityPolicy>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SharingMode {
    /// Makers can share with anyone, security groups included.
    NoLimit,
    /// Makers cannot share with security groups; `maxUsers` caps individual sharing.
    ExcludeSecurityGroups,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SharingControls {
    pub mode: SharingMode,
    /// Most individuals an app can be shared with (0-99). Only with `excludeSecurityGroups`;
    /// leave it out for no per-user limit.
    #[schemars(range(min = 0, max = 99))]
    pub max_users: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UsageInsights {
    /// Send the weekly digest for environments in the group.
    pub enabled: bool,
    /// Also show the insights on the admin center home page.
    #[serde(default)]
    pub include_on_home_page: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MakerWelcomeContent {
    /// Markdown shown to makers the first time they open Power Apps.
    #[schemars(length(min = 1, max = 10000))]
    pub markdown: String,
    /// The "Learn more" link.
    #[schemars(url)]
    pub learn_more_url: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SolutionCheckerMode {
    /// No enforcement.
    None,
    /// Warn on import of solutions with critical issues.
    Warn,
    /// Block import of solutions with critical issues.
    Block,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SolutionChecker {
    pub mode: SolutionCheckerMode,
    /// Do not email makers about validation results.
    #[serde(default)]
    pub suppress_validation_emails: bool,
    /// Solution checker rule codes to exempt from enforcement.
    #[serde(default)]
    pub rule_overrides: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BackupRetention {
    /// Days to keep backups: 7, 14, 21 or 28.
    #[schemars(extend("enum" = [7, 14, 21, 28]))]
    pub days: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Toggle {
    pub enabled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenerativeAi {
    /// Allow data to move across geographies for Copilot and generative AI features.
    pub cross_geo_data_movement: bool,
    /// Allow Bing search in Copilot features.
    pub bing_search: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdvancedConnectorPolicies {
    /// Enforce only advanced connector policies (DLP classification no longer applies).
    #[serde(default)]
    pub enforce_only: bool,
    /// The connectors makers may use; every other connector is denied.
    pub allowed_connectors: Vec<AllowedConnector>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AllowedConnector {
    /// Connector short name (`office365`), API name (`shared_office365`) or full id.
    #[schemars(length(min = 1))]
    pub connector: String,
    /// Allowed actions; leave out to allow all actions.
    pub actions: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContentSecurityPolicy {
    pub model_driven_apps: Option<CspSettings>,
    pub canvas_apps: Option<CspSettings>,
    pub code_apps: Option<CspSettings>,
    /// Where browsers send violation reports.
    #[schemars(url)]
    pub report_uri: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CspSettings {
    /// Enforce the policy (otherwise it is report-only).
    pub enforce: bool,
    /// Use the platform's strict default policy.
    #[serde(default)]
    pub strict: bool,
    /// Extra sources per directive, e.g. `img-src: ["https://cdn.contoso.com"]`.
    #[serde(default)]
    pub directives: BTreeMap<String, Vec<String>>,
}

// ---------------------------------------------------------------------------------------------
// DlpPolicy

/// A tenant-level data policy (DLP).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DlpPolicySpec {
    /// The policy's display name, used to find it when `metadata.id` is not set.
    #[schemars(length(min = 1, max = 256))]
    pub display_name: String,
    /// Which environments the policy applies to.
    pub scope: DlpScope,
    /// Connector classification.
    pub connectors: ConnectorClassification,
    /// Per-connector action rules.
    #[serde(default)]
    pub action_rules: Vec<ActionRules>,
    /// Per-connector endpoint rules, evaluated in order; each list ends with `*`.
    #[serde(default)]
    pub endpoint_rules: Vec<EndpointRules>,
    /// Custom connector URL patterns, evaluated in order; the list ends with `*`.
    #[serde(default)]
    pub custom_connector_patterns: Vec<UrlPattern>,
    /// Who must approve any change to the policy.
    #[serde(default)]
    pub owners: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ScopeMode {
    /// Every environment in the tenant.
    All,
    /// Every environment except those listed.
    AllExcept,
    /// Only the environments listed.
    Only,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DlpScope {
    pub mode: ScopeMode,
    /// Environments listed by document name, `id` or `displayName`.
    #[serde(default)]
    pub environments: Vec<EnvironmentRef>,
    /// Environment groups whose members are listed (expanded when planning).
    #[serde(default)]
    pub environment_groups: Vec<Name>,
}

/// A connector group.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum ConnectorGroup {
    Business,
    NonBusiness,
    Blocked,
}

/// Which group each connector is in. Connectors not listed, and new connectors, go to
/// `default`; the three lists are the exceptions.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConnectorClassification {
    /// The group for connectors not listed and for new connectors.
    pub default: ConnectorGroup,
    /// Connectors that may share data with each other (short name, API name or full id).
    #[serde(default)]
    pub business: Vec<String>,
    #[serde(default)]
    pub non_business: Vec<String>,
    #[serde(default)]
    pub blocked: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum AllowBlock {
    Allow,
    Block,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActionRules {
    /// Connector short name, API name or full id.
    #[schemars(length(min = 1))]
    pub connector: String,
    /// What happens to actions not listed, and to new actions.
    pub default_behavior: AllowBlock,
    #[serde(default)]
    pub actions: Vec<ActionRule>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActionRule {
    /// The action's operation id, e.g. `DeleteItem_V2`.
    #[schemars(length(min = 1))]
    pub action: String,
    pub behavior: AllowBlock,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum AllowDeny {
    Allow,
    Deny,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EndpointRules {
    /// Connector short name, API name or full id.
    #[schemars(length(min = 1))]
    pub connector: String,
    /// Evaluated in order; the last rule must be `*`.
    #[schemars(length(min = 1))]
    pub rules: Vec<EndpointRule>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EndpointRule {
    /// SQL Server `server,database`; SMTP `host,port`; Blob Storage the account name; HTTP a
    /// URL pattern; `*` for everything else.
    #[schemars(length(min = 1))]
    pub endpoint: String,
    pub behavior: AllowDeny,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum PatternGroup {
    Business,
    NonBusiness,
    Blocked,
    /// Leave matching custom connectors to the connector classification (only on `*`).
    Ignore,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UrlPattern {
    /// A host URL pattern such as `https://*.contoso.com`, or `*`.
    #[schemars(length(min = 1))]
    pub pattern: String,
    pub group: PatternGroup,
}

// ---------------------------------------------------------------------------------------------
// RoleAssignment

/// Roles ppgov can assign.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// Environment Admin (environments without Dataverse).
    EnvironmentAdmin,
    /// Environment Maker (environments without Dataverse).
    EnvironmentMaker,
    /// Power Platform RBAC: Owner.
    Owner,
    /// Power Platform RBAC: Contributor.
    Contributor,
    /// Power Platform RBAC: Reader.
    Reader,
    /// Power Platform RBAC: Role-based access control administrator.
    RbacAdministrator,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum PrincipalType {
    User,
    Group,
    /// A service principal: give the enterprise application's object id, not its client id.
    ServicePrincipal,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RoleAssignmentSpec {
    pub role: Role,
    /// Where the role applies. Give exactly one of `tenant`, `environmentGroup`, `environment`.
    pub scope: RoleScope,
    /// Who gets the role; each principal is one assignment.
    #[schemars(length(min = 1))]
    pub principals: Vec<Principal>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(extend("minProperties" = 1, "maxProperties" = 1))]
pub struct RoleScope {
    /// The whole tenant (`tenant: true`).
    #[schemars(extend("const" = true))]
    pub tenant: Option<bool>,
    /// An environment group (its `metadata.name`).
    pub environment_group: Option<Name>,
    /// One environment.
    pub environment: Option<EnvironmentRef>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Principal {
    #[serde(rename = "type")]
    pub principal_type: PrincipalType,
    /// The Entra ID object id.
    pub id: Guid,
    /// A name for people reading the file; not sent to the tenant.
    pub name: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Project

/// The project file (`ppgov.yaml`): which tenant, where connectors come from, and who owns
/// what.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProjectSpec {
    #[serde(default)]
    pub tenant: TenantConfig,
    #[serde(default)]
    pub connectors: ConnectorsConfig,
    /// Per kind: `shared` (live objects not declared here are only reported) or `exclusive`
    /// (they are planned for deletion). Default `shared`.
    #[serde(default)]
    pub ownership: Ownership,
    /// Who must approve changes that nobody more specific owns.
    #[serde(default)]
    pub approvals: ApprovalsConfig,
    /// The governance checks of `ppgov check` and `ppgov assess` (docs/checks.md): turn a
    /// check off, change its severity or threshold, suppress one finding until a date.
    #[serde(default)]
    pub checks: ChecksConfig,
    /// Environment lifecycle settings (expiry warnings).
    #[serde(default)]
    pub lifecycle: LifecycleConfig,
}

/// Settings for environments ppgov owns.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LifecycleConfig {
    /// How many days before an environment's `expires` date `plan`, `drift` and `assess`
    /// start warning (default 30).
    #[schemars(range(max = 3650))]
    pub expiry_warning_days: Option<u32>,
}

/// Configuration of the governance checks.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChecksConfig {
    /// Per check id (`PPG-C023`): settings that replace the check's defaults.
    #[serde(default)]
    pub rules: BTreeMap<String, CheckRuleConfig>,
    /// Findings accepted for a while: each names one check and one object.
    #[serde(default)]
    pub suppressions: Vec<CheckSuppression>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CheckRuleConfig {
    /// `false` turns the check off.
    pub enabled: Option<bool>,
    /// Replaces the check's default severity.
    pub severity: Option<CheckSeverity>,
    /// For checks that count (`PPG-C023` tenant admins, `PPG-C207` users an app is shared
    /// with): the most that is still fine.
    pub threshold: Option<u32>,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum CheckSeverity {
    Info,
    Warning,
    Error,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CheckSuppression {
    /// The check id, e.g. `PPG-C022`.
    pub check: String,
    /// The object the finding is about, as findings name it: a repository address
    /// (`RoleAssignment.break-glass`), a tenant address (`Environment[<id>]`) or a live id.
    pub object: String,
    /// Why the finding is accepted (for reviewers and the report).
    #[schemars(length(min = 1))]
    pub reason: String,
    /// The last day the suppression holds (`YYYY-MM-DD`); after it, the finding is back and
    /// the stale suppression is itself reported (`PPG-C900`).
    pub expires: String,
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApprovalsConfig {
    /// Approvers every change needs (for example the platform team).
    #[serde(default)]
    pub default: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TenantConfig {
    /// The Entra tenant id.
    pub id: Option<Guid>,
    /// Which cloud the tenant lives in.
    #[serde(default)]
    pub cloud: Cloud,
    /// The application (client) id ppgov signs in as, with a secret or a federated token
    /// from the environment. Secrets never go in this file.
    pub client_id: Option<Guid>,
    /// One base URL for every API host, instead of the cloud's (a proxy or an emulator).
    /// `PPGOV_BASE_URL` and `--base-url` override it.
    #[schemars(url)]
    pub base_url: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Cloud {
    #[default]
    Public,
    Gcc,
    GccHigh,
    Dod,
    China,
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConnectorsConfig {
    /// `bundled`: ppgov's offline catalog; `tenant`: the tenant's live catalog when planning
    /// (validation still uses the bundled one).
    #[serde(default)]
    pub catalog: CatalogSource,
    /// Connectors the catalog does not know, such as custom connectors.
    #[serde(default)]
    pub additional: Vec<AdditionalConnector>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum CatalogSource {
    #[default]
    Bundled,
    Tenant,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdditionalConnector {
    /// The connector's full id (`/providers/Microsoft.PowerApps/apis/...`).
    #[schemars(regex(pattern = "^/providers/Microsoft\\.PowerApps/apis/[A-Za-z0-9_.-]+$"))]
    pub id: String,
    #[schemars(length(min = 1))]
    pub display_name: String,
    #[serde(default)]
    pub unblockable: bool,
}

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum OwnershipMode {
    /// Live objects not declared here are reported, never changed.
    #[default]
    Shared,
    /// Live objects not declared here are planned for deletion.
    Exclusive,
}

/// Ownership per kind. Environments are adopted, never created or deleted, and tenant
/// settings are always partial, so neither has an ownership mode.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ownership {
    #[serde(default, rename = "EnvironmentGroup")]
    pub environment_group: OwnershipMode,
    #[serde(default, rename = "DlpPolicy")]
    pub dlp_policy: OwnershipMode,
    #[serde(default, rename = "RoleAssignment")]
    pub role_assignment: OwnershipMode,
    /// `exclusive`: without a `TenantIsolationPolicy` document, a live policy is removed
    /// (turned off with an empty allow-list: the platform has no delete).
    #[serde(default, rename = "TenantIsolationPolicy")]
    pub tenant_isolation_policy: OwnershipMode,
}

// ---------------------------------------------------------------------------------------------
// ConnectorRating

/// The connector criticality scale and how each connector is placed on it. A repository-only
/// kind: it governs the repository (where DLP policies may classify each connector, who must
/// approve), so it is never planned against the tenant nor written by `ppgov import`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConnectorRatingSpec {
    /// `firstMatch`: the first criterion that matches decides; `highest`: the highest level
    /// among every criterion that matches.
    pub mode: RatingMode,
    /// The scale, lowest level first.
    #[schemars(length(min = 1))]
    pub levels: Vec<RatingLevel>,
    /// Rules over connector metadata that assign a level, in order.
    #[serde(default)]
    pub criteria: Vec<RatingCriterion>,
    /// Per-connector decisions that replace the criteria, with their review record.
    #[serde(default)]
    pub overrides: Vec<RatingOverride>,
    /// When the mapping was last reviewed as a whole, `YYYY-MM-DD`: connectors created or
    /// changed since (and since their override's review) are reported by `ppgov connectors`.
    pub reviewed: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum RatingMode {
    FirstMatch,
    Highest,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RatingLevel {
    pub name: Name,
    #[schemars(length(min = 1))]
    pub description: String,
    /// Who must approve a change to the classification of a connector at this level.
    #[serde(default)]
    pub approvers: Vec<String>,
    /// Where connectors at this level may be classified.
    #[serde(default)]
    pub constraints: Vec<LevelConstraint>,
}

/// Which DLP policies a constraint applies to.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum PolicyReach {
    /// Every policy.
    AnyPolicy,
    /// Policies with `scope.mode: all`.
    TenantWide,
    /// Policies that apply to the default environment, as far as the repository tells:
    /// `all`, `allExcept` not excluding it, or `only` listing it (an `Environment` of type
    /// `Default`, directly or through a group).
    DefaultEnvironment,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LevelConstraint {
    /// The policies the constraint applies to.
    pub policies: PolicyReach,
    /// The only groups allowed there.
    #[serde(default)]
    pub only: Vec<ConnectorGroup>,
    /// Groups never allowed there.
    #[serde(default)]
    pub never: Vec<ConnectorGroup>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RatingCriterion {
    /// Shown in explanations.
    pub name: Name,
    /// The level assigned when the criterion matches.
    pub level: Name,
    /// Every condition given must hold; no condition matches every connector.
    #[serde(default)]
    pub when: RatingCondition,
}

/// Conditions over connector metadata. A list matches when the connector's value is in it;
/// a fact nobody knows matches only `unknown`.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RatingCondition {
    /// Any of the connector's authentication types.
    pub auth_types: Option<Vec<AuthTypeMatch>>,
    pub tier: Option<Vec<TierMatch>>,
    pub publisher: Option<Vec<PublisherMatch>>,
    /// A custom connector (the project's additional connectors, or custom connectors found live).
    pub custom: Option<bool>,
    /// Any of the connector's capabilities (`gateway` reaches on-premises data).
    pub capabilities: Option<Vec<CapabilityMatch>>,
    pub release_tag: Option<Vec<ReleaseTagMatch>>,
    /// Any of these connectors (short name, API name or full id).
    pub connectors: Option<Vec<String>>,
}

macro_rules! match_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "camelCase")]
        pub enum $name { $($variant,)* }
    };
}

match_enum!(
    /// `entraId`: OAuth through Microsoft Entra ID (first party); `oauth`: another identity
    /// provider; `servicePrincipal`, `certificate`, `apiKey`, `basic`, `windows` (on-premises
    /// gateway), `anonymous`.
    AuthTypeMatch { EntraId, Oauth, ServicePrincipal, Certificate, ApiKey, Basic, Windows, Anonymous, Unknown }
);
match_enum!(TierMatch {
    Standard,
    Premium,
    BuiltIn,
    Unknown
});
match_enum!(
    /// `verified`: a third-party publisher Microsoft verified; `independent`: an
    /// independent publisher.
    PublisherMatch { Microsoft, Verified, Independent, Unknown }
);
match_enum!(CapabilityMatch {
    Gateway,
    Cloud,
    Tabular,
    Blob,
    Actions,
    Triggers,
    Unknown
});
match_enum!(ReleaseTagMatch {
    Production,
    Preview,
    Unknown
});

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RatingOverride {
    /// Short name, API name or full id.
    #[schemars(length(min = 1))]
    pub connector: String,
    pub level: Name,
    #[schemars(length(min = 1))]
    pub reason: String,
    #[schemars(length(min = 1))]
    pub reviewer: String,
    /// When the decision was reviewed, `YYYY-MM-DD`.
    #[schemars(length(min = 1))]
    pub reviewed: String,
    /// When it must be reviewed again, `YYYY-MM-DD`.
    #[schemars(length(min = 1))]
    pub next_review: String,
    /// Approvers beyond the level's (the owner of the service behind the connector).
    #[serde(default)]
    pub approvers: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// AppCriticality

/// The app criticality scale: criteria over inventory facts that place each app on it, the
/// control process per level, and the record of app reviews. A repository-only kind: it
/// governs how apps are reviewed (`ppgov apps`), so it is never planned against the tenant
/// nor written by `ppgov import`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppCriticalitySpec {
    /// `firstMatch`: the first criterion that matches decides; `highest`: the highest level
    /// among every criterion that matches.
    pub mode: RatingMode,
    /// The scale, lowest level first.
    #[schemars(length(min = 1))]
    pub levels: Vec<CriticalityLevel>,
    /// Rules over inventory facts that assign a level, in order. An app no criterion
    /// matches is at the lowest level.
    #[serde(default)]
    pub criteria: Vec<CriticalityCriterion>,
    /// Explicit tags on apps, for criteria on `tags`.
    #[serde(default)]
    pub tags: Vec<AppTags>,
    /// The reviews done, each at the level the app had then.
    #[serde(default)]
    pub reviews: Vec<AppReview>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CriticalityLevel {
    pub name: Name,
    #[schemars(length(min = 1))]
    pub description: String,
    /// How apps at this level are controlled.
    pub process: ControlProcess,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ControlProcess {
    pub control: ControlKind,
    /// `periodicReview` only (and required there): days between reviews.
    #[schemars(range(min = 1))]
    pub review_every_days: Option<u32>,
}

/// `automated`: checks only, no person reviews; `reviewBeforeGoLive`: reviewed once before
/// it is shared widely; `periodicReview`: reviewed before go-live and every
/// `reviewEveryDays`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum ControlKind {
    Automated,
    ReviewBeforeGoLive,
    PeriodicReview,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CriticalityCriterion {
    /// Shown in explanations.
    pub name: Name,
    /// The level assigned when the criterion matches.
    pub level: Name,
    /// Every condition given must hold; no condition matches every app.
    #[serde(default)]
    pub when: CriticalityCondition,
}

/// Conditions over what the inventory tells of an app. A fact nobody knows (an unknown
/// shared users count, a connector the catalog lacks) never matches.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CriticalityCondition {
    /// Shared with at least this many users.
    pub shared_users_at_least: Option<u64>,
    /// Uses a premium connector (or not).
    pub premium: Option<bool>,
    /// Uses a custom connector (or not).
    pub custom: Option<bool>,
    /// Uses an on-premises data gateway (or not).
    pub on_premises_gateway: Option<bool>,
    /// Uses a connector the `ConnectorRating` rates at this level or above.
    pub connector_rating_at_least: Option<Name>,
    /// Lives in one of these environments: a repository `Environment` name, a live
    /// environment id or display name.
    pub environments: Option<Vec<String>>,
    /// Lives in an environment of one of these repository `EnvironmentGroup`s.
    pub environment_groups: Option<Vec<Name>>,
    /// Carries one of these tags (`spec.tags`).
    pub tags: Option<Vec<String>>,
}

/// An app: by id, or by display name within an environment (as `environments` names one).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppRefDoc {
    /// The app GUID.
    pub id: Option<String>,
    /// The app's display name.
    pub name: Option<String>,
    /// With `name`: a repository `Environment` name, a live environment id or display name.
    pub environment: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppTags {
    pub app: AppRefDoc,
    #[schemars(length(min = 1))]
    pub tags: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppReview {
    pub app: AppRefDoc,
    /// When it was reviewed, `YYYY-MM-DD`.
    #[schemars(length(min = 1))]
    pub date: String,
    #[schemars(length(min = 1))]
    pub reviewer: String,
    pub outcome: ReviewOutcome,
    /// The criticality level the app was reviewed at.
    pub level: Name,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum ReviewOutcome {
    Approved,
    ChangesRequested,
    Rejected,
}
