//! Connector ratings: a criticality scale, criteria over connector metadata that place each
//! connector on it, overrides with their review record, and per level the constraints on
//! where policies may classify the connector and who must approve a change.
//!
//! A `ConnectorRating` governs the repository, not the tenant: it has no live object, so the
//! planner never plans it and `ppgov import` never writes it (`Kind::is_live`). Its constraints
//! are checked when loading (`validate` and `plan` both report them).
//!
//! Unknown facts are explicit: a condition on a fact the catalog does not know matches only
//! when it lists `unknown` (`custom: true|false` never matches an unknown).

use crate::catalog::{AuthType, Connector, ConnectorId, PublisherKind, ReleaseTag, Tier};
use crate::doc::{
    AuthTypeMatch, CapabilityMatch, ConnectorGroup, PolicyReach, PublisherMatch, RatingMode,
    ReleaseTagMatch, TierMatch,
};
use crate::model::ResourceMeta;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The checked `ConnectorRating` document.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorRating {
    pub meta: ResourceMeta,
    pub mode: RatingMode,
    /// Lowest first; a level's index is its rank.
    pub levels: Vec<Level>,
    pub criteria: Vec<Criterion>,
    pub overrides: BTreeMap<ConnectorId, Override>,
    /// When the mapping was last reviewed as a whole.
    pub reviewed: Option<Date>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Level {
    pub name: String,
    pub description: String,
    pub approvers: BTreeSet<String>,
    pub constraints: Vec<Constraint>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Constraint {
    pub policies: PolicyReach,
    /// Empty: any group.
    pub only: BTreeSet<ConnectorGroup>,
    pub never: BTreeSet<ConnectorGroup>,
}

impl Constraint {
    pub fn allows(&self, group: ConnectorGroup) -> bool {
        (self.only.is_empty() || self.only.contains(&group)) && !self.never.contains(&group)
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Criterion {
    pub name: String,
    /// Index into `levels`.
    pub level: usize,
    pub when: Condition,
}

/// Every `Some` condition must hold.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    pub auth_types: Option<BTreeSet<AuthTypeMatch>>,
    pub tier: Option<BTreeSet<TierMatch>>,
    pub publisher: Option<BTreeSet<PublisherMatch>>,
    pub custom: Option<bool>,
    pub capabilities: Option<BTreeSet<CapabilityMatch>>,
    pub release_tag: Option<BTreeSet<ReleaseTagMatch>>,
    pub connectors: Option<BTreeSet<ConnectorId>>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Override {
    pub level: usize,
    pub reason: String,
    pub reviewer: String,
    pub reviewed: Date,
    pub next_review: Date,
    pub approvers: BTreeSet<String>,
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD` (a real day of the Gregorian calendar).
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = text.get(r)?;
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days).contains(&day).then_some(Date {
            year: year as u16,
            month: month as u8,
            day: day as u8,
        })
    }

    /// The date `days` later.
    pub fn plus_days(self, days: i64) -> Date {
        Date::from_days_since_epoch(self.days_since_epoch() + days)
    }

    /// The date part of an RFC 3339 time (`2023-09-26T00:11:38Z`).
    pub fn of_timestamp(text: &str) -> Option<Date> {
        Date::parse(text.get(..10)?)
    }

    /// Days since 1970-01-01 (proleptic Gregorian; Howard Hinnant's `days_from_civil`).
    pub fn days_since_epoch(self) -> i64 {
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The day `days` after 1970-01-01 ([`Date::days_since_epoch`]'s inverse,
    /// `civil_from_days`); years outside 0..=65535 are clamped.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: year.clamp(0, i64::from(u16::MAX)) as u16,
            month: month as u8,
            day: day as u8,
        }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a connector has its level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "by")]
pub enum RatedBy {
    /// A per-connector override decided.
    Override,
    /// Criteria matched (in order); `deciding` is the one whose level the connector has.
    Criteria {
        matched: Vec<String>,
        deciding: String,
    },
    /// No override and no criterion matched.
    Unrated,
}

/// A connector's place on the scale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rating {
    /// Index into the scale; `None` when unrated.
    #[serde(skip)]
    pub rank: Option<usize>,
    pub level: Option<String>,
    #[serde(flatten)]
    pub by: RatedBy,
}

impl Rating {
    /// One line: the level (or `unrated`) and why.
    pub fn explain(&self, rating: &ConnectorRating, connector_id: &str) -> String {
        let level = self.level.as_deref().unwrap_or("unrated");
        match &self.by {
            RatedBy::Override => {
                let reason = rating
                    .overrides
                    .get(connector_id)
                    .map_or("", |o| o.reason.as_str());
                format!("{level}: override ({reason})")
            }
            RatedBy::Criteria { matched, deciding } => {
                let others: Vec<&str> = matched
                    .iter()
                    .map(String::as_str)
                    .filter(|m| m != deciding)
                    .collect();
                if others.is_empty() {
                    format!("{level}: criterion `{deciding}`")
                } else {
                    format!(
                        "{level}: criterion `{deciding}` (also matched: {})",
                        others.join(", ")
                    )
                }
            }
            RatedBy::Unrated => format!("{level}: no override and no criterion matches"),
        }
    }
}

impl ConnectorRating {
    /// Rates one connector: its override, else the criteria (first match or highest).
    pub fn rate(&self, connector: &Connector) -> Rating {
        if let Some(o) = self.overrides.get(&connector.id) {
            return self.rating(Some(o.level), RatedBy::Override);
        }
        let matched: Vec<&Criterion> = self
            .criteria
            .iter()
            .filter(|c| c.when.matches(connector))
            .collect();
        let deciding = match self.mode {
            RatingMode::FirstMatch => matched.first().copied(),
            // The first of the highest, so ties are explained by the earlier criterion.
            RatingMode::Highest => matched.iter().copied().rev().max_by_key(|c| c.level),
        };
        match deciding {
            None => self.rating(None, RatedBy::Unrated),
            Some(d) => self.rating(
                Some(d.level),
                RatedBy::Criteria {
                    matched: matched.iter().map(|c| c.name.clone()).collect(),
                    deciding: d.name.clone(),
                },
            ),
        }
    }

    fn rating(&self, rank: Option<usize>, by: RatedBy) -> Rating {
        Rating {
            rank,
            level: rank.map(|r| self.levels[r].name.clone()),
            by,
        }
    }

    /// Who must approve a change to the connector's classification: its level's approvers
    /// and its override's.
    /// The last review that covered the connector: its override's, else the mapping's.
    pub fn last_review(&self, id: &str) -> Option<Date> {
        self.overrides
            .get(id)
            .map(|o| o.reviewed)
            .into_iter()
            .chain(self.reviewed)
            .max()
    }

    pub fn approvers(&self, connector: &Connector) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if let Some(rank) = self.rate(connector).rank {
            out.extend(self.levels[rank].approvers.iter().cloned());
        }
        if let Some(o) = self.overrides.get(&connector.id) {
            out.extend(o.approvers.iter().cloned());
        }
        out
    }
}

impl Condition {
    pub fn matches(&self, c: &Connector) -> bool {
        let m = &c.metadata;
        let tier = match c.tier {
            Tier::Standard => TierMatch::Standard,
            Tier::Premium => TierMatch::Premium,
            Tier::BuiltIn => TierMatch::BuiltIn,
        };
        let publisher = m.publisher_kind.as_ref().map(|f| match f.value {
            PublisherKind::Microsoft => PublisherMatch::Microsoft,
            PublisherKind::Verified => PublisherMatch::Verified,
            PublisherKind::Independent => PublisherMatch::Independent,
        });
        let auth: Option<Vec<AuthTypeMatch>> = m
            .auth_types
            .as_ref()
            .map(|f| f.value.iter().map(|a| auth_match(*a)).collect());
        let capabilities: Option<Vec<CapabilityMatch>> = m
            .capabilities
            .as_ref()
            .map(|f| f.value.iter().filter_map(|s| capability_match(s)).collect());
        let release = m.release_tag.as_ref().map(|f| match f.value {
            ReleaseTag::Production => ReleaseTagMatch::Production,
            ReleaseTag::Preview => ReleaseTagMatch::Preview,
        });
        holds(&self.tier, |set| set.contains(&tier))
            && holds(&self.publisher, |set| {
                one_of(set, publisher, PublisherMatch::Unknown)
            })
            && holds(&self.release_tag, |set| {
                one_of(set, release, ReleaseTagMatch::Unknown)
            })
            && holds(&self.auth_types, |set| {
                any_of(set, auth.as_deref(), AuthTypeMatch::Unknown)
            })
            && holds(&self.capabilities, |set| {
                any_of(set, capabilities.as_deref(), CapabilityMatch::Unknown)
            })
            && holds(&self.custom, |want| m.is_custom() == Some(*want))
            && holds(&self.connectors, |ids| ids.contains(&c.id))
    }
}

/// A condition not given holds.
fn holds<T>(condition: &Option<T>, test: impl FnOnce(&T) -> bool) -> bool {
    condition.as_ref().is_none_or(test)
}

/// A single fact in the set, or `unknown` in the set when the fact is unknown.
fn one_of<T: Ord>(set: &BTreeSet<T>, value: Option<T>, unknown: T) -> bool {
    set.contains(&value.unwrap_or(unknown))
}

/// Any of a fact's values in the set, or `unknown` in the set when the fact is unknown.
fn any_of<T: Ord + Copy>(set: &BTreeSet<T>, values: Option<&[T]>, unknown: T) -> bool {
    match values {
        Some(values) => values.iter().any(|v| set.contains(v)),
        None => set.contains(&unknown),
    }
}

fn auth_match(a: AuthType) -> AuthTypeMatch {
    match a {
        AuthType::EntraId => AuthTypeMatch::EntraId,
        AuthType::Oauth => AuthTypeMatch::Oauth,
        AuthType::ServicePrincipal => AuthTypeMatch::ServicePrincipal,
        AuthType::Certificate => AuthTypeMatch::Certificate,
        AuthType::ApiKey => AuthTypeMatch::ApiKey,
        AuthType::Basic => AuthTypeMatch::Basic,
        AuthType::Windows => AuthTypeMatch::Windows,
        AuthType::Anonymous => AuthTypeMatch::Anonymous,
    }
}

fn capability_match(name: &str) -> Option<CapabilityMatch> {
    Some(match name {
        "gateway" => CapabilityMatch::Gateway,
        "cloud" => CapabilityMatch::Cloud,
        "tabular" => CapabilityMatch::Tabular,
        "blob" => CapabilityMatch::Blob,
        "actions" => CapabilityMatch::Actions,
        "triggers" => CapabilityMatch::Triggers,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn dates_parse_only_real_days() {
        assert_eq!(
            Date::parse("2024-02-29").map(|d| d.to_string()),
            Some("2024-02-29".into())
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
            "2024-01-32",
            "２０２４-01-01",
            "",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert!(Date::parse("2024-01-02") > Date::parse("2023-12-31"));
        let leap = Date::parse("2024-02-28").unwrap();
        assert_eq!(leap.plus_days(1).to_string(), "2024-02-29");
        assert_eq!(leap.plus_days(2).to_string(), "2024-03-01");
        assert_eq!(leap.plus_days(365).to_string(), "2025-02-27");
        assert_eq!(Date::parse("1970-01-01").unwrap().days_since_epoch(), 0);
        assert_eq!(
            Date::parse("2000-03-01").unwrap().days_since_epoch(),
            11_017
        );
        assert_eq!(
            Date::of_timestamp("2023-09-26T00:11:38.2143635Z").map(|d| d.to_string()),
            Some("2023-09-26".into())
        );
    }
}
