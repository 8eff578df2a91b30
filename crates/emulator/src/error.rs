//! Error responses in the shape each API family uses.
//!
//! - BAP and PowerPlatform.Governance routes, and the Power Platform API `governance` and
//!   `authorization` routes: `{"error":{"code","message"}}`.
//! - Power Platform API `environmentmanagement` routes: RFC 7807 ProblemDetails, whose `title`
//!   carries the code (what `tenant_api::errors::parse` reads) and `detail` the message.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ppgov_tenant_api::errors::{BapError, ErrorDetail, ProblemDetails, codes};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// `{"error":{"code","message"}}`.
    Bap,
    /// RFC 7807 ProblemDetails.
    Problem,
}

impl Flavor {
    /// The error shape of the API family that serves `path`.
    pub fn for_path(path: &str) -> Flavor {
        if path.starts_with("/environmentmanagement/") {
            Flavor::Problem
        } else {
            Flavor::Bap
        }
    }
}

#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub flavor: Flavor,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(
        flavor: Flavor,
        status: StatusCode,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            flavor,
            headers: Vec::new(),
        }
    }

    pub fn bap(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Flavor::Bap, status, code, message)
    }

    pub fn problem(
        status: StatusCode,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Flavor::Problem, status, code, message)
    }

    pub fn bad_request(flavor: Flavor, message: impl Into<String>) -> Self {
        Self::new(flavor, StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
    }

    pub fn conflict(flavor: Flavor, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(flavor, StatusCode::CONFLICT, code, message)
    }

    pub fn with_header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((name, v));
        }
        self
    }
}

/// The code and message of a `{"error":{..}}` answer, kept on the response so the layer that
/// knows the host can add the BAP-only `detailUrlType` ([`with_detail_url_type`]).
#[derive(Clone, Debug)]
pub struct BapErrorParts {
    pub code: String,
    pub message: String,
}

/// BAP and `PowerPlatform.Governance` errors carry `"detailUrlType": "NotSpecified"` in the
/// recordings and the reference (§9.6); the Power Platform API's `{"error":{..}}` does not.
pub async fn with_detail_url_type(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path();
    let bap_host = path.starts_with("/providers/Microsoft.BusinessAppPlatform/")
        || path.starts_with("/providers/PowerPlatform.Governance/");
    let mut response = next.run(req).await;
    if !bap_host {
        return response;
    }
    let Some(parts) = response.extensions_mut().remove::<BapErrorParts>() else {
        return response;
    };
    let body = serde_json::to_string(&BapError {
        error: ErrorDetail {
            code: parts.code,
            message: parts.message,
            detail_url_type: Some("NotSpecified".to_owned()),
        },
    })
    .expect("error body serializes");
    let (mut head, _) = response.into_parts();
    head.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(head, axum::body::Body::from(body))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let parts = (self.flavor == Flavor::Bap).then(|| BapErrorParts {
            code: self.code.clone(),
            message: self.message.clone(),
        });
        let (body, content_type) = match self.flavor {
            Flavor::Bap => (
                serde_json::to_string(&BapError {
                    error: ErrorDetail {
                        code: self.code,
                        message: self.message,
                        detail_url_type: None,
                    },
                }),
                "application/json; charset=utf-8",
            ),
            Flavor::Problem => (
                serde_json::to_string(&ProblemDetails {
                    kind: Some(problem_type(self.status).to_owned()),
                    title: self.code,
                    status: Some(self.status.as_u16()),
                    detail: Some(self.message),
                    instance: None,
                }),
                "application/problem+json; charset=utf-8",
            ),
        };
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, content_type)],
            body.expect("error body serializes"),
        )
            .into_response();
        for (name, value) in self.headers {
            response.headers_mut().append(name, value);
        }
        if let Some(parts) = parts {
            response.extensions_mut().insert(parts);
        }
        response
    }
}

fn problem_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        403 => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        409 => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        _ => "about:blank",
    }
}
