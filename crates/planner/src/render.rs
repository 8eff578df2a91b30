//! Rendering plans: text in the conventions Terraform users know, and Markdown for pull
//! request comments. Pure: strings in, strings out; the caller decides about colour.

use crate::impact::Totals;
use crate::plan::{Action, AttributeChange, Change, Plan};
use serde_json::Value;
use std::fmt::Write as _;

mod impact;

pub use impact::TEXT_IMPACT_ENTRIES;
use impact::{impact_markdown, impact_summary, impact_text};

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
mod tests;
