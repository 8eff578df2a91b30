//! Apps and flows use no independent-publisher connector.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};
use ppgov_core::catalog::PublisherKind;

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C212",
    name: "independent-publisher-connector",
    title: "app or flow uses an independent-publisher connector",
    severity: Severity::Info,
    stage: Stage::Capable,
    area: Area::DataPolicies,
    reads: Reads::Inventory,
    rationale: "Independent-publisher connectors are written and maintained by community members, not by the service's owner or Microsoft: nobody with a contract answers for their data handling or keeps them working.",
    example: "# a flow using shared_accuweatherip (AccuWeather (Independent Publisher))",
    fix: "Review the connector (rate it with a ConnectorRating), move it to `blocked` if it is not acceptable, or replace it with a certified one.",
    fix_yaml: None,
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    each_catalog_connector_use(cx, out, |item, connector| {
        let independent = connector
            .metadata
            .publisher_kind
            .as_ref()
            .is_some_and(|k| k.value == PublisherKind::Independent);
        independent.then(|| {
            format!(
                "{} uses `{}`, a connector by an independent publisher ({})",
                item_name(cx, item),
                connector.display_name,
                connector.publisher
            )
        })
    });
}
