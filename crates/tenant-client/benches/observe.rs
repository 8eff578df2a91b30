//! Benchmark: observe a seeded tenant of 10,000 environments, 300 groups and 500 DLP
//! policies through the emulator with 20 ms injected latency per request, and compare the
//! wall time with the lower bound: the longest chain of round trips that must happen one
//! after another (a list's pages; then, for DLP, one more round for the per-policy GETs), or
//! the requests divided by those in flight, whichever is longer. Two ways of reading: as
//! `ppgov plan` does under shared RoleAssignment ownership (environments' own RBAC scopes
//! only where the repository assigns RBAC roles: none here), and every scope (exclusive
//! ownership, `export`, `import`).
//!
//! Run: `cargo bench -p ppgov-tenant-client --bench observe` (figures go in BENCHMARKS.md).

use ppgov_emulator::{Config, Emulator, Faults, SeedRequest};
use ppgov_tenant_client::ObserveOptions;
use std::time::{Duration, Instant};
use support::env_var;

mod support;

const ENVIRONMENTS: usize = 10_000;
const GROUPS: usize = 300;
const POLICIES: usize = 500;
const ROLE_ASSIGNMENTS: usize = 2_000;
const LATENCY_MS: u64 = 20;

fn latency_ms() -> u64 {
    env_var("BENCH_LATENCY_MS").unwrap_or(LATENCY_MS)
}
const PAGE_SIZE: usize = 50;

fn pages(items: usize) -> usize {
    items.div_ceil(PAGE_SIZE).max(1)
}

fn main() {
    let runs: usize = env_var("BENCH_RUNS").unwrap_or(3);
    // Default: the client's own default limit.
    let concurrency: Option<usize> = env_var("BENCH_CONCURRENCY");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let emulator = Emulator::start(
            Config {
                page_size: PAGE_SIZE,
                faults: Faults { latency_ms: latency_ms(), ..Default::default() },
                ..Default::default()
            }
            .seeded(SeedRequest {
                environments: ENVIRONMENTS,
                groups: GROUPS,
                dlp_policies: POLICIES,
                role_assignments: ROLE_ASSIGNMENTS,
                seed: 7,
                tenant_id: None,
                apps: 0,
                flows: 0,
            }),
        )
        .await
        .expect("emulator starts");
        let (client, concurrency) = support::client_for(&emulator, concurrency);

        println!(
            "tenant: {ENVIRONMENTS} environments, {GROUPS} groups, {POLICIES} DLP policies, {ROLE_ASSIGNMENTS} RBAC role assignments; {} ms latency per request; page size {PAGE_SIZE}; {concurrency} requests in flight",
            latency_ms()
        );
        println!("| reading | requests made | critical path | lower bound | wall time (median of {runs}) | wall / bound |");
        println!("|---|---:|---|---:|---:|---:|");
        for (reading, rbac_environment_scopes) in [
            ("as `plan` (shared ownership)", Some(Default::default())),
            ("every scope (exclusive, export, import)", None),
        ] {
            let options = ObserveOptions { rbac_environment_scopes, ..Default::default() };
            let mut times = Vec::new();
            let mut requests = 0;
            let mut observed = None;
            for _ in 0..runs {
                client.reset_stats();
                let start = Instant::now();
                let o = client.observe(&options).await.expect("observe");
                times.push(start.elapsed());
                requests = client.stats().total;
                observed = Some(o);
            }
            times.sort();
            let o = observed.unwrap();
            let rule_sets = o.environment_groups.values().filter(|g| g.rule_set_id.is_some()).count();
            let every_scope = o.rbac_environment_scopes_read.is_none();
            // The critical path: the longest sequential chain of round trips.
            let chains = [
                ("environments", pages(o.environments.len()) + usize::from(every_scope)),
                ("groups, then their RBAC scopes", pages(o.environment_groups.len()) + 1),
                ("rule sets", pages(rule_sets)),
                ("DLP list + per-policy GETs", pages(o.dlp_policies.len()) + 1),
                (
                    "requests / requests in flight",
                    (requests as usize).div_ceil(concurrency),
                ),
            ];
            let (longest, rounds) = chains.iter().max_by_key(|(_, n)| *n).copied().unwrap();
            let bound = Duration::from_millis(latency_ms() * rounds as u64);
            let median = times[times.len() / 2];
            println!(
                "| {reading} | {requests} | {longest}: {rounds} round trips | {:.2} s | {:.2} s | {:.2}x |",
                bound.as_secs_f64(),
                median.as_secs_f64(),
                median.as_secs_f64() / bound.as_secs_f64()
            );
        }
        emulator.shutdown().await;
    });
}
