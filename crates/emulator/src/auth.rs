//! Bearer-token auth and the OAuth2 client-credentials token endpoint.
//!
//! Tokens come from `POST /{tenant}/oauth2/v2.0/token` (a client secret or a federated client
//! assertion) or are the configured static token. An issued token is good for the audience of
//! its scope only (`https://api.powerplatform.com/.default` for the Power Platform API,
//! `https://service.powerapps.com/.default` for BAP and Power Apps), like the real service;
//! the static token is good everywhere.

use crate::app::{Shared, lock};
use crate::error::{ApiError, Flavor};
use crate::faults::is_token_endpoint;
use crate::http::parse_query;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ppgov_tenant_api::errors::codes;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// `service.powerapps.com`: BAP and Power Apps hosts.
    Bap,
    /// `api.powerplatform.com`.
    PowerPlatform,
    /// `service.flow.microsoft.com`: the Flow host.
    Flow,
    /// A scope the emulator does not know: accepted everywhere.
    Any,
}

impl Audience {
    fn of_scope(scope: &str) -> Audience {
        let s = scope.to_ascii_lowercase();
        if s.contains("powerplatform") {
            Audience::PowerPlatform
        } else if s.contains("service.flow") {
            Audience::Flow
        } else if s.contains("service.powerapps") {
            Audience::Bap
        } else {
            Audience::Any
        }
    }

    /// The audience an API path needs.
    fn of_path(path: &str) -> Audience {
        if is_power_platform_path(path) {
            Audience::PowerPlatform
        } else if path.starts_with("/providers/Microsoft.ProcessSimple/") {
            Audience::Flow
        } else {
            Audience::Bap
        }
    }
}

/// Paths of the Power Platform API host (`api.powerplatform.com`).
pub fn is_power_platform_path(path: &str) -> bool {
    ["/environmentmanagement/", "/governance/", "/authorization/"]
        .iter()
        .any(|p| path.starts_with(p))
}

#[derive(Default)]
pub struct TokenStore {
    issued: BTreeMap<String, (Instant, Audience)>,
}

impl TokenStore {
    /// Makes every issued token expired (to test refresh).
    pub fn expire_all(&mut self) {
        let now = Instant::now();
        for (expiry, _) in self.issued.values_mut() {
            *expiry = now;
        }
    }
}

/// `POST /{tenant}/oauth2/v2.0/token`, form-encoded.
pub async fn token_endpoint(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let form: BTreeMap<String, String> = parse_query(&String::from_utf8_lossy(&body))
        .into_iter()
        .collect();
    let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if get("grant_type") != Some("client_credentials") {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "AADSTS70003: The app requested an unsupported grant type (only client_credentials is emulated).",
        );
    }
    if get("client_id").is_none() {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "AADSTS900144: The request body must contain the following parameter: 'client_id'.",
        );
    }
    let Some(scope) = get("scope") else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "AADSTS900144: The request body must contain the following parameter: 'scope'.",
        );
    };
    if !scope.ends_with("/.default") {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.",
        );
    }
    match (get("client_secret"), get("client_assertion")) {
        (Some(secret), _) => {
            if let Some(expected) = &shared.settings.client_secret
                && secret != expected
            {
                return aad_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7000215,
                    "AADSTS7000215: Invalid client secret provided.",
                );
            }
        }
        (None, Some(_)) => {
            if get("client_assertion_type")
                != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            {
                return aad_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    50027,
                    "AADSTS50027: client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
                );
            }
        }
        (None, None) => {
            return aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000218,
                "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            );
        }
    }
    let token = format!("emu.{}", uuid::Uuid::new_v4().simple());
    let ttl = shared.settings.token_ttl;
    lock(&shared.tokens).issued.insert(
        token.clone(),
        (Instant::now() + ttl, Audience::of_scope(scope)),
    );
    axum::Json(json!({
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
        "ext_expires_in": ttl.as_secs(),
        "access_token": token,
    }))
    .into_response()
}

fn aad_error(status: StatusCode, error: &str, code: u32, description: &str) -> Response {
    (
        status,
        axum::Json(json!({
            "error": error,
            "error_description": description,
            "error_codes": [code],
        })),
    )
        .into_response()
}

/// Requires `Authorization: Bearer <token>` on every API route.
pub async fn middleware(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/_emulator/") || is_token_endpoint(&path) {
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            let (scheme, token) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    match check(&shared, token.as_deref(), &path) {
        Ok(()) => next.run(req).await,
        Err((message, challenge)) => ApiError::new(
            Flavor::for_path(&path),
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED,
            message,
        )
        .with_header(header::WWW_AUTHENTICATE, &challenge)
        .into_response(),
    }
}

fn check(shared: &Shared, token: Option<&str>, path: &str) -> Result<(), (String, String)> {
    let Some(token) = token else {
        return Err((
            "The request has no bearer token.".to_owned(),
            "Bearer".to_owned(),
        ));
    };
    if shared.settings.static_token.as_deref() == Some(token) {
        return Ok(());
    }
    let invalid = |why: &str| {
        (
            format!("The access token is invalid: {why}."),
            format!("Bearer error=\"invalid_token\", error_description=\"{why}\""),
        )
    };
    let tokens = lock(&shared.tokens);
    let Some((expiry, audience)) = tokens.issued.get(token) else {
        return Err(invalid("the token is unknown"));
    };
    if Instant::now() >= *expiry {
        return Err(invalid("the token has expired"));
    }
    let needed = Audience::of_path(path);
    if *audience != Audience::Any && *audience != needed {
        return Err(invalid("the token's audience is not this API"));
    }
    Ok(())
}
