//! Client configuration: where each API lives, which token scope it wants, how to
//! authenticate, and the limits (retries, concurrency, timeouts, LRO deadlines).

use crate::auth::AuthConfig;
use crate::error::ClientError;
pub use ppgov_core::model::Cloud;
use ppgov_tenant_api::paths::Host;
use reqwest::Url;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

/// The hosts, token scopes and sign-in authority of one cloud.
///
/// Source: the Microsoft Terraform provider's `internal/config` constants (see README).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudEndpoints {
    pub bap: &'static str,
    pub powerapps: &'static str,
    pub powerplatform: &'static str,
    /// The Flow (Power Automate) resource provider: cloud flows.
    pub flow: &'static str,
    /// Scope of tokens for BAP and Power Apps (one token serves both).
    pub powerapps_scope: &'static str,
    /// Scope of tokens for the Power Platform API.
    pub powerplatform_scope: &'static str,
    /// Scope of tokens for the Flow host.
    pub flow_scope: &'static str,
    pub authority: &'static str,
}

impl CloudEndpoints {
    pub fn of(cloud: Cloud) -> CloudEndpoints {
        match cloud {
            Cloud::Public => CloudEndpoints {
                bap: "https://api.bap.microsoft.com",
                powerapps: "https://api.powerapps.com",
                powerplatform: "https://api.powerplatform.com",
                flow: "https://api.flow.microsoft.com",
                powerapps_scope: "https://service.powerapps.com/.default",
                powerplatform_scope: "https://api.powerplatform.com/.default",
                flow_scope: "https://service.flow.microsoft.com//.default",
                authority: "https://login.microsoftonline.com",
            },
            Cloud::Gcc => CloudEndpoints {
                bap: "https://gov.api.bap.microsoft.us",
                powerapps: "https://gov.api.powerapps.us",
                powerplatform: "https://api.gov.powerplatform.microsoft.us",
                flow: "https://gov.api.flow.microsoft.us",
                powerapps_scope: "https://service.powerapps.us/.default",
                powerplatform_scope: "https://api.gov.powerplatform.microsoft.us/.default",
                flow_scope: "https://gov.service.flow.microsoft.us//.default",
                authority: "https://login.microsoftonline.com",
            },
            Cloud::GccHigh => CloudEndpoints {
                bap: "https://high.api.bap.microsoft.us",
                powerapps: "https://high.api.powerapps.us",
                powerplatform: "https://api.appsplatform.us",
                flow: "https://high.api.flow.microsoft.us",
                powerapps_scope: "https://high.service.apps.appsplatform.us/.default",
                powerplatform_scope: "https://api.appsplatform.us/.default",
                flow_scope: "https://high.service.flow.microsoft.us//.default",
                authority: "https://login.microsoftonline.us",
            },
            Cloud::Dod => CloudEndpoints {
                bap: "https://api.bap.appsplatform.us",
                powerapps: "https://api.apps.appsplatform.us",
                powerplatform: "https://api.appsplatform.us",
                flow: "https://api.flow.appsplatform.us",
                powerapps_scope: "https://service.apps.appsplatform.us/.default",
                powerplatform_scope: "https://api.appsplatform.us/.default",
                flow_scope: "https://service.flow.appsplatform.us//.default",
                authority: "https://login.microsoftonline.us",
            },
            Cloud::China => CloudEndpoints {
                bap: "https://api.bap.partner.microsoftonline.cn",
                powerapps: "https://api.powerapps.cn",
                powerplatform: "https://api.powerplatform.partner.microsoftonline.cn",
                flow: "https://api.powerautomate.cn",
                powerapps_scope: "https://service.powerapps.cn/.default",
                powerplatform_scope: "https://api.powerplatform.partner.microsoftonline.cn/.default",
                flow_scope: "https://service.powerautomate.cn//.default",
                authority: "https://login.chinacloudapi.cn",
            },
        }
    }

    pub fn base_url(&self, host: Host) -> &'static str {
        match host {
            Host::Bap => self.bap,
            Host::PowerApps => self.powerapps,
            Host::PowerPlatform => self.powerplatform,
            Host::Flow => self.flow,
        }
    }

    pub fn scope(&self, host: Host) -> &'static str {
        match host {
            Host::Bap | Host::PowerApps => self.powerapps_scope,
            Host::PowerPlatform => self.powerplatform_scope,
            Host::Flow => self.flow_scope,
        }
    }
}

/// Bounded retries with capped exponential backoff and full jitter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (1 = no retries).
    pub max_attempts: u32,
    /// The backoff ceiling of the first retry; doubles per attempt.
    pub base_backoff: Duration,
    /// No backoff ceiling grows past this.
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this is cut to this.
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(60),
        }
    }
}

/// How long to wait for long-running operations (and for busy environments to free up).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LroPolicy {
    /// Give up on an operation (or a 409 `OperationNotStartable` wait) after this long.
    pub deadline: Duration,
    /// Poll interval when the server suggests none.
    pub poll_interval: Duration,
}

impl Default for LroPolicy {
    fn default() -> Self {
        LroPolicy {
            deadline: Duration::from_secs(20 * 60),
            poll_interval: Duration::from_secs(5),
        }
    }
}

/// Bounds on time and memory that no answer of the server can push the client past. The
/// defaults sit far above what a real tenant needs (see the README's "Limits"), so reaching
/// one means a misbehaving server or network, not a large tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// A read (GET, or a POST that only reads) fails after this long, retries included; time
    /// spent waiting out 429s is budgeted by `throttle_budget` instead.
    pub read_timeout: Duration,
    /// How long one request may keep being throttled (429) before it fails, counted from the
    /// first 429. Throttled attempts do not count against `RetryPolicy::max_attempts`.
    pub throttle_budget: Duration,
    /// Pages one listing may have.
    pub max_pages: u32,
    /// Bytes one response body may have; a larger body is refused while it streams in.
    pub max_response_bytes: u64,
    /// [`crate::Client::observe`] as a whole fails after this long.
    pub observe_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            read_timeout: Duration::from_secs(60),
            throttle_budget: Duration::from_secs(5 * 60),
            // 10,000 pages: 500,000 objects per listing at 50 per page.
            max_pages: 10_000,
            // 64 MiB: a page of 50 fully populated environments is about 200 KB, the largest
            // recorded DLP policy a few hundred KB.
            max_response_bytes: 64 * 1024 * 1024,
            // A tenant of 10,000 environments is read in about 200 sequential pages: minutes
            // at worst, never a quarter of an hour.
            observe_deadline: Duration::from_secs(15 * 60),
        }
    }
}

/// A notice that the client is about to wait (throttling, a retry, a busy environment, a
/// running operation), for callers that show progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitEvent {
    /// The request, `GET bap /providers/...`.
    pub request: String,
    /// What is being waited for.
    pub reason: WaitReason,
    /// This wait.
    pub wait: Duration,
    /// Time spent on the request (or operation) so far.
    pub elapsed: Duration,
    /// When it will be given up, measured like `elapsed`.
    pub limit: Duration,
}

/// Why the client waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitReason {
    /// 429: the server asked to slow down.
    Throttled,
    /// A transient failure (5xx, timeout, connection) before the next attempt.
    Retry { attempt: u32, error: String },
    /// 409 `OperationNotStartable`: another operation holds the environment.
    Busy,
    /// A long-running operation, in the state last reported.
    Operation { state: String },
}

impl std::fmt::Display for WaitEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match &self.reason {
            WaitReason::Throttled => "throttled by the service".to_owned(),
            WaitReason::Retry { attempt, error } => format!("attempt {attempt} failed ({error})"),
            WaitReason::Busy => "the environment is busy with another operation".to_owned(),
            WaitReason::Operation { state } => format!("operation running (state: {state})"),
        };
        write!(
            f,
            "{}: {what}; waiting {:.1}s ({}s so far, giving up after {}s)",
            self.request,
            self.wait.as_secs_f64(),
            self.elapsed.as_secs(),
            self.limit.as_secs()
        )
    }
}

/// Receives [`WaitEvent`]s; called on the task that waits, so keep it quick.
#[derive(Clone)]
pub struct WaitObserver(pub std::sync::Arc<dyn Fn(&WaitEvent) + Send + Sync>);

impl std::fmt::Debug for WaitObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WaitObserver")
    }
}

/// Everything the client needs. Build with [`ClientConfig::new`], then adjust fields.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub cloud: Cloud,
    /// Per-host base URL overrides (the emulator, a proxy); else the cloud's.
    pub base_urls: BTreeMap<Host, String>,
    /// Per-host token scope overrides; else the cloud's.
    pub scopes: BTreeMap<Host, String>,
    pub auth: AuthConfig,
    pub retry: RetryPolicy,
    /// Requests in flight at once, across all hosts.
    pub max_concurrent_requests: usize,
    /// One HTTP exchange (connect, send, read the whole body).
    pub request_timeout: Duration,
    pub lro: LroPolicy,
    /// Caps on time and memory: read timeout, throttling budget, pages, body size, observe.
    pub limits: Limits,
    /// Told about every wait, when set.
    pub on_wait: Option<WaitObserver>,
    /// The Entra tenant id; read from the service when not given.
    pub tenant_id: Option<String>,
    /// Sent as `User-Agent`.
    pub user_agent: String,
}

impl ClientConfig {
    pub fn new(cloud: Cloud, auth: AuthConfig) -> Self {
        ClientConfig {
            cloud,
            base_urls: BTreeMap::new(),
            scopes: BTreeMap::new(),
            auth,
            retry: RetryPolicy::default(),
            // The environment listing is one sequential chain of pages; the other listings and
            // the per-policy DLP reads run beside it. 16 in flight keeps them from delaying
            // that chain (`benches/observe.rs`: 1.3x the round-trip bound at 16, 1.5x at 8)
            // while staying a small load for the service.
            max_concurrent_requests: 16,
            request_timeout: Duration::from_secs(60),
            lro: LroPolicy::default(),
            limits: Limits::default(),
            on_wait: None,
            tenant_id: None,
            user_agent: format!("ppgov/{}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// Points every host at one base URL (the emulator serves them all).
    pub fn with_single_base_url(mut self, url: &str) -> Self {
        for host in Host::ALL {
            self.base_urls.insert(host, url.to_owned());
        }
        self
    }

    pub fn with_base_url(mut self, host: Host, url: &str) -> Self {
        self.base_urls.insert(host, url.to_owned());
        self
    }

    /// The base URL of `host`, without a trailing `/`.
    pub fn base_url(&self, host: Host) -> &str {
        self.base_urls
            .get(&host)
            .map(String::as_str)
            .unwrap_or_else(|| CloudEndpoints::of(self.cloud).base_url(host))
            .trim_end_matches('/')
    }

    pub fn scope(&self, host: Host) -> &str {
        self.scopes
            .get(&host)
            .map(String::as_str)
            .unwrap_or_else(|| CloudEndpoints::of(self.cloud).scope(host))
    }

    /// Checks every URL the client will send credentials to, and the limits.
    pub fn validate(&self) -> Result<(), ClientError> {
        for host in Host::ALL {
            check_url(self.base_url(host), &format!("base URL of {}", host.name()))?;
        }
        if let Some(authority) = self.auth.authority() {
            check_url(authority, "authority URL")?;
        }
        if self.retry.max_attempts == 0 {
            return Err(ClientError::config("retry.max_attempts must be at least 1"));
        }
        if self.max_concurrent_requests == 0 {
            return Err(ClientError::config(
                "max_concurrent_requests must be at least 1",
            ));
        }
        if self.request_timeout.is_zero() {
            return Err(ClientError::config("request_timeout must be positive"));
        }
        let l = &self.limits;
        if l.read_timeout.is_zero() || l.observe_deadline.is_zero() || self.lro.deadline.is_zero() {
            return Err(ClientError::config(
                "read_timeout, observe_deadline and the LRO deadline must be positive",
            ));
        }
        if l.max_pages == 0 || l.max_response_bytes == 0 {
            return Err(ClientError::config(
                "max_pages and max_response_bytes must be at least 1",
            ));
        }
        Ok(())
    }
}

/// Whether `host` (a URL's host string, IPv6 in brackets) is a loopback address or `localhost`.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") {
        return true;
    }
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Accepts `https://` URLs, and `http://` only to loopback hosts: bearer tokens never travel
/// in clear text over a network.
pub fn check_url(url: &str, what: &str) -> Result<Url, ClientError> {
    let parsed = Url::parse(url)
        .map_err(|e| ClientError::config(format!("{what} `{url}` is not a URL: {e}")))?;
    let host = parsed.host_str().unwrap_or_default().to_owned();
    match parsed.scheme() {
        "https" if !host.is_empty() => Ok(parsed),
        "http" if is_loopback_host(&host) => Ok(parsed),
        "http" => Err(ClientError::config(format!(
            "{what} `{url}` uses plain http to a non-loopback host `{host}`: refusing to send \
             credentials unencrypted (use https, or http only to 127.0.0.1, ::1 or localhost)"
        ))),
        other => Err(ClientError::config(format!(
            "{what} `{url}` has scheme `{other}`; only https (or http to loopback) is allowed"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{AuthConfig, Secret};

    #[test]
    fn loopback_hosts() {
        for h in ["127.0.0.1", "127.1.2.3", "[::1]", "localhost", "LOCALHOST"] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "10.0.0.1",
            "example.com",
            "localhost.example.com",
            "[::2]",
            "",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_url("http://127.0.0.1:8080", "x").is_ok());
        assert!(check_url("http://[::1]:8080/", "x").is_ok());
        assert!(check_url("http://localhost:1", "x").is_ok());
        assert!(check_url("https://api.bap.microsoft.com", "x").is_ok());
        let e = check_url("http://api.bap.microsoft.com", "base URL of bap").unwrap_err();
        assert_eq!(e.kind, crate::ErrorKind::Config);
        assert!(e.to_string().contains("non-loopback"), "{e}");
        assert!(check_url("http://127.0.0.1.nip.io", "x").is_err());
        assert!(check_url("ftp://127.0.0.1", "x").is_err());
        assert!(check_url("not a url", "x").is_err());
    }

    #[test]
    fn config_validation_checks_every_base_url() {
        let auth = AuthConfig::Static(Secret::new("t"));
        let ok = ClientConfig::new(Cloud::Public, auth.clone())
            .with_single_base_url("http://127.0.0.1:1/");
        ok.validate().unwrap();
        assert_eq!(ok.base_url(Host::Bap), "http://127.0.0.1:1");
        let bad = ClientConfig::new(Cloud::Public, auth)
            .with_base_url(Host::PowerPlatform, "http://10.1.1.1");
        assert!(bad.validate().is_err());
    }

    #[test]
    fn sovereign_clouds_have_their_own_hosts_and_scopes() {
        let auth = AuthConfig::Static(Secret::new("t"));
        let c = ClientConfig::new(Cloud::Gcc, auth);
        assert_eq!(c.base_url(Host::Bap), "https://gov.api.bap.microsoft.us");
        assert_eq!(
            c.scope(Host::PowerApps),
            "https://service.powerapps.us/.default"
        );
        assert_eq!(
            c.scope(Host::PowerPlatform),
            "https://api.gov.powerplatform.microsoft.us/.default"
        );
        for cloud in [
            Cloud::Public,
            Cloud::Gcc,
            Cloud::GccHigh,
            Cloud::Dod,
            Cloud::China,
        ] {
            let e = CloudEndpoints::of(cloud);
            assert_eq!(e.scope(Host::Bap), e.scope(Host::PowerApps));
            for host in Host::ALL {
                check_url(e.base_url(host), "x").unwrap();
            }
        }
        assert_eq!(
            CloudEndpoints::of(Cloud::Public).scope(Host::PowerPlatform),
            Host::PowerPlatform.public_scope()
        );
    }
}
