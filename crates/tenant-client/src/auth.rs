//! Tokens: client credentials (secret), a pre-issued token from an environment variable, or
//! workload identity federation (a federated token file exchanged for an access token).
//!
//! Tokens are cached per scope until shortly before they expire. Neither tokens nor secrets
//! ever appear in `Debug` output, errors or logs: they live in [`Secret`], whose `Debug` and
//! `Display` print `***`.

use crate::config::check_url;
use crate::error::{ClientError, excerpt};
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// A secret string (client secret, access token, federated assertion). Redacted everywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself: only for putting it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The default environment variable of [`AuthConfig::EnvironmentToken`].
pub const DEFAULT_TOKEN_VARIABLE: &str = "PPGOV_TOKEN";
/// Where Azure login / workload identity webhooks put the federated token's path.
pub const FEDERATED_TOKEN_FILE_VARIABLE: &str = "AZURE_FEDERATED_TOKEN_FILE";

/// How the client gets its bearer tokens.
#[derive(Clone)]
pub enum AuthConfig {
    /// OAuth2 client credentials with a client secret:
    /// `POST {authority}/{tenant}/oauth2/v2.0/token`.
    ClientSecret {
        /// `None`: the cloud's authority (e.g. `https://login.microsoftonline.com`).
        authority: Option<String>,
        tenant_id: String,
        client_id: String,
        client_secret: Secret,
    },
    /// A token issued elsewhere, read from an environment variable (default `PPGOV_TOKEN`)
    /// for every scope. On a 401 the variable is read again once.
    EnvironmentToken { variable: String },
    /// Workload identity federation: the federated token in `token_file` (default: the path
    /// in `AZURE_FEDERATED_TOKEN_FILE`) is sent as a `jwt-bearer` client assertion. The file is
    /// read on every exchange, so rotated tokens are picked up.
    WorkloadIdentity {
        authority: Option<String>,
        tenant_id: String,
        client_id: String,
        token_file: Option<PathBuf>,
    },
    /// A fixed token for every scope (tests, the emulator).
    Static(Secret),
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthConfig::ClientSecret {
                authority,
                tenant_id,
                client_id,
                ..
            } => f
                .debug_struct("ClientSecret")
                .field("authority", authority)
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .field("client_secret", &"***")
                .finish(),
            AuthConfig::EnvironmentToken { variable } => f
                .debug_struct("EnvironmentToken")
                .field("variable", variable)
                .finish(),
            AuthConfig::WorkloadIdentity {
                authority,
                tenant_id,
                client_id,
                token_file,
            } => f
                .debug_struct("WorkloadIdentity")
                .field("authority", authority)
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .field("token_file", token_file)
                .finish(),
            AuthConfig::Static(_) => f.write_str("Static(***)"),
        }
    }
}

impl AuthConfig {
    pub fn environment_token() -> Self {
        AuthConfig::EnvironmentToken {
            variable: DEFAULT_TOKEN_VARIABLE.to_owned(),
        }
    }

    /// The configured authority override, if any (checked like a base URL).
    pub fn authority(&self) -> Option<&str> {
        match self {
            AuthConfig::ClientSecret { authority, .. }
            | AuthConfig::WorkloadIdentity { authority, .. } => authority.as_deref(),
            _ => None,
        }
    }
}

/// Refresh a cached token this long before it expires (at most half its lifetime).
const REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// Lifetime assumed when the token endpoint does not say.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

#[derive(Clone)]
struct Cached {
    token: Secret,
    /// `None`: never expires by itself (environment and static tokens).
    refresh_at: Option<Instant>,
}

/// Hands out tokens per scope, caching them.
pub(crate) struct TokenProvider {
    auth: AuthConfig,
    default_authority: String,
    http: reqwest::Client,
    cache: Mutex<HashMap<String, Cached>>,
    pub(crate) fetches: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    error: Option<String>,
    error_description: Option<String>,
}

impl TokenProvider {
    pub(crate) fn new(auth: AuthConfig, default_authority: &str, http: reqwest::Client) -> Self {
        TokenProvider {
            auth,
            default_authority: default_authority.trim_end_matches('/').to_owned(),
            http,
            cache: Mutex::new(HashMap::new()),
            fetches: Default::default(),
        }
    }

    /// A token for `scope`, from the cache while it is fresh.
    pub(crate) async fn token(&self, scope: &str) -> Result<Secret, ClientError> {
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.get(scope)
            && c.refresh_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(c.token.clone());
        }
        // Holding the lock while fetching: concurrent callers wait for this one token
        // instead of each asking the authority.
        let fresh = self.fetch(scope).await?;
        let token = fresh.token.clone();
        cache.insert(scope.to_owned(), fresh);
        Ok(token)
    }

    /// Forgets `token` for `scope` after a 401 (unless another task already replaced it).
    pub(crate) async fn invalidate(&self, scope: &str, token: &Secret) {
        let mut cache = self.cache.lock().await;
        if cache.get(scope).is_some_and(|c| &c.token == token) {
            cache.remove(scope);
        }
    }

    async fn fetch(&self, scope: &str) -> Result<Cached, ClientError> {
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match &self.auth {
            AuthConfig::Static(token) => Ok(Cached {
                token: token.clone(),
                refresh_at: None,
            }),
            AuthConfig::EnvironmentToken { variable } => match std::env::var(variable) {
                Ok(v) if !v.trim().is_empty() => Ok(Cached {
                    token: Secret::new(v.trim()),
                    refresh_at: None,
                }),
                _ => Err(ClientError::auth(format!(
                    "environment variable {variable} is not set or empty"
                ))),
            },
            AuthConfig::ClientSecret {
                authority,
                tenant_id,
                client_id,
                client_secret,
            } => {
                let form = vec![
                    ("grant_type", "client_credentials".to_owned()),
                    ("client_id", client_id.clone()),
                    ("client_secret", client_secret.expose().to_owned()),
                    ("scope", scope.to_owned()),
                ];
                self.exchange(authority.as_deref(), tenant_id, form).await
            }
            AuthConfig::WorkloadIdentity {
                authority,
                tenant_id,
                client_id,
                token_file,
            } => {
                let path = match token_file {
                    Some(p) => p.clone(),
                    None => std::env::var_os(FEDERATED_TOKEN_FILE_VARIABLE)
                        .map(PathBuf::from)
                        .ok_or_else(|| {
                            ClientError::auth(format!(
                                "workload identity: no token file configured and \
                                 {FEDERATED_TOKEN_FILE_VARIABLE} is not set"
                            ))
                        })?,
                };
                let assertion = tokio::fs::read_to_string(&path).await.map_err(|e| {
                    ClientError::auth(format!(
                        "workload identity: cannot read federated token file {}: {e}",
                        path.display()
                    ))
                })?;
                let form = vec![
                    ("grant_type", "client_credentials".to_owned()),
                    ("client_id", client_id.clone()),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                    ),
                    ("client_assertion", assertion.trim().to_owned()),
                    ("scope", scope.to_owned()),
                ];
                self.exchange(authority.as_deref(), tenant_id, form).await
            }
        }
    }

    async fn exchange(
        &self,
        authority: Option<&str>,
        tenant_id: &str,
        form: Vec<(&'static str, String)>,
    ) -> Result<Cached, ClientError> {
        let authority = authority
            .map(|a| a.trim_end_matches('/'))
            .unwrap_or(&self.default_authority);
        let url = format!("{authority}/{tenant_id}/oauth2/v2.0/token");
        check_url(&url, "token endpoint")?;
        let label = format!("POST token endpoint {authority}/{tenant_id}/oauth2/v2.0/token");
        // Transient failures of the authority are retried a few times.
        let mut last = None;
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * 2u64.pow(attempt))).await;
            }
            let resp = match self.http.post(&url).form(&form).send().await {
                Ok(r) => r,
                Err(e) => {
                    last = Some(
                        ClientError::auth(format!(
                            "cannot reach the token endpoint: {}",
                            describe_reqwest(e)
                        ))
                        .on(&label),
                    );
                    continue;
                }
            };
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap_or_default();
            if status == 429 || status >= 500 {
                last = Some(ClientError {
                    status: Some(status),
                    ..ClientError::auth(format!("token endpoint answered {status}")).on(&label)
                });
                continue;
            }
            let parsed: Option<TokenResponse> = serde_json::from_str(&body).ok();
            let Some(parsed) = parsed else {
                return Err(ClientError {
                    status: Some(status),
                    ..ClientError::auth(format!(
                        "token endpoint answered {status} with a body that is not JSON: {}",
                        excerpt(&body)
                    ))
                    .on(&label)
                });
            };
            if let (true, Some(token)) = ((200..300).contains(&status), parsed.access_token) {
                let lifetime = match parsed.expires_in {
                    Some(serde_json::Value::Number(n)) => n.as_u64(),
                    Some(serde_json::Value::String(s)) => s.parse().ok(),
                    _ => None,
                }
                .map(Duration::from_secs)
                .unwrap_or(DEFAULT_LIFETIME);
                return Ok(Cached {
                    token: Secret::new(token),
                    refresh_at: Some(refresh_at(Instant::now(), lifetime)),
                });
            }
            // The authority's error code and description name the problem and hold no
            // secret (AADSTS codes, trace ids).
            return Err(ClientError {
                status: Some(status),
                code: parsed.error,
                ..ClientError::auth(
                    parsed
                        .error_description
                        .map(|d| excerpt(&d))
                        .unwrap_or_else(|| format!("token endpoint answered {status}")),
                )
                .on(&label)
            });
        }
        Err(last.unwrap_or_else(|| ClientError::auth("token endpoint unavailable")))
    }
}

/// A reqwest error's text with its causes, without the URL.
pub(crate) fn describe_reqwest(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut s = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(err) = src {
        s.push_str(": ");
        s.push_str(&err.to_string());
        src = err.source();
    }
    s
}

/// When a token of `lifetime` fetched at `now` should be replaced.
fn refresh_at(now: Instant, lifetime: Duration) -> Instant {
    now + lifetime - REFRESH_MARGIN.min(lifetime / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug() {
        let a = AuthConfig::ClientSecret {
            authority: None,
            tenant_id: "t".into(),
            client_id: "c".into(),
            client_secret: Secret::new("hunter2-super-secret"),
        };
        let d = format!("{a:?}");
        assert!(!d.contains("hunter2"), "{d}");
        assert!(d.contains("client_id"), "{d}");
        let s = AuthConfig::Static(Secret::new("tok-123"));
        assert!(!format!("{s:?}").contains("tok-123"));
        assert_eq!(format!("{}", Secret::new("x")), "***");
        assert_eq!(format!("{:?}", Secret::new("x")), "Secret(***)");
    }

    #[tokio::test]
    async fn static_tokens_are_cached_and_invalidated() {
        let p = TokenProvider::new(
            AuthConfig::Static(Secret::new("abc")),
            "https://login.microsoftonline.com",
            reqwest::Client::new(),
        );
        assert_eq!(p.token("s").await.unwrap().expose(), "abc");
        assert_eq!(p.token("s").await.unwrap().expose(), "abc");
        assert_eq!(p.fetches.load(std::sync::atomic::Ordering::Relaxed), 1);
        p.invalidate("s", &Secret::new("other")).await;
        p.token("s").await.unwrap();
        assert_eq!(p.fetches.load(std::sync::atomic::Ordering::Relaxed), 1);
        p.invalidate("s", &Secret::new("abc")).await;
        p.token("s").await.unwrap();
        assert_eq!(p.fetches.load(std::sync::atomic::Ordering::Relaxed), 2);
    }

    #[test]
    fn tokens_are_refreshed_before_they_expire() {
        let now = Instant::now();
        assert_eq!(
            refresh_at(now, Duration::from_secs(3600)),
            now + Duration::from_secs(3300)
        );
        assert_eq!(
            refresh_at(now, Duration::from_secs(60)),
            now + Duration::from_secs(30)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn expired_cache_entries_are_fetched_again() {
        let p = TokenProvider::new(
            AuthConfig::Static(Secret::new("abc")),
            "https://login.microsoftonline.com",
            reqwest::Client::new(),
        );
        p.cache.lock().await.insert(
            "s".into(),
            Cached {
                token: Secret::new("old"),
                refresh_at: Some(Instant::now() + Duration::from_secs(10)),
            },
        );
        assert_eq!(p.token("s").await.unwrap().expose(), "old");
        tokio::time::advance(Duration::from_secs(11)).await;
        assert_eq!(p.token("s").await.unwrap().expose(), "abc");
        assert_eq!(p.fetches.load(std::sync::atomic::Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn missing_environment_token_is_an_auth_error() {
        let p = TokenProvider::new(
            AuthConfig::EnvironmentToken {
                variable: "PPGOV_TEST_SURELY_UNSET_VARIABLE".into(),
            },
            "https://login.microsoftonline.com",
            reqwest::Client::new(),
        );
        let e = p.token("s").await.unwrap_err();
        assert_eq!(e.kind, crate::ErrorKind::Auth);
        assert!(e.to_string().contains("PPGOV_TEST_SURELY_UNSET_VARIABLE"));
    }
}
