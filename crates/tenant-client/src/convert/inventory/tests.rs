use super::*;
use serde_json::json;

#[test]
fn app_connectors_are_keyed_case_insensitively_without_flow_calls() {
    let a: wi::App = serde_json::from_value(json!({
        "name": "A1",
        "id": "/providers/Microsoft.PowerApps/scopes/admin/environments/ENV/apps/A1",
        "properties": {
            "displayName": "App",
            "sharedUsersCount": 12,
            "owner": {"id": "ABC", "email": "o@contoso.com"},
            "connectionReferences": {
                "g1": {"id": "/providers/microsoft.powerapps/apis/shared_sql"},
                "g2": {"id": "/providers/Microsoft.PowerApps/apis/SHARED_SQL"},
                "g3": {"id": "/providers/microsoft.powerapps/apis/shared_logicflows"},
                "g4": {"id": "/providers/microsoft.powerapps/apis/shared_contoso-5f", "isCustomApiConnection": true}
            }
        }
    }))
    .unwrap();
    let item = app(&a).unwrap();
    assert_eq!(item.environment_id, "env");
    assert_eq!(item.id, "a1");
    assert_eq!(item.shared_users, Some(12));
    assert_eq!(item.owner.unwrap().id.as_deref(), Some("abc"));
    assert_eq!(
        item.connectors.keys().collect::<Vec<_>>(),
        ["shared_contoso-5f", "shared_sql"]
    );
    assert!(item.connectors["shared_contoso-5f"].custom);
    assert!(item.connectors["shared_sql"].operations.is_none());
}

#[test]
fn flow_connectors_come_from_references_and_the_definition_summary() {
    let f: wi::Flow = serde_json::from_value(json!({
        "name": "F1",
        "properties": {
            "environment": {"name": "Env"},
            "state": "Started",
            "creator": {"objectId": "OID"},
            "connectionReferences": {
                "shared_sql": {"id": "/providers/Microsoft.PowerApps/apis/shared_sql", "connectionName": "Conn-1"},
                "shared_contoso-5f": {
                    "id": "/providers/Microsoft.PowerApps/apis/shared_contoso-5f",
                    "apiDefinition": {"properties": {"isCustomApi": true}}
                }
            },
            "definitionSummary": {
                "triggers": [{"type": "Request", "kind": "Http"}],
                "actions": [
                    {"type": "OpenApiConnection", "swaggerOperationId": "GetItems_V2", "api": {"id": "/providers/Microsoft.PowerApps/apis/shared_sql"}},
                    {"type": "Http"},
                    {"type": "Compose"}
                ]
            }
        }
    }))
    .unwrap();
    let item = flow(&f).unwrap();
    assert_eq!(item.environment_id, "env");
    assert_eq!(item.state.as_deref(), Some("Started"));
    assert_eq!(item.owner.unwrap().id.as_deref(), Some("oid"));
    assert_eq!(
        item.connectors.keys().collect::<Vec<_>>(),
        [
            "http",
            "httprequestreceived",
            "shared_contoso-5f",
            "shared_sql"
        ]
    );
    assert!(item.connectors["shared_contoso-5f"].custom);
    assert!(!item.connectors["shared_sql"].custom);
    let sql = &item.connectors["shared_sql"];
    assert_eq!(sql.connections.iter().collect::<Vec<_>>(), ["conn-1"]);
    assert_eq!(
        sql.operations.as_ref().unwrap().iter().collect::<Vec<_>>(),
        ["GetItems_V2"]
    );
    // A trigger names its connector, not an action.
    assert!(
        item.connectors["httprequestreceived"]
            .operations
            .as_ref()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn an_item_without_environment_is_an_error_naming_it() {
    let f: wi::Flow = serde_json::from_value(json!({"name": "F1", "properties": {}})).unwrap();
    assert!(flow(&f).unwrap_err().0.contains("flow F1"));
    let a: wi::App = serde_json::from_value(json!({"name": "A1"})).unwrap();
    assert!(app(&a).unwrap_err().0.contains("app A1"));
}

#[test]
fn custom_connectors_are_keyed_and_tell_their_host() {
    let c: wi::CustomConnector = serde_json::from_value(json!({
        "name": "shared_Contoso-5F",
        "id": "/providers/Microsoft.PowerApps/apis/shared_Contoso-5F",
        "properties": {
            "displayName": "Contoso",
            "swagger": {"host": "API.contoso.com", "schemes": ["https"]}
        }
    }))
    .unwrap();
    let c = custom_connector(&c, "ENV").unwrap();
    assert_eq!(c.key, "shared_contoso-5f");
    assert_eq!(c.environment_id, "env");
    assert_eq!(c.host_url.as_deref(), Some("https://api.contoso.com"));
    let bare: wi::CustomConnector = serde_json::from_value(json!({"name": "x"})).unwrap();
    assert_eq!(custom_connector(&bare, "e").unwrap().host_url, None);
}

#[test]
fn sql_connections_tell_their_endpoint() {
    let c: wi::Connection = serde_json::from_value(json!({
        "name": "C1",
        "properties": {
            "apiId": "/providers/Microsoft.PowerApps/apis/shared_sql",
            "environment": {"name": "ENV"},
            "connectionParametersSet": {"name": "sqlAuthentication", "values": {
                "server": {"value": "contoso.database.windows.net"},
                "database": {"value": "sales"}
            }}
        }
    }))
    .unwrap();
    let c = connection(&c).unwrap();
    assert_eq!(
        c.endpoint.as_deref(),
        Some("contoso.database.windows.net, sales")
    );
    assert_eq!(c.auth.as_deref(), Some("sqlAuthentication"));
    assert_eq!(c.environment_id, "env");
}
