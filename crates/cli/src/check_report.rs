//! The reports of `ppgov check` and `ppgov assess`: text, JSON, SARIF 2.1.0, Markdown and a
//! self-contained HTML page. Names and messages can come from the tenant, so every one is
//! escaped for the format it goes into.

use crate::check_cmd::summary;
use crate::report::{CSS, html_escape, md_escape};
use ppgov_checks::maturity::{AreaScore, Comparison};
use ppgov_checks::{Finding, Report, Severity};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// `Defined (next: Capable, blocked by PPG-C007 ×2, PPG-C008)`.
fn level_line(score: &AreaScore) -> String {
    let level = score.level.map_or("below Initial", |s| s.as_str());
    match score.next {
        None => level.to_owned(),
        Some(next) => {
            let mut ids: Vec<(&str, usize)> = Vec::new();
            for b in &score.blockers {
                match ids.iter_mut().find(|(id, _)| *id == b.rule_id) {
                    Some((_, n)) => *n += 1,
                    None => ids.push((&b.rule_id, 1)),
                }
            }
            let ids: Vec<String> = ids
                .into_iter()
                .map(|(id, n)| {
                    if n == 1 {
                        id.to_owned()
                    } else {
                        format!("{id} ×{n}")
                    }
                })
                .collect();
            format!(
                "{level} (next: {}, blocked by {})",
                next.as_str(),
                ids.join(", ")
            )
        }
    }
}

pub fn text(report: &Report, comparison: Option<&Comparison>) -> String {
    let mut s = String::new();
    for f in &report.findings {
        let _ = writeln!(
            s,
            "{} {} {}\n  --> {}{}\n  {}\n  fix: {}",
            f.severity,
            f.rule_id,
            f.title,
            f.location.display(),
            address_note(f),
            f.message,
            f.remediation
        );
        if let Some(yaml) = &f.remediation_yaml {
            for line in yaml.lines() {
                let _ = writeln!(s, "    | {line}");
            }
        }
        let _ = writeln!(s, "  see: {}\n", f.help);
    }
    for x in &report.suppressed {
        let _ = writeln!(
            s,
            "suppressed {} on {} until {}: {}",
            x.finding.rule_id, x.finding.location.address, x.expires, x.reason
        );
    }
    if !report.suppressed.is_empty() {
        s.push('\n');
    }
    let _ = writeln!(s, "maturity:");
    for score in &report.maturity {
        let _ = writeln!(s, "  {:<19} {}", score.area.as_str(), level_line(score));
    }
    s.push('\n');
    if let Some(c) = comparison {
        let _ = writeln!(s, "since the baseline: {}", c.summary());
    }
    let _ = writeln!(s, "{}", summary(report));
    s
}

/// ` (DlpPolicy.baseline)` after a file location: the object, for suppressions.
fn address_note(f: &Finding) -> String {
    match &f.location.file {
        Some(_) => format!(" ({})", f.location.address),
        None => String::new(),
    }
}

pub fn json(report: &Report, comparison: Option<&Comparison>) -> String {
    let counts: serde_json::Map<String, Value> = report
        .counts()
        .into_iter()
        .map(|(s, n)| (s.as_str().to_owned(), json!(n)))
        .collect();
    let value = json!({
        "formatVersion": 1,
        "scope": report.scope,
        "counts": counts,
        "checksRun": report.checks_run,
        "findings": report.findings,
        "suppressed": report.suppressed,
        "maturity": report.maturity,
    });
    let mut value = value;
    if let Some(c) = comparison {
        value["comparison"] = json!({
            "summary": c.summary(),
            "fixed": c.fixed.iter().map(|(id, a)| json!({"ruleId": id, "address": a})).collect::<Vec<_>>(),
            "new": c.new.iter().map(|(id, a)| json!({"ruleId": id, "address": a})).collect::<Vec<_>>(),
        });
    }
    serde_json::to_string_pretty(&value).expect("serializable") + "\n"
}

/// SARIF 2.1.0 (see `ppgov_checks::sarif`).
pub fn sarif(report: &Report, uri_prefix: &str) -> String {
    let value = ppgov_checks::sarif::sarif(report, uri_prefix, env!("CARGO_PKG_VERSION"));
    serde_json::to_string_pretty(&value).expect("serializable") + "\n"
}

pub fn markdown(report: &Report, comparison: Option<&Comparison>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## ppgov governance checks\n");
    let _ = writeln!(s, "**{}**\n", md_escape(&summary(report)));
    if let Some(c) = comparison {
        let _ = writeln!(s, "Since the baseline: {}\n", md_escape(&c.summary()));
    }
    let _ = writeln!(s, "| area | maturity |\n|---|---|");
    for score in &report.maturity {
        let _ = writeln!(
            s,
            "| {} | {} |",
            score.area.as_str(),
            md_escape(&level_line(score))
        );
    }
    s.push('\n');
    if !report.findings.is_empty() {
        let _ = writeln!(
            s,
            "| severity | check | where | finding |\n|---|---|---|---|"
        );
        for f in &report.findings {
            let _ = writeln!(
                s,
                "| {} | [{}]({}) {} | `{}` | {} |",
                f.severity,
                md_escape(&f.rule_id),
                f.help,
                md_escape(&f.title),
                f.location.display().replace('`', "'"),
                md_escape(&f.message)
            );
        }
        let _ = writeln!(s, "\n### How to fix\n");
        let mut seen = Vec::new();
        for f in &report.findings {
            if seen.contains(&f.rule_id) {
                continue;
            }
            seen.push(f.rule_id.clone());
            let _ = writeln!(
                s,
                "- **{}** {}: {}",
                md_escape(&f.rule_id),
                md_escape(&f.title),
                md_escape(&f.remediation)
            );
        }
    }
    if !report.suppressed.is_empty() {
        let _ = writeln!(s, "\n### Suppressed\n");
        for x in &report.suppressed {
            let _ = writeln!(
                s,
                "- {} on `{}` until {}: {}",
                x.finding.rule_id,
                x.finding.location.address.replace('`', "'"),
                md_escape(&x.expires),
                md_escape(&x.reason)
            );
        }
    }
    s
}

const CHECK_CSS: &str = ".error b,.sev-error{color:var(--bad)}.warning b,.sev-warning{color:var(--warn)}pre{white-space:pre-wrap;margin:.3em 0}";

/// One HTML file: counts, then every finding with its location and fix. No script, no
/// external resource.
pub fn html(report: &Report, comparison: Option<&Comparison>) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>ppgov governance report</title>\n<style>{CSS}{CHECK_CSS}</style>\n</head>\n<body>\n<h1>ppgov governance report</h1>\n"
    );
    let counts = report.counts();
    let _ = write!(s, "<div class=\"summary\" id=\"summary\">");
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        let _ = write!(
            s,
            "<div class=\"card {sev}\"><b id=\"count-{sev}\">{}</b>{sev}</div>",
            counts.get(&sev).copied().unwrap_or(0)
        );
    }
    let _ = writeln!(
        s,
        "<div class=\"card\"><b id=\"count-suppressed\">{}</b>suppressed</div></div>",
        report.suppressed.len()
    );
    let _ = writeln!(s, "<p id=\"scope\">{}</p>", html_escape(&summary(report)));
    if let Some(c) = comparison {
        let _ = writeln!(
            s,
            "<p id=\"comparison\">Since the baseline: {}</p>",
            html_escape(&c.summary())
        );
    }
    let _ = writeln!(
        s,
        "<section id=\"maturity\">\n<h2>Maturity</h2>\n<div class=\"table\"><table>\n<thead><tr><th>area</th><th>level</th><th>evidence</th></tr></thead>\n<tbody>"
    );
    for score in &report.maturity {
        let evidence: Vec<String> = score
            .evidence
            .iter()
            .filter(|e| !e.passed.is_empty())
            .map(|e| format!("{}: {}", e.stage.as_str(), e.passed.join(", ")))
            .collect();
        let _ = writeln!(
            s,
            "<tr data-area=\"{}\"><td data-label=\"area\">{}</td><td data-label=\"level\">{}</td><td data-label=\"evidence\">{}</td></tr>",
            score.area.as_str(),
            score.area.as_str(),
            html_escape(&level_line(score)),
            html_escape(&evidence.join("; "))
        );
    }
    let _ = writeln!(s, "</tbody>\n</table></div>\n</section>");
    let _ = writeln!(
        s,
        "<section id=\"findings\">\n<h2>Findings ({})</h2>",
        report.findings.len()
    );
    if report.findings.is_empty() {
        let _ = writeln!(s, "<p>None.</p>");
    } else {
        let _ = writeln!(
            s,
            "<div class=\"table\"><table>\n<thead><tr><th>severity</th><th>check</th><th>where</th><th>finding</th><th>fix</th></tr></thead>\n<tbody>"
        );
        for f in &report.findings {
            let yaml = f
                .remediation_yaml
                .as_deref()
                .map(|y| format!("<pre>{}</pre>", html_escape(y)))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "<tr data-rule=\"{}\" data-severity=\"{}\"><td data-label=\"severity\" class=\"sev-{}\">{}</td><td data-label=\"check\"><code>{}</code> {}</td><td data-label=\"where\"><code>{}</code></td><td data-label=\"finding\">{}</td><td data-label=\"fix\">{}{yaml}</td></tr>",
                html_escape(&f.rule_id),
                f.severity,
                f.severity,
                f.severity,
                html_escape(&f.rule_id),
                html_escape(&f.title),
                html_escape(&f.location.display()),
                html_escape(&f.message),
                html_escape(&f.remediation),
            );
        }
        let _ = writeln!(s, "</tbody>\n</table></div>");
    }
    let _ = writeln!(s, "</section>");
    if !report.suppressed.is_empty() {
        let _ = writeln!(s, "<section id=\"suppressed\">\n<h2>Suppressed</h2>\n<ul>");
        for x in &report.suppressed {
            let _ = writeln!(
                s,
                "<li><code>{}</code> on <code>{}</code> until {}: {}</li>",
                html_escape(&x.finding.rule_id),
                html_escape(&x.finding.location.address),
                html_escape(&x.expires),
                html_escape(&x.reason)
            );
        }
        let _ = writeln!(s, "</ul>\n</section>");
    }
    s.push_str("</body>\n</html>\n");
    s
}
