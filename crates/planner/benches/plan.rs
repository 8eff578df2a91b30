//! Benchmark: plan 10,000 environments, 300 groups, 500 DLP policies and 20,000 role
//! assignments with 10% drift, next to the time to load the inputs.
//!
//! Run: `cargo bench -p ppgov-planner --bench plan` (figures go in BENCHMARKS.md).

// A global allocator that counts bytes is the one place unsafe code is needed.
#![allow(unsafe_code)]

use ppgov_core::SourceMap;
use ppgov_core::observed::Observed;
use std::time::Duration;

#[path = "../../../benches-support/counting_alloc.rs"]
mod counting_alloc;
#[path = "../../../benches-support/tenant_10k.rs"]
mod tenant_10k;

use counting_alloc::time;

#[global_allocator]
static ALLOCATOR: counting_alloc::Counting = counting_alloc::Counting(std::alloc::System);

use tenant_10k::{ENVIRONMENTS, GROUPS, POLICIES, generate};

fn main() {
    let (files, observed_json) = generate();
    let runs = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7);
    let (load_desired, load_desired_peak, loaded) = time(runs, || {
        let mut sources = SourceMap::new();
        for (n, t) in &files {
            sources.add(n.clone(), t.clone());
        }
        let loaded = ppgov_core::load(sources);
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics.first());
        loaded
    });
    let (load_observed, load_observed_peak, observed) = time(runs, || {
        serde_json::from_str::<Observed>(&observed_json).unwrap()
    });
    let (plan_time, plan_peak, plan) = time(runs, || {
        ppgov_planner::plan(&loaded.desired, &observed, &loaded.catalog)
    });
    assert!(plan.errors.is_empty(), "{:?}", plan.errors.first());
    let (add, change, destroy) = plan.counts();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    let load = load_desired + load_observed;
    println!(
        "inputs: {} documents in {} files ({:.1} MiB YAML), observed {:.1} MiB JSON: {ENVIRONMENTS} environments, {GROUPS} groups, {POLICIES} DLP policies, {} role assignments",
        loaded.documents,
        files.len(),
        mib(files.iter().map(|(_, t)| t.len()).sum()),
        mib(observed_json.len()),
        observed.role_assignments.len()
    );
    println!("plan: {add} to add, {change} to change, {destroy} to destroy; median of {runs} runs");
    println!("| step | time (ms) | peak heap (MiB) |");
    println!("|---|---:|---:|");
    println!(
        "| load desired (YAML, validate) | {:.1} | {:.1} |",
        ms(load_desired),
        mib(load_desired_peak)
    );
    println!(
        "| load observed (JSON) | {:.1} | {:.1} |",
        ms(load_observed),
        mib(load_observed_peak)
    );
    println!("| plan | {:.1} | {:.1} |", ms(plan_time), mib(plan_peak));
    println!("plan / load = {:.2}x", ms(plan_time) / ms(load));
}
