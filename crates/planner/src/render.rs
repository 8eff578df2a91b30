//! Rendering plans: text in the conventions Terraform users know, and Markdown for pull
//! request comments. Pure: strings in, strings out; the caller decides about colour.

use crate::plan::{Action, AttributeChange, Change, Plan};
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

/// `Plan: X to add, Y to change, Z to destroy.`
pub fn summary(plan: &Plan) -> String {
    let (add, change, destroy) = plan.counts();
    format!("Plan: {add} to add, {change} to change, {destroy} to destroy.")
}

fn value(v: &Option<Value>) -> String {
    match v {
        None => "(none)".to_owned(),
        Some(Value::String(s)) => format!("{s:?}"),
        Some(other) => other.to_string(),
    }
}

/// One attribute line, or a unified diff for long multi-line text.
fn attribute(out: &mut String, action: Action, a: &AttributeChange, colors: Colors) {
    if let (Some(Value::String(before)), Some(Value::String(after))) = (&a.before, &a.after)
        && (before.contains('\n') || after.contains('\n'))
    {
        let _ = writeln!(out, "      ~ {}:", a.path);
        let diff = similar::TextDiff::from_lines(before, after);
        for change in diff.iter_all_changes() {
            let (sign, code) = match change.tag() {
                similar::ChangeTag::Delete => ("-", "31"),
                similar::ChangeTag::Insert => ("+", "32"),
                similar::ChangeTag::Equal => (" ", "0"),
            };
            let line = format!("          {sign} {}", change.value().trim_end_matches('\n'));
            let _ = writeln!(
                out,
                "{}",
                if sign == " " {
                    line
                } else {
                    colors.paint(code, &line)
                }
            );
        }
        return;
    }
    let line = match (action, &a.before, &a.after) {
        (Action::Create, _, after) => format!("      + {} = {}", a.path, value(after)),
        (_, before, None) => format!("      - {} = {}", a.path, value(before)),
        (_, None, after) => format!("      + {} = {}", a.path, value(after)),
        (_, before, after) => format!("      ~ {}: {} -> {}", a.path, value(before), value(after)),
    };
    let _ = writeln!(out, "{line}");
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
    let mut out = String::new();
    let (add, change, destroy) = plan.counts();
    let risky: Vec<&Change> = plan.changes.iter().filter(|c| c.risk.is_some()).collect();
    let _ = writeln!(
        out,
        "### ppgov plan: {add} to add, {change} to change, {destroy} to destroy"
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
        return out;
    }
    if plan.changes.is_empty() {
        let _ = writeln!(out, "\nNo changes. The tenant matches the configuration.");
    } else {
        if !risky.is_empty() {
            let _ = writeln!(
                out,
                "\n> [!WARNING]\n> {} risky change(s): deletions or loosened controls. Review them before merging.",
                risky.len()
            );
        }
        let _ = writeln!(out, "\n| | resource | name | risk |\n|---|---|---|---|");
        let ordered = risky
            .iter()
            .copied()
            .chain(plan.changes.iter().filter(|c| c.risk.is_none()));
        for c in ordered.clone() {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} | {} |",
                c.action.symbol(),
                md_escape(&c.address),
                md_escape(&c.display_name),
                c.risk.as_deref().map(md_escape).unwrap_or_default()
            );
        }
        let _ = writeln!(out);
        for c in ordered {
            let _ = writeln!(
                out,
                "<details><summary><code>{} {}</code> {}</summary>\n",
                c.action.symbol(),
                md_escape(&c.address),
                verb(c.action)
            );
            let _ = writeln!(out, "```diff");
            for a in &c.attributes {
                let mut line = String::new();
                attribute(&mut line, c.action, a, Colors { enabled: false });
                for l in line.lines() {
                    let t = l.trim_start();
                    let sign = if t.starts_with('+') {
                        "+"
                    } else if t.starts_with('-') {
                        "-"
                    } else {
                        "!"
                    };
                    let _ = writeln!(
                        out,
                        "{sign} {}",
                        t.trim_start_matches(['+', '-', '~']).trim_start()
                    );
                }
            }
            let _ = writeln!(out, "```\n</details>\n");
        }
    }
    if !plan.notes.is_empty() {
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
    out
}
