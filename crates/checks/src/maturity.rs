//! Maturity per area of the guidance: an area reaches a stage when every check of that area
//! at that stage or an earlier one ran without a finding (a stage with no check of the area
//! passes with nothing to show). The evidence of a level is the checks that passed; what
//! blocks the next stage is its findings. `compare` sets a run against an earlier one's JSON
//! report (`--baseline`).

use crate::{Area, Finding, Report, Stage, registry};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub const AREAS: [Area; 5] = [
    Area::Environments,
    Area::DataPolicies,
    Area::SecurityAndRoles,
    Area::Monitoring,
    Area::Process,
];

pub const STAGES: [Stage; 5] = [
    Stage::Initial,
    Stage::Repeatable,
    Stage::Defined,
    Stage::Capable,
    Stage::Efficient,
];

/// One area's score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AreaScore {
    pub area: Area,
    /// The highest stage reached; `None` below Initial.
    pub level: Option<Stage>,
    /// Per stage reached: the checks that ran clean at it.
    pub evidence: Vec<StageEvidence>,
    /// The next stage, if any.
    pub next: Option<Stage>,
    /// The findings (rule id and object) that keep the area from the next stage.
    pub blockers: Vec<Blocker>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StageEvidence {
    pub stage: Stage,
    pub passed: Vec<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Blocker {
    pub rule_id: String,
    pub address: String,
}

/// Scores every area from a run's findings and the checks that ran.
pub fn score(findings: &[Finding], checks_run: &[&'static str]) -> Vec<AreaScore> {
    AREAS
        .iter()
        .map(|&area| {
            let failing = |stage: Stage| -> Vec<Blocker> {
                findings
                    .iter()
                    .filter(|f| {
                        f.area == area && f.stage == stage && !crate::advisor::is_advisor(f)
                    })
                    .map(|f| Blocker {
                        rule_id: f.rule_id.to_string(),
                        address: f.location.address.clone(),
                    })
                    .collect()
            };
            let mut score = AreaScore {
                area,
                level: None,
                evidence: Vec::new(),
                next: None,
                blockers: Vec::new(),
            };
            for stage in STAGES {
                let blockers = failing(stage);
                if !blockers.is_empty() {
                    score.next = Some(stage);
                    score.blockers = blockers;
                    break;
                }
                let passed = registry::all_infos()
                    .filter(|i| i.area == area && i.stage == stage && checks_run.contains(&i.id))
                    .map(|i| i.id)
                    .collect();
                score.level = Some(stage);
                score.evidence.push(StageEvidence { stage, passed });
            }
            score
        })
        .collect()
}

/// What an earlier JSON report (`--format json`) holds that a comparison needs.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Baseline {
    pub findings: Vec<BaselineFinding>,
    pub maturity: Vec<BaselineScore>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BaselineFinding {
    pub rule_id: String,
    pub location: BaselineLocation,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BaselineLocation {
    pub address: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BaselineScore {
    pub area: String,
    pub level: Option<String>,
}

/// This run against the baseline.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    /// (rule id, address) in the baseline and not now.
    pub fixed: Vec<(String, String)>,
    /// Now and not in the baseline.
    pub new: Vec<(String, String)>,
    /// Areas whose level changed: area, then, now.
    pub levels: Vec<(String, String, String)>,
}

impl Comparison {
    /// "3 findings fixed, 1 new; Defined → Capable in data policies".
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} finding{} fixed, {} new",
            self.fixed.len(),
            if self.fixed.len() == 1 { "" } else { "s" },
            self.new.len()
        );
        for (area, then, now) in &self.levels {
            s.push_str(&format!("; {then} → {now} in {area}"));
        }
        s
    }
}

/// A level as reports print it; a baseline's JSON spells stages in camelCase (`defined`).
fn level_name(level: Option<&str>) -> String {
    match level.and_then(|l| STAGES.iter().find(|s| s.as_str().eq_ignore_ascii_case(l))) {
        Some(stage) => stage.as_str().to_owned(),
        None => "below Initial".to_owned(),
    }
}

pub fn compare(baseline: &Baseline, report: &Report) -> Comparison {
    let then: BTreeSet<(String, String)> = baseline
        .findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.location.address.clone()))
        .collect();
    let now: BTreeSet<(String, String)> = report
        .findings
        .iter()
        .map(|f| (f.rule_id.to_string(), f.location.address.clone()))
        .collect();
    let levels = report
        .maturity
        .iter()
        .filter_map(|score| {
            let area = score.area.as_str();
            let key = serde_json::to_value(score.area).ok()?;
            let before = baseline.maturity.iter().find(|b| key == b.area.as_str())?;
            let before = level_name(before.level.as_deref());
            let after = level_name(score.level.map(Stage::as_str));
            (before != after).then(|| (area.to_owned(), before, after))
        })
        .collect();
    Comparison {
        fixed: then.difference(&now).cloned().collect(),
        new: now.difference(&then).cloned().collect(),
        levels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Location, Severity, Source};

    fn finding(rule_id: &'static str, area: Area, stage: Stage, address: &str) -> Finding {
        Finding {
            rule_id: rule_id.into(),
            rule_name: "".into(),
            title: "".into(),
            severity: Severity::Warning,
            stage,
            area,
            source: Source::Repository,
            message: String::new(),
            location: Location {
                address: address.into(),
                ..Default::default()
            },
            remediation: "".into(),
            remediation_yaml: None,
            help: "".into(),
        }
    }

    #[test]
    fn an_area_stops_at_the_first_stage_with_findings() {
        let all: Vec<&'static str> = registry::all_infos().map(|i| i.id).collect();
        let findings = [
            finding(
                "PPG-C007",
                Area::DataPolicies,
                Stage::Capable,
                "DlpPolicy.a",
            ),
            finding(
                "PPG-C007",
                Area::DataPolicies,
                Stage::Capable,
                "DlpPolicy.b",
            ),
        ];
        let scores = score(&findings, &all);
        let data = scores
            .iter()
            .find(|s| s.area == Area::DataPolicies)
            .unwrap();
        assert_eq!(data.level, Some(Stage::Defined));
        assert_eq!(data.next, Some(Stage::Capable));
        assert_eq!(data.blockers.len(), 2);
        // The evidence of Initial names the checks that passed there.
        assert!(data.evidence[0].passed.contains(&"PPG-C001"));
        let env = scores
            .iter()
            .find(|s| s.area == Area::Environments)
            .unwrap();
        assert_eq!((env.level, env.next), (Some(Stage::Efficient), None));

        let below = score(
            &[finding(
                "PPG-C001",
                Area::DataPolicies,
                Stage::Initial,
                "repository",
            )],
            &all,
        );
        assert_eq!(below[1].level, None);
    }

    #[test]
    fn a_baseline_comparison_counts_fixed_and_new_and_level_changes() {
        let all: Vec<&'static str> = registry::all_infos().map(|i| i.id).collect();
        let then = Report {
            findings: vec![
                finding(
                    "PPG-C007",
                    Area::DataPolicies,
                    Stage::Capable,
                    "DlpPolicy.a",
                ),
                finding(
                    "PPG-C022",
                    Area::SecurityAndRoles,
                    Stage::Defined,
                    "RoleAssignment.x",
                ),
            ],
            ..Default::default()
        };
        let baseline: Baseline = serde_json::from_value(serde_json::json!({
            "findings": then.findings,
            "maturity": score(&then.findings, &all),
        }))
        .unwrap();
        let findings = vec![finding(
            "PPG-C022",
            Area::SecurityAndRoles,
            Stage::Defined,
            "RoleAssignment.y",
        )];
        let now = Report {
            maturity: score(&findings, &all),
            findings,
            ..Default::default()
        };
        let c = compare(&baseline, &now);
        assert_eq!(
            c.summary(),
            "2 findings fixed, 1 new; Defined → Efficient in data policies"
        );
    }
}
