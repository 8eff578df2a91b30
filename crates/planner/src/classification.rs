//! DLP connector classification, compared by meaning.
//!
//! A policy says "connectors not listed go to the default group; these are the exceptions".
//! Two policies classify the same way when the default group is the same (it decides new
//! connectors) and every known connector lands in the same group. So listing order, and
//! listing a connector in its default group or not, never show as a change.

use ppgov_core::catalog::{Catalog, ConnectorId};
use ppgov_core::model::ConnectorGroup;
use std::collections::{BTreeMap, BTreeSet};

/// The group a connector effectively lands in. Unblockable connectors never land in
/// Blocked: with a Blocked default they are treated as non-business (the platform's rule).
pub fn effective_group(
    id: &str,
    default: ConnectorGroup,
    listed: &BTreeMap<ConnectorId, ConnectorGroup>,
    catalog: &Catalog,
) -> ConnectorGroup {
    match listed.get(id) {
        Some(group) => *group,
        None if default == ConnectorGroup::Blocked
            && catalog.get(id).is_some_and(|c| c.unblockable) =>
        {
            ConnectorGroup::NonBusiness
        }
        None => default,
    }
}

/// One connector whose effective group differs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reclassified {
    pub connector: ConnectorId,
    pub before: ConnectorGroup,
    pub after: ConnectorGroup,
}

impl Reclassified {
    /// Moving a connector towards fewer restrictions (blocked -> allowed, or into business,
    /// where it may share data with other business connectors) loosens the policy.
    pub fn loosens(&self) -> bool {
        use ConnectorGroup::*;
        matches!(
            (self.before, self.after),
            (Blocked, Business) | (Blocked, NonBusiness) | (NonBusiness, Business)
        )
    }
}

/// The connectors whose effective group differs between two classifications, over every
/// connector the catalog knows or either side lists.
pub fn diff(
    before_default: ConnectorGroup,
    before: &BTreeMap<ConnectorId, ConnectorGroup>,
    after_default: ConnectorGroup,
    after: &BTreeMap<ConnectorId, ConnectorGroup>,
    catalog: &Catalog,
) -> Vec<Reclassified> {
    // The common case (an unchanged policy) needs no walk over the catalog.
    if before_default == after_default && before == after {
        return Vec::new();
    }
    let universe: BTreeSet<&str> = catalog
        .iter()
        .map(|c| c.id.as_str())
        .chain(before.keys().map(String::as_str))
        .chain(after.keys().map(String::as_str))
        .collect();
    universe
        .into_iter()
        .filter_map(|id| {
            let b = effective_group(id, before_default, before, catalog);
            let a = effective_group(id, after_default, after, catalog);
            (a != b).then(|| Reclassified {
                connector: id.to_owned(),
                before: b,
                after: a,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConnectorGroup::*;

    fn listed(items: &[(&str, ConnectorGroup)]) -> BTreeMap<ConnectorId, ConnectorGroup> {
        items
            .iter()
            .map(|(c, g)| {
                (
                    format!("/providers/Microsoft.PowerApps/apis/shared_{c}"),
                    *g,
                )
            })
            .collect()
    }

    #[test]
    fn listing_a_connector_in_its_default_group_is_not_a_change() {
        let catalog = Catalog::bundled();
        let a = listed(&[("sql", Business)]);
        let b = listed(&[("sql", Business), ("twitter", NonBusiness)]);
        assert!(diff(NonBusiness, &a, NonBusiness, &b, catalog).is_empty());
    }

    #[test]
    fn unblockable_connectors_never_land_in_blocked() {
        let catalog = Catalog::bundled();
        let sharepoint = "/providers/Microsoft.PowerApps/apis/shared_sharepointonline";
        assert_eq!(
            effective_group(sharepoint, Blocked, &BTreeMap::new(), catalog),
            NonBusiness
        );
        // So "default blocked" vs "default blocked + sharepoint listed non-business" is the same.
        let with = listed(&[("sharepointonline", NonBusiness)]);
        assert!(diff(Blocked, &BTreeMap::new(), Blocked, &with, catalog).is_empty());
    }

    #[test]
    fn a_changed_default_reclassifies_every_unlisted_connector_and_loosening_is_flagged() {
        let catalog = Catalog::bundled();
        let changes = diff(
            Blocked,
            &BTreeMap::new(),
            NonBusiness,
            &BTreeMap::new(),
            catalog,
        );
        let unblockable = catalog.iter().filter(|c| c.unblockable).count();
        assert_eq!(changes.len(), catalog.len() - unblockable);
        assert!(changes.iter().all(Reclassified::loosens));
        let tighten = diff(
            NonBusiness,
            &listed(&[("sql", Business)]),
            NonBusiness,
            &listed(&[("sql", Blocked)]),
            catalog,
        );
        assert_eq!(tighten.len(), 1);
        assert!(!tighten[0].loosens());
    }
}
