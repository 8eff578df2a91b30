//! TenantSettings fields are named exactly as the platform names them: the recorded
//! `listTenantSettings` response must deserialize into the spec type, which rejects unknown
//! fields, so every live setting is modelled under its wire name. Skips, saying so, when the
//! recordings are absent, and fails instead under CI (`ppgov-test-support`).

#[test]
fn tenant_settings_use_the_wire_names() {
    let Some(dir) = ppgov_test_support::wire_samples() else {
        return;
    };
    let path = ppgov_test_support::sample_path(&dir, "tenant-settings/list-tenant-settings.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec: ppgov_core::doc::TenantSettingsSpec =
        serde_json::from_str(&text).expect("every recorded setting is modelled");
    let back = serde_json::to_value(&spec).unwrap();
    let recorded: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        back["disableNPSCommentsReachout"],
        recorded["disableNPSCommentsReachout"]
    );
    assert_eq!(
        back["powerPlatform"]["licensing"]["disableUseOfUnassignedAIBuilderCredits"],
        recorded["powerPlatform"]["licensing"]["disableUseOfUnassignedAIBuilderCredits"]
    );
}
