//! Today's date, the one clock reading the planner's expiry and the checks' suppressions are
//! judged against.
//!
//! `PPGOV_TODAY=YYYY-MM-DD` pins it: tests use it to make expiry deterministic (it is not a
//! user option, but it is honoured wherever it is set, and a malformed value is an error
//! rather than a silently ignored one).

/// The variable that pins today's date.
pub const TODAY_VAR: &str = "PPGOV_TODAY";

/// Today (UTC) as `YYYY-MM-DD`, or the date `PPGOV_TODAY` pins.
pub fn today() -> Result<String, String> {
    match std::env::var(TODAY_VAR) {
        Ok(pinned) => match ppgov_core::rating::Date::parse(&pinned) {
            Some(date) => Ok(date.to_string()),
            None => Err(format!(
                "{TODAY_VAR} is `{pinned}`, which is not a date (YYYY-MM-DD); unset it to use today's date"
            )),
        },
        Err(_) => Ok(crate::apply_cmd::rfc3339_now()[..10].to_owned()),
    }
}
