//! TenantSettings fields are named exactly as the platform names them: the recorded
//! `listTenantSettings` response must deserialize into the spec type, which rejects unknown
//! fields, so every live setting is modelled under its wire name.

#[test]
fn tenant_settings_use_the_wire_names() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/wire-samples/tenant-settings/list-tenant-settings.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} not found", path.display());
        return;
    };
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
