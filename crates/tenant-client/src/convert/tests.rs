use super::*;
use ppgov_core::model::{
    AllowBlock, BackupRetention, ConnectorGroup, GenerativeAi, GroupRules, MakerWelcomeContent,
    PatternGroup, PrincipalType, Role, ScopeMode, SharingControls, SharingMode,
    SolutionCheckerMode, Toggle, UsageInsights,
};
use ppgov_core::observed::{ObservedDlpPolicy, ObservedEnvironment, ObservedScope};
use ppgov_tenant_api::dlp as wd;
use ppgov_tenant_api::environments as we;
use ppgov_tenant_api::roles as wro;
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

fn dlp_doc() -> wd::PolicyDocument {
    serde_json::from_value(json!({
        "policyDefinition": {
            "name": "6b1d0c9e-5f3a-4e72-8c41-0a9d2b7e5f13",
            "displayName": "Prod guardrails",
            "defaultConnectorsClassification": "Blocked",
            "connectorGroups": [
                {"classification": "Confidential", "connectors": [
                    {"id": "/providers/Microsoft.PowerApps/apis/shared_sql", "name": "shared_sql", "type": "Microsoft.PowerApps/apis"}]},
                {"classification": "General", "connectors": null},
                {"classification": "Blocked", "connectors": [
                    {"id": "/providers/Microsoft.PowerApps/apis/shared_twitter", "name": "shared_twitter", "type": "Microsoft.PowerApps/apis"}]}
            ],
            "environmentType": "ExceptEnvironments",
            "environments": [{"id": "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/1F0E", "name": "1F0E", "type": "Microsoft.BusinessAppPlatform/scopes/environments"}],
            "createdBy": {"displayName": "Admin"},
            "createdTime": "2026-10-02T07:38:50Z",
            "lastModifiedTime": "2026-10-02T07:56:43Z",
            "etag": "e1",
            "isLegacySchemaVersion": false
        },
        "connectorConfigurationsDefinition": {
            "connectorActionConfigurations": [{"connectorId": "/providers/Microsoft.PowerApps/apis/shared_sql",
                "actionRules": [{"actionId": "DeleteItem_V2", "behavior": "Block"}],
                "defaultConnectorActionRuleBehavior": "Allow"}],
            "endpointConfigurations": [{"connectorId": "/providers/Microsoft.PowerApps/apis/shared_sql", "endpointRules": [
                {"order": 3, "behavior": "Deny", "endPoint": "*"},
                {"order": 1, "behavior": "Allow", "endPoint": "a.database.windows.net,sales"},
                {"order": 2, "behavior": "Deny", "endPoint": "b.database.windows.net,hr"}]}]
        },
        "customConnectorUrlPatternsDefinition": {"rules": [
            {"order": 2, "customConnectorRuleClassification": "Ignore", "pattern": "*"},
            {"order": 1, "customConnectorRuleClassification": "Confidential", "pattern": "https://*.contoso.com"}]}
    }))
    .unwrap()
}

#[test]
fn dlp_reads_groups_scope_and_sorts_rules_by_order() {
    let p = dlp_policy(&dlp_doc()).unwrap();
    assert_eq!(p.scope_mode, Some(ScopeMode::AllExcept));
    assert_eq!(p.environment_ids.iter().collect::<Vec<_>>(), ["1f0e"]);
    assert_eq!(p.default_group, ConnectorGroup::Blocked);
    assert_eq!(
        p.classification["/providers/Microsoft.PowerApps/apis/shared_sql"],
        ConnectorGroup::Business
    );
    assert_eq!(
        p.classification["/providers/Microsoft.PowerApps/apis/shared_twitter"],
        ConnectorGroup::Blocked
    );
    let ep: Vec<_> = p.endpoint_rules["/providers/Microsoft.PowerApps/apis/shared_sql"]
        .iter()
        .map(|r| r.endpoint.as_str())
        .collect();
    assert_eq!(
        ep,
        [
            "a.database.windows.net,sales",
            "b.database.windows.net,hr",
            "*"
        ]
    );
    assert_eq!(p.custom_connector_patterns[0].group, PatternGroup::Business);
    assert_eq!(p.custom_connector_patterns[1].group, PatternGroup::Ignore);
    assert_eq!(p.etag.as_deref(), Some("e1"));
    assert_eq!(p.last_modified.as_deref(), Some("2026-10-02T07:56:43Z"));
    let actions = &p.action_rules["/providers/Microsoft.PowerApps/apis/shared_sql"];
    assert_eq!(actions.default_behavior, AllowBlock::Allow);
    assert_eq!(actions.actions["DeleteItem_V2"], AllowBlock::Block);
}

#[test]
fn dlp_writes_the_documented_shape() {
    let p = dlp_policy(&dlp_doc()).unwrap();
    let doc = dlp_policy_to_wire(&p).unwrap();
    let v = serde_json::to_value(&doc).unwrap();
    let def = &v["policyDefinition"];
    let classes: Vec<_> = def["connectorGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["classification"].as_str().unwrap())
        .collect();
    assert_eq!(classes, ["Confidential", "General", "Blocked"]);
    assert_eq!(def["connectorGroups"][1]["connectors"], json!([]));
    for read_only in [
        "createdBy",
        "createdTime",
        "lastModifiedBy",
        "lastModifiedTime",
        "etag",
        "isLegacySchemaVersion",
    ] {
        assert!(def.get(read_only).is_none(), "{read_only} sent");
    }
    assert_eq!(def["environmentType"], "ExceptEnvironments");
    assert_eq!(def["environments"][0]["name"], "1f0e");
    let rules =
        &v["connectorConfigurationsDefinition"]["endpointConfigurations"][0]["endpointRules"];
    assert_eq!(
        rules[0],
        json!({"order": 1, "behavior": "Allow", "endpoint": "a.database.windows.net,sales"})
    );
    assert_eq!(
        rules[2],
        json!({"order": 3, "behavior": "Deny", "endpoint": "*"})
    );
    let pats = &v["customConnectorUrlPatternsDefinition"]["rules"];
    assert_eq!(
        pats[0],
        json!({"order": 1, "customConnectorRuleClassification": "Confidential", "pattern": "https://*.contoso.com"})
    );
    assert_eq!(pats[1]["order"], 2);
    // And back: the same model (etag and times are the server's).
    let again = dlp_policy(&doc).unwrap();
    assert_eq!(
        ObservedDlpPolicy {
            etag: p.etag.clone(),
            last_modified: p.last_modified.clone(),
            ..again
        },
        p
    );

    // No rules: no configurations object, an empty pattern list; create has no name.
    let bare = ObservedDlpPolicy {
        id: String::new(),
        action_rules: BTreeMap::new(),
        endpoint_rules: BTreeMap::new(),
        custom_connector_patterns: Vec::new(),
        scope_mode: Some(ScopeMode::All),
        ..p
    };
    let v = serde_json::to_value(dlp_policy_to_wire(&bare).unwrap()).unwrap();
    assert!(v.get("connectorConfigurationsDefinition").is_none());
    assert!(v["policyDefinition"].get("name").is_none());
    assert_eq!(v["policyDefinition"]["environments"], json!([]));
    assert_eq!(
        v["customConnectorUrlPatternsDefinition"],
        json!({"rules": []})
    );
}

#[test]
fn environment_level_policies_are_read_but_never_written() {
    let mut doc = dlp_doc();
    doc.policy_definition.environment_type = "SingleEnvironment".into();
    let p = dlp_policy(&doc).unwrap();
    assert_eq!(p.scope_mode, None);
    assert!(dlp_policy_to_wire(&p).is_err());
}

#[test]
fn bap_role_assignments() {
    let a: wro::BapRoleAssignment = serde_json::from_value(json!({
        "id": "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/E1/roleAssignments/r1",
        "properties": {
            "roleDefinition": {"id": ".../roleDefinitions/environmentadmin"},
            "principal": {"id": "ABC", "displayName": "Dana", "type": "User"}
        }
    }))
    .unwrap();
    let o = bap_role_assignment(&a, "E1");
    assert_eq!(o.role, Some(Role::EnvironmentAdmin));
    assert_eq!(o.principal_id, "abc");
    assert_eq!(o.principal_type, Some(PrincipalType::User));
    assert_eq!(o.scope, ObservedScope::Environment("e1".into()));
    let req = bap_role_assignment_request(&o, "t1").unwrap();
    assert_eq!(
        req.properties.role_definition.id,
        "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/e1/roleDefinitions/EnvironmentAdmin"
    );
    assert_eq!(req.properties.principal.kind, "User");
    let back = bap_role_assignment(&bap_role_assignment_to_wire(&o, "t1").unwrap(), "e1");
    assert_eq!(back, o);

    let mut tenant = a.clone();
    tenant.properties.principal.kind = "Tenant".into();
    tenant.properties.role_definition.id = ".../roleDefinitions/SomethingElse".into();
    let o = bap_role_assignment(&tenant, "e1");
    assert_eq!(o.principal_type, None);
    assert_eq!(o.role, None);
    assert!(bap_role_assignment_request(&o, "t").is_err());
}

#[test]
fn rbac_role_assignments_and_scopes() {
    for (scope, expected) in [
        ("/tenants/T1", ObservedScope::Tenant),
        (
            "/tenants/t1/environmentGroups/G1",
            ObservedScope::EnvironmentGroup("g1".into()),
        ),
        (
            "/tenants/t1/environments/E1",
            ObservedScope::Environment("e1".into()),
        ),
    ] {
        let a = wro::RbacRoleAssignment {
            role_assignment_id: "ra1".into(),
            principal_object_id: "P1".into(),
            role_definition_id: wro::rbac_roles::CONTRIBUTOR.to_uppercase(),
            scope: scope.into(),
            principal_type: "ApplicationUser".into(),
            ..Default::default()
        };
        let o = rbac_role_assignment(&a).unwrap();
        assert_eq!(o.scope, expected);
        assert_eq!(o.role, Some(Role::Contributor));
        assert_eq!(o.principal_type, Some(PrincipalType::ServicePrincipal));
        let req = rbac_role_assignment_request(&o, "t1").unwrap();
        assert_eq!(req.principal_type, "ApplicationUser");
        assert_eq!(req.role_definition_id, wro::rbac_roles::CONTRIBUTOR);
        assert_eq!(req.scope.to_lowercase(), scope.to_lowercase());
        assert_eq!(
            rbac_role_assignment(&rbac_role_assignment_to_wire(&o, "t1").unwrap()).unwrap(),
            o
        );
    }
    let custom = wro::RbacRoleAssignment {
        role_definition_id: "11111111-1111-1111-1111-111111111111".into(),
        scope: "/tenants/t".into(),
        principal_type: "Robot".into(),
        ..Default::default()
    };
    let o = rbac_role_assignment(&custom).unwrap();
    assert_eq!((o.role, o.principal_type), (None, None));
    assert_eq!(
        parse_rbac_scope("/subscriptions/x"),
        ObservedScope::Unknown("/subscriptions/x".into())
    );
}

#[test]
fn rbac_scopes_without_the_tenant_prefix_are_read() {
    assert_eq!(
        parse_rbac_scope("/environments/ABC-1"),
        ObservedScope::Environment("abc-1".into())
    );
    assert_eq!(
        parse_rbac_scope("/environmentGroups/G-1"),
        ObservedScope::EnvironmentGroup("g-1".into())
    );
    assert_eq!(parse_rbac_scope("/tenants/t1"), ObservedScope::Tenant);
    for odd in [
        "/",
        "/environments/",
        "/tenants",
        "/tenants/t/apps/x",
        "environment",
    ] {
        assert_eq!(
            parse_rbac_scope(odd),
            ObservedScope::Unknown(odd.into()),
            "{odd}"
        );
    }
    // An assignment at an unknown scope still converts (the plan notes it).
    let a = wro::RbacRoleAssignment {
        role_assignment_id: "r1".into(),
        principal_object_id: "P".into(),
        role_definition_id: wro::rbac_roles::READER.into(),
        scope: "/subscriptions/s1".into(),
        principal_type: "User".into(),
        ..Default::default()
    };
    assert_eq!(
        rbac_role_assignment(&a).unwrap().scope,
        ObservedScope::Unknown("/subscriptions/s1".into())
    );
}

#[test]
fn environments_both_ways() {
    let e: we::Environment = serde_json::from_value(json!({
        "id": "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/ABC",
        "name": "ABC", "location": "europe",
        "properties": {
            "displayName": "Finance Prod", "environmentSku": "Production", "isDefault": false,
            "parentEnvironmentGroup": {"id": "G1"},
            "governanceConfiguration": {"protectionLevel": "Standard"},
            "linkedEnvironmentMetadata": {"instanceUrl": "https://x"},
            "states": {"management": {"id": "Running"}}
        }
    }))
    .unwrap();
    let o = environment(&e);
    assert_eq!(
        o,
        ObservedEnvironment {
            id: "abc".into(),
            display_name: "Finance Prod".into(),
            environment_type: "Production".into(),
            region: "europe".into(),
            managed: true,
            group_id: Some("g1".into()),
            has_dataverse: true,
            is_default: false,
            busy: true,
            ..Default::default()
        }
    );
    assert_eq!(environment(&environment_to_wire(&o)), o);
    let mut zero = e.clone();
    zero.properties.parent_environment_group = Some(we::GroupRef {
        id: ZERO_GUID.into(),
    });
    zero.properties.governance_configuration = None;
    let o = environment(&zero);
    assert_eq!((o.group_id, o.managed), (None, false));
    assert_eq!(
        serde_json::to_value(governance_request(true)).unwrap(),
        json!({"protectionLevel": "Standard"})
    );
    assert_eq!(
        serde_json::to_value(governance_request(false)).unwrap(),
        json!({"protectionLevel": "Basic"})
    );
}

#[test]
fn tenant_settings_update_is_sparse_and_nested() {
    let changed = BTreeMap::from([
        (
            "powerPlatform.powerApps.disableShareWithEveryone".to_owned(),
            json!(true),
        ),
        ("walkMeOptOut".to_owned(), json!(false)),
    ]);
    let body = tenant_settings_update(&changed);
    assert_eq!(
        Value::Object(body.clone()),
        json!({"powerPlatform": {"powerApps": {"disableShareWithEveryone": true}}, "walkMeOptOut": false})
    );
    assert_eq!(tenant_settings(&body), changed);
}

#[test]
fn directive_names() {
    assert_eq!(directive_to_wire("img-src"), "Img-Src");
    assert_eq!(directive_to_wire("frame-ancestors"), "Frame-Ancestors");
    assert_eq!(parse_csp_directives("").unwrap(), BTreeMap::new());
    assert!(parse_csp_directives("not json").is_none());
}

#[test]
fn an_environment_ppgov_created_says_so_in_its_description_and_keeps_its_delete_lock() {
    let created = ObservedEnvironment {
        id: "abc".into(),
        display_name: "HR Sandbox".into(),
        environment_type: "Sandbox".into(),
        region: "europe".into(),
        owner: Some("contoso-governance".into()),
        ..Default::default()
    };
    let request = create_environment_request(&created);
    let description = request.properties.description.clone().unwrap();
    assert_eq!(
        owner_of(&description).as_deref(),
        Some("contoso-governance")
    );
    assert_eq!(request.properties.environment_sku, "Sandbox");
    assert_eq!(request.location, "europe");
    assert_eq!(request.properties.database_type, None);
    // The recorded shape of `lifecycleOperationsEnforcement` (TF fixtures, reference §5.3).
    let locked: we::Environment = serde_json::from_value(json!({
        "name": "abc",
        "location": "europe",
        "properties": {
            "displayName": "HR Sandbox",
            "description": description,
            "environmentSku": "Sandbox",
            "lifecycleOperationsEnforcement": {
                "allowedOperations": [{"type": {"id": "Backup"}}],
                "disallowedOperations": [{"type": {"id": "Delete"}, "reason": {"message": "Locked by policy.", "type": "GovernanceConfig"}}]
            }
        }
    }))
    .unwrap();
    let o = environment(&locked);
    assert_eq!(o.owner.as_deref(), Some("contoso-governance"));
    assert_eq!(o.delete_blocked.as_deref(), Some("Locked by policy."));
    assert_eq!(environment(&environment_to_wire(&o)), o);
    assert_eq!(owner_of("made by hand"), None);
}

#[test]
fn an_apps_consent_bypass_and_quarantine_reach_the_model() {
    let app = |properties: Value| -> ppgov_core::inventory::InventoryItem {
        let wire: ppgov_tenant_api::inventory::App = serde_json::from_value(json!({
            "name": "A1", "properties": properties,
            "id": "/providers/Microsoft.PowerApps/scopes/admin/environments/env-1/apps/A1"
        }))
        .unwrap();
        inventory::app(&wire).unwrap()
    };
    let plain = app(json!({"displayName": "x"}));
    assert_eq!((plain.bypass_consent, plain.quarantined), (None, None));
    let flagged = app(json!({"bypassConsent": true, "appQuarantineState": "Quarantined"}));
    assert_eq!(
        (flagged.bypass_consent, flagged.quarantined),
        (Some(true), Some(true))
    );
    let lifted = app(json!({"bypassConsent": false, "quarantineStatus": "Unquarantined"}));
    assert_eq!(
        (lifted.bypass_consent, lifted.quarantined),
        (Some(false), Some(false))
    );
}
