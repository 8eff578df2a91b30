//! An environment group's rules as the model holds them: in the desired state, in the observed
//! state and in the plan JSON. The YAML shape (`doc::GroupRules`) converts into these in
//! lowering; `ppgov-tenant-client`'s `convert` maps them to and from the wire. The serde form
//! is the plan file's (pinned by a test below), so renaming a YAML field cannot change it.
//!
//! The conversions destructure every field, so a rule added to the YAML but not to the model
//! (or back, for import) is a compile error.

use crate::doc;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The group's rules. A rule left out is not managed by ppgov.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GroupRules {
    pub sharing_controls: Option<SharingControls>,
    pub usage_insights: Option<UsageInsights>,
    pub maker_welcome_content: Option<MakerWelcomeContent>,
    pub solution_checker: Option<SolutionChecker>,
    pub backup_retention: Option<BackupRetention>,
    pub ai_generated_descriptions: Option<Toggle>,
    pub generative_ai: Option<GenerativeAi>,
    /// A rule-based policy on the wire.
    pub advanced_connector_policies: Option<AdvancedConnectorPolicies>,
    /// A rule-based policy on the wire.
    pub content_security_policy: Option<ContentSecurityPolicy>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SharingMode {
    NoLimit,
    ExcludeSecurityGroups,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SharingControls {
    pub mode: SharingMode,
    pub max_users: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UsageInsights {
    pub enabled: bool,
    #[serde(default)]
    pub include_on_home_page: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MakerWelcomeContent {
    pub markdown: String,
    pub learn_more_url: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SolutionCheckerMode {
    None,
    Warn,
    Block,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SolutionChecker {
    pub mode: SolutionCheckerMode,
    #[serde(default)]
    pub suppress_validation_emails: bool,
    #[serde(default)]
    pub rule_overrides: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BackupRetention {
    pub days: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Toggle {
    pub enabled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GenerativeAi {
    pub cross_geo_data_movement: bool,
    pub bing_search: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdvancedConnectorPolicies {
    #[serde(default)]
    pub enforce_only: bool,
    pub allowed_connectors: Vec<AllowedConnector>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AllowedConnector {
    pub connector: String,
    /// `None` allows every action.
    pub actions: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContentSecurityPolicy {
    pub model_driven_apps: Option<CspSettings>,
    pub canvas_apps: Option<CspSettings>,
    pub code_apps: Option<CspSettings>,
    pub report_uri: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CspSettings {
    pub enforce: bool,
    #[serde(default)]
    pub strict: bool,
    #[serde(default)]
    pub directives: BTreeMap<String, Vec<String>>,
}

/// Field-for-field conversions in both directions (YAML -> model in lowering, model -> YAML in
/// import), each destructuring its source so that no field can be forgotten.
macro_rules! same_fields {
    ($($name:ident { $($field:ident),* })*) => {$(
        impl From<doc::$name> for $name {
            fn from(value: doc::$name) -> Self {
                let doc::$name { $($field),* } = value;
                $name { $($field: $field.into()),* }
            }
        }
        impl From<$name> for doc::$name {
            fn from(value: $name) -> Self {
                let $name { $($field),* } = value;
                doc::$name { $($field: $field.into()),* }
            }
        }
    )*};
}

same_fields! {
    SharingControls { mode, max_users }
    UsageInsights { enabled, include_on_home_page }
    MakerWelcomeContent { markdown, learn_more_url }
    SolutionChecker { mode, suppress_validation_emails, rule_overrides }
    BackupRetention { days }
    Toggle { enabled }
    GenerativeAi { cross_geo_data_movement, bing_search }
    AllowedConnector { connector, actions }
    CspSettings { enforce, strict, directives }
}

/// Both ways between two enums with the same variants.
macro_rules! same_variants {
    ($($name:ident { $($variant:ident),* })*) => {$(
        impl From<doc::$name> for $name {
            fn from(value: doc::$name) -> Self {
                match value { $(doc::$name::$variant => $name::$variant),* }
            }
        }
        impl From<$name> for doc::$name {
            fn from(value: $name) -> Self {
                match value { $($name::$variant => doc::$name::$variant),* }
            }
        }
    )*};
}

same_variants! {
    SharingMode { NoLimit, ExcludeSecurityGroups }
    SolutionCheckerMode { None, Warn, Block }
}

fn option<A, B: From<A>>(value: Option<A>) -> Option<B> {
    value.map(Into::into)
}

impl From<doc::GroupRules> for GroupRules {
    fn from(value: doc::GroupRules) -> Self {
        let doc::GroupRules {
            sharing_controls,
            usage_insights,
            maker_welcome_content,
            solution_checker,
            backup_retention,
            ai_generated_descriptions,
            generative_ai,
            advanced_connector_policies,
            content_security_policy,
        } = value;
        GroupRules {
            sharing_controls: option(sharing_controls),
            usage_insights: option(usage_insights),
            maker_welcome_content: option(maker_welcome_content),
            solution_checker: option(solution_checker),
            backup_retention: option(backup_retention),
            ai_generated_descriptions: option(ai_generated_descriptions),
            generative_ai: option(generative_ai),
            advanced_connector_policies: option(advanced_connector_policies),
            content_security_policy: option(content_security_policy),
        }
    }
}

impl From<GroupRules> for doc::GroupRules {
    fn from(value: GroupRules) -> Self {
        let GroupRules {
            sharing_controls,
            usage_insights,
            maker_welcome_content,
            solution_checker,
            backup_retention,
            ai_generated_descriptions,
            generative_ai,
            advanced_connector_policies,
            content_security_policy,
        } = value;
        doc::GroupRules {
            sharing_controls: option(sharing_controls),
            usage_insights: option(usage_insights),
            maker_welcome_content: option(maker_welcome_content),
            solution_checker: option(solution_checker),
            backup_retention: option(backup_retention),
            ai_generated_descriptions: option(ai_generated_descriptions),
            generative_ai: option(generative_ai),
            advanced_connector_policies: option(advanced_connector_policies),
            content_security_policy: option(content_security_policy),
        }
    }
}

impl From<doc::AdvancedConnectorPolicies> for AdvancedConnectorPolicies {
    fn from(value: doc::AdvancedConnectorPolicies) -> Self {
        let doc::AdvancedConnectorPolicies {
            enforce_only,
            allowed_connectors,
        } = value;
        AdvancedConnectorPolicies {
            enforce_only,
            allowed_connectors: allowed_connectors.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<AdvancedConnectorPolicies> for doc::AdvancedConnectorPolicies {
    fn from(value: AdvancedConnectorPolicies) -> Self {
        let AdvancedConnectorPolicies {
            enforce_only,
            allowed_connectors,
        } = value;
        doc::AdvancedConnectorPolicies {
            enforce_only,
            allowed_connectors: allowed_connectors.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<doc::ContentSecurityPolicy> for ContentSecurityPolicy {
    fn from(value: doc::ContentSecurityPolicy) -> Self {
        let doc::ContentSecurityPolicy {
            model_driven_apps,
            canvas_apps,
            code_apps,
            report_uri,
        } = value;
        ContentSecurityPolicy {
            model_driven_apps: option(model_driven_apps),
            canvas_apps: option(canvas_apps),
            code_apps: option(code_apps),
            report_uri,
        }
    }
}

impl From<ContentSecurityPolicy> for doc::ContentSecurityPolicy {
    fn from(value: ContentSecurityPolicy) -> Self {
        let ContentSecurityPolicy {
            model_driven_apps,
            canvas_apps,
            code_apps,
            report_uri,
        } = value;
        doc::ContentSecurityPolicy {
            model_driven_apps: option(model_driven_apps),
            canvas_apps: option(canvas_apps),
            code_apps: option(code_apps),
            report_uri,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_rule() -> GroupRules {
        let csp = |enforce| CspSettings {
            enforce,
            strict: !enforce,
            directives: BTreeMap::from([("img-src".to_owned(), vec!["https://cdn".to_owned()])]),
        };
        GroupRules {
            sharing_controls: Some(SharingControls {
                mode: SharingMode::ExcludeSecurityGroups,
                max_users: Some(20),
            }),
            usage_insights: Some(UsageInsights {
                enabled: true,
                include_on_home_page: false,
            }),
            maker_welcome_content: Some(MakerWelcomeContent {
                markdown: "Hi".to_owned(),
                learn_more_url: None,
            }),
            solution_checker: Some(SolutionChecker {
                mode: SolutionCheckerMode::Block,
                suppress_validation_emails: true,
                rule_overrides: vec!["r1".to_owned()],
            }),
            backup_retention: Some(BackupRetention { days: 14 }),
            ai_generated_descriptions: Some(Toggle { enabled: false }),
            generative_ai: Some(GenerativeAi {
                cross_geo_data_movement: true,
                bing_search: false,
            }),
            advanced_connector_policies: Some(AdvancedConnectorPolicies {
                enforce_only: false,
                allowed_connectors: vec![AllowedConnector {
                    connector: "shared_office365".to_owned(),
                    actions: Some(vec!["SendEmail".to_owned()]),
                }],
            }),
            content_security_policy: Some(ContentSecurityPolicy {
                model_driven_apps: Some(csp(true)),
                canvas_apps: Some(csp(false)),
                code_apps: None,
                report_uri: Some("https://report".to_owned()),
            }),
        }
    }

    /// The plan file's form of group rules: field names, order and `null`s. Changing it
    /// changes every saved plan.
    #[test]
    fn group_rules_serialise_in_the_plan_file_form() {
        assert_eq!(
            serde_json::to_string(&every_rule()).unwrap(),
            concat!(
                r#"{"sharingControls":{"mode":"excludeSecurityGroups","maxUsers":20},"#,
                r#""usageInsights":{"enabled":true,"includeOnHomePage":false},"#,
                r#""makerWelcomeContent":{"markdown":"Hi","learnMoreUrl":null},"#,
                r#""solutionChecker":{"mode":"block","suppressValidationEmails":true,"ruleOverrides":["r1"]},"#,
                r#""backupRetention":{"days":14},"#,
                r#""aiGeneratedDescriptions":{"enabled":false},"#,
                r#""generativeAi":{"crossGeoDataMovement":true,"bingSearch":false},"#,
                r#""advancedConnectorPolicies":{"enforceOnly":false,"allowedConnectors":[{"connector":"shared_office365","actions":["SendEmail"]}]},"#,
                r#""contentSecurityPolicy":{"modelDrivenApps":{"enforce":true,"strict":false,"directives":{"img-src":["https://cdn"]}},"#,
                r#""canvasApps":{"enforce":false,"strict":true,"directives":{"img-src":["https://cdn"]}},"codeApps":null,"reportUri":"https://report"}}"#,
            )
        );
        assert_eq!(
            serde_json::to_string(&GroupRules::default()).unwrap(),
            concat!(
                r#"{"sharingControls":null,"usageInsights":null,"makerWelcomeContent":null,"#,
                r#""solutionChecker":null,"backupRetention":null,"aiGeneratedDescriptions":null,"#,
                r#""generativeAi":null,"advancedConnectorPolicies":null,"contentSecurityPolicy":null}"#,
            )
        );
    }

    #[test]
    fn the_yaml_form_converts_both_ways_without_loss() {
        let rules = every_rule();
        let yaml: doc::GroupRules = rules.clone().into();
        assert_eq!(GroupRules::from(yaml), rules);
    }
}
