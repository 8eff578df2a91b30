//! Drift versus pending: a plan read against the audit journal (pure; the CLI reads the file).
//!
//! For each planned change, the journal's last *successful* write of the same object says what
//! ppgov last made it:
//! - **drift**: the live object no longer is what ppgov last wrote (changed, deleted or
//!   recreated outside ppgov);
//! - **pending**: it still is (or ppgov never wrote it) and the repository wants something else;
//! - **unmanaged**: live objects the plan reports but does not govern (per ownership).
//!
//! A write counts when its `intent` line is followed by a `step` line with status `applied` in
//! the same run: failed steps and steps of a killed run (intent, no outcome) are not writes.

use ppgov_core::observed::Observed;
use ppgov_planner::{Action, After, Change, Plan, ResourceKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One successful write found in the journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Write {
    pub run: String,
    pub address: String,
    pub kind: ResourceKind,
    pub action: Action,
    /// `Kind:id` of the object written (for a create, the id it got).
    pub object: Option<String>,
    pub display_name: Option<String>,
    /// What ppgov wrote (`None` when the line could not be read as a plan's after-value).
    #[serde(skip)]
    pub after: Option<After>,
    /// Who ran the apply (the run's `start` line).
    pub actor: String,
    /// When the step finished.
    pub time: String,
}

/// Who wrote an object last and when, as reports show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastWrite {
    pub actor: String,
    pub time: String,
    pub run: String,
    pub action: Action,
}

impl From<&Write> for LastWrite {
    fn from(w: &Write) -> Self {
        LastWrite {
            actor: w.actor.clone(),
            time: w.time.clone(),
            run: w.run.clone(),
            action: w.action,
        }
    }
}

/// The journal's successful writes, in the order they happened.
#[derive(Clone, Debug, Default)]
pub struct Journal {
    pub writes: Vec<Write>,
    /// Runs that started (successful or not).
    pub runs: usize,
}

/// A journal line that is not what ppgov writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based.
    pub line: usize,
    pub error: String,
}

impl Journal {
    /// Reads the journal's text (JSON lines). Empty lines are ignored; a line that is not a
    /// JSON object is an error naming it, so nothing in the journal is silently skipped.
    pub fn parse(text: &str) -> Result<Journal, BadLine> {
        let mut actors: BTreeMap<String, String> = BTreeMap::new();
        let mut intents: BTreeMap<(String, String), Value> = BTreeMap::new();
        let mut journal = Journal::default();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let value: Value = serde_json::from_str(line).map_err(|e| BadLine {
                line: n + 1,
                error: e.to_string(),
            })?;
            let Some(obj) = value.as_object() else {
                return Err(BadLine {
                    line: n + 1,
                    error: "not a JSON object".to_owned(),
                });
            };
            let text_of = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            let run = text_of("run");
            match obj.get("event").and_then(Value::as_str) {
                Some("start") => {
                    journal.runs += 1;
                    actors.insert(run, text_of("who"));
                }
                Some("intent") => {
                    intents.insert((run, text_of("address")), value);
                }
                Some("step") if obj.get("status").and_then(Value::as_str) == Some("applied") => {
                    let address = text_of("address");
                    let Some(intent) = intents.remove(&(run.clone(), address.clone())) else {
                        continue;
                    };
                    let Some(write) = write_of(&intent, obj, &run, &address, &actors) else {
                        continue;
                    };
                    journal.writes.push(write);
                }
                _ => {}
            }
        }
        Ok(journal)
    }

    /// The last write of `kind` matching `pred`.
    fn last(&self, pred: impl Fn(&Write) -> bool) -> Option<&Write> {
        self.writes.iter().rev().find(|w| pred(w))
    }

    /// The last time each tenant setting was written: path -> (value, write).
    fn tenant_settings(&self) -> BTreeMap<&str, (&Value, &Write)> {
        let mut out = BTreeMap::new();
        for w in &self.writes {
            if let Some(After::TenantSettings(settings)) = &w.after {
                for (k, v) in settings {
                    out.insert(k.as_str(), (v, w));
                }
            }
        }
        out
    }
}

fn write_of(
    intent: &Value,
    step: &serde_json::Map<String, Value>,
    run: &str,
    address: &str,
    actors: &BTreeMap<String, String>,
) -> Option<Write> {
    let kind: ResourceKind = serde_json::from_value(intent.get("kind")?.clone()).ok()?;
    let action: Action = serde_json::from_value(intent.get("action")?.clone()).ok()?;
    let object = match step.get("created").and_then(Value::as_str) {
        Some(id) => Some(format!("{}:{id}", ppgov_planner::plan::kind_name(kind))),
        None => intent
            .get("object")
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    Some(Write {
        run: run.to_owned(),
        address: address.to_owned(),
        kind,
        action,
        object,
        display_name: intent
            .get("displayName")
            .and_then(Value::as_str)
            .map(str::to_owned),
        after: intent
            .get("after")
            .and_then(|a| serde_json::from_value(a.clone()).ok()),
        actor: actors.get(run).cloned().unwrap_or_default(),
        time: step
            .get("time")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Class {
    Drift,
    Pending,
    Unmanaged,
}

/// One classified change (or unmanaged object).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub class: Class,
    pub address: String,
    pub kind: ResourceKind,
    /// What the plan would do; `None` for unmanaged objects.
    pub action: Option<Action>,
    pub display_name: String,
    pub id: Option<String>,
    /// Why it is in this class, in words.
    pub reason: String,
    /// The attributes the plan changes (or, for drift, that were changed outside ppgov).
    pub fields: Vec<String>,
    /// Why the repair deserves a second look (deletes, loosening, licensing), if it does.
    pub risk: Option<String>,
    /// ppgov's last successful write of the object, if the journal has one.
    pub last_write: Option<LastWrite>,
    /// Drift on an object the repository also changed since ppgov wrote it: repairing it
    /// would apply the pending change too, so `--repair safe` leaves it to `ppgov apply`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub also_pending: bool,
}

/// What the journal held.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalSummary {
    /// False when there is no journal (file missing or empty): everything is pending.
    pub found: bool,
    pub runs: usize,
    pub writes: usize,
    /// The most recent successful write.
    pub last_write: Option<LastWrite>,
}

/// The classification of a plan: a plain struct for every report and notifier.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftReport {
    pub journal: JournalSummary,
    /// Changed outside ppgov: first in every report.
    pub drift: Vec<Entry>,
    /// The repository wants a change not applied yet.
    pub pending: Vec<Entry>,
    /// Live objects reported, not governed (ownership shared, or outside what ppgov manages).
    pub unmanaged: Vec<Entry>,
}

impl DriftReport {
    /// `(drift, pending, unmanaged)`.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.drift.len(), self.pending.len(), self.unmanaged.len())
    }

    pub fn is_clean(&self) -> bool {
        self.drift.is_empty() && self.pending.is_empty() && self.unmanaged.is_empty()
    }
}

/// Classifies every change of `plan` (made against `observed`) and every note, against the
/// successful writes in `journal` (`None`: there is no journal yet).
pub fn classify(plan: &Plan, observed: &Observed, journal: Option<&Journal>) -> DriftReport {
    let empty = Journal::default();
    let j = journal.unwrap_or(&empty);
    let mut report = DriftReport {
        journal: JournalSummary {
            found: journal.is_some(),
            runs: j.runs,
            writes: j.writes.len(),
            last_write: j.writes.last().map(LastWrite::from),
        },
        ..DriftReport::default()
    };
    let settings = j.tenant_settings();
    for c in &plan.changes {
        let (class, reason, drifted, last) = classify_change(c, observed, j, &settings);
        let fields = if drifted.is_empty() {
            c.attributes.iter().map(|a| a.path.clone()).collect()
        } else {
            drifted
        };
        let entry = Entry {
            class,
            address: c.address.clone(),
            kind: c.kind,
            action: Some(c.action),
            display_name: c.display_name.clone(),
            id: c.id.clone(),
            reason: if journal.is_none() {
                "no journal yet: ppgov has no record of writing it".to_owned()
            } else {
                reason
            },
            fields,
            risk: c.risk.clone(),
            also_pending: class == Class::Drift && repository_changed(c, j),
            last_write: last,
        };
        match class {
            Class::Drift => report.drift.push(entry),
            _ => report.pending.push(entry),
        }
    }
    for n in &plan.notes {
        report.unmanaged.push(Entry {
            class: Class::Unmanaged,
            address: format!("{}[{}]", ppgov_planner::plan::kind_name(n.kind), n.id),
            kind: n.kind,
            action: None,
            display_name: n.display_name.clone(),
            id: Some(n.id.clone()),
            reason: format!("not managed here: {}", n.message),
            fields: Vec::new(),
            risk: None,
            last_write: None,
            also_pending: false,
        });
    }
    report
}

type Classified = (Class, String, Vec<String>, Option<LastWrite>);

fn when(w: &Write) -> String {
    format!(
        "{} at {}",
        if w.actor.is_empty() {
            "an unknown actor"
        } else {
            &w.actor
        },
        w.time
    )
}

fn classify_change(
    c: &Change,
    observed: &Observed,
    j: &Journal,
    settings: &BTreeMap<&str, (&Value, &Write)>,
) -> Classified {
    let pending = |reason: String, last: Option<&Write>| {
        (
            Class::Pending,
            reason,
            Vec::new(),
            last.map(LastWrite::from),
        )
    };
    let object = crate::object_key(c);
    let by_object = |w: &Write| w.kind == c.kind && object.is_some() && w.object == object;
    let by_address = |w: &Write| w.kind == c.kind && w.address == c.address;
    if let After::TenantSettings(_) = &c.after {
        // Settings are written a few at a time: compare each planned setting with the value
        // ppgov last wrote to it.
        let mut drifted = Vec::new();
        let mut last: Option<&Write> = None;
        for a in &c.attributes {
            if let Some((value, w)) = settings.get(a.path.as_str()) {
                if last.is_none_or(|l| l.time < w.time) {
                    last = Some(w);
                }
                if observed.tenant_settings.get(&a.path) != Some(*value) {
                    drifted.push(a.path.clone());
                }
            }
        }
        return match last {
            Some(w) if !drifted.is_empty() => (
                Class::Drift,
                format!(
                    "changed outside ppgov: {} no longer as ppgov last wrote (by {})",
                    drifted.join(", "),
                    when(w)
                ),
                drifted,
                Some(LastWrite::from(w)),
            ),
            Some(w) => pending(
                format!(
                    "the repository changed: the settings are as ppgov last wrote them (by {})",
                    when(w)
                ),
                Some(w),
            ),
            None => pending("ppgov has not written these settings yet".to_owned(), None),
        };
    }
    match c.action {
        Action::Create => match j.last(by_address) {
            Some(w) if w.action != Action::Delete => (
                Class::Drift,
                format!(
                    "deleted outside ppgov: ppgov last wrote it (by {}), and it no longer exists",
                    when(w)
                ),
                Vec::new(),
                Some(LastWrite::from(w)),
            ),
            Some(w) => pending(
                format!(
                    "the repository declares it again: ppgov deleted it (by {})",
                    when(w)
                ),
                Some(w),
            ),
            None => pending(
                "new in the repository: ppgov has not created it yet".to_owned(),
                None,
            ),
        },
        Action::Update => match j.last(by_object).or_else(|| j.last(by_address)) {
            Some(w) => {
                let drifted = w
                    .after
                    .as_ref()
                    .map(|after| live_differences(after, w.object.as_deref(), observed))
                    .unwrap_or_default();
                if drifted.is_empty() {
                    pending(
                        format!(
                            "the repository changed: the object is as ppgov last wrote it (by {})",
                            when(w)
                        ),
                        Some(w),
                    )
                } else {
                    (
                        Class::Drift,
                        format!(
                            "changed outside ppgov: {} no longer as ppgov last wrote (by {})",
                            drifted.join(", "),
                            when(w)
                        ),
                        drifted,
                        Some(LastWrite::from(w)),
                    )
                }
            }
            None => pending("ppgov has not written it yet".to_owned(), None),
        },
        Action::Delete => {
            // An object ppgov deleted that exists again (same kind and name) was recreated
            // outside ppgov: the live tenant differs from what ppgov left.
            let recreated = j.last(|w| {
                w.kind == c.kind
                    && w.display_name.as_deref() == Some(c.display_name.as_str())
                    && w.action == Action::Delete
            });
            let written = j.last(by_object).or_else(|| j.last(by_address));
            match (written, recreated) {
                (Some(w), _) if w.action != Action::Delete => pending(
                    format!(
                        "the repository no longer declares it: ppgov last wrote it (by {})",
                        when(w)
                    ),
                    Some(w),
                ),
                (_, Some(w)) => (
                    Class::Drift,
                    format!(
                        "recreated outside ppgov: ppgov deleted an object of this name (by {})",
                        when(w)
                    ),
                    Vec::new(),
                    Some(LastWrite::from(w)),
                ),
                _ => pending(
                    "not declared in the repository and never written by ppgov".to_owned(),
                    None,
                ),
            }
        }
    }
}

/// The fields in which the live object differs from what ppgov wrote (`after`), its id
/// taken from the journal's object key (a create's after-value has none yet).
fn live_differences(after: &After, object: Option<&str>, observed: &Observed) -> Vec<String> {
    let id = object
        .and_then(|o| o.parse::<ppgov_planner::FingerprintKey>().ok())
        .map(|key| key.id);
    let mut after = after.clone();
    if let Some(id) = id {
        crate::step::set_live_id(&mut after, id);
    }
    crate::step::differences_from(&after, observed)
}

/// Whether the repository now wants something other than what ppgov last wrote to the object
/// of `c` (governed fields only; ids aside).
fn repository_changed(c: &Change, j: &Journal) -> bool {
    if let After::TenantSettings(_) = &c.after {
        // Repaired setting by setting: only drifted settings are written back.
        return false;
    }
    let object = crate::object_key(c);
    let Some(w) = j
        .last(|w| w.kind == c.kind && object.is_some() && w.object == object)
        .or_else(|| j.last(|w| w.kind == c.kind && w.address == c.address))
    else {
        return false;
    };
    let Some(written) = &w.after else {
        return true;
    };
    // The written value and the desired one are of the same kind unless the address was
    // reused for another kind; then the repository changed.
    crate::step::repository_changed(written, &c.after)
}

#[cfg(test)]
mod tests {
    use super::{BadLine, Journal};
    use ppgov_planner::Action;

    const LINES: &str = r#"{"event":"start","run":"r1","who":"alice","time":"t0"}
{"event":"intent","run":"r1","address":"DlpPolicy.a","kind":"DlpPolicy","action":"create","object":null,"displayName":"A","after":null}
{"event":"step","run":"r1","address":"DlpPolicy.a","status":"applied","created":"p1","time":"t1"}
{"event":"intent","run":"r1","address":"EnvironmentGroup.b","kind":"EnvironmentGroup","action":"update","object":"EnvironmentGroup:g1","after":null}
{"event":"step","run":"r1","address":"EnvironmentGroup.b","status":"failed","error":"HTTP 500","time":"t2"}

{"event":"start","run":"r2","who":"bob","time":"t3"}
{"event":"intent","run":"r2","address":"DlpPolicy.a","kind":"DlpPolicy","action":"update","object":"DlpPolicy:p1","after":null}
"#;

    #[test]
    fn only_applied_steps_are_writes() {
        let j = Journal::parse(LINES).unwrap();
        assert_eq!(j.runs, 2);
        // The failed step and the killed run's intent (no outcome) are not writes.
        assert_eq!(j.writes.len(), 1, "{:?}", j.writes);
        let w = &j.writes[0];
        assert_eq!(w.actor, "alice");
        assert_eq!(w.time, "t1");
        assert_eq!(w.action, Action::Create);
        assert_eq!(w.object.as_deref(), Some("DlpPolicy:p1"), "a create's id");
        assert_eq!(w.display_name.as_deref(), Some("A"));
    }

    #[test]
    fn a_damaged_line_is_named() {
        let err = Journal::parse("{\"event\":\"start\"}\n[1]\n").unwrap_err();
        assert_eq!(
            err,
            BadLine {
                line: 2,
                error: "not a JSON object".to_owned()
            }
        );
        assert_eq!(Journal::parse("{\n").unwrap_err().line, 1);
    }
}
