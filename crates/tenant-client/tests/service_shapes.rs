//! Shapes the real service sends that the emulator does not produce, served by a small
//! server on 127.0.0.1.

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use ppgov_core::observed::ObservedScope;
use ppgov_tenant_client::{AuthConfig, Client, ClientConfig, Cloud, ErrorKind, Secret};

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn client(base: &str) -> Client {
    let auth = AuthConfig::Static(Secret::new("t"));
    let mut config = ClientConfig::new(Cloud::Public, auth).with_single_base_url(base);
    config.retry.max_attempts = 1;
    Client::new(config).unwrap()
}

#[tokio::test]
async fn a_flat_rbac_error_keeps_its_code() {
    let app = Router::new().route(
        "/authorization/environments/{env}/roleAssignments",
        get(|| async {
            (
                StatusCode::BAD_REQUEST,
                [("content-type", "application/json")],
                r#"{"code":"EnvironmentIdInvalid","message":"Environment 'e1' is not valid.","innererror":{"code":"InvalidScope","message":"scope"}}"#,
            )
                .into_response()
        }),
    );
    let base = serve(app).await;
    let err = client(&base)
        .list_rbac_role_assignments_at(&ObservedScope::Environment("e1".into()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected);
    assert_eq!(err.code.as_deref(), Some("EnvironmentIdInvalid"), "{err}");
    assert!(err.message.contains("is not valid"), "{err}");
}
