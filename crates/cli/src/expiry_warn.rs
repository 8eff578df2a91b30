//! "expires in N days" warnings of `plan`, `drift` and `assess`, each pointing at the line to
//! edit (`spec.expires` of the environment's document).

use ppgov_core::observed::Observed;
use ppgov_core::{Kind, Loaded};

/// The warnings for the environments of `loaded` that expire soon (or are in their grace
/// period) on the day `observed` was read; one line each, empty when none.
pub fn lines(loaded: &Loaded, observed: &Observed) -> Vec<String> {
    ppgov_planner::expiry::warnings(&loaded.desired, observed)
        .into_iter()
        .map(|w| {
            let place = loaded
                .span_of(Kind::Environment, &w.environment, "/spec/expires")
                .map(|span| {
                    format!(
                        " ({}: extend `expires` in a pull request to keep it)",
                        loaded.sources.location(span)
                    )
                })
                .unwrap_or_default();
            format!(
                "warning: environment `{}` (\"{}\") {}{place}",
                w.environment, w.display_name, w.message
            )
        })
        .collect()
}

/// Prints [`lines`]: on standard output before a text report, else on standard error so
/// JSON and other machine formats stay parseable.
pub fn print(loaded: &Loaded, observed: &Observed, to_stdout: bool) {
    for line in lines(loaded, observed) {
        if to_stdout {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
}
