//! The one way requests are made: concurrency limit, timeout, bounded retries with capped
//! exponential backoff and full jitter, `Retry-After`, token refresh on 401, waiting out busy
//! environments (409 `OperationNotStartable`), long-running operations and paging.

use crate::auth::{
    BodyError, Redactor, Secret, TokenProvider, describe_reqwest, is_certificate_error,
    read_body_capped,
};
use crate::config::{
    ClientConfig, RetryPolicy, WaitEvent, WaitReason, check_url, is_loopback_host,
};
use crate::error::{ClientError, ErrorKind, excerpt};
use ppgov_tenant_api::Page;
use ppgov_tenant_api::paths::{Endpoint, Host};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Where a request goes: a tenant-api endpoint, or a URL the server handed out (a next page,
/// an operation to poll).
#[derive(Clone, Debug)]
pub(crate) enum Target {
    Endpoint(Endpoint),
    Url(String),
}

/// One request, before retries.
#[derive(Clone, Debug)]
pub(crate) struct Req {
    pub method: Method,
    pub host: Host,
    pub target: Target,
    pub body: Option<serde_json::Value>,
    /// Safe to send twice. GET, PUT, DELETE and full-document PATCH are; POST is not unless
    /// said so.
    pub idempotent: bool,
    /// Wait out 409 `OperationNotStartable` (and empty-body 409s) until the LRO deadline.
    pub wait_busy: bool,
    /// Only reads: bounded by `Limits::read_timeout`, retries included. GET is.
    pub read: bool,
}

impl Req {
    fn new(method: Method, ep: Endpoint) -> Req {
        let idempotent = method != Method::POST;
        Req {
            read: method == Method::GET,
            method,
            host: ep.host,
            target: Target::Endpoint(ep),
            body: None,
            idempotent,
            wait_busy: false,
        }
    }
    pub fn get(ep: Endpoint) -> Req {
        Req::new(Method::GET, ep)
    }
    pub fn post(ep: Endpoint) -> Req {
        Req::new(Method::POST, ep)
    }
    pub fn put(ep: Endpoint) -> Req {
        Req::new(Method::PUT, ep)
    }
    pub fn patch(ep: Endpoint) -> Req {
        Req::new(Method::PATCH, ep)
    }
    pub fn delete(ep: Endpoint) -> Req {
        Req::new(Method::DELETE, ep)
    }
    pub fn json(mut self, body: impl serde::Serialize) -> Req {
        self.body = Some(serde_json::to_value(body).expect("wire types serialize"));
        self
    }
    /// Marks a POST as safe to repeat (reads, merges, set-to-value calls).
    pub fn idempotent(mut self) -> Req {
        self.idempotent = true;
        self
    }
    pub fn wait_busy(mut self) -> Req {
        self.wait_busy = true;
        self
    }
    /// Marks a POST that only reads (and so is idempotent).
    pub fn reading(mut self) -> Req {
        self.read = true;
        self.idempotent = true;
        self
    }
}

/// A 2xx answer.
#[derive(Clone, Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    pub label: String,
    redactor: Arc<Redactor>,
}

impl Response {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ClientError> {
        serde_json::from_str(&self.body).map_err(|e| {
            self.redactor.error(ClientError {
                status: Some(self.status),
                ..ClientError::invalid(&self.label, format!("{e}; body: {}", excerpt(&self.body)))
            })
        })
    }

    pub fn is_empty(&self) -> bool {
        self.status == 204 || self.body.trim().is_empty()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Requests made since the client was built (or since [`crate::Client::reset_stats`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestStats {
    /// HTTP exchanges with the API hosts: first attempts, retries, pages and LRO polls.
    pub total: u64,
    /// By host name (`bap`, `powerapps`, `powerplatform`, `flow`).
    pub by_host: BTreeMap<&'static str, u64>,
    /// Exchanges that were retries of an earlier attempt.
    pub retries: u64,
    /// Token fetches (cache misses).
    pub token_fetches: u64,
}

#[derive(Default)]
struct Counters {
    by_host: [AtomicU64; Host::ALL.len()],
    retries: AtomicU64,
}

fn host_index(host: Host) -> usize {
    match host {
        Host::Bap => 0,
        Host::PowerApps => 1,
        Host::PowerPlatform => 2,
        Host::Flow => 3,
    }
}

enum Failure {
    /// The connection was never made: the server did nothing.
    Connect(String),
    /// The server's TLS certificate was refused: not transient.
    Certificate(String),
    /// The body passed `max_response_bytes` (the cap).
    TooLarge(u64),
    /// No complete answer within this long.
    Timeout(Duration),
    Other(String),
}

pub(crate) struct Transport {
    pub config: ClientConfig,
    http: reqwest::Client,
    tokens: TokenProvider,
    limit: Semaphore,
    counters: Counters,
}

impl Transport {
    pub fn new(config: ClientConfig) -> Result<Transport, ClientError> {
        config.validate()?;
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.request_timeout.min(Duration::from_secs(30)))
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::config(format!("cannot build the HTTP client: {e}")))?;
        let authority = crate::config::CloudEndpoints::of(config.cloud).authority;
        let tokens = TokenProvider::new(config.auth.clone(), authority, http.clone())
            .with_max_body(config.limits.max_response_bytes);
        Ok(Transport {
            limit: Semaphore::new(config.max_concurrent_requests),
            config,
            http,
            tokens,
            counters: Counters::default(),
        })
    }

    pub fn stats(&self) -> RequestStats {
        let mut by_host = BTreeMap::new();
        let mut total = 0;
        for host in Host::ALL {
            let n = self.counters.by_host[host_index(host)].load(Ordering::Relaxed);
            total += n;
            by_host.insert(host.name(), n);
        }
        RequestStats {
            total,
            by_host,
            retries: self.counters.retries.load(Ordering::Relaxed),
            token_fetches: self.tokens.fetches.load(Ordering::Relaxed),
        }
    }

    pub fn reset_stats(&self) {
        for c in &self.counters.by_host {
            c.store(0, Ordering::Relaxed);
        }
        self.counters.retries.store(0, Ordering::Relaxed);
        self.tokens.fetches.store(0, Ordering::Relaxed);
    }

    /// The URL of a target. The bearer token goes with every request, so a URL the server
    /// hands out must be on a configured origin exactly (scheme, host and port), or, over
    /// https, on a subdomain of the configured BAP host (BAP answers with regional hosts such
    /// as `unitedstates.api.bap.microsoft.com`) with the same port. A loopback or IP-address
    /// base URL has no subdomains: `evil.localhost` is not `localhost`.
    fn url_of(&self, host: Host, target: &Target) -> Result<Url, ClientError> {
        let base = self.config.base_url(host);
        match target {
            Target::Endpoint(ep) => {
                let s = format!("{base}{}", ep.path_and_query());
                Url::parse(&s).map_err(|e| ClientError::config(format!("bad URL {s}: {e}")))
            }
            Target::Url(u) if u.starts_with('/') && !u.starts_with("//") => {
                let s = format!("{base}{u}");
                Url::parse(&s).map_err(|e| ClientError::config(format!("bad URL {s}: {e}")))
            }
            Target::Url(u) => {
                let what = format!("link from {}", host.name());
                let url = check_url(u, &what)
                    .map_err(|e| ClientError::new(ErrorKind::InvalidResponse, e.message))?;
                if self.link_allowed(&url) {
                    Ok(url)
                } else {
                    let origin = url.origin().ascii_serialization();
                    Err(ClientError::new(
                        ErrorKind::InvalidResponse,
                        format!(
                            "the server pointed at `{origin}`, which is not a configured API origin: \
                             refusing to send credentials there"
                        ),
                    ))
                }
            }
        }
    }

    /// The rule of [`Transport::url_of`] for links from the server.
    fn link_allowed(&self, url: &Url) -> bool {
        let their_host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        Host::ALL.iter().any(|h| {
            let Ok(ours) = Url::parse(self.config.base_url(*h)) else {
                return false;
            };
            let ours_host = ours.host_str().unwrap_or_default().to_ascii_lowercase();
            let same_port = url.port_or_known_default() == ours.port_or_known_default();
            let same_origin = url.scheme() == ours.scheme() && their_host == ours_host && same_port;
            let regional = *h == Host::Bap
                && url.scheme() == "https"
                && ours.scheme() == "https"
                && ours.domain().is_some()
                && !is_loopback_host(&ours_host)
                && !ours_host.ends_with(".localhost")
                && their_host.ends_with(&format!(".{ours_host}"))
                && same_port;
            same_origin || regional
        })
    }

    /// Sends a request with every rule of the module; returns the 2xx answer or the error,
    /// with every secret the client knows masked in it.
    pub async fn send(&self, req: &Req) -> Result<Response, ClientError> {
        self.send_unmasked(req)
            .await
            .map_err(|e| self.tokens.redactor.error(e))
    }

    fn wait_event(
        &self,
        request: &str,
        reason: WaitReason,
        wait: Duration,
        elapsed: Duration,
        limit: Duration,
    ) {
        if let Some(observer) = &self.config.on_wait {
            (observer.0)(&WaitEvent {
                request: request.to_owned(),
                reason,
                wait,
                elapsed,
                limit,
            });
        }
    }

    async fn send_unmasked(&self, req: &Req) -> Result<Response, ClientError> {
        let url = self.url_of(req.host, &req.target)?;
        let label = format!("{} {} {}", req.method, req.host.name(), url.path());
        let scope = self.config.scope(req.host).to_owned();
        let body = req
            .body
            .as_ref()
            .map(|b| serde_json::to_vec(b).expect("JSON values serialize"));
        let policy = &self.config.retry;
        let limits = &self.config.limits;
        let started = Instant::now();
        let busy_deadline = started + self.config.lro.deadline;
        // Reads have an overall deadline; waiting out 429s moves it (the throttling budget
        // bounds those waits).
        let mut read_deadline = req.read.then(|| started + limits.read_timeout);
        let mut throttled_since: Option<Instant> = None;
        let mut throttled_count = 0u32;
        let mut attempt = 0u32;
        let mut busy_waits = 0u32;
        let mut refreshed = false;
        loop {
            attempt += 1;
            let token = self.tokens.token(&scope).await?;
            let timeout = match read_deadline {
                Some(d) => self
                    .config
                    .request_timeout
                    .min(d.saturating_duration_since(Instant::now())),
                None => self.config.request_timeout,
            };
            if timeout.is_zero() {
                return Err(ClientError::new(
                    ErrorKind::Timeout,
                    format!(
                        "no answer within the read timeout of {}s",
                        limits.read_timeout.as_secs_f64()
                    ),
                )
                .on(&label)
                .with_hint(format!(
                    "gave up after {} attempts (read_timeout, PPGOV_READ_TIMEOUT)",
                    attempt - 1
                )));
            }
            let outcome = self
                .exchange(req, &url, &label, &token, body.as_deref(), timeout)
                .await;
            let (err, retryable, retry_after) = match outcome {
                Ok(resp) if (200..300).contains(&resp.status) => return Ok(resp),
                Ok(resp) => {
                    let err = ClientError::from_status(&label, resp.status, &resp.body);
                    let retry_after = resp
                        .header(RETRY_AFTER.as_str())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    match resp.status {
                        401 if !refreshed => {
                            // One fresh token, then give up.
                            refreshed = true;
                            attempt -= 1;
                            self.tokens.invalidate(&scope, &token).await;
                            continue;
                        }
                        409 if req.wait_busy && is_busy(&resp.body) => {
                            busy_waits += 1;
                            attempt -= 1;
                            let delay = retry_after
                                .map(|d| d.min(policy.retry_after_cap))
                                .unwrap_or_else(|| backoff(policy, busy_waits));
                            if Instant::now() + delay > busy_deadline {
                                return Err(err.with_hint(format!(
                                    "the environment was still busy with another operation after {}s",
                                    self.config.lro.deadline.as_secs()
                                )));
                            }
                            self.wait_event(
                                &label,
                                WaitReason::Busy,
                                delay,
                                started.elapsed(),
                                self.config.lro.deadline,
                            );
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                        // Throttled: the server did nothing. Not an attempt; bounded in time
                        // by the throttling budget instead.
                        429 => {
                            attempt -= 1;
                            throttled_count += 1;
                            let since = *throttled_since.get_or_insert_with(Instant::now);
                            let delay = match retry_after {
                                Some(d) if d > policy.retry_after_cap => {
                                    return Err(err.with_hint(format!(
                                        "the server asks to wait {}s, more than the Retry-After cap of {}s (retry_after_cap, PPGOV_RETRY_AFTER_CAP)",
                                        d.as_secs_f64(),
                                        policy.retry_after_cap.as_secs_f64()
                                    )));
                                }
                                Some(d) => d,
                                None => backoff(policy, throttled_count),
                            };
                            if since.elapsed() + delay > limits.throttle_budget {
                                return Err(err.with_hint(format!(
                                    "throttled for {}s; the throttling budget is {}s (throttle_budget, PPGOV_THROTTLE_BUDGET)",
                                    since.elapsed().as_secs(),
                                    limits.throttle_budget.as_secs()
                                )));
                            }
                            if let Some(d) = read_deadline.as_mut() {
                                *d += delay;
                            }
                            self.counters.retries.fetch_add(1, Ordering::Relaxed);
                            self.wait_event(
                                &label,
                                WaitReason::Throttled,
                                delay,
                                since.elapsed(),
                                limits.throttle_budget,
                            );
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                        // The server certainly did not act: safe to repeat anything.
                        503 => (err, true, retry_after),
                        408 | 500 | 502 | 504 => (err, req.idempotent, retry_after),
                        _ => return Err(err),
                    }
                }
                Err(Failure::Connect(msg)) => (
                    ClientError::new(ErrorKind::Connection, msg).on(&label),
                    true,
                    None,
                ),
                Err(Failure::Certificate(msg)) => {
                    return Err(ClientError::new(ErrorKind::Connection, msg)
                        .on(&label)
                        .with_hint("the server's TLS certificate was refused; not retried: a certificate error does not go away by itself"));
                }
                Err(Failure::TooLarge(cap)) => {
                    return Err(ClientError::invalid(
                        &label,
                        format!(
                            "the answer is larger than {cap} bytes (max_response_bytes, PPGOV_MAX_RESPONSE_BYTES)"
                        ),
                    ));
                }
                Err(Failure::Timeout(after)) => (
                    ClientError::new(
                        ErrorKind::Timeout,
                        format!("no complete answer within {}s", after.as_secs_f64()),
                    )
                    .on(&label),
                    req.idempotent,
                    None,
                ),
                Err(Failure::Other(msg)) => (
                    ClientError::new(ErrorKind::Connection, msg).on(&label),
                    req.idempotent,
                    None,
                ),
            };
            if !retryable {
                return Err(err.with_hint(
                    "not retried: the request is not idempotent and the server may have acted",
                ));
            }
            if attempt >= policy.max_attempts {
                return Err(err.with_hint(format!("gave up after {attempt} attempts")));
            }
            if let Some(d) = retry_after
                && d > policy.retry_after_cap
            {
                return Err(err.with_hint(format!(
                    "the server asks to wait {}s, more than the Retry-After cap of {}s (retry_after_cap, PPGOV_RETRY_AFTER_CAP)",
                    d.as_secs_f64(),
                    policy.retry_after_cap.as_secs_f64()
                )));
            }
            let delay = retry_after.unwrap_or_else(|| backoff(policy, attempt));
            if let Some(d) = read_deadline
                && Instant::now() + delay >= d
            {
                return Err(err.with_hint(format!(
                    "gave up after {attempt} attempts in {}s (read_timeout {}s, PPGOV_READ_TIMEOUT)",
                    started.elapsed().as_secs(),
                    limits.read_timeout.as_secs()
                )));
            }
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            let limit = match read_deadline {
                Some(d) => d.saturating_duration_since(started),
                None => Duration::ZERO,
            };
            self.wait_event(
                &label,
                WaitReason::Retry {
                    attempt,
                    error: err.to_string(),
                },
                delay,
                started.elapsed(),
                limit,
            );
            tokio::time::sleep(delay).await;
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn exchange(
        &self,
        req: &Req,
        url: &Url,
        label: &str,
        token: &Secret,
        body: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<Response, Failure> {
        let _permit = self.limit.acquire().await.expect("never closed");
        self.counters.by_host[host_index(req.host)].fetch_add(1, Ordering::Relaxed);
        let mut rb = self
            .http
            .request(req.method.clone(), url.clone())
            .timeout(timeout)
            .bearer_auth(token.expose())
            .header(ACCEPT, "application/json")
            .header("x-ms-client-request-id", uuid::Uuid::new_v4().to_string());
        match body {
            Some(b) => {
                rb = rb.header(CONTENT_TYPE, "application/json").body(b.to_vec());
            }
            None if req.method != Method::GET && req.method != Method::DELETE => {
                rb = rb.body(Vec::new());
            }
            None => {}
        }
        let max_body = self.config.limits.max_response_bytes;
        let fut = async {
            let resp = rb.send().await.map_err(classify)?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = read_body_capped(resp, max_body)
                .await
                .map_err(|e| match e {
                    BodyError::TooLarge(cap) => Failure::TooLarge(cap),
                    BodyError::Timeout => Failure::Timeout(timeout),
                    BodyError::Read(msg) => Failure::Other(msg),
                })?;
            Ok::<_, Failure>(Response {
                status,
                headers,
                body,
                label: label.to_owned(),
                redactor: self.tokens.redactor.clone(),
            })
        };
        match tokio::time::timeout(timeout, fut).await {
            Err(_) | Ok(Err(Failure::Timeout(_))) => Err(Failure::Timeout(timeout)),
            Ok(r) => r,
        }
    }

    /// Sends a request that may start a long-running operation (202 + `Location` or
    /// `Operation-Location`) and waits for it to end.
    pub async fn send_lro(&self, req: &Req) -> Result<Response, ClientError> {
        let resp = self.send(req).await?;
        if resp.status == 202 {
            self.wait_operation(req.host, &resp).await?;
        }
        Ok(resp)
    }

    async fn wait_operation(&self, host: Host, started: &Response) -> Result<(), ClientError> {
        let Some(location) = started
            .header(LOCATION.as_str())
            .or_else(|| started.header("operation-location"))
            .map(str::to_owned)
        else {
            // Nothing to poll: the caller re-reads the object.
            return Ok(());
        };
        let lro = &self.config.lro;
        let cap = self.config.retry.retry_after_cap;
        let deadline = Instant::now() + lro.deadline;
        let suggested = |r: &Response| {
            r.header(RETRY_AFTER.as_str())
                .and_then(|v| parse_retry_after(v, SystemTime::now()))
                .map(|d| d.min(cap))
        };
        // The first poll comes almost at once (most operations are done by then), later ones
        // back off, doubling up to the server's hint (`Retry-After`) or the poll interval.
        let started_at = Instant::now();
        let mut hint = suggested(started).unwrap_or(lro.poll_interval);
        let mut interval = FIRST_POLL.min(hint);
        let mut last_state = String::from("not yet polled");
        let mut polls = 0u32;
        loop {
            if polls > 0 {
                interval = (interval * 2).min(hint);
            }
            polls += 1;
            if Instant::now() + interval > deadline {
                return Err(ClientError::new(
                    ErrorKind::Timeout,
                    format!(
                        "the operation did not finish within {}s (last state: {last_state})",
                        lro.deadline.as_secs()
                    ),
                )
                .on(&format!("{} (operation {location})", started.label)));
            }
            if polls > 1 {
                self.wait_event(
                    &started.label,
                    WaitReason::Operation {
                        state: last_state.clone(),
                    },
                    interval,
                    started_at.elapsed(),
                    lro.deadline,
                );
            }
            tokio::time::sleep(interval).await;
            let poll = Req {
                method: Method::GET,
                host,
                target: Target::Url(location.clone()),
                body: None,
                idempotent: true,
                wait_busy: false,
                read: true,
            };
            match self.send(&poll).await {
                Ok(r) => {
                    let body: serde_json::Value =
                        serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null);
                    let state = body
                        .pointer("/state/id")
                        .or_else(|| body.get("status"))
                        .and_then(|s| s.as_str())
                        .unwrap_or("")
                        .to_owned();
                    if state.is_empty() {
                        if r.status == 202 {
                            hint = suggested(&r).unwrap_or(lro.poll_interval);
                            continue;
                        }
                        return Ok(());
                    }
                    if ppgov_tenant_api::lro::is_success(&state) {
                        return Ok(());
                    }
                    if ppgov_tenant_api::lro::is_terminal(&state) {
                        let detail = body
                            .get("error")
                            .or_else(|| body.get("errorDetail"))
                            .cloned()
                            .unwrap_or_default();
                        return Err(ClientError {
                            kind: ErrorKind::OperationFailed,
                            request: Some(started.label.clone()),
                            status: Some(r.status),
                            code: detail
                                .get("code")
                                .and_then(|c| c.as_str())
                                .map(str::to_owned),
                            message: detail
                                .get("message")
                                .and_then(|c| c.as_str())
                                .map(str::to_owned)
                                .unwrap_or_else(|| format!("the operation ended {state}")),
                            hint: None,
                        });
                    }
                    last_state = state;
                    hint = suggested(&r).unwrap_or(lro.poll_interval);
                }
                // Gone: done (deletes end like this).
                Err(e) if e.kind == ErrorKind::NotFound => return Ok(()),
                // Still locked by the operation.
                Err(e) if e.kind == ErrorKind::Conflict => {
                    last_state = "Conflict".into();
                    hint = lro.poll_interval;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Every item of a list, following `nextLink` / `@odata.nextLink` / `@odata.nextlink`
    /// verbatim until absent, at most `Limits::max_pages` pages.
    pub async fn list<T: DeserializeOwned>(&self, ep: Endpoint) -> Result<Vec<T>, ClientError> {
        self.list_unique(ep, |_: &T| None).await
    }

    /// [`Transport::list`], refusing a listing in which two items have the same `key`
    /// (compared without case): pages that overlap would otherwise let one copy silently win.
    pub async fn list_unique<T: DeserializeOwned>(
        &self,
        ep: Endpoint,
        key: impl Fn(&T) -> Option<String>,
    ) -> Result<Vec<T>, ClientError> {
        self.list_unique_each_page(ep, key, |_: &[T]| {}).await
    }

    /// [`Transport::list_unique`], handing each page to `on_page` as it arrives, so that
    /// work on its items (per-item reads) overlaps the fetching of the next pages.
    pub async fn list_unique_each_page<T: DeserializeOwned>(
        &self,
        ep: Endpoint,
        key: impl Fn(&T) -> Option<String>,
        mut on_page: impl FnMut(&[T]),
    ) -> Result<Vec<T>, ClientError> {
        let host = ep.host;
        let listing = format!("GET {} {}", host.name(), ep.path);
        let mut req = Req::get(ep);
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut keys: HashMap<String, u32> = HashMap::new();
        let mut pages = 0u32;
        loop {
            let resp = self.send(&req).await?;
            pages += 1;
            if resp.is_empty() {
                return Ok(out);
            }
            let page: Page<T> = resp.json()?;
            for item in &page.value {
                if let Some(k) = key(item).map(|k| k.to_lowercase())
                    && let Some(first) = keys.insert(k.clone(), pages)
                {
                    return Err(ClientError::invalid(
                        &listing,
                        format!(
                            "the listing holds `{k}` twice (pages {first} and {pages}); \
                             refusing to guess which copy is current"
                        ),
                    ));
                }
            }
            on_page(&page.value);
            out.extend(page.value);
            match page.next_link.filter(|n| !n.is_empty()) {
                Some(next) => {
                    if !seen.insert(next.clone()) {
                        return Err(ClientError::invalid(
                            &resp.label,
                            "the next-page link repeats an earlier one",
                        ));
                    }
                    if pages >= self.config.limits.max_pages {
                        return Err(ClientError::invalid(
                            &listing,
                            format!(
                                "the listing goes on past {pages} pages (max_pages, PPGOV_MAX_PAGES)"
                            ),
                        ));
                    }
                    req = Req {
                        target: Target::Url(next),
                        ..Req::get_host(host)
                    };
                }
                None => return Ok(out),
            }
        }
    }
}

impl Req {
    fn get_host(host: Host) -> Req {
        Req {
            method: Method::GET,
            host,
            target: Target::Url(String::new()),
            body: None,
            idempotent: true,
            wait_busy: false,
            read: true,
        }
    }
}

/// The delay before the first poll of an operation.
pub(crate) const FIRST_POLL: Duration = Duration::from_millis(50);

/// A failed send, by what it means for a retry.
fn classify(e: reqwest::Error) -> Failure {
    if is_certificate_error(&e) {
        Failure::Certificate(describe_reqwest(e))
    } else if e.is_timeout() {
        Failure::Timeout(Duration::ZERO)
    } else if e.is_connect() {
        Failure::Connect(describe_reqwest(e))
    } else {
        Failure::Other(describe_reqwest(e))
    }
}

/// A 409 that means "another lifecycle operation is running": `OperationNotStartable`, or an
/// empty body (which the service also sends).
fn is_busy(body: &str) -> bool {
    body.trim().is_empty()
        || ppgov_tenant_api::errors::parse(body).is_some_and(|(code, _)| {
            code == ppgov_tenant_api::errors::codes::OPERATION_NOT_STARTABLE
        })
}

/// `Retry-After` as delta-seconds (integer or decimal) or an HTTP date; `None` for anything
/// else. Dates in the past mean "now".
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        return v
            .parse::<u64>()
            .ok()
            .map(Duration::from_secs)
            .or(Some(Duration::MAX));
    }
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The backoff ceiling before retry number `attempt` (1-based): `base * 2^(attempt-1)`,
/// capped at `max_backoff`.
pub fn backoff_ceiling(policy: &RetryPolicy, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
    policy
        .base_backoff
        .checked_mul(factor)
        .unwrap_or(policy.max_backoff)
        .min(policy.max_backoff)
}

/// Full jitter: uniformly random in `[0, ceiling]`.
pub fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    backoff_ceiling(policy, attempt).mul_f64(fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_dates_and_garbage() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        for garbage in ["", "soon", "-3", "NaN", "inf", "Thu, 99 Foo 2020"] {
            assert_eq!(parse_retry_after(garbage, now), None, "{garbage:?}");
        }
        assert!(parse_retry_after("99999999999999999999999", now).is_some());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            retry_after_cap: Duration::from_secs(5),
        };
        assert_eq!(backoff_ceiling(&p, 1), Duration::from_millis(100));
        assert_eq!(backoff_ceiling(&p, 2), Duration::from_millis(200));
        assert_eq!(backoff_ceiling(&p, 4), Duration::from_millis(800));
        assert_eq!(backoff_ceiling(&p, 6), Duration::from_secs(2));
        assert_eq!(backoff_ceiling(&p, 1000), Duration::from_secs(2));
        for attempt in 1..50 {
            let d = backoff(&p, attempt);
            assert!(d <= backoff_ceiling(&p, attempt) && d <= p.max_backoff);
        }
    }

    fn link_followed(base: Option<&str>, link: &str) -> bool {
        let auth = crate::AuthConfig::Static(Secret::new("t"));
        let mut config = ClientConfig::new(ppgov_core::model::Cloud::Public, auth);
        if let Some(b) = base {
            config = config.with_single_base_url(b);
        }
        let t = Transport::new(config).unwrap();
        t.url_of(Host::Bap, &Target::Url(link.to_owned())).is_ok()
    }

    #[test]
    fn links_are_followed_only_to_configured_origins_and_regional_bap_hosts() {
        // Production: the configured hosts, and regional BAP hosts over https.
        for ok in [
            "https://api.bap.microsoft.com/providers/x?page=2",
            "https://unitedstates.api.bap.microsoft.com/providers/x",
            "https://api.powerplatform.com/x",
            "https://api.bap.microsoft.com:443/x",
        ] {
            assert!(link_followed(None, ok), "{ok}");
        }
        for refused in [
            "https://api.bap.microsoft.com:8443/x",
            "https://evil.api.powerplatform.com/x",
            "https://api.bap.microsoft.com.evil.com/x",
            "https://evilapi.bap.microsoft.com/x",
            "http://unitedstates.api.bap.microsoft.com/x",
        ] {
            assert!(!link_followed(None, refused), "{refused}");
        }
        // Loopback: the exact origin only.
        let base = Some("http://localhost:8787");
        assert!(link_followed(base, "http://localhost:8787/x"));
        assert!(link_followed(base, "/x"));
        for refused in [
            "https://evil.localhost:8787/x",
            "http://evil.localhost:8787/x",
            "http://localhost:8788/x",
            "https://localhost:8787/x",
            "http://127.0.0.1:8787/x",
            "//evil.example.com/x",
        ] {
            assert!(!link_followed(base, refused), "{refused}");
        }
    }

    #[test]
    fn busy_conflicts() {
        assert!(is_busy(""));
        assert!(is_busy(
            r#"{"error":{"code":"OperationNotStartable","message":"busy"}}"#
        ));
        assert!(!is_busy(
            r#"{"error":{"code":"EnvironmentsInEnvironmentGroup","message":"x"}}"#
        ));
    }
}
