//! The one error type of the client.
//!
//! Every error names the request it came from (`GET bap /providers/...`: method, host name,
//! path, never a query string holding anything secret and never a token), the HTTP status when
//! there was one, and the server's own error code and message.

use std::fmt;

/// What went wrong, coarsely: enough to decide what to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 401 after one token refresh.
    Unauthorized,
    /// 403: the identity lacks a role (or, for BAP, is not a registered admin application).
    Forbidden,
    /// 404.
    NotFound,
    /// 409 (including an environment that stayed busy past the LRO deadline).
    Conflict,
    /// 429 after every retry.
    Throttled,
    /// 5xx after every retry (or at once for a non-idempotent request).
    Server,
    /// Any other 4xx: the server refused the request as written (not retried).
    Rejected,
    /// A long-running operation ended `Failed`/`Canceled`/`ValidationFailed`.
    OperationFailed,
    /// A request, or a long-running operation, ran out of time.
    Timeout,
    /// The connection could not be made or broke.
    Connection,
    /// A 2xx body did not parse, or a link pointed somewhere credentials must not go.
    InvalidResponse,
    /// The configuration is unusable (e.g. `http://` to a non-loopback host).
    Config,
    /// No token could be obtained.
    Auth,
}

impl ErrorKind {
    fn label(self) -> &'static str {
        match self {
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Server => "server error",
            ErrorKind::Rejected => "rejected",
            ErrorKind::OperationFailed => "operation failed",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Connection => "connection failed",
            ErrorKind::InvalidResponse => "invalid response",
            ErrorKind::Config => "configuration error",
            ErrorKind::Auth => "authentication failed",
        }
    }
}

/// A failed client call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ClientError {
    pub kind: ErrorKind,
    /// `GET bap /providers/...`; `None` for configuration errors.
    pub request: Option<String>,
    pub status: Option<u16>,
    /// The server's error code (`OperationNotStartable`, ...), when it sent one.
    pub code: Option<String>,
    /// The server's message, or ours.
    pub message: String,
    /// What to do about it, when we know.
    pub hint: Option<String>,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(r) = &self.request {
            write!(f, "{r}: ")?;
        }
        write!(f, "{}", self.kind.label())?;
        if let Some(s) = self.status {
            write!(f, " (HTTP {s})")?;
        }
        match &self.code {
            Some(code) if !code.is_empty() => write!(f, ": {code}: {}", self.message)?,
            _ if !self.message.is_empty() => write!(f, ": {}", self.message)?,
            _ => {}
        }
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

impl ClientError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ClientError {
            kind,
            request: None,
            status: None,
            code: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn config(message: impl Into<String>) -> Self {
        ClientError::new(ErrorKind::Config, message)
    }

    pub fn auth(message: impl Into<String>) -> Self {
        ClientError::new(ErrorKind::Auth, message)
    }

    pub fn invalid(request: &str, message: impl Into<String>) -> Self {
        ClientError::new(ErrorKind::InvalidResponse, message).on(request)
    }

    pub(crate) fn on(mut self, request: &str) -> Self {
        self.request = Some(request.to_owned());
        self
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// An error for a non-2xx answer: the kind from the status, code and message from the body.
    pub(crate) fn from_status(request: &str, status: u16, body: &str) -> Self {
        let kind = match status {
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::Throttled,
            408 | 504 => ErrorKind::Timeout,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Rejected,
        };
        let (code, message) = match ppgov_tenant_api::errors::parse(body) {
            Some((code, message)) => (Some(code).filter(|c| !c.is_empty()), message),
            None => (None, excerpt(body)),
        };
        let mut e = ClientError {
            kind,
            request: Some(request.to_owned()),
            status: Some(status),
            code,
            message,
            hint: None,
        };
        if kind == ErrorKind::Forbidden && request.contains(" bap ") {
            e.hint = Some(
                "a service principal must be registered as a Power Platform admin management \
                 application (PUT /providers/Microsoft.BusinessAppPlatform/adminApplications/{clientId})"
                    .into(),
            );
        } else if kind == ErrorKind::Forbidden && request.contains(" powerplatform ") {
            e.hint = Some(
                "the identity needs a Power Platform RBAC role (e.g. Contributor) for this scope"
                    .into(),
            );
        }
        e
    }
}

/// At most 200 characters of a body, on one line, for error messages.
pub(crate) fn excerpt(body: &str) -> String {
    let one_line: String = body
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = one_line.trim();
    if trimmed.chars().count() > 200 {
        let cut: String = trimmed.chars().take(200).collect();
        format!("{cut}…")
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_request_status_code_and_message() {
        let e = ClientError::from_status(
            "POST bap /providers/PowerPlatform.Governance/v2/policies",
            400,
            r#"{"error":{"code":"UrlPatternsInvalidRule","message":"Url pattern rule provided is invalid."}}"#,
        );
        assert_eq!(e.kind, ErrorKind::Rejected);
        assert_eq!(
            e.to_string(),
            "POST bap /providers/PowerPlatform.Governance/v2/policies: rejected (HTTP 400): \
             UrlPatternsInvalidRule: Url pattern rule provided is invalid."
        );
    }

    #[test]
    fn forbidden_on_bap_mentions_admin_application_registration() {
        let e = ClientError::from_status("GET bap /x", 403, "");
        assert!(
            e.to_string().contains("admin management application"),
            "{e}"
        );
    }

    #[test]
    fn excerpts_are_short() {
        let body = "x".repeat(1000);
        assert!(excerpt(&body).chars().count() <= 201);
    }
}
