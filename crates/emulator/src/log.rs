//! The request log: counts per route template and method, per status, and the most recent
//! requests. Control routes (`/_emulator/...`) are not logged.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// How many recent requests are kept.
pub const RECENT: usize = 1000;

/// Status recorded for a connection the fault injector dropped without a response.
pub const DROPPED: u16 = 0;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestLog {
    pub total: u64,
    /// `"GET /providers/.../environments/{env}"` -> count; unmatched paths count under
    /// `"<METHOD> <unmatched>"`.
    pub by_route: BTreeMap<String, u64>,
    /// Status code -> count (`0` = connection dropped by fault injection).
    pub by_status: BTreeMap<u16, u64>,
    /// The last requests, oldest first.
    pub recent: VecDeque<LoggedRequest>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    pub method: String,
    /// Path and query as received.
    pub uri: String,
    pub route: String,
    pub status: u16,
}

impl RequestLog {
    pub fn record(&mut self, method: &str, uri: &str, route: &str, status: u16) {
        self.total += 1;
        *self
            .by_route
            .entry(format!("{method} {route}"))
            .or_default() += 1;
        *self.by_status.entry(status).or_default() += 1;
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(LoggedRequest {
            method: method.to_owned(),
            uri: uri.to_owned(),
            route: route.to_owned(),
            status,
        });
    }

    /// The count for `method` on `route` (a route template).
    pub fn count(&self, method: &str, route: &str) -> u64 {
        self.by_route
            .get(&format!("{method} {route}"))
            .copied()
            .unwrap_or(0)
    }
}
