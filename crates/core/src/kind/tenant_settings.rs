//! `TenantSettings`: the tenant-wide settings ppgov governs (one document per repository).
//! The document as written, the settings as the desired state carries them, and lowering.

use crate::diag::{Code, Diagnostic};
use crate::kind::Kind;
use crate::lower::{LowerKind, Lowering};
use crate::model::Desired;
use model::TenantSettings;
use spec::TenantSettingsSpec;

/// The document as written (re-exported as `crate::doc::*`; generates the schema).
pub mod spec {
    use crate::doc::Guid;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    /// Tenant settings. Partial: only the settings written here are managed; names are the
    /// platform's own (`listTenantSettings`).
    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct TenantSettingsSpec {
        pub walk_me_opt_out: Option<bool>,
        #[serde(rename = "disableNPSCommentsReachout")]
        pub disable_nps_comments_reachout: Option<bool>,
        pub disable_newsletter_sendout: Option<bool>,
        /// Only admins can create production and sandbox environments.
        pub disable_environment_creation_by_non_admin_users: Option<bool>,
        pub disable_portals_creation_by_non_admin_users: Option<bool>,
        pub disable_survey_feedback: Option<bool>,
        /// Only admins can create trial environments.
        pub disable_trial_environment_creation_by_non_admin_users: Option<bool>,
        pub disable_capacity_allocation_by_environment_admins: Option<bool>,
        pub disable_support_tickets_visible_by_all_users: Option<bool>,
        pub power_platform: Option<PowerPlatformSettings>,
    }

    macro_rules! settings_struct {
        ($(#[$meta:meta])* $name:ident { $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)? }) => {
            $(#[$meta])*
            #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
            #[serde(deny_unknown_fields, rename_all = "camelCase")]
            pub struct $name { $( $(#[$fmeta])* pub $field: Option<$ty>, )* }
        };
    }

    settings_struct!(PowerPlatformSettings {
        search: SearchSettings,
        teams_integration: TeamsIntegrationSettings,
        power_apps: PowerAppsSettings,
        power_automate: PowerAutomateSettings,
        environments: EnvironmentsSettings,
        governance: GovernanceSettings,
        licensing: LicensingSettings,
        champions: ChampionsSettings,
        intelligence: IntelligenceSettings,
        model_experimentation: ModelExperimentationSettings,
        catalog_settings: CatalogSettings,
        user_management_settings: UserManagementSettings,
        /// The platform returns this section empty; it is accepted so exported settings load.
        power_pages: PowerPagesSettings,
    });
    settings_struct!(PowerPagesSettings {});
    settings_struct!(SearchSettings {
        disable_docs_search: bool,
        disable_community_search: bool,
        disable_bing_video_search: bool,
    });
    settings_struct!(TeamsIntegrationSettings {
        share_with_colleagues_user_limit: u32,
    });
    settings_struct!(PowerAppsSettings {
        /// Makers cannot share apps with Everyone.
        disable_share_with_everyone: bool,
        enable_guests_to_make: bool,
        disable_maker_match: bool,
        disable_unused_license_assignment: bool,
        disable_create_from_image: bool,
        disable_create_from_figma: bool,
        disable_connection_sharing_with_everyone: bool,
    });
    settings_struct!(PowerAutomateSettings {
        disable_copilot: bool,
        disable_copilot_with_bing: bool,
    });
    settings_struct!(EnvironmentsSettings {
        disable_preferred_data_location_for_teams_environment: bool,
    });
    settings_struct!(GovernanceSettings {
        disable_admin_digest: bool,
        /// Only admins can create developer environments.
        disable_developer_environment_creation_by_non_admin_users: bool,
        enable_default_environment_routing: bool,
        environment_routing_all_makers: bool,
        environment_routing_target_environment_group_id: Guid,
        environment_routing_target_security_group_id: Guid,
        policy: GovernancePolicySettings,
    });
    settings_struct!(GovernancePolicySettings {
        enable_desktop_flow_data_policy_management: bool,
    });
    settings_struct!(LicensingSettings {
        disable_billing_policy_creation_by_non_admin_users: bool,
        enable_tenant_capacity_report_for_environment_admins: bool,
        storage_capacity_consumption_warning_threshold: u32,
        enable_tenant_licensing_report_for_environment_admins: bool,
        #[serde(rename = "disableUseOfUnassignedAIBuilderCredits")]
        disable_use_of_unassigned_ai_builder_credits: bool,
        apply_auto_claim_to_only_managed_environments: bool,
    });
    settings_struct!(ChampionsSettings {
        disable_champions_invitation_reachout: bool,
        disable_skills_match_invitation_reachout: bool,
    });
    settings_struct!(IntelligenceSettings {
        disable_copilot: bool,
        enable_open_ai_bot_publishing: bool,
        disable_copilot_feedback: bool,
        disable_copilot_feedback_metadata: bool,
    });
    settings_struct!(ModelExperimentationSettings {
        enable_model_data_sharing: bool,
        disable_data_logging: bool,
    });
    settings_struct!(CatalogSettings {
        power_catalog_audience_setting: CatalogAudience,
    });
    settings_struct!(UserManagementSettings {
        enable_delete_disabled_userin_all_environments: bool,
    });

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
    pub enum CatalogAudience {
        All,
        SpecificSecurityGroup,
    }
}

/// The kind as the desired state carries it (re-exported as `crate::model::*`).
pub mod model {
    use super::spec::TenantSettingsSpec;
    use crate::model::ResourceMeta;
    use serde::Serialize;

    #[derive(Clone, Debug, PartialEq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct TenantSettings {
        pub meta: ResourceMeta,
        pub settings: TenantSettingsSpec,
    }
}

impl LowerKind for TenantSettingsSpec {
    fn lower(cx: &mut Lowering<'_>, desired: &mut Desired) {
        desired.tenant_settings = cx.tenant_settings();
    }
}

impl Lowering<'_> {
    fn tenant_settings(&mut self) -> Option<TenantSettings> {
        let set = self.set;
        let first = set.tenant_settings.first()?;
        if first.doc.metadata.id.is_some() {
            self.id_not_allowed(first, Kind::TenantSettings);
        }
        for extra in &set.tenant_settings[1..] {
            let d = Diagnostic::new(
                Code::DuplicateTenantSettings,
                "tenant settings are declared in more than one document",
            )
            .at(extra.at("/kind"), "second TenantSettings")
            .also(first.at("/kind"), "first TenantSettings")
            .help("merge them into one `TenantSettings` document");
            self.push(d);
        }
        Some(TenantSettings {
            meta: first.meta(),
            settings: first.doc.spec.clone(),
        })
    }
}
