//! Rendering plans: text in the conventions Terraform users know, and Markdown for pull
//! request comments. Pure: strings in, strings out; the caller decides about colour.

use crate::impact::{Impact, ImpactedItem, Totals};
use crate::plan::{Action, AttributeChange, Change, Plan};
use crate::risk::item_kind_name;
use ppgov_core::inventory::ItemKind;
use serde_json::Value;
use std::fmt::Write as _;

/// ANSI colours, or none.
#[derive(Clone, Copy, Debug)]
pub struct Colors {
    pub enabled: bool,
}

impl Colors {
    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn action(self, action: Action, text: &str) -> String {
        self.paint(
            match action {
                Action::Create => "32",
                Action::Update => "33",
                Action::Delete => "31",
            },
            text,
        )
    }
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::Delete => "will be destroyed",
    }
}

/// `Plan: X to add, Y to change, Z to destroy.`, and what the plan breaks when it breaks
/// apps or flows (` — breaks 14 apps and 37 flows in 6 environments`) or when its impact is
/// unknown somewhere.
pub fn summary(plan: &Plan) -> String {
    let (add, change, destroy) = plan.counts();
    format!(
        "Plan: {add} to add, {change} to change, {destroy} to destroy{}.",
        impact_summary(plan)
    )
}

/// ` — breaks 2 apps and 1 flow in 1 environment; impact unknown in 1 environment`, or
/// nothing when the plan breaks nothing and every concerned inventory was read.
fn impact_summary(plan: &Plan) -> String {
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

/// `1 environment`, `2 environments`.
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `14 apps and 37 flows`, `1 app`, `2 flows`.
pub fn apps_and_flows(apps: usize, flows: usize) -> String {
    match (apps, flows) {
        (0, flows) => counted(flows, "flow"),
        (apps, 0) => counted(apps, "app"),
        (apps, flows) => format!("{} and {}", counted(apps, "app"), counted(flows, "flow")),
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
fn impact_text(out: &mut String, impact: &Impact, colors: Colors) {
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

fn value(v: &Option<Value>) -> String {
    match v {
        None => "(none)".to_owned(),
        Some(Value::String(s)) => format!("{s:?}"),
        Some(other) => other.to_string(),
    }
}

/// A list element on one line, Terraform-style: `{ endpoint = "a", behavior = "deny" }`.
fn inline(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(inline).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) if m.values().all(Value::is_null) => "{}".to_owned(),
        // Fields left out (null) are noise on a line meant to be scanned.
        Value::Object(m) => format!(
            "{{ {} }}",
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{k} = {}", inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// One line of an attribute change: its sign (`+`, `-`, `~` or ` `), how deep it is nested,
/// and its text; Markdown keeps its own sign and depth (a `diff` block has no `~`).
struct Line {
    sign: char,
    depth: usize,
    text: String,
    md_sign: char,
    md_depth: usize,
}

impl Line {
    fn new(sign: char, depth: usize, text: String) -> Line {
        Line {
            sign,
            depth,
            text,
            md_sign: if sign == '~' { '!' } else { sign },
            md_depth: depth,
        }
    }
}

/// Lists longer than this show their unchanged elements as a count.
const LIST_CONTEXT_LIMIT: usize = 10;

/// The lines of one attribute change: one line for a value, a unified diff for long
/// multi-line text, and element by element for lists (order matters: endpoint rules and URL
/// patterns apply the first match, so a move shows as a removal and an addition).
fn attribute_lines(action: Action, a: &AttributeChange) -> Vec<Line> {
    let mut out = Vec::new();
    if let (Some(Value::String(before)), Some(Value::String(after))) = (&a.before, &a.after)
        && (before.contains('\n') || after.contains('\n'))
    {
        out.push(Line::new('~', 0, format!("{}:", a.path)));
        let diff = similar::TextDiff::from_lines(before, after);
        for change in diff.iter_all_changes() {
            let sign = match change.tag() {
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Equal => ' ',
            };
            let mut line = Line::new(sign, 1, change.value().trim_end_matches('\n').to_owned());
            if sign == ' ' {
                line.md_sign = '!';
            }
            line.md_depth = 0;
            out.push(line);
        }
        return out;
    }
    let list = |v: &Option<Value>| match v {
        Some(Value::Array(items)) => Some(items.clone()),
        None | Some(Value::Null) => Some(Vec::new()),
        Some(_) => None,
    };
    let is_list =
        matches!(a.before, Some(Value::Array(_))) || matches!(a.after, Some(Value::Array(_)));
    if is_list
        && let (Some(before), Some(after)) = (list(&a.before), list(&a.after))
        && !(before.is_empty() && after.is_empty())
    {
        let sign = match (action, &a.before, &a.after) {
            (Action::Create, _, _) | (_, None, _) => '+',
            (_, _, None) => '-',
            _ => '~',
        };
        out.push(Line::new(sign, 0, format!("{} = [", a.path)));
        let before_text: Vec<String> = before.iter().map(inline).collect();
        let after_text: Vec<String> = after.iter().map(inline).collect();
        let ops =
            similar::capture_diff_slices(similar::Algorithm::Myers, &before_text, &after_text);
        let hide_unchanged = before.len().max(after.len()) > LIST_CONTEXT_LIMIT;
        for op in ops {
            for change in op.iter_changes(&before_text, &after_text) {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                };
                if sign == ' ' && hide_unchanged {
                    continue;
                }
                out.push(Line::new(sign, 1, format!("{},", change.value())));
            }
            if let similar::DiffOp::Equal { len, .. } = op
                && hide_unchanged
            {
                out.push(Line::new(
                    ' ',
                    1,
                    format!("# ({len} unchanged element(s) hidden)"),
                ));
            }
        }
        out.push(Line::new(' ', 0, "]".to_owned()));
        return out;
    }
    out.push(match (action, &a.before, &a.after) {
        (Action::Create, _, after) => Line::new('+', 0, format!("{} = {}", a.path, value(after))),
        (_, before, None) => Line::new('-', 0, format!("{} = {}", a.path, value(before))),
        (_, None, after) => Line::new('+', 0, format!("{} = {}", a.path, value(after))),
        (_, before, after) => Line::new(
            '~',
            0,
            format!("{}: {} -> {}", a.path, value(before), value(after)),
        ),
    });
    out
}

/// One attribute change, for a terminal.
fn attribute(out: &mut String, action: Action, a: &AttributeChange, colors: Colors) {
    for line in attribute_lines(action, a) {
        let text = format!(
            "      {}{} {}",
            "    ".repeat(line.depth),
            line.sign,
            line.text
        );
        let painted = match line.sign {
            '-' if line.depth > 0 => colors.paint("31", &text),
            '+' if line.depth > 0 => colors.paint("32", &text),
            _ => text,
        };
        let _ = writeln!(out, "{painted}");
    }
}

/// The human plan.
pub fn text(plan: &Plan, colors: Colors) -> String {
    let mut out = String::new();
    if !plan.errors.is_empty() {
        let _ = writeln!(out, "{}", colors.paint("31", "The plan cannot be made:"));
        for e in &plan.errors {
            let _ = writeln!(out, "  - {} ({}): {}", e.resource, e.pointer, e.message);
        }
        let _ = writeln!(out);
    }
    if !plan.errors.is_empty() {
        let _ = writeln!(
            out,
            "No plan was made: fix the problems above and plan again."
        );
        return out;
    }
    if plan.changes.is_empty() {
        let _ = writeln!(out, "No changes. The tenant matches the configuration.");
    } else {
        let _ = writeln!(out, "ppgov will perform the following actions:\n");
        for c in &plan.changes {
            let _ = writeln!(out, "  # {} {}", c.address, verb(c.action));
            let head = format!(
                "  {} {} \"{}\"",
                c.action.symbol(),
                c.address,
                c.display_name
            );
            let _ = writeln!(out, "{}", colors.action(c.action, &head));
            for a in &c.attributes {
                attribute(&mut out, c.action, a, colors);
            }
            if let Some(risk) = &c.risk {
                let _ = writeln!(
                    out,
                    "      {}",
                    colors.paint("1;31", &format!("! risky: {risk}"))
                );
            }
            if let Some(impact) = &c.impact {
                impact_text(&mut out, impact, colors);
            }
            for a in plan.approvals.get(&c.address).into_iter().flatten() {
                let _ = writeln!(out, "      approval: {} ({})", a.approver, a.because);
            }
            let _ = writeln!(out);
        }
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(out, "Not managed here ({}):", plan.notes.len());
        for n in &plan.notes {
            let _ = writeln!(
                out,
                "  ? {:?} \"{}\" ({}): {}",
                n.kind, n.display_name, n.id, n.message
            );
        }
        let _ = writeln!(out);
    }
    let risky = plan.changes.iter().filter(|c| c.risk.is_some()).count();
    if risky > 0 {
        let _ = writeln!(
            out,
            "{}",
            colors.paint(
                "1;31",
                &format!(
                    "{risky} risky change(s): read the lines marked `! risky` before applying."
                )
            )
        );
    }
    let _ = writeln!(out, "{}", summary(plan));
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A pull-request comment: summary, a table of changes (risky first), details per resource.
pub fn markdown(plan: &Plan) -> String {
    markdown_with(plan, Detail::FULL).0
}

/// How much of a plan a Markdown comment shows, least important parts dropped first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Detail {
    /// The list of objects not managed here.
    notes: bool,
    /// Attribute details of changes that are not risky.
    safe_details: bool,
    /// Attribute details of risky changes.
    risky_details: bool,
    /// Table rows (risky first); `None` for all.
    rows: Option<usize>,
    /// The impact tables of DLP changes.
    impact: bool,
    /// Rows of each impact table; `None` for all.
    impact_rows: Option<usize>,
}

impl Detail {
    const FULL: Detail = Detail {
        notes: true,
        safe_details: true,
        risky_details: true,
        rows: None,
        impact: true,
        impact_rows: None,
    };
}

/// Rows an impact table keeps when the comment must be shortened.
const SHORT_IMPACT_ROWS: usize = 10;

/// A pull-request comment of at most `max_chars` characters (GitHub refuses comments over
/// 65,536). When the whole plan does not fit, the least important details go first: the
/// list of objects not managed here, then the attribute details of safe changes, then those
/// of risky changes, then table rows (safe ones before risky ones). The comment says what was
/// cut and where the full plan is (`full_plan`, e.g. "the saved plan `plan.json`").
pub fn markdown_within(plan: &Plan, max_chars: usize, full_plan: &str) -> String {
    let (full, _) = markdown_with(plan, Detail::FULL);
    if full.chars().count() <= max_chars {
        return full;
    }
    // Impact tables go first: the summary line and the risk column keep their counts.
    let no_impact = Detail {
        impact: false,
        ..Detail::FULL
    };
    let levels = [
        Detail {
            impact_rows: Some(SHORT_IMPACT_ROWS),
            ..Detail::FULL
        },
        no_impact,
        Detail {
            notes: false,
            ..no_impact
        },
        Detail {
            notes: false,
            safe_details: false,
            ..no_impact
        },
        Detail {
            notes: false,
            safe_details: false,
            risky_details: false,
            ..no_impact
        },
    ];
    let fits = |detail: Detail| {
        let text = with_cut_note(plan, detail, max_chars, full_plan);
        (text.chars().count() <= max_chars).then_some(text)
    };
    for detail in levels {
        if let Some(text) = fits(detail) {
            return text;
        }
    }
    // Keep as many table rows as fit (risky rows come first, so they go last).
    let (mut lo, mut hi) = (0, plan.changes.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let detail = Detail {
            rows: Some(mid),
            ..levels[4]
        };
        if fits(detail).is_some() {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let best = with_cut_note(
        plan,
        Detail {
            rows: Some(lo),
            ..levels[4]
        },
        max_chars,
        full_plan,
    );
    if best.chars().count() <= max_chars {
        best
    } else {
        // Not even the summary fits: the budget is tiny; cut at a character boundary.
        best.chars().take(max_chars).collect()
    }
}

/// The comment at `detail`, ending with a note of what was left out and where the full plan is.
fn with_cut_note(plan: &Plan, detail: Detail, max_chars: usize, full_plan: &str) -> String {
    let (mut out, cut) = markdown_with(plan, detail);
    if !cut.is_empty() {
        let _ = write!(
            out,
            "\n> [!NOTE]\n> This comment is shortened to stay under {max_chars} characters: {}. The full plan: {}.\n",
            cut.join("; "),
            md_escape(full_plan)
        );
    }
    out
}

/// A collapsible impact table per change that has an impact, as `detail` allows.
fn impact_markdown(out: &mut String, plan: &Plan, detail: Detail, cut: &mut Vec<String>) {
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

/// Who must approve, one checkbox per approver with the changes that need them.
fn approvals_checklist(out: &mut String, plan: &Plan) {
    let mut by_approver: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (address, approvals) in &plan.approvals {
        for a in approvals {
            by_approver.entry(&a.approver).or_default().push(address);
        }
    }
    if by_approver.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n**Approvals required** (`ppgov approvals` checks them):\n"
    );
    // A few addresses per approver keep the comment within its budget; the text plan and
    // `ppgov approvals` name them all.
    const SHOWN: usize = 5;
    for (approver, addresses) in by_approver {
        let changes = if addresses.len() == plan.changes.len() && addresses.len() > 1 {
            "every change".to_owned()
        } else {
            let listed: Vec<String> = addresses
                .iter()
                .take(SHOWN)
                .map(|a| format!("`{a}`"))
                .collect();
            match addresses.len().saturating_sub(SHOWN) {
                0 => listed.join(", "),
                more => format!("{} and {more} more", listed.join(", ")),
            }
        };
        let _ = writeln!(out, "- [ ] {}: {changes}", md_escape(approver));
    }
}

/// The comment at `detail`, and what it left out, in words.
fn markdown_with(plan: &Plan, detail: Detail) -> (String, Vec<String>) {
    let mut cut = Vec::new();
    let mut out = String::new();
    let (add, change, destroy) = plan.counts();
    let risky: Vec<&Change> = plan.changes.iter().filter(|c| c.risk.is_some()).collect();
    let _ = writeln!(
        out,
        "### ppgov plan: {add} to add, {change} to change, {destroy} to destroy{}",
        md_escape(&impact_summary(plan))
    );
    if !plan.errors.is_empty() {
        let _ = writeln!(out, "\n**The plan cannot be made:**\n");
        for e in &plan.errors {
            let _ = writeln!(
                out,
                "- `{}` (`{}`): {}",
                e.resource,
                e.pointer,
                md_escape(&e.message)
            );
        }
    }
    if !plan.errors.is_empty() {
        let _ = writeln!(
            out,
            "\nNo plan was made: fix the problems above and plan again."
        );
        return (out, cut);
    }
    if plan.changes.is_empty() {
        let _ = writeln!(out, "\nNo changes. The tenant matches the configuration.");
    } else {
        approvals_checklist(&mut out, plan);
        if !risky.is_empty() {
            let totals = Totals::of(plan);
            let what = if totals.broken_apps + totals.broken_flows > 0 {
                "deletions, loosened controls or data policy changes that break apps and flows"
            } else {
                "deletions or loosened controls"
            };
            let _ = writeln!(
                out,
                "\n> [!WARNING]\n> {} risky change(s): {what}. Review them before merging.",
                risky.len()
            );
        }
        let _ = writeln!(out, "\n| | resource | name | risk |\n|---|---|---|---|");
        let ordered = risky
            .iter()
            .copied()
            .chain(plan.changes.iter().filter(|c| c.risk.is_none()));
        let rows = detail.rows.unwrap_or(plan.changes.len());
        if rows < plan.changes.len() {
            cut.push(format!(
                "the table lists {rows} of {} changes (risky ones first)",
                plan.changes.len()
            ));
        }
        for c in ordered.clone().take(rows) {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} | {} |",
                c.action.symbol(),
                md_escape(&c.address),
                md_escape(&c.display_name),
                c.risk.as_deref().map(md_escape).unwrap_or_default()
            );
        }
        if rows < plan.changes.len() {
            let _ = writeln!(out, "| | … and {} more | | |", plan.changes.len() - rows);
        }
        let _ = writeln!(out);
        let safe = plan.changes.len() - risky.len();
        if !detail.risky_details && !risky.is_empty() {
            cut.push(format!(
                "attribute details of {} risky change(s)",
                risky.len()
            ));
        }
        if !detail.safe_details && safe > 0 {
            cut.push(format!("attribute details of {safe} other change(s)"));
        }
        for c in ordered {
            let shown = if c.risk.is_some() {
                detail.risky_details
            } else {
                detail.safe_details
            };
            if !shown {
                continue;
            }
            let _ = writeln!(
                out,
                "<details><summary><code>{} {}</code> {}</summary>\n",
                c.action.symbol(),
                md_escape(&c.address),
                verb(c.action)
            );
            let _ = writeln!(out, "```diff");
            for a in &c.attributes {
                for line in attribute_lines(c.action, a) {
                    let _ = writeln!(
                        out,
                        "{} {}{}",
                        line.md_sign,
                        "  ".repeat(line.md_depth),
                        line.text
                    );
                }
            }
            let _ = writeln!(out, "```\n</details>\n");
        }
        impact_markdown(&mut out, plan, detail, &mut cut);
    }
    if !plan.notes.is_empty() && !detail.notes {
        cut.push(format!(
            "the list of {} object(s) not managed here",
            plan.notes.len()
        ));
    } else if !plan.notes.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} object(s) not managed here</summary>\n",
            plan.notes.len()
        );
        for n in &plan.notes {
            let _ = writeln!(
                out,
                "- {:?} **{}**: {}",
                n.kind,
                md_escape(&n.display_name),
                md_escape(&n.message)
            );
        }
        let _ = writeln!(out, "\n</details>");
    }
    (out, cut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{After, FORMAT_VERSION, Note, ResourceKind};
    use serde_json::json;

    /// A first adoption of many environments: many changes with long attribute lists, some
    /// risky, and many notes.
    fn large_plan(changes: usize) -> Plan {
        Plan {
            format_version: FORMAT_VERSION,
            changes: (0..changes)
                .map(|i| Change {
                    address: format!("EnvironmentGroup.group-{i:04}"),
                    kind: ResourceKind::EnvironmentGroup,
                    action: Action::Update,
                    id: Some(format!("g{i}")),
                    display_name: format!("Group {i}"),
                    attributes: (0..8)
                        .map(|a| AttributeChange {
                            path: format!("rules.setting{a}"),
                            before: Some(json!(["a", "b", format!("old-{i}-{a}")])),
                            after: Some(json!(["a", "b", format!("new-{i}-{a}")])),
                        })
                        .collect(),
                    risk: (i % 10 == 0).then(|| "loosens the group's rules".to_owned()),
                    impact: None,
                    after: After::Nothing,
                    depends_on: Vec::new(),
                })
                .collect(),
            notes: (0..200)
                .map(|i| Note {
                    kind: ResourceKind::DlpPolicy,
                    id: format!("p{i}"),
                    display_name: format!("Policy {i}"),
                    message: "not declared here; ownership is shared, so it is left alone".into(),
                })
                .collect(),
            errors: Vec::new(),
            fingerprints: Default::default(),
            approvals: Default::default(),
            seal: None,
        }
    }

    fn chars(s: &str) -> usize {
        s.chars().count()
    }

    #[test]
    fn a_plan_that_fits_is_rendered_whole() {
        let plan = large_plan(3);
        assert_eq!(markdown_within(&plan, 60_000, "x"), markdown(&plan));
    }

    #[test]
    fn markdown_stays_within_its_budget_cutting_the_least_important_first() {
        let plan = large_plan(400);
        let full = markdown(&plan);
        assert!(
            chars(&full) > 65_536,
            "the test plan is too large for a comment"
        );
        let where_ = "the saved plan `plan.json`";

        // A budget a little under the whole: only the notes go.
        let notes_len = chars(&full)
            - chars(
                &markdown_with(
                    &plan,
                    Detail {
                        notes: false,
                        ..Detail::FULL
                    },
                )
                .0,
            );
        let out = markdown_within(&plan, chars(&full) - notes_len / 2, where_);
        assert!(
            out.contains("the list of 200 object(s) not managed here"),
            "{out}"
        );
        assert!(!out.contains("attribute details"));
        assert!(out.contains("```diff"));
        assert!(out.contains(where_));

        // The default budget: safe details go, risky ones stay.
        let out = markdown_within(&plan, 60_000, where_);
        assert!(chars(&out) <= 60_000);
        assert!(
            out.contains("attribute details of 360 other change(s)"),
            "{out}"
        );
        assert!(
            out.contains("<code>~ EnvironmentGroup.group-0010</code>"),
            "risky details kept"
        );
        assert!(!out.contains("<code>~ EnvironmentGroup.group-0011</code>"));
        assert!(
            out.contains("| `~` | `EnvironmentGroup.group-0399` |"),
            "every row kept"
        );

        // A small budget: only some rows, risky ones first.
        let out = markdown_within(&plan, 8_000, where_);
        assert!(chars(&out) <= 8_000, "{}", chars(&out));
        assert!(out.contains("of 400 changes (risky ones first)"), "{out}");
        assert!(
            out.contains("`EnvironmentGroup.group-0390`"),
            "risky rows kept first"
        );
        assert!(out.contains("… and "));
        assert!(out.starts_with("### ppgov plan: 0 to add, 400 to change, 0 to destroy"));
    }

    /// One DLP change breaking `items` apps with long reasons, beside the large plan.
    fn plan_with_impact(items: usize) -> Plan {
        let mut plan = large_plan(40);
        let environment = std::sync::Arc::new(crate::impact::EnvironmentRef {
            id: "e1".into(),
            display_name: "Finance Prod".into(),
        });
        let breaks = (0..items)
            .map(|i| ImpactedItem {
                kind: ItemKind::App,
                id: format!("a{i}"),
                display_name: format!("App {i:04}"),
                environment: environment.clone(),
                owner: Some("Ana Silva".into()),
                last_modified: Some("2026-10-01T09:00:00Z".into()),
                shared_users: Some(items as u64 - i as u64),
                reasons: [format!(
                    "Finance: mixes business connectors (shared_sql) with non-business connectors (shared_rss{i})"
                )]
                .into(),
            })
            .collect();
        plan.changes[0].impact = Some(Impact {
            environments_read: 1,
            breaks,
            fixes: Vec::new(),
            unknown: vec![crate::impact::EnvironmentRef::clone(&environment)],
        });
        plan
    }

    #[test]
    fn impact_tables_are_cut_before_anything_else_and_the_comment_says_so() {
        let plan = plan_with_impact(400);
        let full = markdown(&plan);
        assert!(full.contains("| breaks | app **App 0399** |"));
        assert!(full.starts_with(
            "### ppgov plan: 0 to add, 40 to change, 0 to destroy — breaks 400 apps in 1 environment; impact unknown in 1 environment (inventory not read)\n"
        ));
        let where_ = "the saved plan `plan.json`";

        // Just under the whole: the impact table keeps its first rows, everything else stays.
        let out = markdown_within(&plan, chars(&full) - 100, where_);
        assert!(
            out.contains("impact tables list the first 10 items of each change"),
            "{out}"
        );
        assert!(out.contains("| breaks | app **App 0009** |"));
        assert!(!out.contains("| breaks | app **App 0010** |"));
        assert!(out.contains("| | … and 390 more | | | | | |"));
        assert!(
            out.contains("object(s) not managed here</summary>"),
            "notes kept"
        );

        // Less: the impact tables go, the counts stay in the summary and the risk column.
        let short = markdown_with(
            &plan,
            Detail {
                impact_rows: Some(SHORT_IMPACT_ROWS),
                ..Detail::FULL
            },
        )
        .0;
        let out = markdown_within(&plan, chars(&short) - 100, where_);
        assert!(
            out.contains(
                "the impact tables of 1 change (the summary and the risk column keep the counts)"
            ),
            "{out}"
        );
        assert!(!out.contains("Impact of <code>"));
        assert!(
            out.contains("object(s) not managed here</summary>"),
            "notes kept"
        );
        assert!(out.contains("breaks 400 apps in 1 environment"));
    }

    #[test]
    fn text_shows_the_top_impact_entries_and_counts_the_rest() {
        let plan = plan_with_impact(7);
        let out = text(&plan, Colors { enabled: false });
        assert!(
            out.contains("impact: breaks 7 apps in 1 environment read"),
            "{out}"
        );
        assert!(out.contains("breaks app \"App 0004\" in \"Finance Prod\" (owner Ana Silva, modified 2026-10-01T09:00:00Z, shared with 3 users)"));
        assert!(!out.contains("\"App 0005\""));
        assert!(out.contains("… and 2 more it breaks (the JSON plan lists all)"));
        assert!(
            out.contains("impact unknown in 1 environment (inventory not read): \"Finance Prod\"")
        );
        assert!(out.ends_with(
            "Plan: 0 to add, 40 to change, 0 to destroy — breaks 7 apps in 1 environment; impact unknown in 1 environment (inventory not read).\n"
        ));
    }
}
