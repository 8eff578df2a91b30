use super::*;
use crate::impact::{Impact, ImpactedItem};
use crate::plan::{After, FORMAT_VERSION, Note, ResourceKind};
use ppgov_core::inventory::ItemKind;
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
    assert!(out.contains("impact unknown in 1 environment (inventory not read): \"Finance Prod\""));
    assert!(out.ends_with(
        "Plan: 0 to add, 40 to change, 0 to destroy — breaks 7 apps in 1 environment; impact unknown in 1 environment (inventory not read).\n"
    ));
}
