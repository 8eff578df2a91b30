//! Every connector a policy puts in Business is rated by the repository's `ConnectorRating`.
use crate::rules::*;
use crate::view::Origin;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};
use ppgov_core::Kind;
use ppgov_core::catalog::{Connector, Resolved, short_name};
use ppgov_core::inventory::{CustomConnector, connector_key};
use ppgov_core::model::ConnectorGroup;
use ppgov_core::rating::{ConnectorRating, Date};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C031",
    name: "unrated-business-connector",
    title: "unrated connector in Business",
    severity: Severity::Warning,
    stage: Stage::Capable,
    area: Area::DataPolicies,
    reads: Reads::Model,
    rationale: "The repository's `ConnectorRating` decides where each connector may be classified and who approves a change, but only for the connectors it rates. A connector a DLP policy lists in `business` with no override and no matching criterion shares business data without anyone having judged it; custom connectors (rated as the tenant's inventory describes them) are the usual case. Without a `ConnectorRating` there is nothing to judge and the check stays quiet; a policy's default group is PPG-C005's concern, so only listed connectors count.",
    example: "# a ConnectorRating whose criteria leave `contoso-5forders` unrated, and\nspec:\n  connectors:\n    business: [office365, contoso-5forders]",
    fix: "Rate the connector: an override in the `ConnectorRating` (or a criterion that matches it), reviewed like the others; or take it out of `business`.",
    fix_yaml: Some(
        "spec:\n  overrides:\n    - connector: contoso-5forders\n      level: high  # the level the review decides\n      reason: why the connector has this level\n      reviewer: who reviewed it\n      reviewed: \"2026-06-01\"\n      nextReview: \"2027-06-01\"",
    ),
    threshold: None,
};

/// The list a connector's `business` entry is written in.
const BUSINESS_LIST: &str = "/spec/connectors/business";

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    let Some(rating) = cx.loaded.desired.connector_rating.as_ref() else {
        return; // nothing to judge
    };
    for view in &cx.views {
        for policy in &view.policies {
            let business = policy
                .classification
                .iter()
                .filter(|(_, group)| **group == ConnectorGroup::Business);
            for (key, _) in business {
                let connector = connector_of(cx, key);
                if rating.rate(&connector).level.is_some() {
                    continue;
                }
                let anchor = match &policy.origin {
                    Origin::Document { name, .. } => {
                        let pointer = cx
                            .loaded
                            .list_item_pointer(Kind::DlpPolicy, name, BUSINESS_LIST, |written| {
                                written_key(cx, written) == *key
                            })
                            .unwrap_or_else(|| BUSINESS_LIST.to_owned());
                        policy.origin.at(&pointer)
                    }
                    Origin::Live { .. } => policy.origin.at(""),
                };
                out.push(Raw {
                    anchor,
                    message: format!(
                        "policy `{}` puts `{}` ({}) in business, but ConnectorRating `{}` leaves it unrated (no override, no criterion matches){}",
                        policy.display_name,
                        short_name(&connector),
                        connector.display_name,
                        rating.meta.name,
                        side_suffix(view)
                    ),
                    fix_yaml: Some(override_yaml(cx, rating, &connector)),
                });
            }
        }
    }
}

/// The connector a classification key names: the catalog's, else a custom connector of the
/// tenant's inventory, else a custom connector known by its id alone (as `ppgov connectors`
/// rates custom connectors: custom, and premium unless told otherwise).
fn connector_of(cx: &Context<'_>, key: &str) -> Connector {
    if let Resolved::Known(c) = cx.loaded.catalog.resolve(key) {
        return c.clone();
    }
    let live = cx.observed.and_then(|o| {
        o.inventory
            .environments
            .values()
            .find_map(|env| env.custom_connectors.get(key))
    });
    match live {
        Some(custom) => custom.as_catalog_connector(),
        None => CustomConnector {
            key: key.to_owned(),
            id: key.to_owned(),
            display_name: key.to_owned(),
            ..Default::default()
        }
        .as_catalog_connector(),
    }
}

/// The classification key of a connector as written in a policy.
fn written_key(cx: &Context<'_>, written: &str) -> String {
    match cx.loaded.catalog.resolve(written) {
        Resolved::Known(c) => connector_key(&c.id),
        _ => connector_key(written),
    }
}

/// An override that rates the connector, reviewed today and due again in a year. It
/// proposes the highest level: an unreviewed connector is treated as the riskiest until
/// the review says otherwise.
fn override_yaml(cx: &Context<'_>, rating: &ConnectorRating, connector: &Connector) -> String {
    let levels: Vec<&str> = rating.levels.iter().map(|l| l.name.as_str()).collect();
    let reviewed = Date::parse(cx.today);
    // A connector the catalog does not know is named by its full id, as the override needs.
    let name = match cx.loaded.catalog.resolve(&connector.id) {
        Resolved::Known(c) => short_name(c),
        _ => connector.id.as_str(),
    };
    let date = |d: Option<Date>| d.map_or_else(|| "YYYY-MM-DD".to_owned(), |d| d.to_string());
    format!(
        "spec:\n  overrides:\n    - connector: {}\n      level: {}  # the level the review decides: {}\n      reason: why the connector has this level\n      reviewer: who reviewed it\n      reviewed: \"{}\"\n      nextReview: \"{}\"",
        name,
        levels.last().copied().unwrap_or("high"),
        levels.join(", "),
        date(reviewed),
        date(reviewed.map(|d| d.plus_days(365)))
    )
}
