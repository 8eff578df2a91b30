//! What the client's benchmarks share: their settings from the environment, and a client
//! for the in-process emulator they read.

use ppgov_core::doc::Cloud;
use ppgov_emulator::RunningEmulator;
use ppgov_tenant_client::{AuthConfig, Client, ClientConfig, Secret};

/// A setting from the environment (`BENCH_RUNS`, `BENCH_LATENCY_MS`, ...); `None` when unset
/// or unreadable, so the benchmark's default applies.
pub fn env_var<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// A client for `emulator`, with at most `concurrency` requests in flight (`None`: the
/// client's own default), and that bound.
pub fn client_for(emulator: &RunningEmulator, concurrency: Option<usize>) -> (Client, usize) {
    let token = emulator.token().unwrap().to_owned();
    let mut config = ClientConfig::new(Cloud::Public, AuthConfig::Static(Secret::new(token)))
        .with_single_base_url(&emulator.base_url());
    if let Some(c) = concurrency {
        config.max_concurrent_requests = c;
    }
    let concurrency = config.max_concurrent_requests;
    (Client::new(config).unwrap(), concurrency)
}
