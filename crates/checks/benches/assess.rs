//! Benchmark: `ppgov assess`'s pure part (every check over the repository and the tenant,
//! then maturity scoring) on the 10,000-environment tenant of the planning benchmark (no
//! inventory), next to planning the same inputs in the same run. Target: assess ≤ 1x plan.
//!
//! Run: `cargo bench -p ppgov-checks --bench assess` (figures go in BENCHMARKS.md); with
//! `BENCH_CHECKS=1` it also prints each check's time and findings ([`per_check`]).

// A global allocator that counts bytes is the one place unsafe code is needed.
#![allow(unsafe_code)]

use ppgov_checks::{Input, maturity};
use ppgov_core::observed::Observed;

#[path = "../../../benches-support/bench_report.rs"]
mod bench_report;
#[path = "../../../benches-support/counting_alloc.rs"]
mod counting_alloc;
#[path = "assess/per_check.rs"]
mod per_check;
#[path = "../../../benches-support/tenant_10k.rs"]
mod tenant_10k;

use bench_report::{ms, print_ratio, print_row, print_table_header};
use counting_alloc::time;

#[global_allocator]
static ALLOCATOR: counting_alloc::Counting = counting_alloc::Counting(std::alloc::System);

fn main() {
    let (files, observed_json) = tenant_10k::generate();
    let runs = bench_report::runs();
    let loaded = bench_report::load(&files);
    let observed: Observed = serde_json::from_str(&observed_json).unwrap();

    let (plan_time, plan_peak, plan) = time(runs, || {
        ppgov_planner::plan(&loaded.desired, &observed, &loaded.catalog)
    });
    assert!(plan.errors.is_empty(), "{:?}", plan.errors.first());
    let input = Input {
        loaded: &loaded,
        observed: Some(&observed),
        today: "2026-11-28",
        advisor: None,
    };
    let (assess_time, assess_peak, report) = time(runs, || ppgov_checks::run(&input));
    let (score_time, _, _) = time(runs, || {
        maturity::score(&report.findings, &report.checks_run)
    });
    println!(
        "inputs: {} documents, {} environments, {} groups, {} DLP policies, {} role assignments; median of {runs} runs",
        loaded.documents,
        tenant_10k::ENVIRONMENTS,
        tenant_10k::GROUPS,
        tenant_10k::POLICIES,
        observed.role_assignments.len()
    );
    println!(
        "assess: {} checks, {} findings",
        report.checks_run.len(),
        report.findings.len()
    );
    print_table_header();
    print_row("plan", plan_time, Some(plan_peak));
    print_row("assess (checks + maturity)", assess_time, Some(assess_peak));
    println!("| of which maturity scoring | {:.2} | |", ms(score_time));
    print_ratio("assess / plan", assess_time, plan_time);
    // Changes made for speed must not change the report: compare this line before and after.
    let mut digest = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(&serde_json::to_string(&report).unwrap(), &mut digest);
    println!("report digest: {:016x}", std::hash::Hasher::finish(&digest));
    if std::env::var_os("BENCH_CHECKS").is_some() {
        per_check::print(&input, runs, assess_time);
    }
}
