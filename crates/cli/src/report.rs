//! Drift reports: text, Markdown and a self-contained HTML page (inline CSS, no script, no
//! network). Display names come from the tenant, so every one is hostile input: escaped for
//! the format it goes into.

use crate::drift_cmd::DriftOutput;
use ppgov_apply::drift::{Entry, LastWrite};
use ppgov_planner::plan::kind_name;
use std::fmt::Write as _;

fn symbol(e: &Entry) -> &'static str {
    e.action.map_or("?", |a| a.symbol())
}

fn last_write(w: Option<&LastWrite>) -> String {
    w.map_or_else(
        || "never written by ppgov".to_owned(),
        |w| format!("{} at {}", w.actor, w.time),
    )
}

fn summary_line(o: &DriftOutput) -> String {
    let (d, p, u) = o.report.counts();
    format!(
        "{d} drifted (changed outside ppgov), {p} pending (the repository changed), {u} not managed here"
    )
}

fn journal_line(o: &DriftOutput) -> String {
    let j = &o.report.journal;
    if !j.found {
        return format!(
            "No journal yet at {}: ppgov has no record of any write, so every change is pending. `ppgov apply` writes it.",
            o.journal_path
        );
    }
    format!(
        "Journal {}: {} run(s), {} successful write(s); last write {}.",
        o.journal_path,
        j.runs,
        j.writes,
        last_write(j.last_write.as_ref())
    )
}

/// Terraform-style text: summary, drift first, then pending, unmanaged, repair.
pub fn text(o: &DriftOutput) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Drift report: {}.", summary_line(o));
    let _ = writeln!(s, "{}", journal_line(o));
    let sections: [(&str, &[Entry]); 3] = [
        ("Drift (changed outside ppgov)", &o.report.drift),
        (
            "Pending (the repository wants a change not applied yet; `ppgov apply` applies it)",
            &o.report.pending,
        ),
        ("Not managed here", &o.report.unmanaged),
    ];
    for (title, entries) in sections {
        if entries.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{title}:");
        for e in entries {
            let _ = writeln!(
                s,
                "  {} {} {:?}: {}",
                symbol(e),
                e.address,
                e.display_name,
                e.reason
            );
            if !e.fields.is_empty() {
                let _ = writeln!(s, "      fields: {}", e.fields.join(", "));
            }
            if e.last_write.is_some() {
                let _ = writeln!(
                    s,
                    "      last written by ppgov: {}",
                    last_write(e.last_write.as_ref())
                );
            }
            if let Some(risk) = &e.risk {
                let _ = writeln!(s, "      risk: {risk}");
            }
        }
    }
    if let Some(r) = &o.repair {
        let _ = writeln!(s, "\nRepair (safe):");
        if r.repaired.is_empty() && r.for_a_person.is_empty() {
            let _ = writeln!(s, "  nothing to repair");
        }
        for x in &r.repaired {
            let _ = writeln!(
                s,
                "  repaired {} {:?}: {}",
                x.address, x.display_name, x.outcome
            );
        }
        for h in &r.for_a_person {
            let _ = writeln!(
                s,
                "  for a person: {} {:?}: {}",
                h.address, h.display_name, h.reason
            );
        }
        if !r.repaired.is_empty() {
            let _ = writeln!(
                s,
                "  {}",
                if r.converged {
                    "converged: a fresh plan no longer holds the repaired changes"
                } else {
                    "NOT converged: a fresh plan still holds repaired changes"
                }
            );
        }
    }
    if o.report.is_clean() {
        let _ = writeln!(
            s,
            "\nNo drift and nothing pending: the tenant matches the policies."
        );
    }
    s
}

/// Escapes text for Markdown (tables included): HTML-significant characters become entities
/// and Markdown punctuation is backslash-escaped, so a name cannot add markup or break a row.
pub fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            c => out.push(c),
        }
    }
    out
}

pub fn markdown(o: &DriftOutput) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## ppgov drift report\n");
    let _ = writeln!(s, "**{}**\n", md_escape(&summary_line(o)));
    let _ = writeln!(s, "{}\n", md_escape(&journal_line(o)));
    let sections: [(&str, &[Entry]); 3] = [
        ("Drift (changed outside ppgov)", &o.report.drift),
        ("Pending (the repository changed)", &o.report.pending),
        ("Not managed here", &o.report.unmanaged),
    ];
    for (title, entries) in sections {
        if entries.is_empty() {
            continue;
        }
        let _ = writeln!(s, "### {title}\n");
        let _ = writeln!(
            s,
            "| | address | name | why | last written by ppgov | risk |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|");
        for e in entries {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                md_escape(symbol(e)),
                md_escape(&e.address),
                md_escape(&e.display_name),
                md_escape(&e.reason),
                md_escape(&last_write(e.last_write.as_ref())),
                md_escape(e.risk.as_deref().unwrap_or(""))
            );
        }
        let _ = writeln!(s);
    }
    if let Some(r) = &o.repair {
        let _ = writeln!(s, "### Repair (safe)\n");
        for x in &r.repaired {
            let _ = writeln!(
                s,
                "- repaired {} \"{}\": {}",
                md_escape(&x.address),
                md_escape(&x.display_name),
                md_escape(&x.outcome)
            );
        }
        for h in &r.for_a_person {
            let _ = writeln!(
                s,
                "- **for a person**: {} \"{}\": {}",
                md_escape(&h.address),
                md_escape(&h.display_name),
                md_escape(&h.reason)
            );
        }
        if r.repaired.is_empty() && r.for_a_person.is_empty() {
            let _ = writeln!(s, "- nothing to repair");
        }
        let _ = writeln!(s);
    }
    s
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) const CSS: &str = "
:root{color-scheme:light dark;--bad:#b42318;--warn:#b54708;--muted:#667085;--line:#d0d5dd}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;padding:16px;max-width:1200px;margin-inline:auto}
h1{font-size:1.4em;margin:.2em 0}
h2{font-size:1.15em;margin:1.4em 0 .4em}
h3{font-size:1em;margin:1em 0 .3em;color:var(--muted)}
.summary{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:8px 12px;min-width:140px}
.card b{display:block;font-size:1.6em}
.drift b{color:var(--bad)}
.pending b{color:var(--warn)}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top;overflow-wrap:break-word}
.table{overflow-x:auto}
th{font-size:.85em;color:var(--muted)}
code{font-size:.9em}
.risk{color:var(--bad)}
@media (max-width:640px){
 thead{display:none}
 table,tbody,tr,td{display:block;width:100%}
 tr{border:1px solid var(--line);border-radius:8px;margin:0 0 10px;padding:4px}
 td{border:0;padding:3px 6px}
 td::before{content:attr(data-label);display:block;font-size:.8em;color:var(--muted)}
}
";

/// One HTML file: summary, drift first, then per-kind tables of each class, who last changed
/// what, risk reasons; repair outcome. No script, no external resource.
pub fn html(o: &DriftOutput) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>ppgov drift report</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>ppgov drift report</h1>\n"
    );
    let (d, p, u) = o.report.counts();
    let _ = writeln!(
        s,
        "<div class=\"summary\" id=\"summary\"><div class=\"card drift\"><b id=\"count-drift\">{d}</b>drifted</div><div class=\"card pending\"><b id=\"count-pending\">{p}</b>pending</div><div class=\"card\"><b id=\"count-unmanaged\">{u}</b>not managed here</div></div>"
    );
    let _ = writeln!(s, "<p id=\"journal\">{}</p>", html_escape(&journal_line(o)));
    let sections: [(&str, &str, &[Entry]); 3] = [
        ("drift", "Drift: changed outside ppgov", &o.report.drift),
        (
            "pending",
            "Pending: the repository changed",
            &o.report.pending,
        ),
        ("unmanaged", "Not managed here", &o.report.unmanaged),
    ];
    for (id, title, entries) in sections {
        let _ = writeln!(
            s,
            "<section id=\"{id}\">\n<h2>{title} ({})</h2>",
            entries.len()
        );
        if entries.is_empty() {
            let _ = writeln!(s, "<p>None.</p>");
        }
        let mut kinds: Vec<_> = entries.iter().map(|e| e.kind).collect();
        kinds.sort();
        kinds.dedup();
        for kind in kinds {
            let _ = writeln!(
                s,
                "<h3>{}</h3>\n<div class=\"table\"><table>\n<thead><tr><th></th><th>address</th><th>name</th><th>why</th><th>fields</th><th>last written by ppgov</th><th>risk</th></tr></thead>\n<tbody>",
                kind_name(kind)
            );
            for e in entries.iter().filter(|e| e.kind == kind) {
                let _ = writeln!(
                    s,
                    "<tr data-class=\"{id}\" data-address=\"{}\"><td data-label=\"action\">{}</td><td data-label=\"address\"><code>{}</code></td><td data-label=\"name\">{}</td><td data-label=\"why\">{}</td><td data-label=\"fields\">{}</td><td data-label=\"last written by ppgov\">{}</td><td data-label=\"risk\" class=\"risk\">{}</td></tr>",
                    html_escape(&e.address),
                    html_escape(symbol(e)),
                    html_escape(&e.address),
                    html_escape(&e.display_name),
                    html_escape(&e.reason),
                    html_escape(&e.fields.join(", ")),
                    html_escape(&last_write(e.last_write.as_ref())),
                    html_escape(e.risk.as_deref().unwrap_or(""))
                );
            }
            let _ = writeln!(s, "</tbody>\n</table></div>");
        }
        let _ = writeln!(s, "</section>");
    }
    if let Some(r) = &o.repair {
        let _ = writeln!(s, "<section id=\"repair\">\n<h2>Repair (safe)</h2>\n<ul>");
        for x in &r.repaired {
            let _ = writeln!(
                s,
                "<li data-repaired=\"{}\">repaired <code>{}</code> {}: {}</li>",
                html_escape(&x.address),
                html_escape(&x.address),
                html_escape(&x.display_name),
                html_escape(&x.outcome)
            );
        }
        for h in &r.for_a_person {
            let _ = writeln!(
                s,
                "<li data-held=\"{}\"><b>for a person</b>: <code>{}</code> {}: {}</li>",
                html_escape(&h.address),
                html_escape(&h.address),
                html_escape(&h.display_name),
                html_escape(&h.reason)
            );
        }
        let _ = writeln!(s, "</ul>\n</section>");
    }
    let _ = writeln!(s, "</body>\n</html>");
    s
}
