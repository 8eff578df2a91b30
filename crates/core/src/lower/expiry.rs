//! `spec.expires` and `spec.expiryGraceDays` of an environment: a real date, on an
//! environment ppgov may delete.

use super::{Lowering, Parsed};
use crate::diag::{Code, Diagnostic};
use crate::doc;
use crate::rating::Date;

impl Lowering<'_> {
    /// The environment's expiry date and grace days, as far as they are valid.
    pub(super) fn expiry(
        &mut self,
        p: &Parsed<doc::EnvironmentSpec>,
        owned: bool,
    ) -> (Option<Date>, u32) {
        let spec = &p.doc.spec;
        let grace = spec.expiry_grace_days.unwrap_or(0);
        let Some(text) = &spec.expires else {
            if spec.expiry_grace_days.is_some() {
                let d = Diagnostic::new(
                    Code::InvalidExpiry,
                    format!(
                        "environment `{}` has `expiryGraceDays` but no `expires`",
                        p.name()
                    ),
                )
                .at(p.key_at("/spec/expiryGraceDays"), "grace after what?")
                .help("add `expires: YYYY-MM-DD` (the last day it is needed), or remove `expiryGraceDays`");
                self.push(d);
            }
            return (None, grace);
        };
        let Some(date) = Date::parse(text) else {
            let d = Diagnostic::new(
                Code::InvalidExpiry,
                format!(
                    "environment `{}` expires on `{text}`, which is not a date",
                    p.name()
                ),
            )
            .at(p.at("/spec/expires"), "not YYYY-MM-DD")
            .help(
                "write the last day the environment is needed as `YYYY-MM-DD`, e.g. `2027-03-31`",
            );
            self.push(d);
            return (None, grace);
        };
        if !owned {
            let d = Diagnostic::new(
                Code::ExpiryNeedsOwnership,
                format!(
                    "environment `{}` expires, but ppgov does not own it, so it would never be deleted",
                    p.name()
                ),
            )
            .at(p.at("/spec/expires"), "an expired environment is deleted")
            .help("add `lifecycle: owned` if ppgov may delete this environment, or remove `expires`");
            self.push(d);
            return (None, grace);
        }
        (Some(date), grace)
    }
}
