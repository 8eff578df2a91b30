//! A group's rules in its rule-based policy (advanced connector policies, content security
//! policy), both ways.

use crate::convert::VERSION_KEY;
use ppgov_core::model::{
    AdvancedConnectorPolicies, AllowedConnector, ContentSecurityPolicy, CspSettings, GroupRules,
};
use ppgov_tenant_api::rules::{self as wr, policy_rule_sets as prs};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub(crate) const ALLOWED_CONNECTOR_LIST: &str = "AllowedConnectorList";
pub(crate) const ENABLE_ACP_ONLY: &str = "EnableAdvancedConnectorPoliciesOnly";
pub(crate) const CSP_ENABLED: &str = "IsContentSecurityPolicyEnabled";
pub(crate) const CSP_ENABLED_CANVAS: &str = "IsContentSecurityPolicyEnabledForCanvas";
pub(crate) const CSP_ENABLED_CODE: &str = "IsContentSecurityPolicyEnabledForCodeApps";
pub(crate) const CSP_OPTIONS: &str = "ContentSecurityPolicyOptions";
pub(crate) const CSP_REPORT_URI: &str = "ContentSecurityPolicyReportUri";
pub(crate) const CSP_CONFIG: &str = "ContentSecurityPolicyConfiguration";
pub(crate) const CSP_CONFIG_CANVAS: &str = "ContentSecurityPolicyConfigurationForCanvas";
pub(crate) const CSP_CONFIG_CODE: &str = "ContentSecurityPolicyConfigurationForCodeApps";
/// `ContentSecurityPolicyOptions` bits.
pub(crate) const CSP_STRICT_MODEL_DRIVEN: u64 = 1;
pub(crate) const CSP_STRICT_CANVAS: u64 = 8;

type Inputs = BTreeMap<String, Value>;

pub(crate) fn parse_allowed_connectors(list: &Value) -> Option<Vec<AllowedConnector>> {
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

pub(crate) fn write_allowed_connectors(list: &[AllowedConnector]) -> Value {
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
pub(crate) fn directive_to_wire(name: &str) -> String {
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

pub(crate) fn as_bits(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Reads the CSP rule set's inputs; consumed keys are removed from `inputs`.
pub(crate) fn parse_csp(inputs: &mut Inputs) -> ContentSecurityPolicy {
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

pub(crate) fn write_csp(csp: &ContentSecurityPolicy, kept: &Inputs) -> Inputs {
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

pub(crate) fn versioned(inputs: Inputs, version: &str) -> Value {
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

pub(crate) fn is_modelled_rule_set(id: &str) -> bool {
    matches!(
        id,
        prs::CONNECTOR_MANAGEMENT
            | prs::ADVANCED_CONNECTOR_POLICIES_ONLY
            | prs::CONTENT_SECURITY_POLICY
    )
}

/// Splits a kept entry into its inputs and version.
pub(crate) fn kept_inputs(v: Option<&Value>) -> (Inputs, String) {
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
