//! Fault injection: latency, throttling (random or token bucket), server errors, busy
//! environments, dropped connections and slow long-running operations.
//!
//! A dropped connection is real: the middleware flips the connection's kill switch (see
//! `server::KillableStream`) and returns a placeholder response; hyper's write of that response
//! fails, so it closes the socket and the client sees the connection end with no response.

use crate::app::{Shared, lock};
use crate::error::{ApiError, Flavor};
use crate::server::ConnInfo;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ppgov_tenant_api::errors::codes;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The fault configuration (`POST /_emulator/faults`). Every rate is a probability in 0..=1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Faults {
    /// Added to every matching request.
    pub latency_ms: u64,
    /// Probability of a 429.
    pub throttle_rate: f64,
    /// A token bucket: once it is empty, requests get 429 until it refills.
    pub rate_limit: Option<RateLimit>,
    /// `Retry-After` of random 429s (the token bucket computes its own).
    pub retry_after_seconds: u64,
    /// Probability of a server error with status `error_status`.
    pub error_rate: f64,
    /// 500 or 503 (any 5xx is accepted).
    pub error_status: u16,
    /// Probability of closing the connection without a response.
    pub drop_rate: f64,
    /// Probability of a 409 `OperationNotStartable` on the writes that start a lifecycle
    /// operation on an environment (the only ones the service's lifecycle lock refuses):
    /// Managed Environment on/off, adding to and removing from a group.
    pub busy_rate: f64,
    /// Probability of a 409 `InsufficientCapacity_StorageDriven` on an environment create
    /// (the recorded body): the tenant lacks database capacity; retrying does not help.
    pub capacity_rate: f64,
    /// Probability that saving the state file (when the emulator has one) after a write
    /// fails as on a full disk: the request answers 507 `PersistFailed` and its change is
    /// undone.
    pub disk_full_rate: f64,
    /// How long a long-running operation runs, in milliseconds from its start; it completes
    /// then whether or not anyone polls (0: at once).
    pub lro_ms: u64,
    /// Only requests whose route template (`METHOD /path/{param}`) contains one of these
    /// strings get faults; empty = every API route (the token endpoint only when named).
    pub routes: Vec<String>,
    /// Random decisions are drawn from this seed (reset on every configuration).
    pub seed: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimit {
    pub requests_per_second: f64,
    pub burst: u32,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency_ms: 0,
            throttle_rate: 0.0,
            rate_limit: None,
            retry_after_seconds: 1,
            error_rate: 0.0,
            error_status: 503,
            drop_rate: 0.0,
            busy_rate: 0.0,
            capacity_rate: 0.0,
            disk_full_rate: 0.0,
            lro_ms: 0,
            routes: Vec::new(),
            seed: None,
        }
    }
}

impl Faults {
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("throttleRate", self.throttle_rate),
            ("errorRate", self.error_rate),
            ("dropRate", self.drop_rate),
            ("busyRate", self.busy_rate),
            ("capacityRate", self.capacity_rate),
            ("diskFullRate", self.disk_full_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, not {rate}"));
            }
        }
        if !(500..=599).contains(&self.error_status) {
            return Err(format!(
                "errorStatus must be a 5xx status, not {}",
                self.error_status
            ));
        }
        if let Some(r) = &self.rate_limit
            && (r.requests_per_second <= 0.0 || r.burst == 0)
        {
            return Err("rateLimit needs requestsPerSecond > 0 and burst >= 1".to_owned());
        }
        Ok(())
    }
}

/// The configuration plus the random source and the token bucket.
pub struct FaultState {
    pub config: Faults,
    rng: fastrand::Rng,
    bucket: Option<(f64, Instant)>,
}

impl FaultState {
    pub fn new(config: Faults) -> Self {
        let rng = match config.seed {
            Some(s) => fastrand::Rng::with_seed(s),
            None => fastrand::Rng::new(),
        };
        let bucket = config
            .rate_limit
            .as_ref()
            .map(|r| (f64::from(r.burst), Instant::now()));
        FaultState {
            config,
            rng,
            bucket,
        }
    }

    fn applies(&self, route: &str, is_token_endpoint: bool) -> bool {
        if self.config.routes.is_empty() {
            return !is_token_endpoint;
        }
        self.config
            .routes
            .iter()
            .any(|r| route.contains(r.as_str()))
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.rng.f64() < p
    }

    /// Whether a save of the state file made while serving `route` (`METHOD /template`)
    /// fails as on a full disk: only for writes (a GET changes the tenant only when it
    /// completes an operation, which the service does on its own) on the routes faults apply
    /// to.
    pub fn disk_full(&mut self, route: &str, is_write: bool) -> bool {
        is_write && self.applies(route, false) && self.chance(self.config.disk_full_rate)
    }

    /// Decides the fate of one request.
    fn decide(&mut self, route: &str, is_token_endpoint: bool) -> Decision {
        if !self.applies(route, is_token_endpoint) {
            return Decision::default();
        }
        let latency = Duration::from_millis(self.config.latency_ms);
        let outcome = if self.chance(self.config.drop_rate) {
            Outcome::Drop
        } else if let Some(wait) = self.take_token() {
            Outcome::Throttle(wait)
        } else if self.chance(self.config.throttle_rate) {
            Outcome::Throttle(self.config.retry_after_seconds as f64)
        } else if self.chance(self.config.error_rate) {
            Outcome::Error(self.config.error_status)
        } else if starts_lifecycle_operation(route) && self.chance(self.config.busy_rate) {
            Outcome::Busy
        } else if route == CREATE_ENVIRONMENT_ROUTE && self.chance(self.config.capacity_rate) {
            Outcome::NoCapacity
        } else {
            Outcome::Pass
        };
        Decision { latency, outcome }
    }

    /// Takes a token from the bucket; `Some(retry-after seconds)` when it is empty. The wait
    /// is the exact time until the next token (milliseconds, rounded up): a bucket smaller than
    /// one second of requests would otherwise make clients wait whole seconds for a few
    /// milliseconds' refill.
    fn take_token(&mut self) -> Option<f64> {
        let limit = self.config.rate_limit.clone()?;
        let (tokens, last) = self
            .bucket
            .get_or_insert((f64::from(limit.burst), Instant::now()));
        let now = Instant::now();
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * limit.requests_per_second)
            .min(f64::from(limit.burst));
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            None
        } else {
            let wait = (1.0 - *tokens) / limit.requests_per_second;
            Some(((wait * 1000.0).ceil() / 1000.0).max(0.001))
        }
    }
}

#[derive(Default)]
struct Decision {
    latency: Duration,
    outcome: Outcome,
}

#[derive(Default)]
enum Outcome {
    #[default]
    Pass,
    Drop,
    /// `Retry-After` in seconds, possibly fractional.
    Throttle(f64),
    Error(u16),
    Busy,
    NoCapacity,
}

/// `Retry-After` in delta-seconds: whole seconds as an integer, otherwise decimal seconds with
/// millisecond precision (`0.125`).
fn retry_after_value(secs: f64) -> String {
    if secs.fract() == 0.0 {
        format!("{}", secs as u64)
    } else {
        let s = format!("{secs:.3}");
        s.trim_end_matches('0').to_owned()
    }
}

/// The writes that start a lifecycle operation on an environment, and so can meet the
/// service's lifecycle lock (409 `OperationNotStartable`). Reads, tenant settings, rule sets,
/// DLP and role writes do not take that lock.
pub fn starts_lifecycle_operation(route: &str) -> bool {
    route == CREATE_ENVIRONMENT_ROUTE
        || route == DELETE_ENVIRONMENT_ROUTE
        || route.starts_with("POST ")
            && (route.ends_with("/environments/{env}/governanceConfiguration")
                || route.ends_with("/addEnvironment/{env}")
                || route.ends_with("/removeEnvironment/{env}"))
}

/// The route of an environment create (BAP).
pub const CREATE_ENVIRONMENT_ROUTE: &str =
    "POST /providers/Microsoft.BusinessAppPlatform/environments";
/// The route of an environment delete (BAP admin).
pub const DELETE_ENVIRONMENT_ROUTE: &str =
    "DELETE /providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{env}";

/// Marks a response whose connection was dropped (for the request log).
#[derive(Clone, Copy, Debug)]
pub struct Dropped;

pub fn is_token_endpoint(path: &str) -> bool {
    path.ends_with("/oauth2/v2.0/token")
}

pub async fn middleware(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/_emulator/") {
        return next.run(req).await;
    }
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| path.clone());
    let route = format!("{} {template}", req.method());
    let decision = lock(&shared.faults).decide(&route, is_token_endpoint(&path));
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    let flavor = Flavor::for_path(&path);
    match decision.outcome {
        Outcome::Pass => next.run(req).await,
        Outcome::Drop => {
            if let Some(ConnectInfo(conn)) = req.extensions().get::<ConnectInfo<ConnInfo>>() {
                conn.kill();
            }
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(Dropped);
            response
        }
        Outcome::Throttle(secs) => ApiError::new(
            flavor,
            StatusCode::TOO_MANY_REQUESTS,
            codes::TOO_MANY_REQUESTS,
            format!(
                "Rate limit is exceeded. Try again in {} seconds.",
                secs.ceil() as u64
            ),
        )
        .with_header(
            HeaderName::from_static("retry-after"),
            &retry_after_value(secs),
        )
        .into_response(),
        Outcome::Error(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let code = if status == StatusCode::SERVICE_UNAVAILABLE {
                codes::SERVICE_UNAVAILABLE
            } else {
                codes::INTERNAL_SERVER_ERROR
            };
            ApiError::new(flavor, status, code, "Injected fault: the service failed.")
                .into_response()
        }
        // The recorded body (environments/bap-create-environment-409-insufficient-capacity.json).
        Outcome::NoCapacity => ApiError::new(
            flavor,
            StatusCode::CONFLICT,
            codes::INSUFFICIENT_CAPACITY,
            "This environment can't be created because your org (tenant) needs at least 1 GB of database capacity.",
        )
        .into_response(),
        Outcome::Busy => ApiError::new(
            flavor,
            StatusCode::CONFLICT,
            codes::OPERATION_NOT_STARTABLE,
            "The environment has an active lifecycle operation; try again later.",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_bucket_allows_the_burst_then_throttles() {
        let mut f = FaultState::new(Faults {
            rate_limit: Some(RateLimit {
                requests_per_second: 0.5,
                burst: 3,
            }),
            ..Faults::default()
        });
        for _ in 0..3 {
            assert!(matches!(f.decide("GET /x", false).outcome, Outcome::Pass));
        }
        match f.decide("GET /x", false).outcome {
            Outcome::Throttle(s) => assert!((1.9..=2.0).contains(&s), "{s}"),
            _ => panic!("expected a 429"),
        }
    }

    #[test]
    fn token_bucket_asks_for_the_exact_wait_not_whole_seconds() {
        let mut f = FaultState::new(Faults {
            rate_limit: Some(RateLimit {
                requests_per_second: 200.0,
                burst: 1,
            }),
            ..Faults::default()
        });
        assert!(matches!(f.decide("GET /x", false).outcome, Outcome::Pass));
        match f.decide("GET /x", false).outcome {
            // One token every 5 ms: the wait is at most 5 ms, never a whole second.
            Outcome::Throttle(s) => assert!(s > 0.0 && s <= 0.005, "{s}"),
            _ => panic!("expected a 429"),
        }
    }

    #[test]
    fn retry_after_values_are_delta_seconds_with_millisecond_precision() {
        assert_eq!(retry_after_value(1.0), "1");
        assert_eq!(retry_after_value(0.125), "0.125");
        assert_eq!(retry_after_value(0.004), "0.004");
        assert_eq!(retry_after_value(2.5), "2.5");
    }

    #[test]
    fn route_filters() {
        let f = FaultState::new(Faults {
            routes: vec!["/governance/".into()],
            ..Faults::default()
        });
        assert!(f.applies("GET /governance/ruleSets", false));
        assert!(!f.applies("GET /authorization/roleAssignments", false));
        let all = FaultState::new(Faults::default());
        assert!(all.applies("GET /x", false));
        assert!(!all.applies("POST /{tenant}/oauth2/v2.0/token", true));
    }

    #[test]
    fn validation() {
        assert!(
            Faults {
                drop_rate: 1.5,
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            Faults {
                error_status: 404,
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        assert!(Faults::default().validate().is_ok());
    }
}
