//! The one list of checks: `rules!` in `rules/mod.rs` declares each rule module and builds
//! [`ALL`] from it, so a check exists exactly when it is listed there.

use crate::{CheckInfo, Context, Raw};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A check: its description and its logic.
pub struct Rule {
    pub info: &'static CheckInfo,
    pub run: fn(&Context<'_>, &mut Vec<Raw>),
}

pub use crate::rules::ALL;

/// Every check's description, in id order, including the engine's own (`PPG-C900`).
pub fn all_infos() -> impl Iterator<Item = &'static CheckInfo> {
    let mut infos: Vec<&'static CheckInfo> = ALL.iter().map(|r| r.info).collect();
    infos.push(&crate::rules::expired_suppression::INFO);
    infos.sort_by_key(|i| i.id);
    infos.into_iter()
}

/// A check's description by id (case-insensitive).
pub fn info(id: &str) -> Option<&'static CheckInfo> {
    all_infos().find(|i| i.id.eq_ignore_ascii_case(id))
}

/// A check's documentation anchor ([`CheckInfo::doc_anchor`]), built once per process for
/// every check, so each finding borrows it instead of formatting its own.
pub fn doc_anchor(info: &'static CheckInfo) -> &'static str {
    static ANCHORS: OnceLock<BTreeMap<&'static str, String>> = OnceLock::new();
    let anchors = ANCHORS.get_or_init(|| all_infos().map(|i| (i.id, i.doc_anchor())).collect());
    anchors[info.id].as_str()
}
