//! `BENCH_CHECKS=1`: where `assess`'s time goes. The views every check reads are built once
//! (timed on their own), then each check runs alone over them; the rest of `assess` (findings
//! completed with their check's identity and location, suppressions, the sort, maturity) is
//! what the whole run took beyond both. Medians of the bench's runs; slowest check first.

use crate::counting_alloc::time;
use ppgov_checks::{ALL, Context, Input};
use std::time::Duration;

pub fn print(input: &Input<'_>, runs: usize, assess_time: Duration) {
    let (views_time, _, mut cx) = time(runs, || Context::new(input));
    let mut rows: Vec<(&str, Duration, usize)> = ALL
        .iter()
        .map(|rule| {
            cx.threshold = rule.info.threshold;
            let (check_time, _, findings) = time(runs, || {
                let mut out = Vec::new();
                (rule.run)(&cx, &mut out);
                out
            });
            (rule.info.id, check_time, findings.len())
        })
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let checks_time: Duration = rows.iter().map(|r| r.1).sum();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("| part of assess | time (ms) | findings |");
    println!("|---|---:|---:|");
    println!(
        "| views (built once, read by every check) | {:.2} | |",
        ms(views_time)
    );
    for (id, check_time, findings) in &rows {
        println!("| {id} | {:.2} | {findings} |", ms(*check_time));
    }
    println!("| all checks | {:.2} | |", ms(checks_time));
    println!(
        "| the rest (complete, suppress, sort, maturity) | {:.2} | |",
        ms(assess_time.saturating_sub(views_time + checks_time))
    );
}
