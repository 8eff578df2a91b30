use super::*;
use ppgov_core::model::{PrincipalType, Role};
use ppgov_core::observed::ObservedScope;
use ppgov_tenant_api::roles as wro;
use serde_json::json;

#[test]
fn modify_item_statuses() {
    for ok in ["Created", "OK", "NoContent", "200", "204"] {
        assert!(item_succeeded(ok), "{ok}");
    }
    for bad in ["BadRequest", "Forbidden", "500", ""] {
        assert!(!item_succeeded(bad), "{bad}");
    }
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
