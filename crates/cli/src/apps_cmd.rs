//! `ppgov apps`: every app of the tenant's inventory by criticality (the repository's
//! `AppCriticality`), the control process that applies and what is due: reviews overdue,
//! apps never reviewed that their level says must be, apps whose criticality rose since their
//! last review. `--fail-on` turns those into exit 1 for a scheduled CI job.

use crate::connectors_cmd::{load_clean, today_or};
use crate::table::{self, ListFormat, Table};
use crate::tenant::TenantArgs;
use clap::{Args, ValueEnum};
use ppgov_core::app_criticality::{AppCriticality, AppFacts, CriticalityBy, Due};
use ppgov_core::doc::{ControlKind, ReviewOutcome};
use ppgov_core::observed::Observed;
use ppgov_core::rating::Date;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct AppsArgs {
    /// The policy directory (default `policies`): its `AppCriticality` (and `ConnectorRating`).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The tenant whose inventory is listed: --snapshot FILE, --base-url, or credentials as
    /// `plan` takes them.
    #[command(flatten)]
    pub tenant: TenantArgs,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Exit 1 when an app is in one of these states (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub fail_on: Vec<DueState>,
    /// The date reviews are due against, `YYYY-MM-DD` (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

/// What an app's process asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DueState {
    /// Its periodic review's date has passed.
    Overdue,
    /// Its level needs a review and none is recorded.
    Unreviewed,
    /// Its level is higher than at its last review.
    Rose,
}

impl DueState {
    fn of(self) -> Due {
        match self {
            DueState::Overdue => Due::Overdue,
            DueState::Unreviewed => Due::Unreviewed,
            DueState::Rose => Due::Rose,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    app: String,
    id: String,
    environment: String,
    environment_id: String,
    owner: Option<String>,
    shared_users: Option<u64>,
    level: String,
    why: String,
    #[serde(flatten)]
    by: CriticalityBy,
    control: ControlKind,
    process: String,
    last_review: Option<String>,
    reviewed_level: Option<String>,
    reviewer: Option<String>,
    outcome: Option<ReviewOutcome>,
    next_review: Option<String>,
    due: Vec<Due>,
    #[serde(skip)]
    rank: usize,
}

pub fn run(args: AppsArgs) -> Result<ExitCode, String> {
    let today = today_or(args.today.as_deref())?;
    let loaded = load_clean(args.dir.as_deref())?;
    let Some(criticality) = &loaded.desired.app_criticality else {
        return Err(
            "the repository has no AppCriticality: declare the app criticality scale (docs/apps.md)"
                .into(),
        );
    };
    let observed = crate::inventory_read::read(&args.tenant, &loaded, false)?;
    let rows = rows(criticality, &observed, &loaded, today);
    let summary = summary(criticality, &rows);
    table(&rows).print(args.format, &rows, "App criticality", &summary)?;
    let wanted: Vec<Due> = args.fail_on.iter().map(|d| d.of()).collect();
    let failing: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let hit: Vec<&str> = r
                .due
                .iter()
                .filter(|d| wanted.contains(d))
                .map(|d| d.as_str())
                .collect();
            (!hit.is_empty()).then(|| {
                format!(
                    "{} ({}, {}, {}): {}",
                    r.app,
                    r.environment,
                    r.id,
                    r.level,
                    hit.join(", ")
                )
            })
        })
        .collect();
    Ok(table::fail_on("app", &failing))
}

/// Every app of the inventory, the most critical first (then by environment, name and id).
fn rows(
    criticality: &AppCriticality,
    observed: &Observed,
    loaded: &ppgov_core::Loaded,
    today: Date,
) -> Vec<Row> {
    let catalog = crate::tenant::catalog_for(loaded, observed);
    let rating = loaded.desired.connector_rating.as_ref();
    let mut rows: Vec<Row> = observed
        .inventory
        .environments
        .values()
        .flat_map(|env| env.apps.values())
        .map(|item| {
            let facts = AppFacts::of(item, observed, &loaded.desired, &catalog);
            let status = criticality.status(&facts, rating, today);
            let review = status.last_review.as_ref();
            Row {
                app: item.display_name.clone(),
                id: item.id.clone(),
                environment: facts.environment.clone(),
                environment_id: item.environment_id.clone(),
                owner: item
                    .owner
                    .as_ref()
                    .and_then(|o| o.display_name.clone().or_else(|| o.email.clone())),
                shared_users: item.shared_users,
                why: status.criticality.explain(),
                rank: status.criticality.rank,
                level: status.criticality.level.clone(),
                by: status.criticality.by.clone(),
                control: status.process.control,
                process: status.process.describe(),
                last_review: review.map(|r| r.date.to_string()),
                reviewed_level: status.reviewed_level.clone(),
                reviewer: review.map(|r| r.reviewer.clone()),
                outcome: review.map(|r| r.outcome),
                next_review: status.next_review.map(|d| d.to_string()),
                due: status.due,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.rank
            .cmp(&a.rank)
            .then_with(|| a.environment.cmp(&b.environment))
            .then_with(|| a.app.cmp(&b.app))
            .then_with(|| a.id.cmp(&b.id))
    });
    rows
}

const COLUMNS: [&str; 8] = [
    "app",
    "environment",
    "level",
    "process",
    "due",
    "last review",
    "next review",
    "why",
];

fn table(rows: &[Row]) -> Table<'static> {
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    Table {
        columns: &COLUMNS,
        rows: rows
            .iter()
            .map(|r| {
                let due: Vec<&str> = r.due.iter().map(|d| d.as_str()).collect();
                let last = match (&r.last_review, &r.reviewed_level) {
                    (Some(date), Some(level)) => format!("{date} ({level})"),
                    _ => "-".into(),
                };
                vec![
                    r.app.clone(),
                    r.environment.clone(),
                    r.level.clone(),
                    r.process.clone(),
                    if due.is_empty() {
                        "ok".into()
                    } else {
                        due.join(",")
                    },
                    last,
                    dash(&r.next_review),
                    r.why.clone(),
                ]
            })
            .collect(),
    }
}

/// `5 apps: 1 high, 2 medium, 2 low; 1 overdue, 1 unreviewed, 0 rose`.
fn summary(criticality: &AppCriticality, rows: &[Row]) -> String {
    let levels: Vec<String> = criticality
        .levels
        .iter()
        .enumerate()
        .rev()
        .map(|(rank, l)| {
            let n = rows.iter().filter(|r| r.rank == rank).count();
            format!("{n} {}", l.name)
        })
        .collect();
    let count = |d: Due| rows.iter().filter(|r| r.due.contains(&d)).count();
    format!(
        "{} apps: {}; {} overdue, {} unreviewed, {} rose",
        rows.len(),
        levels.join(", "),
        count(Due::Overdue),
        count(Due::Unreviewed),
        count(Due::Rose)
    )
}
