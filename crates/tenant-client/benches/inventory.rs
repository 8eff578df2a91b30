//! Benchmark: read the inventory (`Client::read_inventory`) of every environment of a seeded
//! tenant — 200 environments, 10,000 canvas apps and 4,000 cloud flows spread over them at
//! random, with their custom connectors and connections — through the emulator in process on
//! 127.0.0.1 with 20 ms injected latency per request, and compare the wall time with the
//! round-trip floor.
//!
//! The floor, from the requests the read needs (counted from the seeded tenant, page sizes
//! taken from the endpoints' `$top` or else the emulator's page size):
//! - per environment, four chains that may run side by side: the app list's pages (each
//!   `nextLink` comes with the previous page, so `pages(apps)` round trips one after
//!   another); the flow list's pages and then one GET per flow (the list carries no
//!   connection references: `pages(flows) + 1` round trips when the environment has flows);
//!   the custom connector list's pages; the connection list's pages. A listing of nothing is
//!   still one request.
//! - the longest chain L is the largest of those over every environment;
//! - the total N is the sum over environments of `pages(apps) + pages(flows) + flows +
//!   pages(custom connectors) + pages(connections)`;
//! - with C requests in flight at most (the client's `max_concurrent_requests`, one bound for
//!   the whole client), the read cannot take fewer than `max(L, ceil(N / C))` round trips:
//!   **floor = max(L, ceil(N / C)) × latency**.
//!
//! Every run asserts that the emulator's request log holds exactly N requests, split by
//! route as the floor assumes, and that the read returned every app and flow.
//!
//! Run: `cargo bench -p ppgov-tenant-client --bench inventory` (figures go in BENCHMARKS.md;
//! `BENCH_RUNS`, `BENCH_LATENCY_MS`, `BENCH_CONCURRENCY`, and the tenant's size
//! `BENCH_ENVIRONMENTS`, `BENCH_APPS` and `BENCH_FLOWS` override the defaults).

use ppgov_emulator::{Config, Emulator, Faults, RunningEmulator, SeedRequest};
use ppgov_tenant_api::paths::{self, Endpoint};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use support::env_var;

mod support;

const ENVIRONMENTS: usize = 200;
const APPS: usize = 10_000;
const FLOWS: usize = 4_000;
const LATENCY_MS: u64 = 20;
const PAGE_SIZE: usize = 50;

/// Items per page of a listing: its `$top` if the client sends one, else the emulator's.
fn page_size_of(ep: &Endpoint) -> usize {
    ep.query
        .iter()
        .find(|(k, _)| *k == "$top")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(PAGE_SIZE)
}

/// Requests a listing of `items` takes: one per page, at least one.
fn pages(items: usize, ep: &Endpoint) -> usize {
    items.div_ceil(page_size_of(ep)).max(1)
}

/// The emulator's route template of an endpoint (its path with the environment and flow
/// names replaced by the parameters), as its request log counts requests.
fn route_of(ep: &Endpoint, env: &str, flow: Option<&str>) -> String {
    let mut path = ep.path.replace(env, "{env}");
    if let Some(flow) = flow {
        path = path.replace(flow, "{flow}");
    }
    format!("GET {path}")
}

/// The requests reading the inventory must make, by route, and the longest chain of them
/// that must happen one after another.
struct Needed {
    by_route: BTreeMap<String, u64>,
    longest_chain: usize,
}

impl Needed {
    fn of(emulator: &RunningEmulator) -> Needed {
        let tenant = emulator.state();
        let count = |m: Option<usize>| m.unwrap_or(0);
        let mut by_route = BTreeMap::new();
        let mut longest_chain = 0;
        for env in tenant.environments.keys() {
            let apps = count(tenant.apps.get(env).map(|a| a.len()));
            let flows = tenant.flows.get(env);
            let custom = count(tenant.custom_connectors.get(env).map(|c| c.len()));
            let connections = count(tenant.connections.get(env).map(|c| c.len()));
            let flow_count = count(flows.map(|f| f.len()));
            let apps_ep = paths::environment_apps(env);
            let flows_ep = paths::environment_flows(env);
            let custom_ep = paths::environment_custom_connectors(env);
            let connections_ep = paths::environment_connections(env);
            let chains = [
                pages(apps, &apps_ep),
                pages(flow_count, &flows_ep) + usize::from(flow_count > 0),
                pages(custom, &custom_ep),
                pages(connections, &connections_ep),
            ];
            longest_chain = longest_chain.max(chains.into_iter().max().unwrap_or(0));
            let listings = [
                (&apps_ep, apps),
                (&flows_ep, flow_count),
                (&custom_ep, custom),
                (&connections_ep, connections),
            ];
            for (ep, items) in listings {
                *by_route.entry(route_of(ep, env, None)).or_default() += pages(items, ep) as u64;
            }
            for flow in flows.into_iter().flat_map(|f| f.keys()) {
                let ep = paths::environment_flow(env, flow);
                *by_route.entry(route_of(&ep, env, Some(flow))).or_default() += 1;
            }
        }
        Needed {
            by_route,
            longest_chain,
        }
    }

    fn total(&self) -> u64 {
        self.by_route.values().sum()
    }
}

fn main() {
    let runs: usize = env_var("BENCH_RUNS").unwrap_or(3);
    let latency_ms: u64 = env_var("BENCH_LATENCY_MS").unwrap_or(LATENCY_MS);
    // Default: the client's own default limit.
    let concurrency: Option<usize> = env_var("BENCH_CONCURRENCY");
    let (apps, flows): (usize, usize) = (
        env_var("BENCH_APPS").unwrap_or(APPS),
        env_var("BENCH_FLOWS").unwrap_or(FLOWS),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let emulator = Emulator::start(
            Config {
                page_size: PAGE_SIZE,
                faults: Faults {
                    latency_ms,
                    ..Default::default()
                },
                ..Default::default()
            }
            .seeded(SeedRequest {
                environments: env_var("BENCH_ENVIRONMENTS").unwrap_or(ENVIRONMENTS),
                groups: 10,
                dlp_policies: 20,
                role_assignments: 0,
                seed: 7,
                tenant_id: None,
                apps,
                flows,
            }),
        )
        .await
        .expect("emulator starts");
        let (client, concurrency) = support::client_for(&emulator, concurrency);

        let environments: BTreeSet<String> = emulator.state().environments.into_keys().collect();
        let needed = Needed::of(&emulator);
        let total = needed.total();
        let rounds = needed
            .longest_chain
            .max((total as usize).div_ceil(concurrency));
        let floor = Duration::from_millis(latency_ms * rounds as u64);

        println!(
            "tenant: {} environments, {apps} apps, {flows} flows; {latency_ms} ms latency per request; page size {PAGE_SIZE}; {concurrency} requests in flight",
            environments.len()
        );
        let mut times = Vec::new();
        for _ in 0..runs {
            emulator.clear_requests();
            client.reset_stats();
            let start = Instant::now();
            let inventory = client
                .read_inventory(&environments)
                .await
                .expect("read the inventory");
            times.push(start.elapsed());
            let log = emulator.requests();
            for (route, n) in &needed.by_route {
                let made = log.by_route.get(route).copied().unwrap_or(0);
                assert_eq!(made, *n, "requests to {route}: the floor assumes {n}");
            }
            assert_eq!(
                log.total, total,
                "the emulator served {} requests, the floor assumes {total}: {:?}",
                log.total, log.by_route
            );
            assert_eq!(client.stats().total, total, "requests the client counted");
            let items: usize = inventory
                .environments
                .values()
                .map(|e| e.apps.len() + e.flows.len())
                .sum();
            assert_eq!(items, apps + flows, "every app and flow read");
        }
        times.sort();
        let median = times[times.len() / 2];
        println!("| route | requests |");
        println!("|---|---:|");
        for (route, n) in &needed.by_route {
            println!("| `{route}` | {n} |");
        }
        println!(
            "| requests made | longest chain | requests / in flight | floor | wall time (median of {runs}; min {:.2} s, max {:.2} s) | wall / floor |",
            times[0].as_secs_f64(),
            times[times.len() - 1].as_secs_f64()
        );
        println!("|---:|---:|---:|---:|---:|---:|");
        println!(
            "| {total} | {} round trips | {} round trips | {:.2} s | {:.2} s | {:.2}x |",
            needed.longest_chain,
            (total as usize).div_ceil(concurrency),
            floor.as_secs_f64(),
            median.as_secs_f64(),
            median.as_secs_f64() / floor.as_secs_f64()
        );
        emulator.shutdown().await;
    });
}
