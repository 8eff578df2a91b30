//! Environment expiry (`spec.expires`, `spec.expiryGraceDays`), judged against the day the
//! tenant was observed ([`Observed::observed_on`], the caller's clock): past the last day and
//! the grace days, the lifecycle plans the environment's deletion; within the warning window,
//! [`warnings`] tells its owners to extend it.

use ppgov_core::model::{Desired, Environment};
use ppgov_core::observed::Observed;
use ppgov_core::rating::Date;

/// The attribute of an expiry deletion that holds the last day, and the one holding the grace
/// days ([`crate::risk`] reads them back to say why the environment goes).
pub const EXPIRES_ATTRIBUTE: &str = "expires";
pub const GRACE_ATTRIBUTE: &str = "expiryGraceDays";

/// Where an environment stands on `today`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No expiry, or further away than the warning window.
    Current,
    /// `days_left` days (0: today) until its last day, within the warning window.
    ExpiresSoon { days_left: i64 },
    /// Past its last day, kept for the grace period: the plan deletes it from `deleted_from`.
    InGrace { deleted_from: Date, days_left: i64 },
    /// Past its last day and the grace days: the plan deletes it.
    Expired,
}

/// The day the tenant was read, if the caller said.
pub fn today(observed: &Observed) -> Option<Date> {
    observed.observed_on.as_deref().and_then(Date::parse)
}

/// The status of `env` on `today`, warning `window` days ahead.
pub fn status(env: &Environment, today: Date, window: u32) -> Status {
    let Some(expires) = env.expires else {
        return Status::Current;
    };
    let last = day_number(expires);
    let now = day_number(today);
    let grace_end = last + i64::from(env.expiry_grace_days);
    if now > grace_end {
        Status::Expired
    } else if now > last {
        Status::InGrace {
            deleted_from: from_day_number(grace_end + 1),
            days_left: grace_end + 1 - now,
        }
    } else if last - now <= i64::from(window) {
        Status::ExpiresSoon {
            days_left: last - now,
        }
    } else {
        Status::Current
    }
}

/// Whether the plan must delete `env` (owned, past its last day and grace days).
pub fn is_expired(env: &Environment, observed: &Observed) -> bool {
    env.owned && today(observed).is_some_and(|today| status(env, today, 0) == Status::Expired)
}

/// An environment whose expiry is near (or past, in its grace period).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The `metadata.name` of its `Environment` document.
    pub environment: String,
    pub display_name: String,
    pub expires: Date,
    /// What is going to happen and when, e.g. "expires in 12 days (its last day is ...)".
    pub message: String,
}

/// The declared environments that expire within the project's warning window, or are in their
/// grace period, by document name; none when `observed` carries no date.
pub fn warnings(desired: &Desired, observed: &Observed) -> Vec<Warning> {
    let Some(today) = today(observed) else {
        return Vec::new();
    };
    let window = desired.project.expiry_warning_days();
    desired
        .environments
        .iter()
        .filter(|(_, env)| env.owned)
        .filter_map(|(name, env)| {
            let expires = env.expires?;
            let deleted_from = from_day_number(
                day_number(expires) + i64::from(env.expiry_grace_days) + 1,
            );
            let message = match status(env, today, window) {
                Status::Current | Status::Expired => return None,
                Status::ExpiresSoon { days_left } => format!(
                    "expires {} (its last day is {expires}); from {deleted_from} the plan deletes it",
                    in_days(days_left)
                ),
                Status::InGrace {
                    deleted_from,
                    days_left,
                } => format!(
                    "expired (its last day was {expires}); kept for its grace period, the plan deletes it from {deleted_from}, {}",
                    in_days(days_left)
                ),
            };
            Some(Warning {
                environment: name.clone(),
                display_name: env.display_name.clone(),
                expires,
                message,
            })
        })
        .collect()
}

/// Whether `change` deletes an environment because it expired (its attributes say so).
pub fn is_expiry_delete(change: &crate::plan::Change) -> bool {
    change.kind == crate::plan::ResourceKind::Environment
        && change.action == crate::plan::Action::Delete
        && change
            .attributes
            .iter()
            .any(|a| a.path == EXPIRES_ATTRIBUTE)
}

/// Why an expired environment is deleted, from its change's attributes.
pub fn deletion_reason(change: &crate::plan::Change) -> String {
    let value = |path: &str| {
        change
            .attributes
            .iter()
            .find(|a| a.path == path)
            .and_then(|a| a.before.clone())
    };
    let expires = value(EXPIRES_ATTRIBUTE)
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let grace = match value(GRACE_ATTRIBUTE).and_then(|v| v.as_u64()) {
        Some(days) => format!(" and its {days}-day grace period has ended"),
        None => String::new(),
    };
    format!(
        "deletes the environment and everything in it (apps, flows, data): it expired after {expires} (`spec.expires`, its last day){grace}"
    )
}

fn in_days(days: i64) -> String {
    match days {
        0 => "today".to_owned(),
        1 => "in 1 day".to_owned(),
        n => format!("in {n} days"),
    }
}

fn day_number(d: Date) -> i64 {
    d.days_since_epoch()
}

fn from_day_number(days: i64) -> Date {
    Date::from_days_since_epoch(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn env(expires: &str, grace: u32) -> Environment {
        Environment {
            meta: Default::default(),
            display_name: "Hackathon".into(),
            managed: None,
            group: None,
            environment_type: None,
            region: None,
            owned: true,
            dataverse: None,
            expires: Some(date(expires)),
            expiry_grace_days: grace,
        }
    }

    #[test]
    fn day_numbers_round_trip_across_leap_years_and_centuries() {
        assert_eq!(day_number(date("1970-01-01")), 0);
        assert_eq!(
            day_number(date("2000-03-01")) - day_number(date("2000-02-28")),
            2
        );
        assert_eq!(
            day_number(date("2100-03-01")) - day_number(date("2100-02-28")),
            1
        );
        let mut d = date("2023-12-25");
        for _ in 0..800 {
            let next = from_day_number(day_number(d) + 1);
            assert!(next > d, "{next} after {d}");
            assert_eq!(Date::parse(&next.to_string()), Some(next));
            d = next;
        }
        assert_eq!(d, date("2026-03-04"));
    }

    #[test]
    fn the_last_day_is_kept_the_grace_days_too_then_it_expires() {
        let e = env("2027-03-31", 0);
        let at = |today: &str| status(&e, date(today), 30);
        assert_eq!(at("2027-02-28"), Status::Current);
        assert_eq!(at("2027-03-01"), Status::ExpiresSoon { days_left: 30 });
        assert_eq!(at("2027-03-31"), Status::ExpiresSoon { days_left: 0 });
        assert_eq!(at("2027-04-01"), Status::Expired);
        let e = env("2027-03-31", 14);
        let at = |today: &str| status(&e, date(today), 30);
        assert_eq!(
            at("2027-04-01"),
            Status::InGrace {
                deleted_from: date("2027-04-15"),
                days_left: 14
            }
        );
        assert_eq!(
            at("2027-04-14"),
            Status::InGrace {
                deleted_from: date("2027-04-15"),
                days_left: 1
            }
        );
        assert_eq!(at("2027-04-15"), Status::Expired);
    }
}
