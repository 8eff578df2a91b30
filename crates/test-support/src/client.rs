//! Client settings for tests against an emulator on loopback: waits of milliseconds, not the
//! production defaults of seconds.

use ppgov_tenant_client::{ClientConfig, LroPolicy, RetryPolicy};
use std::time::Duration;

/// Short backoffs and polls, while still honouring `Retry-After` (capped at 3 s) and
/// retrying up to 8 times: for tests of the client's behaviour.
pub fn fast(mut c: ClientConfig) -> ClientConfig {
    c.retry = RetryPolicy {
        max_attempts: 8,
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(200),
        retry_after_cap: Duration::from_secs(3),
    };
    c.lro = LroPolicy {
        deadline: Duration::from_secs(20),
        poll_interval: Duration::from_millis(20),
    };
    c.request_timeout = Duration::from_secs(10);
    c
}

/// Waits of a few milliseconds at most, `Retry-After` included (the cap also caps an
/// operation's suggested poll interval), 5 attempts: for fault runs that retry a lot and
/// test outcomes, not timing.
pub fn fastest(mut c: ClientConfig) -> ClientConfig {
    c.retry = RetryPolicy {
        max_attempts: 5,
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        retry_after_cap: Duration::from_millis(5),
    };
    c.lro = LroPolicy {
        deadline: Duration::from_secs(10),
        poll_interval: Duration::from_millis(2),
    };
    c.request_timeout = Duration::from_secs(10);
    c
}
