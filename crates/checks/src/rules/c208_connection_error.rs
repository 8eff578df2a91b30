//! Connections are healthy.
use crate::rules::*;
use crate::{Area, CheckInfo, Context, Raw, Reads, Severity, Stage};

pub const INFO: CheckInfo = CheckInfo {
    id: "PPG-C208",
    name: "connection-error",
    title: "connection in error",
    severity: Severity::Info,
    stage: Stage::Repeatable,
    area: Area::Monitoring,
    reads: Reads::Inventory,
    rationale: "A connection in error (expired credentials, a deleted account) breaks every app and flow that uses it; it is often the first sign of an orphaned workload.",
    example: "# a connection whose status is Error",
    fix: "Re-authenticate the connection with a current account (a service account for shared workloads), or delete it.",
    fix_yaml: None,
    threshold: None,
};

pub fn run(cx: &Context<'_>, out: &mut Vec<Raw>) {
    let Some(observed) = cx.observed else { return };
    for env in observed.inventory.environments.values() {
        for c in env.connections.values() {
            if c.status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("Error"))
            {
                out.push(raw(
                    crate::Anchor::Live {
                        address: format!("Connection[{}]", c.name),
                        id: Some(c.name.clone()),
                    },
                    format!(
                        "connection `{}` ({}) is in error",
                        c.display_name, c.connector
                    ),
                ));
            }
        }
    }
}
