//! A deterministic synthetic tenant: the same request gives a byte-identical snapshot.
//!
//! Realistic names (departments and stages), about half the environments managed, most with
//! Dataverse, groups with members and rule sets, one rule-based policy assigned to the first
//! group, DLP policies with connector groups, action and endpoint rules and URL patterns, RBAC
//! assignments at every scope, and admin/maker roles on the environments without Dataverse.
//! Every DLP policy passes the same validation the routes apply. Inventory (apps, flows,
//! custom connectors, connections) only when asked, with connectors drawn from the first
//! DLP policy's groups so that real violations exist.

use crate::catalog::Catalog;
use crate::http::iso_from_unix;
use crate::routes::dlp::normalize;
use crate::routes::roles::{bap_assignment, role_definition_list};
use crate::state::{Tenant, assignment_key};
use ppgov_tenant_api::Identity;
use ppgov_tenant_api::dlp::{
    ActionRule, ConnectorActionConfiguration, ConnectorConfigurations, ConnectorGroup,
    EndpointConfiguration, EndpointRule, PolicyDefinition, PolicyDocument, ResourceRef,
    UrlPatternRule, UrlPatterns, classification, environment_type,
};
use ppgov_tenant_api::environments::{
    Environment, EnvironmentProperties, GovernanceConfiguration, GovernanceSettings, GroupRef,
    PROTECTION_BASIC, PROTECTION_MANAGED, State, States,
};
use ppgov_tenant_api::groups::EnvironmentGroup;
use ppgov_tenant_api::roles::{BapPrincipal, RbacRoleAssignment, bap_roles, scopes};
use ppgov_tenant_api::rules::{
    EnvironmentFilter, FilterValue, PolicyRuleSet, RuleAssignment, RuleBasedPolicy, RuleParameter,
    RuleSet, RuleValue,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// `POST /_emulator/seed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SeedRequest {
    pub environments: usize,
    pub groups: usize,
    pub dlp_policies: usize,
    /// Power Platform RBAC role assignments.
    pub role_assignments: usize,
    pub seed: u64,
    /// Default: derived from the seed.
    pub tenant_id: Option<String>,
    /// Canvas apps, spread over the environments (see [`inventory`]).
    pub apps: usize,
    /// Cloud flows, spread over the environments.
    pub flows: usize,
}

impl Default for SeedRequest {
    fn default() -> Self {
        SeedRequest {
            environments: 10,
            groups: 3,
            dlp_policies: 3,
            role_assignments: 5,
            seed: 1,
            tenant_id: None,
            apps: 0,
            flows: 0,
        }
    }
}

const DEPARTMENTS: &[&str] = &[
    "Finance",
    "HR",
    "Sales",
    "Marketing",
    "Operations",
    "IT",
    "Legal",
    "Procurement",
    "Supply Chain",
    "Customer Service",
    "Research",
    "Facilities",
];
const STAGES: &[(&str, &str)] = &[
    ("Prod", "Production"),
    ("Test", "Sandbox"),
    ("UAT", "Sandbox"),
    ("Dev", "Developer"),
    ("Sandbox", "Sandbox"),
    ("Trial", "Trial"),
];
const REGIONS: &[(&str, &str, &str)] = &[
    ("europe", "westeurope", "crm4"),
    ("europe", "northeurope", "crm4"),
    ("unitedstates", "eastus", "crm"),
    ("unitedstates", "westus", "crm"),
    ("unitedkingdom", "uksouth", "crm11"),
];
const GROUP_NAMES: &[(&str, &str)] = &[
    (
        "Corporate IT",
        "Shared platform environments run by central IT",
    ),
    (
        "Finance",
        "Managed environments of the finance business unit",
    ),
    (
        "Sales & Marketing",
        "Customer-facing apps and campaign automation",
    ),
    ("Human Resources", "People processes and onboarding"),
    ("Operations", "Stores, logistics and supply chain"),
    (
        "Legal & Compliance",
        "Contract management and regulatory reporting",
    ),
    ("Research", "Innovation lab and prototypes"),
    ("Customer Service", "Contact centre and case management"),
];
const PEOPLE: &[&str] = &[
    "Adele Vance",
    "Alex Wilber",
    "Diego Siciliani",
    "Grady Archie",
    "Isaiah Langer",
    "Johanna Lorenz",
    "Lee Gu",
    "Lidia Holloway",
    "Megan Bowen",
    "Miriam Graham",
    "Nestor Wilke",
    "Patti Fernandez",
    "Pradeep Gupta",
];
/// 2026-01-05T09:00:00Z: timestamps are this plus up to 300 days.
const BASE_TIME: i64 = 1_767_603_600;

struct Gen {
    rng: fastrand::Rng,
}

impl Gen {
    fn guid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        for b in &mut bytes {
            *b = self.rng.u8(..);
        }
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    fn time(&mut self) -> String {
        iso_from_unix(
            BASE_TIME + self.rng.i64(0..300 * 86_400),
            self.rng.u32(0..10_000_000),
        )
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }
}

/// Generates the tenant.
pub fn generate(req: &SeedRequest) -> Tenant {
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(req.seed),
    };
    let tenant_id = req.tenant_id.clone().unwrap_or_else(|| g.guid());
    let mut t = Tenant::new(tenant_id.clone());
    t.tenant_settings.insert(
        "disableTrialEnvironmentCreationByNonAdminUsers".to_owned(),
        Value::Bool(true),
    );

    let env_names = environments(&mut g, &mut t, req.environments);
    let group_ids = groups(&mut g, &mut t, req.groups, &env_names);
    rule_based_policy(&mut g, &mut t, &group_ids);
    dlp_policies(&mut g, &mut t, req.dlp_policies, &env_names);
    rbac(&mut g, &mut t, req.role_assignments, &env_names, &group_ids);
    bap_roles_for(&mut g, &mut t, &env_names);
    // Last, and from its own generator: a tenant seeded without inventory is the same as
    // before inventory existed.
    inventory(&mut t, req, &env_names);
    crate::seed_advisor::advisor(&mut t);
    t
}

fn environments(g: &mut Gen, t: &mut Tenant, n: usize) -> Vec<String> {
    let mut names = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for i in 0..n {
        let name = g.guid();
        let (location, region, crm) = *g.pick(REGIONS);
        let default = i == 0;
        let (display, sku) = if default {
            ("Contoso (default)".to_owned(), "Default")
        } else {
            let dept = *g.pick(DEPARTMENTS);
            let (stage, sku) = *g.pick(STAGES);
            let mut display = format!("{dept} {stage}");
            let mut k = 2;
            while used.contains(&display) {
                display = format!("{dept} {stage} {k}");
                k += 1;
            }
            (display, sku)
        };
        used.insert(display.clone());
        let managed = !default && sku != "Trial" && g.chance(0.55);
        let dataverse = !default && g.chance(0.6);
        let created = g.time();
        let creator = *g.pick(PEOPLE);
        let mut other = serde_json::Map::new();
        other.insert("tenantId".into(), json!(t.tenant_id));
        other.insert("createdTime".into(), json!(created));
        other.insert("lastModifiedTime".into(), json!(created));
        other.insert(
            "createdBy".into(),
            json!({ "id": g.guid(), "displayName": creator, "type": "User" }),
        );
        other.insert("provisioningState".into(), json!("Succeeded"));
        other.insert(
            "creationType".into(),
            json!(if default { "DefaultTenant" } else { "User" }),
        );
        other.insert(
            "databaseType".into(),
            json!(if dataverse {
                "CommonDataService"
            } else {
                "None"
            }),
        );
        other.insert("updateCadence".into(), json!({ "id": "Frequent" }));
        let slug: String = display
            .to_ascii_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let linked = dataverse.then(|| {
            json!({
                "resourceId": g.guid(),
                "friendlyName": display,
                "uniqueName": format!("unq{}", &name.replace('-', "")[..24]),
                "domainName": format!("contoso-{slug}"),
                "version": "9.2.26092.00100",
                "instanceUrl": format!("https://contoso-{slug}.{crm}.dynamics.com/"),
                "instanceApiUrl": format!("https://contoso-{slug}.api.{crm}.dynamics.com"),
                "baseLanguage": 1033,
                "instanceState": "Ready",
                "backgroundOperationsState": "Enabled"
            })
        });
        let env = Environment {
            id: format!(
                "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{name}"
            ),
            name: name.clone(),
            location: location.to_owned(),
            kind: "Microsoft.BusinessAppPlatform/scopes/environments".to_owned(),
            properties: EnvironmentProperties {
                display_name: display,
                description: Some(String::new()),
                azure_region: Some(region.to_owned()),
                environment_sku: sku.to_owned(),
                is_default: default,
                parent_environment_group: None,
                governance_configuration: Some(governance(g, managed)),
                linked_environment_metadata: linked,
                states: Some(States {
                    management: Some(State {
                        id: "Ready".to_owned(),
                    }),
                    runtime: Some(json!({ "id": "Enabled" })),
                }),
                other: other.into_iter().collect(),
            },
        };
        t.environments.insert(name.clone(), env);
        names.push(name);
    }
    names
}

fn governance(g: &mut Gen, managed: bool) -> GovernanceConfiguration {
    if !managed {
        return GovernanceConfiguration {
            protection_level: PROTECTION_BASIC.to_owned(),
            settings: None,
        };
    }
    let limit = *g.pick(&["5", "10", "20", "50"]);
    let mode = *g.pick(&["none", "warn", "block"]);
    let settings = [
        ("excludeEnvironmentFromAnalysis", "false"),
        ("isGroupSharingDisabled", "true"),
        ("maxLimitUserSharing", limit),
        ("limitSharingMode", "excludeSharingToSecurityGroups"),
        ("solutionCheckerMode", mode),
        ("suppressValidationEmails", "true"),
        ("solutionCheckerRuleOverrides", ""),
        ("disableAiGeneratedDescriptions", "false"),
        ("includeOnHomepageInsights", "false"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), json!(v)))
    .collect();
    GovernanceConfiguration {
        protection_level: PROTECTION_MANAGED.to_owned(),
        settings: Some(GovernanceSettings {
            extended_settings: settings,
        }),
    }
}

fn groups(g: &mut Gen, t: &mut Tenant, n: usize, envs: &[String]) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id = g.guid();
        let (name, description) = GROUP_NAMES[i % GROUP_NAMES.len()];
        let name = if i < GROUP_NAMES.len() {
            name.to_owned()
        } else {
            format!("{name} {}", i / GROUP_NAMES.len() + 1)
        };
        let created = g.time();
        let by = json!({ "id": g.guid(), "displayName": *g.pick(PEOPLE), "type": "User" });
        t.environment_groups.insert(
            id.clone(),
            EnvironmentGroup {
                id: Some(id.clone()),
                display_name: name,
                description: description.to_owned(),
                parent_group_id: None,
                children_group_ids: None,
                created_time: Some(created.clone()),
                created_by: Some(by.clone()),
                last_modified_time: Some(created),
                last_modified_by: Some(by),
                other: Default::default(),
            },
        );
        ids.push(id);
    }
    if ids.is_empty() {
        return ids;
    }
    // Managed environments join groups round-robin; about one in five stays ungrouped.
    let mut next = 0;
    for env in envs {
        let e = t.environments.get_mut(env).expect("generated");
        if !e.is_managed() || (next >= ids.len() && g.chance(0.2)) {
            continue;
        }
        e.properties.parent_environment_group = Some(GroupRef {
            id: ids[next % ids.len()].clone(),
        });
        next += 1;
    }
    for (i, id) in ids.iter().enumerate() {
        if i % 3 == 2 {
            continue;
        }
        let rs = rule_set(g, id);
        t.rule_sets.insert(rs.id.clone().expect("set"), rs);
    }
    ids
}

fn rule_set(g: &mut Gen, group: &str) -> RuleSet {
    let values = |pairs: &[(&str, &str)]| -> Vec<RuleValue> {
        pairs
            .iter()
            .map(|(id, value)| RuleValue {
                id: (*id).to_owned(),
                value: (*value).to_owned(),
            })
            .collect()
    };
    let limit = g.rng.u32(1..50).to_string();
    let retention = format!("{}.00:00:00", g.pick(&[7, 14, 21, 28]));
    let checker = *g.pick(&["none", "warn", "block"]);
    RuleSet {
        id: Some(g.guid()),
        last_modified: Some(g.time()),
        environment_filter: Some(EnvironmentFilter {
            kind: "Include".to_owned(),
            values: vec![FilterValue {
                id: group.to_owned(),
                kind: "EnvironmentGroup".to_owned(),
                name: None,
            }],
        }),
        parameters: vec![
            RuleParameter {
                kind: "Sharing".to_owned(),
                resource_type: "App".to_owned(),
                value: values(&[
                    (
                        "CanShareWithSecurityGroups",
                        "excludeSharingToSecurityGroups",
                    ),
                    ("IsGroupSharingDisabled", "true"),
                    ("MaximumShareLimit", &limit),
                ]),
                has_staged_changes: None,
            },
            RuleParameter {
                kind: "AdminDigest".to_owned(),
                resource_type: "NotSpecified".to_owned(),
                value: values(&[
                    ("IncludeOnHomePageInsights", "false"),
                    ("ExcludeEnvironmentFromAnalysis", "false"),
                ]),
                has_staged_changes: None,
            },
            RuleParameter {
                kind: "SolutionChecker".to_owned(),
                resource_type: "NotSpecified".to_owned(),
                value: values(&[
                    ("solutionCheckerMode", checker),
                    ("suppressValidationEmails", "true"),
                    ("solutionCheckerRuleOverrides", ""),
                ]),
                has_staged_changes: None,
            },
            RuleParameter {
                kind: "Lifecycle".to_owned(),
                resource_type: "NotSpecified".to_owned(),
                value: values(&[("RetentionPeriod", &retention)]),
                has_staged_changes: None,
            },
        ],
    }
}

fn rule_based_policy(g: &mut Gen, t: &mut Tenant, groups: &[String]) {
    let Some(group) = groups.first() else { return };
    let id = g.guid();
    let policy = RuleBasedPolicy {
        id: Some(id.clone()),
        tenant_id: Some(t.tenant_id.clone()),
        name: "Advanced connector policy".to_owned(),
        last_modified: Some(g.time()),
        rule_set_count: Some(1),
        rule_sets: vec![PolicyRuleSet {
            id: "ConnectorManagement".to_owned(),
            version: "1.0".to_owned(),
            inputs: [(
                "AllowedConnectorList".to_owned(),
                json!([
                    { "AllowedConnector": "/providers/Microsoft.PowerApps/apis/shared_office365", "AllowedActionsMode": "AllAllowed", "AllowedConnectionTypesMode": "AllAllowed" },
                    { "AllowedConnector": "/providers/Microsoft.PowerApps/apis/shared_sharepointonline", "AllowedActionsMode": "AllAllowed", "AllowedConnectionTypesMode": "AllAllowed" },
                    { "AllowedConnector": "/providers/Microsoft.PowerApps/apis/shared_teams", "AllowedActionsMode": "SomeAllowed", "AllowedActions": ["PostMessageToConversation"], "AllowedConnectionTypesMode": "AllAllowed" }
                ]),
            )]
            .into_iter()
            .collect(),
        }],
    };
    t.rule_based_policies.insert(id.clone(), policy);
    t.rule_assignments.insert(
        assignment_key("EnvironmentGroup", group),
        RuleAssignment {
            policy_id: id,
            tenant_id: Some(t.tenant_id.clone()),
            resource_id: Some(group.clone()),
            resource_type: "EnvironmentGroup".to_owned(),
            rule_set_count: Some(1),
        },
    );
}

fn dlp_policies(g: &mut Gen, t: &mut Tenant, n: usize, envs: &[String]) {
    let entries: Vec<_> = Catalog::new(crate::state::catalog_entries(t))
        .entries()
        .iter()
        .filter(|e| !e.is_virtual)
        .cloned()
        .collect();
    for i in 0..n {
        let mut pool: Vec<_> = entries.clone();
        g.rng.shuffle(&mut pool);
        let mut take = |count: usize, blockable_only: bool| -> Vec<ResourceRef> {
            let mut out = Vec::new();
            while out.len() < count
                && let Some(pos) = pool.iter().position(|e| !blockable_only || !e.unblockable)
            {
                let e = pool.remove(pos);
                out.push(ResourceRef {
                    id: e.id.clone(),
                    name: e.display_name.clone(),
                    kind: ppgov_tenant_api::dlp::CONNECTOR_TYPE.to_owned(),
                });
            }
            out
        };
        let business = take(6 + g.rng.usize(0..6), false);
        let non_business = take(3 + g.rng.usize(0..4), false);
        let blocked = take(3 + g.rng.usize(0..5), true);
        let (kind, environments, display) = if i == 0 {
            (
                environment_type::ALL,
                Vec::new(),
                "Tenant baseline".to_owned(),
            )
        } else {
            let k = if g.chance(0.5) || envs.is_empty() {
                environment_type::EXCEPT
            } else {
                environment_type::ONLY
            };
            let mut chosen: Vec<ResourceRef> = Vec::new();
            for _ in 0..g.rng.usize(1..=3.min(envs.len().max(1))) {
                if envs.is_empty() {
                    break;
                }
                let e = g.pick(envs).clone();
                if !chosen.iter().any(|c| c.name == e) {
                    chosen.push(ResourceRef::environment(&e));
                }
            }
            let dept = *g.pick(DEPARTMENTS);
            (k, chosen, format!("{dept} guardrails {i}"))
        };
        let default = if g.chance(0.5) {
            classification::NON_BUSINESS
        } else {
            classification::BLOCKED
        };
        let action_target = business.first().map(|c| c.id.clone());
        let mut doc = PolicyDocument {
            policy_definition: PolicyDefinition {
                name: None,
                display_name: display,
                default_connectors_classification: default.to_owned(),
                connector_groups: Some(vec![
                    ConnectorGroup {
                        classification: classification::BUSINESS.to_owned(),
                        connectors: business,
                    },
                    ConnectorGroup {
                        classification: classification::NON_BUSINESS.to_owned(),
                        connectors: non_business,
                    },
                    ConnectorGroup {
                        classification: classification::BLOCKED.to_owned(),
                        connectors: blocked,
                    },
                ]),
                environment_type: kind.to_owned(),
                environments,
                ..PolicyDefinition::default()
            },
            connector_configurations_definition: None,
            custom_connector_url_patterns_definition: None,
        };
        if i % 2 == 1 {
            doc.connector_configurations_definition = Some(ConnectorConfigurations {
                connector_action_configurations: action_target
                    .map(|id| ConnectorActionConfiguration {
                        connector_id: id,
                        action_rules: vec![ActionRule {
                            action_id: "DeleteItem_V2".to_owned(),
                            behavior: "Block".to_owned(),
                        }],
                        default_connector_action_rule_behavior: "Allow".to_owned(),
                    })
                    .into_iter()
                    .collect(),
                endpoint_configurations: vec![EndpointConfiguration {
                    connector_id: "/providers/Microsoft.PowerApps/apis/shared_sql".to_owned(),
                    endpoint_rules: vec![
                        EndpointRule {
                            order: 1,
                            behavior: "Allow".to_owned(),
                            endpoint: "contoso.database.windows.net,sales".to_owned(),
                        },
                        EndpointRule {
                            order: 2,
                            behavior: "Deny".to_owned(),
                            endpoint: "*".to_owned(),
                        },
                    ],
                }],
            });
            doc.custom_connector_url_patterns_definition = Some(UrlPatterns {
                rules: vec![
                    UrlPatternRule {
                        order: 1,
                        custom_connector_rule_classification: classification::BUSINESS.to_owned(),
                        pattern: "https://*.contoso.com".to_owned(),
                    },
                    UrlPatternRule {
                        order: 2,
                        custom_connector_rule_classification: classification::IGNORE.to_owned(),
                        pattern: "*".to_owned(),
                    },
                ],
            });
        }
        let mut doc = normalize(t, doc, true).expect("generated DLP policies are valid");
        let name = g.guid();
        let created = g.time();
        let author = Identity {
            id: None,
            display_name: Some((*g.pick(PEOPLE)).to_owned()),
            kind: None,
        };
        let def = &mut doc.policy_definition;
        def.name = Some(name.clone());
        def.created_by = Some(author.clone());
        def.created_time = Some(created.clone());
        def.last_modified_by = Some(author);
        def.last_modified_time = Some(created);
        def.etag = Some(g.guid());
        def.is_legacy_schema_version = Some(false);
        t.dlp_policies.insert(name, doc);
    }
}

fn rbac(g: &mut Gen, t: &mut Tenant, n: usize, envs: &[String], groups: &[String]) {
    let roles = role_definition_list();
    for _ in 0..n {
        let scope = match g.rng.u8(0..3) {
            // Recorded tenants hold both spellings of nested scopes: with and without the
            // `/tenants/{t}` prefix (chosen by the id, so the random stream is unchanged).
            1 if !groups.is_empty() => {
                let group = g.pick(groups).clone();
                if short_form(&group) {
                    scopes::short_environment_group(&group)
                } else {
                    scopes::environment_group(&t.tenant_id, &group)
                }
            }
            2 if !envs.is_empty() => {
                let env = g.pick(envs).clone();
                if short_form(&env) {
                    scopes::short_environment(&env)
                } else {
                    scopes::environment(&t.tenant_id, &env)
                }
            }
            _ => scopes::tenant(&t.tenant_id),
        };
        let id = g.guid();
        let a = RbacRoleAssignment {
            role_assignment_id: id.clone(),
            principal_object_id: g.guid(),
            role_definition_id: g.pick(&roles).role_definition_id.clone(),
            scope,
            principal_type: (*g.pick(&["User", "Group", "ApplicationUser"])).to_owned(),
            created_by_principal_type: Some("User".to_owned()),
            created_by_principal_object_id: Some(g.guid()),
            created_on: Some(g.time()),
        };
        t.rbac_role_assignments.insert(id, a);
    }
}

fn short_form(id: &str) -> bool {
    id.bytes().last().is_some_and(|b| b % 2 == 0)
}

fn bap_roles_for(g: &mut Gen, t: &mut Tenant, envs: &[String]) {
    for env in envs {
        if t.environments[env].has_dataverse() {
            continue;
        }
        let mut assignments = std::collections::BTreeMap::new();
        for role in [bap_roles::ENVIRONMENT_ADMIN, bap_roles::ENVIRONMENT_MAKER] {
            if role == bap_roles::ENVIRONMENT_MAKER && !g.chance(0.7) {
                continue;
            }
            let person = *g.pick(PEOPLE);
            let email = format!(
                "{}@contoso.onmicrosoft.com",
                person.to_ascii_lowercase().replace(' ', ".")
            );
            let name = g.guid();
            let principal = BapPrincipal {
                id: g.guid(),
                display_name: Some(person.to_owned()),
                email: Some(email),
                kind: "User".to_owned(),
                tenant_id: Some(t.tenant_id.clone()),
            };
            assignments.insert(name.clone(), bap_assignment(env, &name, role, principal));
        }
        t.bap_role_assignments.insert(env.clone(), assignments);
    }
}

/// How a seeded app or flow uses connectors, against the first (tenant-wide) DLP policy.
#[derive(Clone, Copy)]
enum Profile {
    /// Business connectors only.
    Compliant,
    /// Business and Non-business together: a violation.
    Mixed,
    /// A Blocked connector: a violation.
    Blocked,
    /// A custom connector of its environment beside a Business one.
    Custom,
}

/// Connectors the seeded items draw from: the first policy's groups, else well-known ones.
struct Pools {
    business: Vec<String>,
    non_business: Vec<String>,
    blocked: Vec<String>,
}

impl Pools {
    fn of(t: &Tenant) -> Pools {
        let group = |class: &str| -> Vec<String> {
            t.dlp_policies
                .values()
                .find(|d| d.policy_definition.environment_type == environment_type::ALL)
                .or_else(|| t.dlp_policies.values().next())
                .and_then(|d| d.policy_definition.connector_groups.as_ref())
                .into_iter()
                .flatten()
                .filter(|g| g.classification == class)
                .flat_map(|g| g.connectors.iter().map(|c| c.id.clone()))
                .collect()
        };
        let or = |list: Vec<String>, fallback: &[&str]| {
            if list.is_empty() {
                fallback
                    .iter()
                    .map(|c| format!("/providers/Microsoft.PowerApps/apis/{c}"))
                    .collect()
            } else {
                list
            }
        };
        Pools {
            business: or(
                group(classification::BUSINESS),
                &["shared_sharepointonline", "shared_office365", "shared_sql"],
            ),
            non_business: or(
                group(classification::NON_BUSINESS),
                &["shared_twitter", "shared_rss"],
            ),
            blocked: or(group(classification::BLOCKED), &["shared_dropbox"]),
        }
    }
}

const APP_NAMES: &[&str] = &[
    "Expense Tracker",
    "Leave Requests",
    "Site Inspection",
    "Asset Checkout",
    "Visitor Sign-in",
    "Purchase Approvals",
    "Field Service",
    "Onboarding Hub",
    "Contract Register",
    "Incident Reporter",
];
const FLOW_NAMES: &[&str] = &[
    "Sync invoices to SQL",
    "Notify on new lead",
    "Archive attachments",
    "Weekly status digest",
    "Approve purchase order",
    "Post campaign results",
    "Escalate overdue cases",
    "Copy files to archive",
    "Welcome new starter",
    "Daily backup report",
];
const CUSTOM_CONNECTORS: &[(&str, &str)] = &[
    ("Contoso Orders API", "orders.contoso.com"),
    ("Fabrikam Stock", "api.fabrikam.net"),
    ("Contoso HR Directory", "hr.contoso.com"),
];

/// The apps, flows, custom connectors and connections `req` asks for, spread over `envs`.
pub fn inventory(t: &mut Tenant, req: &SeedRequest, envs: &[String]) {
    if envs.is_empty() || req.apps + req.flows == 0 {
        return;
    }
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(req.seed ^ 0x1a7e_b0de),
    };
    let pools = Pools::of(t);
    // Every third environment has a custom connector.
    for (i, env) in envs.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        let (display, host) = CUSTOM_CONNECTORS[i / 3 % CUSTOM_CONNECTORS.len()];
        let slug = display.to_ascii_lowercase().replace(' ', "-");
        let name = format!("shared_{slug}-5f{}", &g.guid()[..8]);
        let connector: ppgov_tenant_api::inventory::CustomConnector =
            serde_json::from_value(json!({
                "name": name,
                "id": format!("/providers/Microsoft.PowerApps/apis/{name}"),
                "type": "Microsoft.PowerApps/apis",
                "properties": {
                    "displayName": display,
                    "isCustomApi": true,
                    "tier": "Premium",
                    "createdTime": g.time(),
                    "environment": {"id": format!("/providers/Microsoft.PowerApps/environments/{env}"), "name": env},
                    "swagger": {"swagger": "2.0", "host": host, "basePath": "/", "schemes": ["https"]}
                }
            }))
            .expect("seeded custom connectors are wire connectors");
        t.custom_connectors
            .entry(env.clone())
            .or_default()
            .insert(name, connector);
    }
    let tenant_id = t.tenant_id.clone();
    for i in 0..req.apps + req.flows {
        let env = g.pick(envs).clone();
        let custom = t
            .custom_connectors
            .get(&env)
            .and_then(|c| c.values().next())
            .and_then(|c| c.id.clone());
        let profile = match (g.rng.u32(0..20), &custom) {
            (0..=9, _) => Profile::Compliant,
            (10..=13, _) => Profile::Mixed,
            (14..=16, _) => Profile::Blocked,
            (_, Some(_)) => Profile::Custom,
            _ => Profile::Compliant,
        };
        let mut connectors = vec![g.pick(&pools.business).clone()];
        match profile {
            Profile::Compliant => {
                if g.chance(0.5) {
                    connectors.push(g.pick(&pools.business).clone());
                }
            }
            Profile::Mixed => connectors.push(g.pick(&pools.non_business).clone()),
            Profile::Blocked => connectors.push(g.pick(&pools.blocked).clone()),
            Profile::Custom => connectors.extend(custom),
        }
        connectors.dedup();
        let owner = (*g.pick(PEOPLE)).to_owned();
        let owner_id = g.guid();
        if i < req.apps {
            seed_app(
                &mut g,
                t,
                &env,
                &connectors,
                &owner,
                &owner_id,
                &tenant_id,
                profile,
            );
        } else {
            seed_flow(&mut g, t, &env, &connectors, &owner_id, &tenant_id);
        }
    }
}

fn email_of(person: &str) -> String {
    format!(
        "{}@contoso.com",
        person.to_ascii_lowercase().replace(' ', ".")
    )
}

#[allow(clippy::too_many_arguments)]
fn seed_app(
    g: &mut Gen,
    t: &mut Tenant,
    env: &str,
    connectors: &[String],
    owner: &str,
    owner_id: &str,
    tenant_id: &str,
    profile: Profile,
) {
    let name = g.guid();
    let references: serde_json::Map<String, Value> = connectors
        .iter()
        .map(|id| {
            let key = g.guid();
            let custom = id.contains("-5f");
            // The service sends app references lower-cased.
            (
                key,
                json!({
                    "id": id.to_ascii_lowercase(),
                    "displayName": id.rsplit('/').next().unwrap_or_default(),
                    "apiTier": "Standard",
                    "isCustomApiConnection": custom,
                    "isOnPremiseConnection": false
                }),
            )
        })
        .collect();
    let principal = json!({
        "id": owner_id, "displayName": owner, "email": email_of(owner),
        "type": "User", "tenantId": tenant_id, "userPrincipalName": email_of(owner)
    });
    let created = g.time();
    let modified = g.time().max(created.clone());
    let mut properties = json!({
        "displayName": format!("{} {}", g.pick(APP_NAMES), g.rng.u32(1..100)),
        "appVersion": modified,
        "lifeCycleId": "Published",
        "status": "Ready",
        "owner": principal,
        "createdBy": principal,
        "lastModifiedBy": principal,
        "createdTime": created,
        "lastModifiedTime": modified,
        "sharedUsersCount": g.rng.u64(0..400),
        "sharedGroupsCount": g.rng.u64(0..4),
        "environment": {"id": format!("/providers/Microsoft.PowerApps/environments/{env}"), "name": env},
        "connectionReferences": references,
        "appPlanClassification": "Standard",
        "usesPremiumApi": false,
        "usesCustomApi": connectors.iter().any(|c| c.contains("-5f")),
        "usesOnPremiseGateway": false
    });
    // The service's own evaluation is recorded only as `Compliant`; other values are unknown.
    if let Profile::Compliant = profile {
        properties["executionRestrictions"] = json!({
            "isTeamsOnly": false,
            "dataLossPreventionEvaluationResult": {
                "status": "Compliant",
                "lastEvaluationDate": modified,
                "violations": [],
                "violationsByPolicy": [],
                "violationErrorMessage": format!(
                    "The app uses the following connectors: {}.",
                    connectors.iter().map(|c| c.rsplit('/').next().unwrap_or_default().to_ascii_lowercase()).collect::<Vec<_>>().join(", ")
                )
            }
        });
    }
    let app: ppgov_tenant_api::inventory::App = serde_json::from_value(json!({
        "name": name,
        "id": format!("/providers/Microsoft.PowerApps/scopes/admin/environments/{env}/apps/{name}"),
        "type": "Microsoft.PowerApps/scopes/admin/apps",
        "appType": "ClassicCanvasApp",
        "properties": properties
    }))
    .expect("seeded apps are wire apps");
    t.apps.entry(env.to_owned()).or_default().insert(name, app);
}

fn seed_flow(
    g: &mut Gen,
    t: &mut Tenant,
    env: &str,
    connectors: &[String],
    owner_id: &str,
    tenant_id: &str,
) {
    let name = g.guid();
    let mut references = serde_json::Map::new();
    let mut actions = Vec::new();
    for (n, id) in connectors.iter().enumerate() {
        let api = id.rsplit('/').next().unwrap_or_default().to_owned();
        let connection = format!("{}-{}", api.trim_start_matches("shared_"), &g.guid()[..8]);
        let mut parameters = json!({"name": "oauth2-auth", "values": {}});
        if api.eq_ignore_ascii_case("shared_sql") {
            let database = *g.pick(&["sales", "hr"]);
            parameters = json!({"name": "sqlAuthentication", "values": {
                "server": {"value": "contoso.database.windows.net"},
                "database": {"value": database}
            }});
        }
        let created = g.time();
        let conn: ppgov_tenant_api::inventory::Connection = serde_json::from_value(json!({
            "name": connection,
            "id": format!("/providers/Microsoft.PowerApps/apis/{api}/connections/{connection}"),
            "type": "Microsoft.PowerApps/apis/connections",
            "properties": {
                "apiId": id,
                "displayName": api,
                "statuses": [{"status": "Connected"}],
                "connectionParametersSet": parameters,
                "createdBy": {"id": owner_id, "type": "User", "tenantId": tenant_id},
                "createdTime": created,
                "lastModifiedTime": created,
                "environment": {"id": format!("/providers/Microsoft.PowerApps/environments/{env}"), "name": env}
            }
        }))
        .expect("seeded connections are wire connections");
        t.connections
            .entry(env.to_owned())
            .or_default()
            .insert(connection.clone(), conn);
        references.insert(
            api.clone(),
            json!({
                "connectionName": connection,
                "id": id,
                "displayName": api,
                "source": "Embedded",
                "tier": "Standard",
                "apiDefinition": {"name": api, "id": id, "properties": {"isCustomApi": api.contains("-5f")}}
            }),
        );
        // The first connector's first action is sometimes one a policy blocks.
        let operation = if n == 0 && g.chance(0.3) {
            "DeleteItem_V2"
        } else {
            "GetItems_V2"
        };
        actions.push(json!({
            "type": "OpenApiConnection",
            "swaggerOperationId": operation,
            "api": {"name": api, "id": id, "type": "Microsoft.PowerApps/apis"}
        }));
    }
    let created = g.time();
    let modified = g.time().max(created.clone());
    let suspended = g.chance(0.05);
    let flow: ppgov_tenant_api::inventory::Flow = serde_json::from_value(json!({
        "name": name,
        "id": format!("/providers/Microsoft.ProcessSimple/environments/{env}/flows/{name}"),
        "type": "Microsoft.ProcessSimple/environments/flows",
        "properties": {
            "apiId": "/providers/Microsoft.PowerApps/apis/shared_logicflows",
            "displayName": format!("{} {}", g.pick(FLOW_NAMES), g.rng.u32(1..100)),
            "state": if suspended { "Suspended" } else { "Started" },
            "createdTime": created,
            "lastModifiedTime": modified,
            "flowSuspensionReason": "None",
            "environment": {
                "name": env,
                "type": "Microsoft.ProcessSimple/environments",
                "id": format!("/providers/Microsoft.ProcessSimple/environments/{env}")
            },
            "definitionSummary": {
                "triggers": [{"type": "Recurrence"}],
                "actions": actions
            },
            "creator": {"tenantId": tenant_id, "objectId": owner_id, "userId": owner_id, "userType": "ActiveDirectory"},
            "isManaged": false,
            "connectionReferences": references
        }
    }))
    .expect("seeded flows are wire flows");
    t.flows
        .entry(env.to_owned())
        .or_default()
        .insert(name, flow);
}
