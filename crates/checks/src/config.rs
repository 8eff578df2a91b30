//! `spec.checks` of the project file, interpreted: which checks run, at which severity and
//! threshold, and which findings are suppressed until when. Problems in it (an unknown check
//! id, a date that is not `YYYY-MM-DD`) are diagnostics with a place ([`config_problems`]).

use crate::{Finding, Severity, registry};
use ppgov_core::doc::{CheckSeverity, CheckSuppression, ChecksConfig};
use ppgov_core::{Code, Diagnostic, Kind, Loaded};
use std::collections::BTreeMap;

/// The configuration, keyed by check id.
#[derive(Clone, Debug, Default)]
pub struct Config {
    enabled: BTreeMap<String, bool>,
    severity: BTreeMap<String, Severity>,
    threshold: BTreeMap<String, u32>,
    pub suppressions: Vec<CheckSuppression>,
}

impl Config {
    pub fn from_project(checks: &ChecksConfig) -> Config {
        let mut config = Config {
            suppressions: checks.suppressions.clone(),
            ..Default::default()
        };
        for (id, rule) in &checks.rules {
            let id = id.to_ascii_uppercase();
            if let Some(enabled) = rule.enabled {
                config.enabled.insert(id.clone(), enabled);
            }
            if let Some(severity) = rule.severity {
                config.severity.insert(
                    id.clone(),
                    match severity {
                        CheckSeverity::Info => Severity::Info,
                        CheckSeverity::Warning => Severity::Warning,
                        CheckSeverity::Error => Severity::Error,
                    },
                );
            }
            if let Some(threshold) = rule.threshold {
                config.threshold.insert(id, threshold);
            }
        }
        config
    }

    pub fn enabled(&self, id: &str) -> bool {
        self.enabled.get(id).copied().unwrap_or(true)
    }

    pub fn severity(&self, id: &str) -> Option<Severity> {
        self.severity.get(id).copied()
    }

    pub fn threshold(&self, id: &str) -> Option<u32> {
        self.threshold.get(id).copied()
    }

    /// The suppression (and its index) that holds `finding` back today: same check, the
    /// finding's address or live id, not expired (`expires` is the last day it holds).
    pub fn suppression_for(
        &self,
        finding: &Finding,
        today: &str,
    ) -> Option<(usize, &CheckSuppression)> {
        self.suppressions.iter().enumerate().find(|(_, s)| {
            s.check.eq_ignore_ascii_case(&finding.rule_id)
                && (s.object == finding.location.address
                    || finding
                        .location
                        .id
                        .as_deref()
                        .is_some_and(|id| id.eq_ignore_ascii_case(&s.object)))
                && is_date(&s.expires)
                && s.expires.as_str() >= today
        })
    }
}

/// Whether `s` is a calendar date written `YYYY-MM-DD` (month 1-12, day 1-31).
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return false;
    }
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// A problem in `spec.checks`.
pub type ConfigProblem = Diagnostic;

/// The diagnostics for `spec.checks`: unknown check ids (in `rules` and suppressions) and
/// expiry dates that are not dates.
pub fn config_problems(loaded: &Loaded) -> Vec<ConfigProblem> {
    let project = &loaded.desired.project;
    let checks = &project.checks;
    let at = |pointer: String| loaded.span_of(Kind::Project, &project.name, &pointer);
    let known: Vec<&str> = registry::all_infos().map(|i| i.id).collect();
    let unknown = |id: &str, pointer: String| {
        let mut d = Diagnostic::new(Code::UnknownCheck, format!("unknown check `{id}`"));
        if let Some(span) = at(pointer) {
            d = d.at(span, "no check has this id");
        }
        let help = match ppgov_core::suggest::closest(&id.to_ascii_uppercase(), &known) {
            Some(s) => format!("did you mean `{s}`? (docs/checks.md lists every check)"),
            None => "docs/checks.md lists every check".to_owned(),
        };
        d.help(help)
    };
    let is_known = |id: &str| {
        crate::advisor::is_advisor_id(id) || known.iter().any(|k| k.eq_ignore_ascii_case(id))
    };
    let mut out = Vec::new();
    for id in checks.rules.keys() {
        if !is_known(id) {
            out.push(unknown(id, format!("/spec/checks/rules/{id}")));
        }
    }
    for (i, s) in checks.suppressions.iter().enumerate() {
        if !is_known(&s.check) {
            out.push(unknown(
                &s.check,
                format!("/spec/checks/suppressions/{i}/check"),
            ));
        }
        if !is_date(&s.expires) {
            let mut d = Diagnostic::new(
                Code::InvalidSuppressionExpiry,
                format!("`{}` is not a date", s.expires),
            );
            if let Some(span) = at(format!("/spec/checks/suppressions/{i}/expires")) {
                d = d.at(span, "expected YYYY-MM-DD");
            }
            out.push(d.help("write the last day the suppression holds, e.g. `2027-03-31`"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::is_date;

    #[test]
    fn dates_are_checked() {
        assert!(is_date("2026-11-27"));
        for bad in [
            "2026-13-01",
            "2026-1-01",
            "26-11-27",
            "2026-11-32",
            "tomorrow",
            "",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }
}
