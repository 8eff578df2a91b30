//! Power Platform Advisor data for a seeded tenant, derived from its seeded apps (no random
//! draws, so seeding Advisor changes nothing else): Advisor details exist only for managed
//! environments, as on the service, so only apps there are listed.
//!
//! The scenario ids are the emulator's own: the real ones are undocumented (reference §4),
//! and clients must discover them from `/scenarios` rather than expect these.

use crate::state::Tenant;
use ppgov_tenant_api::advisor::{AdvisorResource, SnapshotRecommendation};
use ppgov_tenant_api::inventory::App;

/// Apps not modified since this date count as unused.
const UNUSED_BEFORE: &str = "2026-03-15";
/// Apps shared with at least this many users count as broadly shared.
const BROADLY_SHARED: u64 = 300;
const LAST_REFRESHED: &str = "2026-11-23T06:00:00.0000000Z";
const NEXT_REFRESH: &str = "2026-11-30T06:00:00.0000000Z";

/// Fills `advisor_recommendations` from the apps of managed environments: unused apps
/// (Operational efficiency) and apps shared with many users (Security). Nothing when the
/// tenant has no such apps.
pub fn advisor(t: &mut Tenant) {
    let mut unused = Vec::new();
    let mut shared = Vec::new();
    for (env, apps) in &t.apps {
        let Some(environment) = t.environments.get(env).filter(|e| e.is_managed()) else {
            continue;
        };
        let env_name = environment.properties.display_name.clone();
        for app in apps.values() {
            let p = &app.properties;
            let modified = p.last_modified_time.clone().unwrap_or_default();
            let users = p.shared_users_count.unwrap_or(0);
            if modified.as_str() < UNUSED_BEFORE {
                unused.push(resource(app, env, &env_name, 0.0, "Unused for 30 days"));
            }
            if users >= BROADLY_SHARED {
                let usage = (users / 4) as f64;
                let description = format!("Shared with {users} users");
                shared.push(resource(app, env, &env_name, usage, &description));
            }
        }
    }
    for (scenario, name, resources) in [
        ("UnusedApps", "Unused apps", unused),
        (
            "AppsSharedWithManyUsers",
            "Apps shared with many users",
            shared,
        ),
    ] {
        if resources.is_empty() {
            continue;
        }
        t.advisor_recommendations.insert(
            scenario.to_owned(),
            SnapshotRecommendation {
                scenario_name: Some(name.to_owned()),
                last_refreshed_timestamp: Some(LAST_REFRESHED.to_owned()),
                expected_next_refresh_timestamp: Some(NEXT_REFRESH.to_owned()),
                resources,
            },
        );
    }
}

fn resource(
    app: &App,
    env: &str,
    env_name: &str,
    usage: f64,
    description: &str,
) -> AdvisorResource {
    let p = &app.properties;
    let owner = p.owner.as_ref();
    AdvisorResource {
        resource_id: Some(app.name.clone()),
        resource_name: p.display_name.clone(),
        resource_type: Some("PowerApp".to_owned()),
        resource_sub_type: Some("Canvas".to_owned()),
        resource_description: Some(description.to_owned()),
        resource_owner_id: owner.and_then(|o| o.id.clone()),
        resource_owner: owner.and_then(|o| o.display_name.clone()),
        resource_usage: Some(usage),
        environment_id: Some(env.to_owned()),
        environment_name: Some(env_name.to_owned()),
        last_modified_date: p.last_modified_time.clone(),
        last_accessed_date: p.last_modified_time.clone(),
        resource_action_status: None,
        other: Default::default(),
    }
}
