use super::*;
use ppgov_core::model::{
    BackupRetention, GenerativeAi, GroupRules, MakerWelcomeContent, SharingControls, SharingMode,
    SolutionCheckerMode, Toggle, UsageInsights,
};
use ppgov_tenant_api::rules as wr;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn rule_set(params: Value) -> wr::RuleSet {
    serde_json::from_value(json!({
        "id": "rs1",
        "environmentFilter": {"type": "Include", "values": [{"id": "g1", "type": "EnvironmentGroup"}]},
        "parameters": params,
    }))
    .unwrap()
}

fn values_of(rs: &wr::RuleSet) -> BTreeMap<(String, String), (String, String)> {
    rs.parameters
        .iter()
        .flat_map(|p| {
            p.value.iter().map(move |v| {
                (
                    (p.kind.clone(), v.id.clone()),
                    (p.resource_type.clone(), v.value.clone()),
                )
            })
        })
        .collect()
}

const NOW: &str = "Mon, 02 Nov 2026 10:00:00 GMT";

#[test]
fn classic_rules_both_ways() {
    let rs = rule_set(json!([
        {"type": "Sharing", "resourceType": "App", "value": [
            {"id": "CanShareWithSecurityGroups", "value": "excludeSharingToSecurityGroups"},
            {"id": "IsGroupSharingDisabled", "value": "true"},
            {"id": "MaximumShareLimit", "value": "20"}]},
        {"type": "AdminDigest", "resourceType": "NotSpecified", "value": [
            {"id": "IncludeOnHomePageInsights", "value": "true"},
            {"id": "ExcludeEnvironmentFromAnalysis", "value": "true"}]},
        {"type": "MakerOnboarding", "resourceType": "NotSpecified", "value": [
            {"id": "makerOnboardingUrl", "value": "https://contoso.com"},
            {"id": "makerOnboardingMarkdown", "value": "# Hi"},
            {"id": "makerOnboardingTimestamp", "value": "Thu, 24 Oct 2024 07:29:50 GMT"}]},
        {"type": "SolutionChecker", "resourceType": "NotSpecified", "value": [
            {"id": "solutionCheckerMode", "value": "warn"},
            {"id": "suppressValidationEmails", "value": "true"},
            {"id": "solutionCheckerRuleOverrides", "value": "meta-avoid-reg-no-attribute,app-use-delayoutput-text-input"}]},
        {"type": "Lifecycle", "resourceType": "NotSpecified", "value": [{"id": "RetentionPeriod", "value": "14.00:00:00"}]},
        {"type": "Copilot", "resourceType": "App", "value": [{"id": "DisableAiGeneratedDescriptions", "value": "false"}]},
        {"type": "GenerativeAISettings", "resourceType": "NotSpecified", "value": [
            {"id": "crossGeoCopilotDataMovementEnabled", "value": "true"},
            {"id": "bingChatEnabled", "value": "false"}]},
    ]));
    let mut rules = GroupRules::default();
    let mut unmodelled = BTreeMap::new();
    rules_from_rule_set(&rs, &mut rules, &mut unmodelled);
    assert_eq!(
        unmodelled,
        BTreeMap::from([(
            "Sharing".to_owned(),
            BTreeMap::from([("IsGroupSharingDisabled".to_owned(), "true".to_owned())])
        )])
    );
    assert_eq!(
        rules.sharing_controls,
        Some(SharingControls {
            mode: SharingMode::ExcludeSecurityGroups,
            max_users: Some(20)
        })
    );
    assert_eq!(
        rules.usage_insights,
        Some(UsageInsights {
            enabled: false,
            include_on_home_page: true
        })
    );
    assert_eq!(
        rules.maker_welcome_content,
        Some(MakerWelcomeContent {
            markdown: "# Hi".into(),
            learn_more_url: Some("https://contoso.com".into())
        })
    );
    let checker = rules.solution_checker.clone().unwrap();
    assert_eq!(checker.mode, SolutionCheckerMode::Warn);
    assert!(checker.suppress_validation_emails);
    assert_eq!(
        checker.rule_overrides,
        [
            "meta-avoid-reg-no-attribute",
            "app-use-delayoutput-text-input"
        ]
    );
    assert_eq!(rules.backup_retention, Some(BackupRetention { days: 14 }));
    assert_eq!(
        rules.ai_generated_descriptions,
        Some(Toggle { enabled: true })
    );
    assert_eq!(
        rules.generative_ai,
        Some(GenerativeAi {
            cross_geo_data_movement: true,
            bing_search: false
        })
    );

    // Unchanged content keeps the timestamp; every value comes back as it was.
    let back = rule_set_to_wire("g1", &rules, &unmodelled, Some(&rs), NOW).unwrap();
    assert_eq!(values_of(&back), values_of(&rs));
    assert_eq!(back.id.as_deref(), Some("rs1"));
    assert_eq!(back.group_id(), Some("g1"));

    // Changed content is stamped with `now`.
    let mut changed = rules.clone();
    changed.maker_welcome_content.as_mut().unwrap().markdown = "# Hello".into();
    let back = rule_set_to_wire("g1", &changed, &unmodelled, Some(&rs), NOW).unwrap();
    assert_eq!(
        back.value("MakerOnboarding", "makerOnboardingTimestamp"),
        Some(NOW)
    );
    // ...and so is new content.
    let back = rule_set_to_wire("g1", &rules, &unmodelled, None, NOW).unwrap();
    assert_eq!(
        back.value("MakerOnboarding", "makerOnboardingTimestamp"),
        Some(NOW)
    );
    assert_eq!(back.id, None);
}

#[test]
fn sharing_without_limit_is_minus_one() {
    let s = SharingControls {
        mode: SharingMode::NoLimit,
        max_users: None,
    };
    let rules = GroupRules {
        sharing_controls: Some(s.clone()),
        ..Default::default()
    };
    let rs = rule_set_to_wire("g", &rules, &BTreeMap::new(), None, NOW).unwrap();
    assert_eq!(rs.value("Sharing", "MaximumShareLimit"), Some("-1"));
    assert_eq!(rs.value("Sharing", "IsGroupSharingDisabled"), Some("false"));
    assert_eq!(
        rs.value("Sharing", "CanShareWithSecurityGroups"),
        Some("noLimit")
    );
    assert_eq!(rs.parameters[0].resource_type, "App");
    let mut back = GroupRules::default();
    let mut un = BTreeMap::new();
    rules_from_rule_set(&rs, &mut back, &mut un);
    assert_eq!(back.sharing_controls, Some(s));
    // Changing the mode writes the group-sharing flag that goes with it; keeping the mode
    // keeps whatever the tenant had.
    let exclude = GroupRules {
        sharing_controls: Some(SharingControls {
            mode: SharingMode::ExcludeSecurityGroups,
            max_users: Some(5),
        }),
        ..Default::default()
    };
    let again = rule_set_to_wire("g", &exclude, &un, Some(&rs), NOW).unwrap();
    assert_eq!(
        again.value("Sharing", "IsGroupSharingDisabled"),
        Some("true")
    );
    let mut odd = un.clone();
    odd.get_mut("Sharing")
        .unwrap()
        .insert("IsGroupSharingDisabled".into(), "true".into());
    let again = rule_set_to_wire("g", &rules, &odd, Some(&rs), NOW).unwrap();
    assert_eq!(
        again.value("Sharing", "IsGroupSharingDisabled"),
        Some("true")
    );
}

#[test]
fn unknown_and_unparsable_parameters_are_kept_and_written_back() {
    let rs = rule_set(json!([
        {"type": "CopilotAuth", "resourceType": "AuthoringBot", "value": [{"id": "x", "value": "1"}]},
        {"type": "Lifecycle", "resourceType": "NotSpecified", "value": [{"id": "RetentionPeriod", "value": "P7D"}]},
        {"type": "MakerOnboarding", "resourceType": "NotSpecified", "value": [
            {"id": "makerOnboardingMarkdown", "value": "hi"},
            {"id": "MakerContentRuleBasedPolicy", "value": "true"}]},
    ]));
    let mut rules = GroupRules::default();
    let mut un = BTreeMap::new();
    rules_from_rule_set(&rs, &mut rules, &mut un);
    assert_eq!(rules.backup_retention, None);
    assert!(rules.maker_welcome_content.is_some());
    assert_eq!(un["CopilotAuth"]["x"], "1");
    assert_eq!(un["CopilotAuth"]["@resourceType"], "AuthoringBot");
    assert_eq!(un["Lifecycle"]["RetentionPeriod"], "P7D");
    assert_eq!(un["MakerOnboarding"]["MakerContentRuleBasedPolicy"], "true");
    let back = rule_set_to_wire("g1", &rules, &un, Some(&rs), NOW).unwrap();
    let kinds: Vec<_> = back
        .parameters
        .iter()
        .map(|p| (p.kind.as_str(), p.resource_type.as_str()))
        .collect();
    assert!(
        kinds.contains(&("CopilotAuth", "AuthoringBot")),
        "{kinds:?}"
    );
    assert_eq!(back.value("Lifecycle", "RetentionPeriod"), Some("P7D"));
    assert_eq!(
        back.value("MakerOnboarding", "MakerContentRuleBasedPolicy"),
        Some("true")
    );
    assert_eq!(back.value("CopilotAuth", "x"), Some("1"));
    assert!(
        back.parameters
            .iter()
            .all(|p| p.value.iter().all(|v| !v.id.starts_with('@')))
    );
}

#[test]
fn no_rules_means_no_rule_set() {
    assert!(rule_set_to_wire("g", &GroupRules::default(), &BTreeMap::new(), None, NOW).is_none());
    assert!(policy_to_wire("p", &GroupRules::default(), &BTreeMap::new()).is_none());
}

fn policy(rule_sets: Value) -> wr::RuleBasedPolicy {
    serde_json::from_value(json!({"id": "p1", "name": "ppgov", "ruleSets": rule_sets})).unwrap()
}

#[test]
fn csp_both_ways() {
    let pol = policy(json!([{
        "id": "PowerAppsContentSecurityPolicy", "version": "1.0",
        "inputs": {
            "IsContentSecurityPolicyEnabled": true,
            "IsContentSecurityPolicyEnabledForCanvas": false,
            "ContentSecurityPolicyOptions": 9,
            "ContentSecurityPolicyReportUri": "https://csp.contoso.com/report",
            "ContentSecurityPolicyConfiguration": "{\"Img-Src\":{\"sources\":[{\"source\":\"https://cdn.contoso.com\"},{\"source\":\"data:\"}]},\"Frame-Ancestors\":{\"sources\":[{\"source\":\"'self'\"}]}}",
            "ContentSecurityPolicyReportingEndpoint": "keep-me"
        }
    }]));
    let mut rules = GroupRules::default();
    let mut un = BTreeMap::new();
    rules_from_policy(&pol, &mut rules, &mut un);
    let csp = rules.content_security_policy.clone().unwrap();
    let md = csp.model_driven_apps.clone().unwrap();
    assert!(md.enforce && md.strict);
    assert_eq!(
        md.directives["img-src"],
        ["https://cdn.contoso.com", "data:"]
    );
    assert_eq!(md.directives["frame-ancestors"], ["'self'"]);
    let canvas = csp.canvas_apps.clone().unwrap();
    assert!(!canvas.enforce && canvas.strict && canvas.directives.is_empty());
    assert_eq!(csp.code_apps, None);
    assert_eq!(
        csp.report_uri.as_deref(),
        Some("https://csp.contoso.com/report")
    );
    // Only the unmodelled input is kept.
    assert_eq!(un.len(), 1);
    assert_eq!(
        un["PowerAppsContentSecurityPolicy"],
        json!({"ContentSecurityPolicyReportingEndpoint": "keep-me"})
    );

    let back = policy_to_wire("ppgov", &rules, &un).unwrap();
    assert_eq!(back.rule_sets.len(), 1);
    let inputs = &back.rule_sets[0].inputs;
    let original = &pol.rule_sets[0].inputs;
    for key in [
        "IsContentSecurityPolicyEnabled",
        "IsContentSecurityPolicyEnabledForCanvas",
        "ContentSecurityPolicyOptions",
        "ContentSecurityPolicyReportUri",
        "ContentSecurityPolicyReportingEndpoint",
    ] {
        assert_eq!(inputs[key], original[key], "{key}");
    }
    // The configuration string is equivalent JSON.
    let a: Value = serde_json::from_str(
        inputs["ContentSecurityPolicyConfiguration"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let b: Value = serde_json::from_str(
        original["ContentSecurityPolicyConfiguration"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(a, b);
    assert_eq!(back.rule_sets[0].version, "1.0");
}

#[test]
fn csp_unknown_option_bits_and_odd_configs_survive() {
    let pol = policy(json!([{
        "id": "PowerAppsContentSecurityPolicy", "version": "1.0",
        "inputs": {
            "IsContentSecurityPolicyEnabledForCodeApps": true,
            "ContentSecurityPolicyOptions": 64 + 8,
            "ContentSecurityPolicyConfigurationForCodeApps": "{\"Img-Src\":{\"sources\":[],\"mode\":\"x\"}}"
        }
    }]));
    let mut rules = GroupRules::default();
    let mut un = BTreeMap::new();
    rules_from_policy(&pol, &mut rules, &mut un);
    let csp = rules.content_security_policy.clone().unwrap();
    assert!(csp.code_apps.as_ref().unwrap().enforce);
    assert!(csp.canvas_apps.is_none());
    let kept = &un["PowerAppsContentSecurityPolicy"];
    assert_eq!(kept["ContentSecurityPolicyOptions"], json!(72));
    let back = policy_to_wire("ppgov", &rules, &un).unwrap();
    assert_eq!(back.rule_sets[0].inputs, pol.rule_sets[0].inputs);
}

#[test]
fn advanced_connector_policies_both_ways() {
    let pol = policy(json!([
        {"id": "ConnectorManagement", "version": "1.0", "inputs": {"AllowedConnectorList": [
            {"AllowedConnector": "/providers/Microsoft.PowerApps/apis/shared_office365",
             "AllowedActionsMode": "AllAllowed", "AllowedConnectionTypesMode": "AllAllowed"},
            {"AllowedConnector": "/providers/Microsoft.PowerApps/apis/shared_sharepointonline",
             "AllowedActionsMode": "SomeAllowed", "AllowedActions": ["GetItem", "GetItems"],
             "AllowedConnectionTypesMode": "AllAllowed"}]}},
        {"id": "AdvancedConnectorPoliciesOnly", "version": "1.0", "inputs": {"EnableAdvancedConnectorPoliciesOnly": true}},
        {"id": "ReleaseChannel", "version": "2.0", "inputs": {"channel": "Monthly"}},
    ]));
    let mut rules = GroupRules::default();
    let mut un = BTreeMap::new();
    rules_from_policy(&pol, &mut rules, &mut un);
    let acp = rules.advanced_connector_policies.clone().unwrap();
    assert!(acp.enforce_only);
    assert_eq!(acp.allowed_connectors.len(), 2);
    assert_eq!(acp.allowed_connectors[0].actions, None);
    assert_eq!(
        acp.allowed_connectors[1].actions.as_deref(),
        Some(&["GetItem".to_owned(), "GetItems".to_owned()][..])
    );
    assert_eq!(un.len(), 1);
    assert_eq!(
        un["ReleaseChannel"],
        json!({"channel": "Monthly", "@version": "2.0"})
    );
    let back = policy_to_wire("ppgov", &rules, &un).unwrap();
    assert_eq!(back.rule_sets, pol.rule_sets);
}

#[test]
fn acp_only_without_connector_management_is_kept_verbatim() {
    let pol = policy(json!([
        {"id": "AdvancedConnectorPoliciesOnly", "version": "1.0", "inputs": {"EnableAdvancedConnectorPoliciesOnly": false}},
    ]));
    let mut rules = GroupRules::default();
    let mut un = BTreeMap::new();
    rules_from_policy(&pol, &mut rules, &mut un);
    assert!(rules.advanced_connector_policies.is_none());
    let back = policy_to_wire("ppgov", &rules, &un).unwrap();
    assert_eq!(back.rule_sets, pol.rule_sets);
}

#[test]
fn directive_names() {
    assert_eq!(directive_to_wire("img-src"), "Img-Src");
    assert_eq!(directive_to_wire("frame-ancestors"), "Frame-Ancestors");
    assert_eq!(parse_csp_directives("").unwrap(), BTreeMap::new());
    assert!(parse_csp_directives("not json").is_none());
}
