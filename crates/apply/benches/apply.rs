//! Benchmark: apply 1,000 changes (RBAC role assignments: 4 roles x 250 principals at tenant
//! scope, every one a create) to a seeded emulator limited to R requests per second by its
//! token bucket (429 + `Retry-After` beyond it), and compare the wall time with the floor:
//! requests made / R.
//!
//! Run: `cargo bench -p ppgov-apply --bench apply`. Knobs (environment): `BENCH_RATE` (R,
//! default 50), `BENCH_BURST` (bucket size, default R: one second of requests),
//! `BENCH_PARALLELISM` (default 8), `BENCH_CHANGES` (default 1000), `BENCH_RUNS` (default 1).

use ppgov_apply::{Options, Outcome, apply};
use ppgov_emulator::{Config, Emulator, Faults, RateLimit, SeedRequest};
use ppgov_tenant_client::{AuthConfig, Client, ClientConfig, Secret};
use std::fmt::Write as _;
use std::time::Instant;

fn knob<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `changes` role assignments over four roles, in a repository of its own.
fn repository(changes: usize) -> String {
    let mut y = String::from(
        "apiVersion: ppgov.dev/v1\nkind: Project\nmetadata: {name: bench}\nspec: {}\n",
    );
    let roles = ["reader", "contributor", "owner", "rbacAdministrator"];
    let per_role = changes.div_ceil(roles.len());
    let mut n = 0;
    for role in roles {
        let _ = write!(
            y,
            "---\napiVersion: ppgov.dev/v1\nkind: RoleAssignment\nmetadata: {{name: bench-{}}}\nspec:\n  role: {role}\n  scope: {{tenant: true}}\n  principals:\n",
            role.to_lowercase()
        );
        for _ in 0..per_role {
            if n == changes {
                break;
            }
            let _ = writeln!(
                y,
                "    - {{type: user, id: 00000000-0000-4000-8000-{n:012}}}"
            );
            n += 1;
        }
    }
    y
}

fn main() {
    let rate: f64 = knob("BENCH_RATE", 50.0);
    let burst: u32 = knob("BENCH_BURST", rate as u32);
    let parallelism: usize = knob("BENCH_PARALLELISM", 8);
    let changes: usize = knob("BENCH_CHANGES", 1000);
    let runs: usize = knob("BENCH_RUNS", 1);
    let mut sources = ppgov_core::SourceMap::new();
    sources.add("bench.yaml", repository(changes));
    let loaded = ppgov_core::load(sources);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        println!(
            "{changes} role-assignment creates; rate limit R = {rate}/s, burst {burst}; --parallelism {parallelism}; client defaults (5 attempts, Retry-After honoured)"
        );
        println!();
        println!(
            "| run | requests (got through) | 429s | floor: through / R | wall time | wall / floor | strict floor: (through - burst) / R | wall / strict | failed steps |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for run in 1..=runs {
            let emu = Emulator::start(Config::default().seeded(SeedRequest {
                environments: 10,
                groups: 0,
                dlp_policies: 0,
                role_assignments: 0,
                seed: 5,
                tenant_id: None, apps: 0, flows: 0,
}))
            .await
            .expect("emulator starts");
            let config = ClientConfig::new(
                Default::default(),
                AuthConfig::Static(Secret::new(emu.token().unwrap().to_owned())),
            )
            .with_single_base_url(&emu.base_url());
            let client = Client::new(config).unwrap();
            let observed = client.observe(&Default::default()).await.expect("observe");
            let plan = ppgov_planner::plan(&loaded.desired, &observed, &loaded.catalog);
            assert!(plan.errors.is_empty(), "{:?}", plan.errors);
            assert_eq!(plan.changes.len(), changes);
            emu.set_faults(Faults {
                rate_limit: Some(RateLimit {
                    requests_per_second: rate,
                    burst,
                }),
                ..Default::default()
            })
            .unwrap();
            emu.clear_requests();
            let start = Instant::now();
            let report = apply(&plan, &client, &Options { parallelism, ..Default::default() }, None).await;
            let wall = start.elapsed().as_secs_f64();
            let log = emu.requests();
            emu.set_faults(Faults::default()).unwrap();
            let failed: Vec<_> = report
                .steps
                .iter()
                .filter(|s| s.outcome != Outcome::Applied)
                .collect();
            let throttled = log.by_status.get(&429).copied().unwrap_or(0);
            let requests = log.total;
            // Only requests that got through consume tokens; 429s are free.
            let floor = (requests - throttled) as f64 / rate;
            // The bucket starts full: `burst` requests cost no waiting.
            let strict = (requests - throttled).saturating_sub(u64::from(burst)) as f64 / rate;
            println!(
                "| {run} | {requests} ({}) | {throttled} | {floor:.2} s | {wall:.2} s | {:.2}x | {strict:.2} s | {:.2}x | {} |",
                requests - throttled,
                wall / floor,
                wall / strict,
                failed.len()
            );
            if let Some(f) = failed.first() {
                eprintln!("first failure: {} {:?}", f.address, f.outcome);
            }
            emu.shutdown().await;
        }
    });
}
