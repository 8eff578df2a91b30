//! `ppgov connectors`: every connector with its rating, why, where each DLP policy classifies
//! it, and its review state (unrated, new or changed since the last review, review overdue);
//! `--fail-on` turns states into exit 1 for a scheduled CI job.

use crate::table::{self, ListFormat, Table};
use crate::{repo, tenant};
use clap::{Args, ValueEnum};
use ppgov_core::catalog::{self, Catalog, Connector};
use ppgov_core::model::{ConnectorGroup, Desired};
use ppgov_core::rating::{ConnectorRating, Date, RatedBy};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ConnectorsArgs {
    /// The policy directory (default `policies`).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Also read the tenant's connectors (custom connectors, live metadata): with --snapshot,
    /// --base-url or credentials as `plan` takes them. Without, the catalog alone is listed.
    #[command(flatten)]
    pub tenant: tenant::TenantArgs,
    /// Read the tenant with the credentials in the environment (as `plan` does) even without
    /// --snapshot or --base-url.
    #[arg(long)]
    pub live: bool,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Exit 1 when a connector is in one of these states (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub fail_on: Vec<ReviewState>,
    /// The date reviews are due against, `YYYY-MM-DD` (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

/// What a connector's review needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ReviewState {
    /// No override and no criterion rates it.
    Unrated,
    /// Created after the last review that covers it.
    New,
    /// Changed (`changedTime`) after the last review that covers it.
    Changed,
    /// Its override's next review date has passed.
    Overdue,
}

impl ReviewState {
    fn as_str(self) -> &'static str {
        match self {
            ReviewState::Unrated => "unrated",
            ReviewState::New => "new",
            ReviewState::Changed => "changed",
            ReviewState::Overdue => "overdue",
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    connector: String,
    id: String,
    display_name: String,
    custom: Option<bool>,
    level: Option<String>,
    why: String,
    #[serde(flatten)]
    rated_by: RatedBy,
    /// Policy name to the group it puts the connector in.
    policies: BTreeMap<String, &'static str>,
    approvers: Vec<String>,
    last_review: Option<String>,
    next_review: Option<String>,
    changed_time: Option<String>,
    review: Vec<ReviewState>,
    /// A custom connector found in the tenant's inventory: the environments holding it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    environments: Vec<String>,
}

pub fn run(args: ConnectorsArgs) -> Result<ExitCode, String> {
    let today = today_or(args.today.as_deref())?;
    let loaded = load_clean(args.dir.as_deref())?;
    let reads_tenant =
        args.live || args.tenant.snapshot.is_some() || args.tenant.base_url.is_some();
    let (catalog, found_in) = if reads_tenant {
        live_catalog(&args.tenant, &loaded)?
    } else {
        (loaded.catalog.clone(), BTreeMap::new())
    };
    let mut rows = rows(&loaded.desired, &catalog, today);
    for row in &mut rows {
        row.environments = found_in.get(&row.id).cloned().unwrap_or_default();
    }
    table(&rows).print(args.format, &rows, "Connector ratings", &summary(&rows))?;
    let failing: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let hit: Vec<&str> = r
                .review
                .iter()
                .filter(|s| args.fail_on.contains(s))
                .map(|s| s.as_str())
                .collect();
            (!hit.is_empty())
                .then(|| format!("{} ({}): {}", r.connector, r.display_name, hit.join(", ")))
        })
        .collect();
    Ok(table::fail_on("connector", &failing))
}

/// The policy directory (default `policies`) loaded; its errors printed and refused.
pub fn load_clean(dir: Option<&std::path::Path>) -> Result<ppgov_core::Loaded, String> {
    let dir = dir.map_or_else(|| PathBuf::from("policies"), PathBuf::from);
    let loaded = repo::load(std::slice::from_ref(&dir))?;
    if loaded.has_errors() {
        repo::print_diagnostics(&loaded);
        return Err(format!(
            "the policy files have errors; fix them first ({})",
            ppgov_core::diag::render::summary(&loaded.diagnostics)
        ));
    }
    Ok(loaded)
}

/// The repository's catalog with the tenant's live connectors merged in, and the custom
/// connectors of every environment's inventory (by id: the environments holding each).
fn live_catalog(
    args: &tenant::TenantArgs,
    loaded: &ppgov_core::Loaded,
) -> Result<(Catalog, BTreeMap<String, Vec<String>>), String> {
    let observed = crate::inventory_read::read(args, loaded, true)?;
    let live = observed.connectors.as_deref().unwrap_or_default();
    let mut custom = Vec::new();
    let mut found_in: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (env_id, inventory) in &observed.inventory.environments {
        let env_name = observed
            .environments
            .get(env_id)
            .map_or(env_id.as_str(), |e| e.display_name.as_str());
        for c in inventory.custom_connectors.values() {
            let connector = c.as_catalog_connector();
            found_in
                .entry(connector.id.clone())
                .or_default()
                .push(env_name.to_owned());
            custom.push(connector);
        }
    }
    Ok((loaded.catalog.with_live(live).with_live(&custom), found_in))
}

fn rows(desired: &Desired, catalog: &Catalog, today: Date) -> Vec<Row> {
    let rating = desired.connector_rating.as_ref();
    catalog
        .iter()
        .map(|c| row(c, rating, desired, today))
        .collect()
}

fn row(c: &Connector, rating: Option<&ConnectorRating>, desired: &Desired, today: Date) -> Row {
    let rated = rating.map(|r| (r, r.rate(c)));
    let (level, why, rated_by) = match &rated {
        Some((r, rating)) => (
            rating.level.clone(),
            rating.explain(r, &c.id),
            rating.by.clone(),
        ),
        None => (
            None,
            "unrated: the repository has no ConnectorRating".to_owned(),
            RatedBy::Unrated,
        ),
    };
    let overriding = rating.and_then(|r| r.overrides.get(&c.id));
    let last_review = rating.and_then(|r| r.last_review(&c.id));
    let created = c
        .metadata
        .created_time
        .as_deref()
        .and_then(Date::of_timestamp);
    let changed = c
        .metadata
        .changed_time
        .as_deref()
        .and_then(Date::of_timestamp);
    let mut review = Vec::new();
    if level.is_none() {
        review.push(ReviewState::Unrated);
    }
    if let Some(last) = last_review {
        if created.is_some_and(|d| d > last) {
            review.push(ReviewState::New);
        } else if changed.is_some_and(|d| d > last) {
            review.push(ReviewState::Changed);
        }
    }
    if overriding.is_some_and(|o| o.next_review < today) {
        review.push(ReviewState::Overdue);
    }
    let policies = desired
        .dlp_policies
        .iter()
        .map(|(name, p)| {
            let group = match p.classification.get(&c.id) {
                Some(g) => *g,
                None if p.default_group == ConnectorGroup::Blocked && c.unblockable => {
                    ConnectorGroup::NonBusiness
                }
                None => p.default_group,
            };
            (name.clone(), group_name(group))
        })
        .collect();
    Row {
        connector: catalog::short_name(c).to_owned(),
        id: c.id.clone(),
        display_name: c.display_name.clone(),
        custom: c.metadata.is_custom(),
        level,
        why,
        rated_by,
        policies,
        approvers: rating
            .map(|r| r.approvers(c).into_iter().collect())
            .unwrap_or_default(),
        last_review: last_review.map(|d| d.to_string()),
        next_review: overriding.map(|o| o.next_review.to_string()),
        changed_time: c.metadata.changed_time.clone(),
        review,
        environments: Vec::new(),
    }
}

fn group_name(g: ConnectorGroup) -> &'static str {
    match g {
        ConnectorGroup::Business => "business",
        ConnectorGroup::NonBusiness => "nonBusiness",
        ConnectorGroup::Blocked => "blocked",
    }
}

/// The cells every tabular format shows, in order.
const COLUMNS: [&str; 6] = [
    "connector",
    "level",
    "review",
    "policies",
    "next review",
    "why",
];

fn cells(r: &Row) -> [String; 6] {
    let review: Vec<&str> = r.review.iter().map(|s| s.as_str()).collect();
    let policies: Vec<String> = r
        .policies
        .iter()
        .map(|(name, group)| format!("{name}={group}"))
        .collect();
    [
        r.connector.clone(),
        r.level.clone().unwrap_or_else(|| "-".into()),
        if review.is_empty() {
            "ok".into()
        } else {
            review.join(",")
        },
        policies.join(" "),
        r.next_review.clone().unwrap_or_else(|| "-".into()),
        r.why.clone(),
    ]
}

fn summary(rows: &[Row]) -> String {
    let count = |s: ReviewState| rows.iter().filter(|r| r.review.contains(&s)).count();
    format!(
        "{} connectors: {} unrated, {} new, {} changed, {} overdue",
        rows.len(),
        count(ReviewState::Unrated),
        count(ReviewState::New),
        count(ReviewState::Changed),
        count(ReviewState::Overdue)
    )
}

fn table(rows: &[Row]) -> Table<'static> {
    Table {
        columns: &COLUMNS,
        rows: rows.iter().map(|r| cells(r).to_vec()).collect(),
    }
}

/// Today's date in UTC from the system clock.
pub fn today_utc() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Date::from_days_since_epoch((secs / 86_400) as i64)
}

/// `--today DATE` (`YYYY-MM-DD`), or today in UTC.
pub fn today_or(given: Option<&str>) -> Result<Date, String> {
    match given {
        Some(text) => {
            Date::parse(text).ok_or_else(|| format!("--today `{text}` is not a date (YYYY-MM-DD)"))
        }
        None => Ok(today_utc()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn today_is_a_real_date() {
        let d = super::today_utc();
        assert!(ppgov_core::rating::Date::parse(&d.to_string()).is_some());
        assert!(d.year >= 2024);
    }
}
