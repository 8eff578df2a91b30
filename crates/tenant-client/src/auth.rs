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

/// Secrets shorter than this are not masked: masking a two-letter test token would garble
/// every message, and no real token, client secret or assertion is that short.
pub const MIN_MASKED_LEN: usize = 8;

/// Replaces every occurrence of each secret in `text` with `***`: the value as is, JSON-escaped
/// (an echo inside a JSON body) and form-encoded (an echo of a token request body).
pub fn mask_secrets<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        if secret.len() < MIN_MASKED_LEN {
            continue;
        }
        let json = serde_json::to_string(secret).unwrap_or_default();
        let json = json.trim_matches('"');
        for form in [secret, json, &form_encode(secret), &percent_encode(secret)] {
            if !form.is_empty() && out.contains(form) {
                out = out.replace(form, "***");
            }
            out = mask_cut_off_prefix(out, form);
        }
    }
    out
}

/// An excerpt cut off (`…`) in the middle of a secret ends with the secret's beginning: mask
/// that too.
fn mask_cut_off_prefix(text: String, secret: &str) -> String {
    let Some(body) = text.strip_suffix('…') else {
        return text;
    };
    let prefix_len = (3..secret.len())
        .rev()
        .filter(|n| secret.is_char_boundary(*n))
        .find(|n| body.ends_with(&secret[..*n]));
    match prefix_len {
        Some(n) => format!("{}***…", &body[..body.len() - n]),
        None => text,
    }
}

/// `application/x-www-form-urlencoded` of a value (spaces as `+`).
fn form_encode(value: &str) -> String {
    percent_encode(value).replace("%20", "+")
}

fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'*') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Every secret the client has handled (tokens, the client secret, federated assertions), to
/// mask them in errors: a hostile or careless server may echo them back.
#[derive(Debug, Default)]
pub(crate) struct Redactor {
    secrets: std::sync::RwLock<Vec<Secret>>,
}

impl Redactor {
    pub(crate) fn remember(&self, secret: &Secret) {
        let mut all = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        if secret.0.len() >= MIN_MASKED_LEN && !all.contains(secret) {
            all.push(secret.clone());
        }
    }

    pub(crate) fn mask(&self, text: &str) -> String {
        let all = self.secrets.read().unwrap_or_else(|p| p.into_inner());
        mask_secrets(text, all.iter().map(|s| s.expose()))
    }

    /// The error with every secret masked in its message, code and hint.
    pub(crate) fn error(&self, mut e: ClientError) -> ClientError {
        e.message = self.mask(&e.message);
        e.code = e.code.map(|c| self.mask(&c));
        e.hint = e.hint.map(|h| self.mask(&h));
        e.request = e.request.map(|r| self.mask(&r));
        e
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
    pub(crate) redactor: std::sync::Arc<Redactor>,
    max_body: u64,
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
        let redactor = std::sync::Arc::new(Redactor::default());
        match &auth {
            AuthConfig::ClientSecret { client_secret, .. } => redactor.remember(client_secret),
            AuthConfig::Static(token) => redactor.remember(token),
            _ => {}
        }
        TokenProvider {
            auth,
            default_authority: default_authority.trim_end_matches('/').to_owned(),
            http,
            cache: Mutex::new(HashMap::new()),
            fetches: Default::default(),
            redactor,
            max_body: crate::config::Limits::default().max_response_bytes,
        }
    }

    pub(crate) fn with_max_body(mut self, max_body: u64) -> Self {
        self.max_body = max_body;
        self
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
        let fresh = self
            .fetch(scope)
            .await
            .map_err(|e| self.redactor.error(e))?;
        self.redactor.remember(&fresh.token);
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
                self.redactor.remember(&Secret::new(assertion.trim()));
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
                Err(e) if is_certificate_error(&e) => {
                    return Err(ClientError::auth(format!(
                        "the token endpoint's TLS certificate was refused: {}",
                        describe_reqwest(e)
                    ))
                    .on(&label)
                    .with_hint("not retried: a certificate error does not go away by itself"));
                }
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
            let body = match read_body_capped(resp, self.max_body).await {
                Ok(b) => b,
                Err(BodyError::TooLarge(n)) => {
                    return Err(ClientError {
                        status: Some(status),
                        ..ClientError::auth(format!(
                            "the token endpoint's answer is larger than {n} bytes (max_response_bytes)"
                        ))
                        .on(&label)
                    });
                }
                Err(BodyError::Timeout) => {
                    last = Some(
                        ClientError::auth("the token endpoint's answer did not arrive in time")
                            .on(&label),
                    );
                    continue;
                }
                Err(BodyError::Read(e)) => {
                    last = Some(
                        ClientError::auth(format!("the token endpoint's answer broke off: {e}"))
                            .on(&label),
                    );
                    continue;
                }
            };
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

/// Why a body could not be read whole.
pub(crate) enum BodyError {
    /// Over the cap (the cap, in bytes).
    TooLarge(u64),
    Timeout,
    Read(String),
}

/// The body of `resp` as text, refused as soon as it passes `max` bytes (by its declared
/// length, or while it streams in), so a huge answer never sits in memory.
pub(crate) async fn read_body_capped(
    mut resp: reqwest::Response,
    max: u64,
) -> Result<String, BodyError> {
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(BodyError::TooLarge(max));
    }
    let mut bytes = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() as u64 + chunk.len() as u64 > max {
                    return Err(BodyError::TooLarge(max));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) if e.is_timeout() => return Err(BodyError::Timeout),
            Err(e) => return Err(BodyError::Read(describe_reqwest(e))),
        }
    }
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Whether a request failed on the server's TLS certificate (unknown issuer, expired, wrong
/// name, ...). Such failures are not transient, so they are never retried.
pub(crate) fn is_certificate_error(e: &reqwest::Error) -> bool {
    let mut src: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = src {
        if err.to_string().to_ascii_lowercase().contains("certificate") {
            return true;
        }
        // io::Error hides the error it wraps from `source()`.
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && inner
                .to_string()
                .to_ascii_lowercase()
                .contains("certificate")
        {
            return true;
        }
        src = err.source();
    }
    false
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

    #[test]
    fn secrets_are_masked_raw_json_escaped_and_form_encoded() {
        let secret = "s3cr3t+/\"value";
        let texts = [
            format!("echo {secret} here"),
            format!("{{\"message\":{}}}", serde_json::to_string(secret).unwrap()),
            format!("client_secret={}&scope=x", form_encode(secret)),
        ];
        for t in &texts {
            let masked = mask_secrets(t, [secret]);
            assert!(masked.contains("***"), "{masked}");
            assert!(!masked.contains("s3cr3t"), "{masked}");
        }
        // Cut off in the middle by an excerpt.
        assert_eq!(mask_secrets("x s3cr3t+/…", [secret]), "x ***…");
        // Short values are not secrets worth garbling a message for.
        assert_eq!(mask_secrets("a t b", ["t"]), "a t b");
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
