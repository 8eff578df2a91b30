//! Benchmark: plan 10,000 environments, 300 groups, 500 DLP policies and 20,000 role
//! assignments with 10% drift, next to the time to load the inputs.
//!
//! Run: `cargo bench -p ppgov-planner --bench plan` (figures go in BENCHMARKS.md).

// A global allocator that counts bytes is the one place unsafe code is needed.
#![allow(unsafe_code)]

use ppgov_core::observed::Observed;

#[path = "../../../benches-support/bench_report.rs"]
mod bench_report;
#[path = "../../../benches-support/counting_alloc.rs"]
mod counting_alloc;
#[path = "../../../benches-support/tenant_10k.rs"]
mod tenant_10k;

use bench_report::{load, mib, print_ratio, print_row, print_table_header};
use counting_alloc::time;

#[global_allocator]
static ALLOCATOR: counting_alloc::Counting = counting_alloc::Counting(std::alloc::System);

use tenant_10k::{ENVIRONMENTS, GROUPS, POLICIES, generate};

fn main() {
    let (files, observed_json) = generate();
    let runs = bench_report::runs();
    let (load_desired, load_desired_peak, loaded) = time(runs, || load(&files));
    let (load_observed, load_observed_peak, observed) = time(runs, || {
        serde_json::from_str::<Observed>(&observed_json).unwrap()
    });
    let (plan_time, plan_peak, plan) = time(runs, || {
        ppgov_planner::plan(&loaded.desired, &observed, &loaded.catalog)
    });
    assert!(plan.errors.is_empty(), "{:?}", plan.errors.first());
    let (add, change, destroy) = plan.counts();
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
    print_table_header();
    print_row(
        "load desired (YAML, validate)",
        load_desired,
        Some(load_desired_peak),
    );
    print_row(
        "load observed (JSON)",
        load_observed,
        Some(load_observed_peak),
    );
    print_row("plan", plan_time, Some(plan_peak));
    print_ratio("plan / load", plan_time, load);
}
