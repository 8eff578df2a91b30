//! Apps whose level calls for periodic reviews are reviewed on time.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};
use ppgov_core::app_criticality::{AppFacts, Due};
use ppgov_core::rating::Date;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C210",
    name: "app-review-overdue",
    title: "app review overdue",
    severity: Severity::Warning,
    stage: Stage::Defined,
    area: Area::Process,
    reads: Reads::Inventory,
    rationale: "The repository's `AppCriticality` puts the app at a level reviewed every N days, and its last recorded review is older than that: a business-critical app is running on an approval nobody has renewed.",
    example: "# an app at a `periodicReview` level, last reviewed more than `reviewEveryDays` ago",
    fix: "Review the app and record the review in the `AppCriticality`'s `spec.reviews` (date, reviewer, outcome, level); `ppgov apps` lists what is due.",
    fix_yaml: None,
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    let (Some(criticality), Some(observed), Some(today)) = (
        cx.loaded.desired.app_criticality.as_ref(),
        cx.observed,
        Date::parse(cx.today),
    ) else {
        return;
    };
    let rating = cx.loaded.desired.connector_rating.as_ref();
    for env in observed.inventory.environments.values() {
        for item in env.apps.values() {
            let facts = AppFacts::of(item, observed, &cx.loaded.desired, &cx.loaded.catalog);
            let status = criticality.status(&facts, rating, today);
            let (true, Some(due), Some(last)) = (
                status.due.contains(&Due::Overdue),
                status.next_review,
                status.last_review.as_ref(),
            ) else {
                continue;
            };
            out.push(raw(
                item_anchor(item),
                format!(
                    "{} is `{}` ({}): its review was due on {due} (last reviewed on {})",
                    item_name(cx, item),
                    status.criticality.level,
                    status.process.describe(),
                    last.date
                ),
            ));
        }
    }
}
