//! The impact of DLP changes on apps and flows, in text and Markdown.

use super::{Colors, Detail, apps_and_flows, counted, md_escape};
use crate::impact::{Impact, ImpactedItem, Totals};
use crate::plan::{Change, Plan};
use crate::risk::item_kind_name;
use ppgov_core::inventory::ItemKind;
use std::fmt::Write as _;

/// ` — breaks 2 apps and 1 flow in 1 environment; impact unknown in 1 environment`, or
/// nothing when the plan breaks nothing and every concerned inventory was read.
pub(super) fn impact_summary(plan: &Plan) -> String {
    let totals = Totals::of(plan);
    let mut parts = Vec::new();
    if totals.broken_apps + totals.broken_flows > 0 {
        parts.push(format!(
            "breaks {} in {}",
            apps_and_flows(totals.broken_apps, totals.broken_flows),
            counted(totals.broken_in, "environment")
        ));
    }
    if totals.unknown > 0 {
        parts.push(format!(
            "impact unknown in {} (inventory not read)",
            counted(totals.unknown, "environment")
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" — {}", parts.join("; "))
    }
}

/// `breaks 2 apps, fixes 1 flow` for one change's impact; `breaks nothing` when it neither
/// breaks nor fixes anything.
fn impact_headline(impact: &Impact) -> String {
    let count = |items: &[ImpactedItem]| {
        let apps = items.iter().filter(|i| i.kind == ItemKind::App).count();
        apps_and_flows(apps, items.len() - apps)
    };
    let mut parts = Vec::new();
    if !impact.breaks.is_empty() {
        parts.push(format!("breaks {}", count(&impact.breaks)));
    }
    if !impact.fixes.is_empty() {
        parts.push(format!("fixes {}", count(&impact.fixes)));
    }
    if parts.is_empty() {
        parts.push("breaks nothing".to_owned());
    }
    format!(
        "{} in {} read",
        parts.join(", "),
        counted(impact.environments_read, "environment")
    )
}

/// `owner Ana Silva, modified 2026-10-01T08:00:00Z, shared with 120 users`: what is known.
fn item_facts(item: &ImpactedItem) -> String {
    let mut facts = Vec::new();
    if let Some(owner) = &item.owner {
        facts.push(format!("owner {owner}"));
    }
    if let Some(modified) = &item.last_modified {
        facts.push(format!("modified {modified}"));
    }
    if let Some(users) = item.shared_users {
        facts.push(format!("shared with {}", counted(users as usize, "user")));
    }
    facts.join(", ")
}

/// Entries of each impact list a terminal shows per change; the JSON plan has them all.
pub const TEXT_IMPACT_ENTRIES: usize = 5;

/// One change's impact, for a terminal.
pub(super) fn impact_text(out: &mut String, impact: &Impact, colors: Colors) {
    let _ = writeln!(out, "      impact: {}", impact_headline(impact));
    for (verb, items, code) in [
        ("breaks", &impact.breaks, "31"),
        ("fixes", &impact.fixes, "32"),
    ] {
        for item in items.iter().take(TEXT_IMPACT_ENTRIES) {
            let head = format!(
                "        {verb} {} \"{}\" in \"{}\"",
                item_kind_name(item.kind),
                item.display_name,
                item.environment.display_name
            );
            let facts = item_facts(item);
            let facts = if facts.is_empty() {
                String::new()
            } else {
                format!(" ({facts})")
            };
            let _ = writeln!(out, "{}{facts}", colors.paint(code, &head));
            for reason in item.reasons.iter() {
                let _ = writeln!(out, "            - {reason}");
            }
        }
        if items.len() > TEXT_IMPACT_ENTRIES {
            let _ = writeln!(
                out,
                "        … and {} more it {verb} (the JSON plan lists all)",
                items.len() - TEXT_IMPACT_ENTRIES
            );
        }
    }
    if !impact.unknown.is_empty() {
        let names: Vec<String> = impact
            .unknown
            .iter()
            .map(|e| format!("\"{}\"", e.display_name))
            .collect();
        let _ = writeln!(
            out,
            "      impact unknown in {} (inventory not read): {}",
            counted(impact.unknown.len(), "environment"),
            names.join(", ")
        );
    }
}

/// A collapsible impact table per change that has an impact, as `detail` allows.
pub(super) fn impact_markdown(
    out: &mut String,
    plan: &Plan,
    detail: Detail,
    cut: &mut Vec<String>,
) {
    let with_impact: Vec<(&Change, &Impact)> = plan
        .changes
        .iter()
        .filter_map(|c| c.impact.as_ref().map(|i| (c, i)))
        .collect();
    if with_impact.is_empty() {
        return;
    }
    if !detail.impact {
        cut.push(format!(
            "the impact tables of {} (the summary and the risk column keep the counts)",
            counted(with_impact.len(), "change")
        ));
        return;
    }
    let rows = detail.impact_rows.unwrap_or(usize::MAX);
    let mut shortened = false;
    for (c, impact) in with_impact {
        let headline = format!(
            "Impact of <code>{}</code>: {}",
            md_escape(&c.address),
            impact_headline(impact)
        );
        if impact.breaks.is_empty() && impact.fixes.is_empty() && impact.unknown.is_empty() {
            let _ = writeln!(out, "{headline}\n");
            continue;
        }
        let _ = writeln!(out, "<details><summary>{headline}</summary>\n");
        let listed: Vec<(&str, &ImpactedItem)> = impact
            .breaks
            .iter()
            .map(|i| ("breaks", i))
            .chain(impact.fixes.iter().map(|i| ("fixes", i)))
            .collect();
        if !listed.is_empty() {
            let _ = writeln!(
                out,
                "| | item | environment | owner | last modified | reach | why |\n|---|---|---|---|---|---|---|"
            );
            for (verb, item) in listed.iter().take(rows) {
                let reasons: Vec<String> = item.reasons.iter().map(|r| md_escape(r)).collect();
                let _ = writeln!(
                    out,
                    "| {verb} | {} **{}** | {} | {} | {} | {} | {} |",
                    item_kind_name(item.kind),
                    md_escape(&item.display_name),
                    md_escape(&item.environment.display_name),
                    md_escape(item.owner.as_deref().unwrap_or("")),
                    md_escape(item.last_modified.as_deref().unwrap_or("")),
                    item.shared_users
                        .map(|u| counted(u as usize, "user"))
                        .unwrap_or_default(),
                    reasons.join("<br>")
                );
            }
            if listed.len() > rows {
                shortened = true;
                let _ = writeln!(out, "| | … and {} more | | | | | |", listed.len() - rows);
            }
            let _ = writeln!(out);
        }
        if !impact.unknown.is_empty() {
            let names: Vec<String> = impact
                .unknown
                .iter()
                .map(|e| md_escape(&e.display_name))
                .collect();
            let _ = writeln!(
                out,
                "Impact unknown in {} (inventory not read): {}\n",
                counted(impact.unknown.len(), "environment"),
                names.join(", ")
            );
        }
        let _ = writeln!(out, "</details>\n");
    }
    if shortened {
        cut.push(format!(
            "impact tables list the first {rows} items of each change"
        ));
    }
}
