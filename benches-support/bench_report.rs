//! What the planner and checks benchmarks share around their measured sections: the number
//! of runs, loading the generated policy files, and the step table they print. Included by
//! each benchmark with `#[path]`, like `counting_alloc.rs` (medians and peaks are there).

#![allow(dead_code)] // not every benchmark prints every kind of line

use ppgov_core::{Loaded, SourceMap};
use std::time::Duration;

/// How many timed runs a step gets: `BENCH_RUNS`, else 7.
pub fn runs() -> usize {
    std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7)
}

/// Loads generated policy files (name, text); errors mean the generator is wrong.
pub fn load(files: &[(String, String)]) -> Loaded {
    let mut sources = SourceMap::new();
    for (n, t) in files {
        sources.add(n.clone(), t.clone());
    }
    let loaded = ppgov_core::load(sources);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics.first());
    loaded
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The header of the step table (BENCHMARKS.md's layout).
pub fn print_table_header() {
    println!("| step | time (ms) | peak heap (MiB) |");
    println!("|---|---:|---:|");
}

/// One step: its median time and, when measured, its peak heap.
pub fn print_row(step: &str, time: Duration, peak: Option<usize>) {
    match peak {
        Some(peak) => println!("| {step} | {:.1} | {:.1} |", ms(time), mib(peak)),
        None => println!("| {step} | {:.1} | |", ms(time)),
    }
}

/// `assess / plan = 0.42x`.
pub fn print_ratio(name: &str, part: Duration, whole: Duration) {
    println!("{name} = {:.2}x", ms(part) / ms(whole));
}
