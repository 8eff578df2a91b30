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

use ppgov_core::catalog::{self, Tier};
use ppgov_core::model::{
    ActionRules, AdvancedConnectorPolicies, AllowBlock, AllowDeny, AllowedConnector,
    BackupRetention, ConnectorGroup, ContentSecurityPolicy, CspSettings, EndpointRule,
    GenerativeAi, GroupRules, MakerWelcomeContent, PatternGroup, PrincipalType, Role, ScopeMode,
    SharingControls, SharingMode, SolutionChecker, SolutionCheckerMode, Toggle, UrlPattern,
    UsageInsights,
};
use ppgov_core::observed::{
    ObservedDlpPolicy, ObservedEnvironment, ObservedGroup, ObservedRoleAssignment, ObservedScope,
    flatten_settings, nest_settings,
};
use ppgov_tenant_api::connectors as wc;
use ppgov_tenant_api::dlp as wd;
use ppgov_tenant_api::environments as we;
use ppgov_tenant_api::groups as wg;
use ppgov_tenant_api::roles as wro;
use ppgov_tenant_api::rules::{self as wr, params as p, policy_rule_sets as prs};
use ppgov_tenant_api::tenant::TenantSettings;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

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

// ---- environments ----------------------------------------------------------------------------

pub fn environment(e: &we::Environment) -> ObservedEnvironment {
    ObservedEnvironment {
        id: e.name.to_lowercase(),
        display_name: e.properties.display_name.clone(),
        environment_type: e.properties.environment_sku.clone(),
        region: e.location.clone(),
        managed: e.is_managed(),
        group_id: e.group_id().map(str::to_lowercase),
        has_dataverse: e.has_dataverse(),
        is_default: e.properties.is_default,
        busy: e
            .properties
            .states
            .as_ref()
            .and_then(|s| s.management.as_ref())
            .is_some_and(|m| m.id == "Running"),
        owner: e.properties.description.as_deref().and_then(owner_of),
        delete_blocked: we::disallowed_operation(e, "Delete"),
        dataverse: None,
    }
}

/// The marker ppgov writes into the description of an environment it creates, so that the
/// tenant itself says which project owns it: a lost journal or a fresh clone still knows.
const OWNER_MARKER: &str = "[ppgov-owner:";

fn owner_description(project: &str) -> String {
    format!("Created and owned by ppgov (project {project}). {OWNER_MARKER}{project}]")
}

/// The project named by the ownership marker in a description, if it holds one.
pub fn owner_of(description: &str) -> Option<String> {
    let start = description.find(OWNER_MARKER)? + OWNER_MARKER.len();
    let rest = &description[start..];
    rest.find(']').map(|end| rest[..end].to_owned())
}

/// The BAP create request of an environment ppgov creates (reference §5.1).
pub fn create_environment_request(o: &ObservedEnvironment) -> we::CreateEnvironmentRequest {
    we::CreateEnvironmentRequest {
        location: o.region.clone(),
        properties: we::CreateEnvironmentProperties {
            display_name: o.display_name.clone(),
            description: o.owner.as_deref().map(owner_description),
            environment_sku: o.environment_type.clone(),
            database_type: o.dataverse.as_ref().map(|_| "CommonDataService".to_owned()),
            linked_environment_metadata: o.dataverse.as_ref().map(|d| we::CreateDataverse {
                base_language: d.language,
                domain_name: d.domain.clone(),
                currency: we::Currency {
                    code: d.currency.clone(),
                },
                security_group_id: d.security_group.clone(),
            }),
        },
    }
}

/// The governed fields of an environment, as the BAP list shows them.
pub fn environment_to_wire(o: &ObservedEnvironment) -> we::Environment {
    we::Environment {
        id: format!(
            "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{}",
            o.id
        ),
        name: o.id.clone(),
        location: o.region.clone(),
        kind: "Microsoft.BusinessAppPlatform/scopes/environments".into(),
        properties: we::EnvironmentProperties {
            display_name: o.display_name.clone(),
            description: o.owner.as_deref().map(owner_description),
            environment_sku: o.environment_type.clone(),
            is_default: o.is_default,
            parent_environment_group: o.group_id.as_ref().map(|g| we::GroupRef { id: g.clone() }),
            governance_configuration: Some(we::GovernanceConfiguration {
                protection_level: protection_level(o.managed).into(),
                settings: None,
            }),
            linked_environment_metadata: o.has_dataverse.then(|| json!({})),
            states: Some(we::States {
                management: Some(we::State {
                    id: if o.busy { "Running" } else { "Ready" }.into(),
                }),
                runtime: None,
            }),
            other: o
                .delete_blocked
                .iter()
                .map(|reason| {
                    (
                        "lifecycleOperationsEnforcement".to_owned(),
                        json!({ "disallowedOperations": [
                            { "type": { "id": "Delete" }, "reason": { "message": reason } }
                        ] }),
                    )
                })
                .collect(),
            ..Default::default()
        },
    }
}

fn protection_level(managed: bool) -> &'static str {
    if managed {
        we::PROTECTION_MANAGED
    } else {
        we::PROTECTION_BASIC
    }
}

/// Body that turns Managed Environment on or off.
pub fn governance_request(managed: bool) -> we::GovernanceConfigurationRequest {
    we::GovernanceConfigurationRequest {
        protection_level: protection_level(managed).into(),
        settings: None,
    }
}

// ---- environment groups ----------------------------------------------------------------------

/// A group with its classic rule set and its rule-based policy (either may be absent).
pub fn group(
    g: &wg::EnvironmentGroup,
    rule_set: Option<&wr::RuleSet>,
    policy: Option<&wr::RuleBasedPolicy>,
) -> ObservedGroup {
    let mut o = ObservedGroup {
        id: g.id.clone().unwrap_or_default().to_lowercase(),
        display_name: g.display_name.clone(),
        description: g.description.clone(),
        rule_set_id: rule_set.and_then(|r| r.id.clone()),
        rule_based_policy_id: policy.and_then(|p| p.id.clone()),
        ..Default::default()
    };
    if let Some(rs) = rule_set {
        rules_from_rule_set(rs, &mut o.rules, &mut o.unmodelled_rules);
    }
    if let Some(pol) = policy {
        rules_from_policy(pol, &mut o.rules, &mut o.unmodelled_policy_rules);
    }
    o
}

/// The writable fields of a group (create and PUT).
pub fn group_to_wire(o: &ObservedGroup) -> wg::EnvironmentGroup {
    wg::EnvironmentGroup {
        id: Some(o.id.clone()).filter(|id| !id.is_empty()),
        display_name: o.display_name.clone(),
        description: o.description.clone(),
        ..Default::default()
    }
}

// ---- classic rule sets -------------------------------------------------------------------------

/// The usual `resourceType` of each parameter type ppgov writes.
fn default_resource_type(kind: &str) -> &'static str {
    match kind {
        p::SHARING | p::COPILOT => "App",
        _ => "NotSpecified",
    }
}

type Values = BTreeMap<String, String>;

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn bool_str(b: bool) -> String {
    if b { "true" } else { "false" }.to_owned()
}

/// Removes and returns `id` from `v`.
fn take(v: &mut Values, id: &str) -> Option<String> {
    v.remove(id)
}

fn parse_sharing(v: &mut Values) -> Option<SharingControls> {
    let mode = match take(v, p::CAN_SHARE_WITH_SECURITY_GROUPS)?.as_str() {
        "noLimit" => SharingMode::NoLimit,
        "excludeSharingToSecurityGroups" => SharingMode::ExcludeSecurityGroups,
        _ => return None,
    };
    // `IsGroupSharingDisabled` is left unmodelled: documented as following the mode, it is
    // seen independent of it (`noLimit` with `"true"`); see `rule_set_to_wire`.
    let max_users = match take(v, p::MAXIMUM_SHARE_LIMIT).as_deref() {
        None | Some("-1") => None,
        Some(n) => Some(n.parse::<u32>().ok()?),
    };
    Some(SharingControls { mode, max_users })
}

fn write_sharing(s: &SharingControls) -> Vec<(&'static str, String)> {
    let exclude = s.mode == SharingMode::ExcludeSecurityGroups;
    vec![
        (
            p::CAN_SHARE_WITH_SECURITY_GROUPS,
            if exclude {
                "excludeSharingToSecurityGroups"
            } else {
                "noLimit"
            }
            .into(),
        ),
        (p::IS_GROUP_SHARING_DISABLED, bool_str(exclude)),
        (
            p::MAXIMUM_SHARE_LIMIT,
            s.max_users.map_or_else(|| "-1".into(), |n| n.to_string()),
        ),
    ]
}

fn parse_usage(v: &mut Values) -> Option<UsageInsights> {
    let exclude = parse_bool(&take(v, p::EXCLUDE_ENVIRONMENT_FROM_ANALYSIS)?)?;
    let home = match take(v, p::INCLUDE_ON_HOME_PAGE_INSIGHTS) {
        Some(s) => parse_bool(&s)?,
        None => false,
    };
    Some(UsageInsights {
        enabled: !exclude,
        include_on_home_page: home,
    })
}

fn parse_maker(v: &mut Values) -> Option<MakerWelcomeContent> {
    let markdown = take(v, p::MAKER_ONBOARDING_MARKDOWN)?;
    let url = take(v, p::MAKER_ONBOARDING_URL).filter(|u| !u.is_empty());
    // The timestamp is the writer's business (see `rule_set_to_wire`).
    take(v, p::MAKER_ONBOARDING_TIMESTAMP);
    Some(MakerWelcomeContent {
        markdown,
        learn_more_url: url,
    })
}

fn parse_checker(v: &mut Values) -> Option<SolutionChecker> {
    let mode = match take(v, p::SOLUTION_CHECKER_MODE)?
        .to_ascii_lowercase()
        .as_str()
    {
        "none" => SolutionCheckerMode::None,
        "warn" => SolutionCheckerMode::Warn,
        "block" => SolutionCheckerMode::Block,
        _ => return None,
    };
    let suppress = match take(v, p::SUPPRESS_VALIDATION_EMAILS) {
        Some(s) => parse_bool(&s)?,
        None => false,
    };
    let overrides = take(v, p::SOLUTION_CHECKER_RULE_OVERRIDES)
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Some(SolutionChecker {
        mode,
        suppress_validation_emails: suppress,
        rule_overrides: overrides,
    })
}

fn checker_mode(m: SolutionCheckerMode) -> &'static str {
    match m {
        SolutionCheckerMode::None => "none",
        SolutionCheckerMode::Warn => "warn",
        SolutionCheckerMode::Block => "block",
    }
}

fn parse_retention(v: &mut Values) -> Option<BackupRetention> {
    let s = take(v, p::RETENTION_PERIOD)?;
    let days = s.strip_suffix(".00:00:00")?.parse::<u32>().ok()?;
    Some(BackupRetention { days })
}

fn parse_copilot(v: &mut Values) -> Option<Toggle> {
    let disabled = parse_bool(&take(v, p::DISABLE_AI_GENERATED_DESCRIPTIONS)?)?;
    Some(Toggle { enabled: !disabled })
}

fn parse_genai(v: &mut Values) -> Option<GenerativeAi> {
    Some(GenerativeAi {
        cross_geo_data_movement: parse_bool(&take(v, p::CROSS_GEO_COPILOT_DATA_MOVEMENT_ENABLED)?)?,
        bing_search: parse_bool(&take(v, p::BING_CHAT_ENABLED)?)?,
    })
}

/// Runs `parse` on a copy of `values`; on success stores the model value and leaves only the
/// values it did not consume.
fn parse_into<T>(
    values: &mut Values,
    parse: impl FnOnce(&mut Values) -> Option<T>,
    slot: &mut Option<T>,
) {
    let mut copy = values.clone();
    if let Some(v) = parse(&mut copy) {
        *slot = Some(v);
        *values = copy;
    }
}

/// Reads the classic rule set into `rules`; keeps what is not modelled in `unmodelled`.
pub fn rules_from_rule_set(
    rs: &wr::RuleSet,
    rules: &mut GroupRules,
    unmodelled: &mut BTreeMap<String, BTreeMap<String, String>>,
) {
    for param in &rs.parameters {
        let mut values: Values = param
            .value
            .iter()
            .map(|v| (v.id.clone(), v.value.clone()))
            .collect();
        match param.kind.as_str() {
            p::SHARING => parse_into(&mut values, parse_sharing, &mut rules.sharing_controls),
            p::ADMIN_DIGEST => parse_into(&mut values, parse_usage, &mut rules.usage_insights),
            p::MAKER_ONBOARDING => {
                parse_into(&mut values, parse_maker, &mut rules.maker_welcome_content)
            }
            p::SOLUTION_CHECKER => {
                parse_into(&mut values, parse_checker, &mut rules.solution_checker)
            }
            p::LIFECYCLE => parse_into(&mut values, parse_retention, &mut rules.backup_retention),
            p::COPILOT => parse_into(
                &mut values,
                parse_copilot,
                &mut rules.ai_generated_descriptions,
            ),
            p::GENERATIVE_AI => parse_into(&mut values, parse_genai, &mut rules.generative_ai),
            _ => {}
        }
        if param.resource_type != default_resource_type(&param.kind) {
            values.insert(RESOURCE_TYPE_KEY.into(), param.resource_type.clone());
        }
        if !values.is_empty() {
            unmodelled
                .entry(param.kind.clone())
                .or_default()
                .extend(values);
        }
    }
}

/// The classic rule set that carries `rules` (and the kept unmodelled values) for `group_id`,
/// or `None` when there is nothing to carry (delete it). `current` is the live rule set:
/// its id is reused and the maker-content timestamp is kept unless the content changes, in
/// which case it becomes `now` (RFC 1123 GMT, e.g. `Thu, 24 Oct 2026 07:29:50 GMT`).
pub fn rule_set_to_wire(
    group_id: &str,
    rules: &GroupRules,
    unmodelled: &BTreeMap<String, BTreeMap<String, String>>,
    current: Option<&wr::RuleSet>,
    now: &str,
) -> Option<wr::RuleSet> {
    let mut modelled: Vec<(&'static str, Vec<(&'static str, String)>)> = Vec::new();
    if let Some(s) = &rules.sharing_controls {
        let mut values = write_sharing(s);
        // A kept `IsGroupSharingDisabled` stands while the mode stays what it was; a new mode
        // gets the value that goes with it.
        let kept = unmodelled
            .get(p::SHARING)
            .and_then(|k| k.get(p::IS_GROUP_SHARING_DISABLED));
        let same_mode = current
            .and_then(|c| c.value(p::SHARING, p::CAN_SHARE_WITH_SECURITY_GROUPS))
            == Some(values[0].1.as_str());
        if let (Some(kept), true) = (kept, same_mode) {
            values[1].1 = kept.clone();
        }
        modelled.push((p::SHARING, values));
    }
    if let Some(u) = &rules.usage_insights {
        modelled.push((
            p::ADMIN_DIGEST,
            vec![
                (
                    p::INCLUDE_ON_HOME_PAGE_INSIGHTS,
                    bool_str(u.include_on_home_page),
                ),
                (p::EXCLUDE_ENVIRONMENT_FROM_ANALYSIS, bool_str(!u.enabled)),
            ],
        ));
    }
    if let Some(m) = &rules.maker_welcome_content {
        let url = m.learn_more_url.clone().unwrap_or_default();
        let unchanged = current.is_some_and(|c| {
            c.value(p::MAKER_ONBOARDING, p::MAKER_ONBOARDING_MARKDOWN) == Some(m.markdown.as_str())
                && c.value(p::MAKER_ONBOARDING, p::MAKER_ONBOARDING_URL)
                    .unwrap_or("")
                    == url
        });
        let stamp = current
            .and_then(|c| c.value(p::MAKER_ONBOARDING, p::MAKER_ONBOARDING_TIMESTAMP))
            .filter(|_| unchanged)
            .unwrap_or(now)
            .to_owned();
        modelled.push((
            p::MAKER_ONBOARDING,
            vec![
                (p::MAKER_ONBOARDING_URL, url),
                (p::MAKER_ONBOARDING_MARKDOWN, m.markdown.clone()),
                (p::MAKER_ONBOARDING_TIMESTAMP, stamp),
            ],
        ));
    }
    if let Some(c) = &rules.solution_checker {
        modelled.push((
            p::SOLUTION_CHECKER,
            vec![
                (p::SOLUTION_CHECKER_MODE, checker_mode(c.mode).into()),
                (
                    p::SUPPRESS_VALIDATION_EMAILS,
                    bool_str(c.suppress_validation_emails),
                ),
                (
                    p::SOLUTION_CHECKER_RULE_OVERRIDES,
                    c.rule_overrides.join(","),
                ),
            ],
        ));
    }
    if let Some(b) = &rules.backup_retention {
        modelled.push((
            p::LIFECYCLE,
            vec![(p::RETENTION_PERIOD, format!("{}.00:00:00", b.days))],
        ));
    }
    if let Some(t) = &rules.ai_generated_descriptions {
        modelled.push((
            p::COPILOT,
            vec![(p::DISABLE_AI_GENERATED_DESCRIPTIONS, bool_str(!t.enabled))],
        ));
    }
    if let Some(g) = &rules.generative_ai {
        modelled.push((
            p::GENERATIVE_AI,
            vec![
                (
                    p::CROSS_GEO_COPILOT_DATA_MOVEMENT_ENABLED,
                    bool_str(g.cross_geo_data_movement),
                ),
                (p::BING_CHAT_ENABLED, bool_str(g.bing_search)),
            ],
        ));
    }
    let mut parameters = Vec::new();
    for (kind, values) in &modelled {
        let kept = unmodelled.get(*kind);
        let resource_type = kept
            .and_then(|k| k.get(RESOURCE_TYPE_KEY))
            .cloned()
            .unwrap_or_else(|| default_resource_type(kind).to_owned());
        let mut value: Vec<wr::RuleValue> = values
            .iter()
            .map(|(id, v)| wr::RuleValue {
                id: (*id).to_owned(),
                value: v.clone(),
            })
            .collect();
        for (id, v) in kept.into_iter().flatten() {
            if id != RESOURCE_TYPE_KEY && !value.iter().any(|x| &x.id == id) {
                value.push(wr::RuleValue {
                    id: id.clone(),
                    value: v.clone(),
                });
            }
        }
        parameters.push(wr::RuleParameter {
            kind: (*kind).to_owned(),
            resource_type,
            value,
            has_staged_changes: None,
        });
    }
    for (kind, kept) in unmodelled {
        if modelled.iter().any(|(k, _)| k == kind) {
            continue;
        }
        parameters.push(wr::RuleParameter {
            kind: kind.clone(),
            resource_type: kept
                .get(RESOURCE_TYPE_KEY)
                .cloned()
                .unwrap_or_else(|| default_resource_type(kind).to_owned()),
            value: kept
                .iter()
                .filter(|(id, _)| *id != RESOURCE_TYPE_KEY)
                .map(|(id, v)| wr::RuleValue {
                    id: id.clone(),
                    value: v.clone(),
                })
                .collect(),
            has_staged_changes: None,
        });
    }
    if parameters.is_empty() {
        return None;
    }
    Some(wr::RuleSet {
        id: current.and_then(|c| c.id.clone()),
        last_modified: None,
        environment_filter: Some(wr::EnvironmentFilter {
            kind: "Include".into(),
            values: vec![wr::FilterValue {
                id: group_id.to_owned(),
                kind: "EnvironmentGroup".into(),
                name: None,
            }],
        }),
        parameters,
    })
}

// ---- rule-based policies ---------------------------------------------------------------------

const ALLOWED_CONNECTOR_LIST: &str = "AllowedConnectorList";
const ENABLE_ACP_ONLY: &str = "EnableAdvancedConnectorPoliciesOnly";
const CSP_ENABLED: &str = "IsContentSecurityPolicyEnabled";
const CSP_ENABLED_CANVAS: &str = "IsContentSecurityPolicyEnabledForCanvas";
const CSP_ENABLED_CODE: &str = "IsContentSecurityPolicyEnabledForCodeApps";
const CSP_OPTIONS: &str = "ContentSecurityPolicyOptions";
const CSP_REPORT_URI: &str = "ContentSecurityPolicyReportUri";
const CSP_CONFIG: &str = "ContentSecurityPolicyConfiguration";
const CSP_CONFIG_CANVAS: &str = "ContentSecurityPolicyConfigurationForCanvas";
const CSP_CONFIG_CODE: &str = "ContentSecurityPolicyConfigurationForCodeApps";
/// `ContentSecurityPolicyOptions` bits.
const CSP_STRICT_MODEL_DRIVEN: u64 = 1;
const CSP_STRICT_CANVAS: u64 = 8;

type Inputs = BTreeMap<String, Value>;

fn parse_allowed_connectors(list: &Value) -> Option<Vec<AllowedConnector>> {
    let mut out = Vec::new();
    for item in list.as_array()? {
        let connector = item.get("AllowedConnector")?.as_str()?.to_owned();
        let actions = match item.get("AllowedActionsMode").and_then(Value::as_str) {
            None | Some("AllAllowed") => None,
            Some("SomeAllowed") => Some(
                item.get("AllowedActions")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            Some(_) => return None,
        };
        out.push(AllowedConnector { connector, actions });
    }
    Some(out)
}

fn write_allowed_connectors(list: &[AllowedConnector]) -> Value {
    Value::Array(
        list.iter()
            .map(|a| {
                let mut m = Map::new();
                m.insert("AllowedConnector".into(), json!(a.connector));
                match &a.actions {
                    None => {
                        m.insert("AllowedActionsMode".into(), json!("AllAllowed"));
                    }
                    Some(actions) => {
                        m.insert("AllowedActionsMode".into(), json!("SomeAllowed"));
                        m.insert("AllowedActions".into(), json!(actions));
                    }
                }
                m.insert("AllowedConnectionTypesMode".into(), json!("AllAllowed"));
                Value::Object(m)
            })
            .collect(),
    )
}

/// `img-src` (model) <-> `Img-Src` (wire).
fn directive_to_wire(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(first) => {
                    first.to_uppercase().collect::<String>() + &c.as_str().to_lowercase()
                }
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Parses a CSP configuration string `{"Img-Src":{"sources":[{"source":"..."}]}}`; `None`
/// for any other shape.
pub fn parse_csp_directives(config: &str) -> Option<BTreeMap<String, Vec<String>>> {
    if config.trim().is_empty() {
        return Some(BTreeMap::new());
    }
    let v: Value = serde_json::from_str(config).ok()?;
    let mut out = BTreeMap::new();
    for (name, d) in v.as_object()? {
        let d = d.as_object()?;
        if d.keys().any(|k| k != "sources") {
            return None;
        }
        let mut sources = Vec::new();
        for s in d
            .get("sources")
            .map_or(Some(&Vec::new()), Value::as_array)?
        {
            let s = s.as_object()?;
            if s.len() != 1 {
                return None;
            }
            sources.push(s.get("source")?.as_str()?.to_owned());
        }
        out.insert(name.to_lowercase(), sources);
    }
    Some(out)
}

/// The configuration string of `directives`.
pub fn write_csp_directives(directives: &BTreeMap<String, Vec<String>>) -> String {
    let mut m = Map::new();
    for (name, sources) in directives {
        let sources: Vec<Value> = sources.iter().map(|s| json!({ "source": s })).collect();
        m.insert(directive_to_wire(name), json!({ "sources": sources }));
    }
    Value::Object(m).to_string()
}

fn as_bits(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Reads the CSP rule set's inputs; consumed keys are removed from `inputs`.
fn parse_csp(inputs: &mut Inputs) -> ContentSecurityPolicy {
    let bits = inputs.get(CSP_OPTIONS).and_then(as_bits);
    let mut app = |enabled_key: &str, config_key: &str, strict_bit: Option<u64>| {
        let enforce = inputs.get(enabled_key)?.as_bool()?;
        inputs.remove(enabled_key);
        let directives = match inputs.get(config_key) {
            None => BTreeMap::new(),
            Some(Value::String(s)) => match parse_csp_directives(s) {
                Some(d) => {
                    inputs.remove(config_key);
                    d
                }
                None => BTreeMap::new(),
            },
            Some(_) => BTreeMap::new(),
        };
        Some(CspSettings {
            enforce,
            strict: strict_bit.is_some_and(|b| bits.unwrap_or(0) & b != 0),
            directives,
        })
    };
    let model_driven_apps = app(CSP_ENABLED, CSP_CONFIG, Some(CSP_STRICT_MODEL_DRIVEN));
    let canvas_apps = app(
        CSP_ENABLED_CANVAS,
        CSP_CONFIG_CANVAS,
        Some(CSP_STRICT_CANVAS),
    );
    let code_apps = app(CSP_ENABLED_CODE, CSP_CONFIG_CODE, None);
    // Keep only the option bits ppgov does not model.
    if let Some(bits) = bits {
        let mut known = 0;
        if model_driven_apps.is_some() {
            known |= CSP_STRICT_MODEL_DRIVEN;
        }
        if canvas_apps.is_some() {
            known |= CSP_STRICT_CANVAS;
        }
        let rest = bits & !known;
        if rest == 0 {
            inputs.remove(CSP_OPTIONS);
        } else {
            inputs.insert(CSP_OPTIONS.into(), json!(rest));
        }
    }
    let report_uri = match inputs.get(CSP_REPORT_URI) {
        Some(Value::String(s)) => {
            let s = s.clone();
            inputs.remove(CSP_REPORT_URI);
            Some(s).filter(|s| !s.is_empty())
        }
        _ => None,
    };
    ContentSecurityPolicy {
        model_driven_apps,
        canvas_apps,
        code_apps,
        report_uri,
    }
}

fn write_csp(csp: &ContentSecurityPolicy, kept: &Inputs) -> Inputs {
    let mut inputs: Inputs = kept.clone();
    let mut bits = kept.get(CSP_OPTIONS).and_then(as_bits).unwrap_or(0);
    for (settings, enabled_key, config_key, bit) in [
        (
            &csp.model_driven_apps,
            CSP_ENABLED,
            CSP_CONFIG,
            CSP_STRICT_MODEL_DRIVEN,
        ),
        (
            &csp.canvas_apps,
            CSP_ENABLED_CANVAS,
            CSP_CONFIG_CANVAS,
            CSP_STRICT_CANVAS,
        ),
        (&csp.code_apps, CSP_ENABLED_CODE, CSP_CONFIG_CODE, 0),
    ] {
        if let Some(s) = settings {
            inputs.insert(enabled_key.into(), json!(s.enforce));
            if !s.directives.is_empty() {
                inputs.insert(
                    config_key.into(),
                    json!(write_csp_directives(&s.directives)),
                );
            }
            if s.strict {
                bits |= bit;
            }
        }
    }
    inputs.insert(CSP_OPTIONS.into(), json!(bits));
    if let Some(uri) = &csp.report_uri {
        inputs.insert(CSP_REPORT_URI.into(), json!(uri));
    }
    inputs
}

fn versioned(inputs: Inputs, version: &str) -> Value {
    let mut m: Map<String, Value> = inputs.into_iter().collect();
    if version != prs::VERSION {
        m.insert(VERSION_KEY.into(), json!(version));
    }
    Value::Object(m)
}

/// Reads a group's rule-based policy into `rules`; keeps what is not modelled.
pub fn rules_from_policy(
    policy: &wr::RuleBasedPolicy,
    rules: &mut GroupRules,
    unmodelled: &mut BTreeMap<String, Value>,
) {
    let mut acp_only: Option<(bool, Inputs, String)> = None;
    for rs in &policy.rule_sets {
        let mut inputs = rs.inputs.clone();
        match rs.id.as_str() {
            prs::CONNECTOR_MANAGEMENT => {
                let list = inputs
                    .get(ALLOWED_CONNECTOR_LIST)
                    .cloned()
                    .unwrap_or(Value::Array(Vec::new()));
                if let Some(allowed) = parse_allowed_connectors(&list) {
                    inputs.remove(ALLOWED_CONNECTOR_LIST);
                    rules.advanced_connector_policies = Some(AdvancedConnectorPolicies {
                        enforce_only: false,
                        allowed_connectors: allowed,
                    });
                }
            }
            prs::ADVANCED_CONNECTOR_POLICIES_ONLY => {
                if let Some(b) = inputs.get(ENABLE_ACP_ONLY).and_then(Value::as_bool) {
                    inputs.remove(ENABLE_ACP_ONLY);
                    acp_only = Some((b, inputs, rs.version.clone()));
                    continue;
                }
            }
            prs::CONTENT_SECURITY_POLICY => {
                rules.content_security_policy = Some(parse_csp(&mut inputs));
            }
            _ => {}
        }
        if !inputs.is_empty() || rs.version != prs::VERSION || !is_modelled_rule_set(&rs.id) {
            unmodelled.insert(rs.id.clone(), versioned(inputs, &rs.version));
        }
    }
    if let Some((enforce, rest, version)) = acp_only {
        match &mut rules.advanced_connector_policies {
            Some(acp) => {
                acp.enforce_only = enforce;
                if !rest.is_empty() || version != prs::VERSION {
                    unmodelled.insert(
                        prs::ADVANCED_CONNECTOR_POLICIES_ONLY.into(),
                        versioned(rest, &version),
                    );
                }
            }
            None => {
                let mut all = rest;
                all.insert(ENABLE_ACP_ONLY.into(), json!(enforce));
                unmodelled.insert(
                    prs::ADVANCED_CONNECTOR_POLICIES_ONLY.into(),
                    versioned(all, &version),
                );
            }
        }
    }
}

fn is_modelled_rule_set(id: &str) -> bool {
    matches!(
        id,
        prs::CONNECTOR_MANAGEMENT
            | prs::ADVANCED_CONNECTOR_POLICIES_ONLY
            | prs::CONTENT_SECURITY_POLICY
    )
}

/// Splits a kept entry into its inputs and version.
fn kept_inputs(v: Option<&Value>) -> (Inputs, String) {
    let mut inputs: Inputs = v
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let version = inputs
        .remove(VERSION_KEY)
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| prs::VERSION.to_owned());
    (inputs, version)
}

/// The rule-based policy that carries `rules` (and the kept rule sets), or `None` when there
/// is nothing to carry.
pub fn policy_to_wire(
    name: &str,
    rules: &GroupRules,
    unmodelled: &BTreeMap<String, Value>,
) -> Option<wr::RuleBasedPolicy> {
    let mut rule_sets = Vec::new();
    let mut push = |id: &str, mut inputs: Inputs, kept: Option<&Value>| {
        let (kept_in, version) = kept_inputs(kept);
        for (k, v) in kept_in {
            inputs.entry(k).or_insert(v);
        }
        rule_sets.push(wr::PolicyRuleSet {
            id: id.to_owned(),
            version,
            inputs,
        });
    };
    if let Some(acp) = &rules.advanced_connector_policies {
        push(
            prs::CONNECTOR_MANAGEMENT,
            Inputs::from([(
                ALLOWED_CONNECTOR_LIST.to_owned(),
                write_allowed_connectors(&acp.allowed_connectors),
            )]),
            unmodelled.get(prs::CONNECTOR_MANAGEMENT),
        );
        push(
            prs::ADVANCED_CONNECTOR_POLICIES_ONLY,
            Inputs::from([(ENABLE_ACP_ONLY.to_owned(), json!(acp.enforce_only))]),
            unmodelled.get(prs::ADVANCED_CONNECTOR_POLICIES_ONLY),
        );
    }
    if let Some(csp) = &rules.content_security_policy {
        let (kept, _) = kept_inputs(unmodelled.get(prs::CONTENT_SECURITY_POLICY));
        push(
            prs::CONTENT_SECURITY_POLICY,
            write_csp(csp, &kept),
            unmodelled.get(prs::CONTENT_SECURITY_POLICY),
        );
    }
    let written: Vec<String> = rule_sets.iter().map(|r| r.id.clone()).collect();
    for (id, kept) in unmodelled {
        if written.contains(id) {
            continue;
        }
        let (inputs, version) = kept_inputs(Some(kept));
        rule_sets.push(wr::PolicyRuleSet {
            id: id.clone(),
            version,
            inputs,
        });
    }
    if rule_sets.is_empty() {
        return None;
    }
    Some(wr::RuleBasedPolicy {
        name: name.to_owned(),
        rule_sets,
        ..Default::default()
    })
}

// ---- DLP policies ------------------------------------------------------------------------------

fn group_from_wire(s: &str) -> Result<ConnectorGroup, ConvertError> {
    match s {
        wd::classification::BUSINESS => Ok(ConnectorGroup::Business),
        wd::classification::NON_BUSINESS => Ok(ConnectorGroup::NonBusiness),
        wd::classification::BLOCKED => Ok(ConnectorGroup::Blocked),
        other => err(format!("unknown connector classification `{other}`")),
    }
}

fn group_to_wire_name(g: ConnectorGroup) -> &'static str {
    match g {
        ConnectorGroup::Business => wd::classification::BUSINESS,
        ConnectorGroup::NonBusiness => wd::classification::NON_BUSINESS,
        ConnectorGroup::Blocked => wd::classification::BLOCKED,
    }
}

fn allow_block(s: &str) -> Result<AllowBlock, ConvertError> {
    match s {
        "Allow" | "" => Ok(AllowBlock::Allow),
        "Block" => Ok(AllowBlock::Block),
        other => err(format!("unknown action behavior `{other}`")),
    }
}

fn allow_block_str(b: AllowBlock) -> &'static str {
    match b {
        AllowBlock::Allow => "Allow",
        AllowBlock::Block => "Block",
    }
}

fn allow_deny(s: &str) -> Result<AllowDeny, ConvertError> {
    match s {
        "Allow" => Ok(AllowDeny::Allow),
        "Deny" => Ok(AllowDeny::Deny),
        other => err(format!("unknown endpoint behavior `{other}`")),
    }
}

fn allow_deny_str(b: AllowDeny) -> &'static str {
    match b {
        AllowDeny::Allow => "Allow",
        AllowDeny::Deny => "Deny",
    }
}

fn pattern_group(s: &str) -> Result<PatternGroup, ConvertError> {
    match s {
        wd::classification::IGNORE => Ok(PatternGroup::Ignore),
        other => Ok(match group_from_wire(other)? {
            ConnectorGroup::Business => PatternGroup::Business,
            ConnectorGroup::NonBusiness => PatternGroup::NonBusiness,
            ConnectorGroup::Blocked => PatternGroup::Blocked,
        }),
    }
}

fn pattern_group_str(g: PatternGroup) -> &'static str {
    match g {
        PatternGroup::Business => wd::classification::BUSINESS,
        PatternGroup::NonBusiness => wd::classification::NON_BUSINESS,
        PatternGroup::Blocked => wd::classification::BLOCKED,
        PatternGroup::Ignore => wd::classification::IGNORE,
    }
}

/// A whole v2 policy document (from GET, POST or PATCH) as the model sees it.
pub fn dlp_policy(doc: &wd::PolicyDocument) -> Result<ObservedDlpPolicy, ConvertError> {
    let d = &doc.policy_definition;
    let name = d.name.clone().unwrap_or_default();
    let ctx = |e: ConvertError| ConvertError(format!("DLP policy {name}: {}", e.0));
    let scope_mode = match d.environment_type.as_str() {
        wd::environment_type::ALL => Some(ScopeMode::All),
        wd::environment_type::EXCEPT => Some(ScopeMode::AllExcept),
        wd::environment_type::ONLY => Some(ScopeMode::Only),
        _ => None,
    };
    let mut classification = BTreeMap::new();
    for g in d.connector_groups.iter().flatten() {
        let group = group_from_wire(&g.classification).map_err(ctx)?;
        for c in &g.connectors {
            classification.insert(c.id.clone(), group);
        }
    }
    let mut action_rules = BTreeMap::new();
    let mut endpoint_rules = BTreeMap::new();
    if let Some(cc) = &doc.connector_configurations_definition {
        for a in &cc.connector_action_configurations {
            let mut actions = BTreeMap::new();
            for r in &a.action_rules {
                actions.insert(r.action_id.clone(), allow_block(&r.behavior).map_err(ctx)?);
            }
            action_rules.insert(
                a.connector_id.clone(),
                ActionRules {
                    default_behavior: allow_block(&a.default_connector_action_rule_behavior)
                        .map_err(ctx)?,
                    actions,
                },
            );
        }
        for e in &cc.endpoint_configurations {
            let mut rules = e.endpoint_rules.clone();
            rules.sort_by_key(|r| r.order);
            let mut out = Vec::new();
            for r in rules {
                out.push(EndpointRule {
                    endpoint: r.endpoint,
                    behavior: allow_deny(&r.behavior).map_err(ctx)?,
                });
            }
            endpoint_rules.insert(e.connector_id.clone(), out);
        }
    }
    let mut patterns = doc
        .custom_connector_url_patterns_definition
        .as_ref()
        .map(|p| p.rules.clone())
        .unwrap_or_default();
    patterns.sort_by_key(|r| r.order);
    let mut custom_connector_patterns = Vec::new();
    for r in patterns {
        custom_connector_patterns.push(UrlPattern {
            pattern: r.pattern,
            group: pattern_group(&r.custom_connector_rule_classification).map_err(ctx)?,
        });
    }
    Ok(ObservedDlpPolicy {
        id: name.clone(),
        display_name: d.display_name.clone(),
        scope_mode,
        environment_ids: d
            .environments
            .iter()
            .map(|e| e.environment_name().to_lowercase())
            .collect(),
        default_group: group_from_wire(&d.default_connectors_classification).map_err(ctx)?,
        classification,
        action_rules,
        endpoint_rules,
        custom_connector_patterns,
        etag: d.etag.clone(),
        last_modified: d.last_modified_time.clone(),
    })
}

/// The document to POST (empty `id`: no `name`) or PATCH. Environment-level policies
/// (`scope_mode: None`) cannot be written by a tenant admin and are refused.
pub fn dlp_policy_to_wire(p: &ObservedDlpPolicy) -> Result<wd::PolicyDocument, ConvertError> {
    let environment_type = match p.scope_mode {
        Some(ScopeMode::All) => wd::environment_type::ALL,
        Some(ScopeMode::AllExcept) => wd::environment_type::EXCEPT,
        Some(ScopeMode::Only) => wd::environment_type::ONLY,
        None => {
            return err(format!(
                "DLP policy {} is an environment-level policy; ppgov does not write those",
                p.id
            ));
        }
    };
    let connector_groups = [
        ConnectorGroup::Business,
        ConnectorGroup::NonBusiness,
        ConnectorGroup::Blocked,
    ]
    .into_iter()
    .map(|g| wd::ConnectorGroup {
        classification: group_to_wire_name(g).into(),
        connectors: p
            .classification
            .iter()
            .filter(|(_, cg)| **cg == g)
            .map(|(id, _)| wd::ResourceRef::connector(id))
            .collect(),
    })
    .collect();
    let environments = if p.scope_mode == Some(ScopeMode::All) {
        Vec::new()
    } else {
        p.environment_ids
            .iter()
            .map(|e| wd::ResourceRef::environment(e))
            .collect()
    };
    let configs = wd::ConnectorConfigurations {
        connector_action_configurations: p
            .action_rules
            .iter()
            .map(|(id, r)| wd::ConnectorActionConfiguration {
                connector_id: id.clone(),
                action_rules: r
                    .actions
                    .iter()
                    .map(|(action, b)| wd::ActionRule {
                        action_id: action.clone(),
                        behavior: allow_block_str(*b).into(),
                    })
                    .collect(),
                default_connector_action_rule_behavior: allow_block_str(r.default_behavior).into(),
            })
            .collect(),
        endpoint_configurations: p
            .endpoint_rules
            .iter()
            .map(|(id, rules)| wd::EndpointConfiguration {
                connector_id: id.clone(),
                endpoint_rules: rules
                    .iter()
                    .zip(1..)
                    .map(|(r, order)| wd::EndpointRule {
                        order,
                        behavior: allow_deny_str(r.behavior).into(),
                        endpoint: r.endpoint.clone(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let has_configs = !configs.connector_action_configurations.is_empty()
        || !configs.endpoint_configurations.is_empty();
    Ok(wd::PolicyDocument {
        policy_definition: wd::PolicyDefinition {
            name: Some(p.id.clone()).filter(|id| !id.is_empty()),
            display_name: p.display_name.clone(),
            default_connectors_classification: group_to_wire_name(p.default_group).into(),
            connector_groups: Some(connector_groups),
            environment_type: environment_type.into(),
            environments,
            ..Default::default()
        },
        connector_configurations_definition: has_configs.then_some(configs),
        custom_connector_url_patterns_definition: Some(wd::UrlPatterns {
            rules: p
                .custom_connector_patterns
                .iter()
                .zip(1..)
                .map(|(r, order)| wd::UrlPatternRule {
                    order,
                    custom_connector_rule_classification: pattern_group_str(r.group).into(),
                    pattern: r.pattern.clone(),
                })
                .collect(),
        }),
    })
}

// ---- role assignments ------------------------------------------------------------------------

const BAP_ENVS: &str = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments";

fn bap_role(name: &str) -> Option<Role> {
    if name.eq_ignore_ascii_case(wro::bap_roles::ENVIRONMENT_ADMIN) {
        Some(Role::EnvironmentAdmin)
    } else if name.eq_ignore_ascii_case(wro::bap_roles::ENVIRONMENT_MAKER) {
        Some(Role::EnvironmentMaker)
    } else {
        None
    }
}

/// A BAP environment role assignment of environment `env_id`. Its id is the full
/// `.../roleAssignments/{id}` path, which removal needs.
pub fn bap_role_assignment(a: &wro::BapRoleAssignment, env_id: &str) -> ObservedRoleAssignment {
    let principal = &a.properties.principal;
    ObservedRoleAssignment {
        id: a.id.clone(),
        principal_id: principal.id.to_lowercase(),
        principal_type: match principal.kind.to_ascii_lowercase().as_str() {
            "user" => Some(PrincipalType::User),
            "group" => Some(PrincipalType::Group),
            _ => None,
        },
        principal_name: principal.display_name.clone(),
        role: bap_role(a.properties.role_definition.role_name()),
        scope: ObservedScope::Environment(env_id.to_lowercase()),
    }
}

fn bap_target(
    a: &ObservedRoleAssignment,
) -> Result<(&str, &'static str, &'static str), ConvertError> {
    let ObservedScope::Environment(env) = &a.scope else {
        return err("environment roles apply to one environment");
    };
    let role = match a.role {
        Some(Role::EnvironmentAdmin) => wro::bap_roles::ENVIRONMENT_ADMIN,
        Some(Role::EnvironmentMaker) => wro::bap_roles::ENVIRONMENT_MAKER,
        _ => return err("only EnvironmentAdmin and EnvironmentMaker are BAP roles"),
    };
    let kind = match a.principal_type {
        Some(PrincipalType::User) => "User",
        Some(PrincipalType::Group) => "Group",
        _ => return err("BAP environment roles take users and groups only"),
    };
    Ok((env, role, kind))
}

/// The `add` item of `modifyRoleAssignments` for an environment role.
pub fn bap_role_assignment_request(
    a: &ObservedRoleAssignment,
    tenant_id: &str,
) -> Result<wro::AddRoleAssignment, ConvertError> {
    let (env, role, kind) = bap_target(a)?;
    Ok(wro::AddRoleAssignment {
        properties: wro::NewBapRoleAssignment {
            role_definition: wro::RoleDefinitionRef {
                id: format!("{BAP_ENVS}/{env}/roleDefinitions/{role}"),
                kind: None,
                name: None,
            },
            principal: wro::BapPrincipal {
                id: a.principal_id.clone(),
                kind: kind.into(),
                tenant_id: Some(tenant_id.to_owned()),
                ..Default::default()
            },
        },
    })
}

/// An environment role assignment as BAP lists it (for tests and the wire-sample checks).
pub fn bap_role_assignment_to_wire(
    a: &ObservedRoleAssignment,
    tenant_id: &str,
) -> Result<wro::BapRoleAssignment, ConvertError> {
    let req = bap_role_assignment_request(a, tenant_id)?;
    let (env, role, _) = bap_target(a)?;
    let mut principal = req.properties.principal;
    principal.display_name = a.principal_name.clone();
    Ok(wro::BapRoleAssignment {
        id: a.id.clone(),
        kind: "Microsoft.BusinessAppPlatform/scopes/environments/roleAssignments".into(),
        name: a.id.rsplit('/').next().unwrap_or_default().to_owned(),
        properties: wro::BapRoleAssignmentProperties {
            scope: Some(format!(
                "/providers/Microsoft.BusinessAppPlatform/environments/{env}"
            )),
            role_definition: wro::RoleDefinitionRef {
                name: Some(role.into()),
                ..req.properties.role_definition
            },
            principal,
        },
    })
}

fn rbac_role(definition_id: &str) -> Option<Role> {
    let id = definition_id.rsplit('/').next().unwrap_or(definition_id);
    [
        (wro::rbac_roles::OWNER, Role::Owner),
        (wro::rbac_roles::CONTRIBUTOR, Role::Contributor),
        (wro::rbac_roles::READER, Role::Reader),
        (wro::rbac_roles::RBAC_ADMINISTRATOR, Role::RbacAdministrator),
    ]
    .into_iter()
    .find(|(known, _)| known.eq_ignore_ascii_case(id))
    .map(|(_, r)| r)
}

fn rbac_role_id(role: Option<Role>) -> Result<&'static str, ConvertError> {
    Ok(match role {
        Some(Role::Owner) => wro::rbac_roles::OWNER,
        Some(Role::Contributor) => wro::rbac_roles::CONTRIBUTOR,
        Some(Role::Reader) => wro::rbac_roles::READER,
        Some(Role::RbacAdministrator) => wro::rbac_roles::RBAC_ADMINISTRATOR,
        _ => return err("not a Power Platform RBAC role"),
    })
}

/// `/tenants/{t}[/environmentGroups/{g}|/environments/{e}]`, and the short forms
/// `/environmentGroups/{g}` and `/environments/{e}` the service also answers (segment names
/// case-insensitive). Any other shape is [`ObservedScope::Unknown`]: reported, never a failed
/// read.
pub fn parse_rbac_scope(scope: &str) -> ObservedScope {
    let parts: Vec<&str> = scope.trim_matches('/').split('/').collect();
    let nested = |kind: &str, id: &str| {
        if id.is_empty() {
            None
        } else if kind.eq_ignore_ascii_case("environmentGroups") {
            Some(ObservedScope::EnvironmentGroup(id.to_lowercase()))
        } else if kind.eq_ignore_ascii_case("environments") {
            Some(ObservedScope::Environment(id.to_lowercase()))
        } else {
            None
        }
    };
    let known = match parts.as_slice() {
        [t, id] if t.eq_ignore_ascii_case("tenants") && !id.is_empty() => {
            Some(ObservedScope::Tenant)
        }
        [t, _, kind, id] if t.eq_ignore_ascii_case("tenants") => nested(kind, id),
        [kind, id] => nested(kind, id),
        _ => None,
    };
    known.unwrap_or_else(|| ObservedScope::Unknown(scope.to_owned()))
}

pub fn rbac_scope(scope: &ObservedScope, tenant_id: &str) -> String {
    match scope {
        ObservedScope::Tenant => wro::scopes::tenant(tenant_id),
        ObservedScope::EnvironmentGroup(g) => wro::scopes::environment_group(tenant_id, g),
        ObservedScope::Environment(e) => wro::scopes::environment(tenant_id, e),
        ObservedScope::Unknown(s) => s.clone(),
    }
}

pub fn rbac_role_assignment(
    a: &wro::RbacRoleAssignment,
) -> Result<ObservedRoleAssignment, ConvertError> {
    Ok(ObservedRoleAssignment {
        id: a.role_assignment_id.clone(),
        principal_id: a.principal_object_id.to_lowercase(),
        principal_type: match a.principal_type.to_ascii_lowercase().as_str() {
            "user" => Some(PrincipalType::User),
            "group" => Some(PrincipalType::Group),
            "applicationuser" | "serviceprincipal" => Some(PrincipalType::ServicePrincipal),
            _ => None,
        },
        principal_name: None,
        role: rbac_role(&a.role_definition_id),
        scope: parse_rbac_scope(&a.scope),
    })
}

fn rbac_principal_type(t: Option<PrincipalType>) -> Result<&'static str, ConvertError> {
    match t {
        Some(PrincipalType::User) => Ok("User"),
        Some(PrincipalType::Group) => Ok("Group"),
        Some(PrincipalType::ServicePrincipal) => Ok("ApplicationUser"),
        None => err("RBAC assignments need a principal type"),
    }
}

pub fn rbac_role_assignment_request(
    a: &ObservedRoleAssignment,
    tenant_id: &str,
) -> Result<wro::NewRbacRoleAssignment, ConvertError> {
    Ok(wro::NewRbacRoleAssignment {
        principal_object_id: a.principal_id.clone(),
        principal_type: rbac_principal_type(a.principal_type)?.into(),
        role_definition_id: rbac_role_id(a.role)?.into(),
        scope: rbac_scope(&a.scope, tenant_id),
    })
}

pub fn rbac_role_assignment_to_wire(
    a: &ObservedRoleAssignment,
    tenant_id: &str,
) -> Result<wro::RbacRoleAssignment, ConvertError> {
    let r = rbac_role_assignment_request(a, tenant_id)?;
    Ok(wro::RbacRoleAssignment {
        role_assignment_id: a.id.clone(),
        principal_object_id: r.principal_object_id,
        role_definition_id: r.role_definition_id,
        scope: r.scope,
        principal_type: r.principal_type,
        ..Default::default()
    })
}

// ---- tenant settings -----------------------------------------------------------------------------

pub fn tenant_settings(s: &TenantSettings) -> BTreeMap<String, Value> {
    flatten_settings(&Value::Object(s.clone()))
}

/// The sparse update body for changed flattened paths.
pub fn tenant_settings_update(changed: &BTreeMap<String, Value>) -> TenantSettings {
    match nest_settings(changed) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

// ---- connectors ------------------------------------------------------------------------------------

/// The live catalog: the Power Apps list plus the virtual connectors, marked unblockable from
/// the governance list; sorted by id.
pub fn connectors(
    list: &[wc::Connector],
    unblockable: &[wc::UnblockableConnector],
    virtuals: &[wc::VirtualConnector],
) -> Vec<catalog::Connector> {
    let is_unblockable = |id: &str| {
        unblockable
            .iter()
            .any(|u| u.metadata.unblockable && u.id.eq_ignore_ascii_case(id))
    };
    let endpoint_filtering = |id: &str| {
        catalog::Catalog::bundled()
            .get(id)
            .is_some_and(|c| c.endpoint_filtering)
    };
    let mut out: BTreeMap<String, catalog::Connector> = BTreeMap::new();
    for c in list {
        out.insert(
            c.id.clone(),
            catalog::Connector {
                name: c.name.clone(),
                id: c.id.clone(),
                display_name: c.properties.display_name.clone(),
                tier: match c.properties.tier.as_deref() {
                    Some(t) if t.eq_ignore_ascii_case("premium") => Tier::Premium,
                    _ => Tier::Standard,
                },
                publisher: c.properties.publisher.clone().unwrap_or_default(),
                unblockable: is_unblockable(&c.id),
                is_virtual: false,
                endpoint_filtering: endpoint_filtering(&c.id),
                metadata: connector_metadata::metadata(&c.properties),
            },
        );
    }
    for v in virtuals {
        out.entry(v.id.clone())
            .or_insert_with(|| catalog::Connector {
                name: v.id.clone(),
                id: v.id.clone(),
                display_name: v.metadata.display_name.clone(),
                tier: Tier::BuiltIn,
                publisher: "Microsoft".into(),
                unblockable: is_unblockable(&v.id),
                is_virtual: true,
                endpoint_filtering: endpoint_filtering(&v.id),
                metadata: Default::default(),
            });
    }
    out.into_values().collect()
}

/// A catalog connector as the Power Apps list shows it (for tests).
pub fn connector_to_wire(c: &catalog::Connector) -> wc::Connector {
    wc::Connector {
        name: c.name.clone(),
        id: c.id.clone(),
        kind: wd::CONNECTOR_TYPE.into(),
        properties: wc::ConnectorProperties {
            display_name: c.display_name.clone(),
            tier: Some(
                match c.tier {
                    Tier::Premium => "Premium",
                    _ => "Standard",
                }
                .into(),
            ),
            publisher: Some(c.publisher.clone()).filter(|p| !p.is_empty()),
            is_custom_api: None,
            other: Default::default(),
        },
    }
}

/// Whether an environment's group reference means "no group".
pub fn is_no_group(id: &str) -> bool {
    id.is_empty() || id == ZERO_GUID
}

pub mod advisor;
mod connector_metadata;
pub mod inventory;
mod snapshot;
pub use snapshot::tenant_snapshot;

#[cfg(test)]
mod tests;
