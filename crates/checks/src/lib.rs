//! `ppgov-checks`: governance checks over a policy repository and, when given, the tenant.
//!
//! A check ([`CheckInfo`] + a `run` function, one file per check under `rules/`, listed once
//! in [`registry`]) reads a [`view::View`] of the repository (always) and of the tenant (with
//! `assess`), plus the tenant's inventory when it was read, and reports [`Finding`]s. The
//! engine ([`run`]) applies the project's configuration (`spec.checks` in `ppgov.yaml`:
//! disabled checks, severities, thresholds, suppressions with an expiry date) and sorts the
//! findings, so the same inputs give the same report.
//!
//! Ids are `PPG-Cnnn` (distinct from the `PPGnnn` diagnostic codes): `C0xx` checks of the
//! governed model (repository and tenant alike), `C2xx` checks of the tenant's inventory,
//! `C9xx` findings about the configuration itself. Ids are stable: never renumbered or reused.
//!
//! No I/O, no clock: the caller passes today's date for suppression expiry.

use ppgov_core::advisor::Advisor;
use ppgov_core::observed::Observed;
use ppgov_core::{Kind, Loaded};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

pub mod advisor;
pub mod config;
mod coverage;
pub mod maturity;
pub mod registry;
mod rules;
pub mod sarif;
pub mod view;

pub use config::{Config, ConfigProblem, config_problems};
pub use registry::{ALL, Rule};
use view::{Side, View};

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The maturity stages of Microsoft's Power Platform adoption maturity model, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Stage {
    Initial,
    Repeatable,
    Defined,
    Capable,
    Efficient,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Initial => "Initial",
            Stage::Repeatable => "Repeatable",
            Stage::Defined => "Defined",
            Stage::Capable => "Capable",
            Stage::Efficient => "Efficient",
        }
    }
}

/// The areas of the governance guidance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Area {
    Environments,
    DataPolicies,
    SecurityAndRoles,
    Monitoring,
    Process,
}

impl Area {
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Environments => "environments",
            Area::DataPolicies => "data policies",
            Area::SecurityAndRoles => "security and roles",
            Area::Monitoring => "monitoring",
            Area::Process => "process",
        }
    }
}

/// What a check reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Reads {
    /// The governed model: the repository with `check`, the repository and the tenant with
    /// `assess`.
    Model,
    /// Only the repository (project configuration).
    Repository,
    /// The tenant's inventory (apps, flows, connections); `assess` only.
    Inventory,
    /// The configuration of the checks themselves.
    Configuration,
}

/// A check's description: everything but its logic.
#[derive(Debug)]
pub struct CheckInfo {
    /// Stable id, `PPG-Cnnn`.
    pub id: &'static str,
    /// A kebab-case name, also the documentation anchor's text.
    pub name: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub stage: Stage,
    pub area: Area,
    pub reads: Reads,
    /// Why it matters.
    pub rationale: &'static str,
    /// A YAML example that makes it fire.
    pub example: &'static str,
    /// How to fix it, in words.
    pub fix: &'static str,
    /// The YAML that fixes it, where one fits.
    pub fix_yaml: Option<&'static str>,
    /// The check's default threshold, for counting checks.
    pub threshold: Option<u32>,
}

impl CheckInfo {
    /// The anchor of the check's section in `docs/checks.md`.
    pub fn doc_anchor(&self) -> String {
        format!("docs/checks.md#{}", self.id.to_lowercase())
    }
}

/// What a finding is about: a place in the repository or an object of the tenant.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Anchor {
    /// The value at `pointer` in the `kind` document `name` (its nearest enclosing value).
    Document {
        kind: Kind,
        name: String,
        pointer: String,
    },
    /// The repository as a whole (something is missing): the project file, if there is one.
    Repository { pointer: String },
    /// A live object: its address (`Environment[<id>]`) and id.
    Live { address: String, id: Option<String> },
}

/// What a rule reports; the engine adds the check's identity and the configuration.
#[derive(Clone, Debug)]
pub struct Raw {
    pub anchor: Anchor,
    pub message: String,
    /// A YAML fix for this object, replacing the check's generic one.
    pub fix_yaml: Option<String>,
}

/// Where a finding points.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// Repository findings: the file, 1-based line and column (characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// The object: `Kind.name` in the repository, `Kind[<id>]` in the tenant.
    pub address: String,
    /// The live object's id (tenant findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Location {
    /// `file:line:column`, or the address.
    pub fn display(&self) -> String {
        match (&self.file, self.line, self.column) {
            (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}"),
            (Some(f), _, _) => f.clone(),
            _ => match &self.id {
                Some(id) if !self.address.contains(id.as_str()) => {
                    format!("{} (id {id})", self.address)
                }
                _ => self.address.clone(),
            },
        }
    }
}

/// Where the finding was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    Repository,
    Tenant,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// A check's id, or `ADVISOR:<scenario>` for a Power Platform Advisor recommendation.
    pub rule_id: Cow<'static, str>,
    pub rule_name: Cow<'static, str>,
    pub title: Cow<'static, str>,
    pub severity: Severity,
    pub stage: Stage,
    pub area: Area,
    pub source: Source,
    pub message: String,
    pub location: Location,
    /// The check's fix in words, shared by all its findings.
    pub remediation: Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation_yaml: Option<Cow<'static, str>>,
    /// The documentation anchor.
    pub help: Cow<'static, str>,
}

/// A finding that a suppression in the project file holds back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
    pub expires: String,
}

/// The outcome of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// What was read: `repository`, or `repository+tenant`.
    pub scope: String,
    /// Checks that ran (enabled and with their input present), by id.
    pub checks_run: Vec<&'static str>,
    /// Sorted by severity (highest first), rule id, location.
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    /// Per area of the guidance, the maturity stage the findings allow.
    pub maturity: Vec<maturity::AreaScore>,
}

impl Report {
    /// How many findings of each severity.
    pub fn counts(&self) -> BTreeMap<Severity, usize> {
        let mut counts = BTreeMap::new();
        for f in &self.findings {
            *counts.entry(f.severity).or_insert(0) += 1;
        }
        counts
    }

    /// Whether a finding is at or above `level`.
    pub fn has_at_least(&self, level: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= level)
    }
}

/// What the checks read.
pub struct Input<'a> {
    /// The loaded repository (without errors: the caller stops before).
    pub loaded: &'a Loaded,
    /// The tenant, for `assess`.
    pub observed: Option<&'a Observed>,
    /// Today's date (`YYYY-MM-DD`), for suppression expiry.
    pub today: &'a str,
    /// Power Platform Advisor's recommendations, for `assess --advisor`: each affected
    /// resource becomes a finding `ADVISOR:<scenario>` ([`advisor`]).
    pub advisor: Option<&'a Advisor>,
}

/// What a rule's `run` receives.
pub struct Context<'a> {
    pub loaded: &'a Loaded,
    /// The repository's view, then the tenant's when there is one.
    pub views: Vec<View<'a>>,
    pub observed: Option<&'a Observed>,
    /// This rule's threshold (configured, else its default).
    pub threshold: Option<u32>,
    /// `YYYY-MM-DD`, for checks of what is due.
    pub today: &'a str,
}

impl<'a> Context<'a> {
    /// What every check reads for `input`: the views of its sides, built once per run; the
    /// threshold is left to the caller (the engine sets each rule's before running it).
    pub fn new(input: &Input<'a>) -> Context<'a> {
        let mut views = vec![View::repository(input.loaded)];
        if let Some(observed) = input.observed {
            views.push(View::tenant(observed));
        }
        Context {
            loaded: input.loaded,
            views,
            observed: input.observed,
            threshold: None,
            today: input.today,
        }
    }

    /// The view of one side, if present.
    pub fn view(&self, side: Side) -> Option<&View<'_>> {
        self.views.iter().find(|v| v.side == side)
    }
}

/// Runs every enabled check.
pub fn run(input: &Input<'_>) -> Report {
    let config = Config::from_project(&input.loaded.desired.project.checks);
    let mut cx = Context::new(input);
    let mut report = Report {
        scope: if input.observed.is_some() {
            "repository+tenant".into()
        } else {
            "repository".into()
        },
        ..Default::default()
    };
    let mut raw_findings: Vec<(&Rule, Source, Raw)> = Vec::new();
    for rule in ALL {
        let info = rule.info;
        if !config.enabled(info.id) {
            continue;
        }
        let applicable = match info.reads {
            Reads::Model | Reads::Repository | Reads::Configuration => true,
            Reads::Inventory => input.observed.is_some(),
        };
        if !applicable {
            continue;
        }
        report.checks_run.push(info.id);
        cx.threshold = config.threshold(info.id).or(info.threshold);
        let mut out = Vec::new();
        (rule.run)(&cx, &mut out);
        raw_findings.extend(out.into_iter().map(|raw| {
            let source = match raw.anchor {
                Anchor::Live { .. } => Source::Tenant,
                _ => Source::Repository,
            };
            (rule, source, raw)
        }));
    }
    let mut findings: Vec<Finding> = raw_findings
        .into_iter()
        .map(|(rule, source, raw)| finish(rule.info, &config, source, raw, input.loaded))
        .collect();
    if let Some(advisor) = input.advisor {
        report.scope.push_str("+advisor");
        findings.extend(advisor::findings(advisor, &config));
    }
    let mut used_suppressions = vec![false; config.suppressions.len()];
    for finding in findings {
        match config.suppression_for(&finding, input.today) {
            Some((index, s)) => {
                used_suppressions[index] = true;
                report.suppressed.push(Suppressed {
                    finding,
                    reason: s.reason.clone(),
                    expires: s.expires.clone(),
                });
            }
            None => report.findings.push(finding),
        }
    }
    if config.enabled(rules::expired_suppression::INFO.id) {
        report.checks_run.push(rules::expired_suppression::INFO.id);
        for raw in rules::expired_suppression::findings(&config, input.today) {
            let finding = finish(
                &rules::expired_suppression::INFO,
                &config,
                Source::Repository,
                raw,
                input.loaded,
            );
            report.findings.push(finding);
        }
    }
    report.checks_run.sort_unstable();
    report.findings.sort_by(order);
    report
        .suppressed
        .sort_by(|a, b| order(&a.finding, &b.finding));
    report.maturity = maturity::score(&report.findings, &report.checks_run);
    report
}

fn order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (b.severity, &a.rule_id, &a.location, &a.message).cmp(&(
        a.severity,
        &b.rule_id,
        &b.location,
        &b.message,
    ))
}

/// Completes a rule's raw finding: identity, configured severity, location.
fn finish(
    info: &'static CheckInfo,
    config: &Config,
    source: Source,
    raw: Raw,
    loaded: &Loaded,
) -> Finding {
    Finding {
        rule_id: Cow::Borrowed(info.id),
        rule_name: Cow::Borrowed(info.name),
        title: Cow::Borrowed(info.title),
        severity: config.severity(info.id).unwrap_or(info.severity),
        stage: info.stage,
        area: info.area,
        source,
        message: raw.message,
        location: locate(&raw.anchor, loaded),
        remediation: Cow::Borrowed(info.fix),
        remediation_yaml: match raw.fix_yaml {
            Some(yaml) => Some(Cow::Owned(yaml)),
            None => info.fix_yaml.map(Cow::Borrowed),
        },
        help: Cow::Borrowed(registry::doc_anchor(info)),
    }
}

/// The file, line and column of a repository anchor; the address and id of a live one.
fn locate(anchor: &Anchor, loaded: &Loaded) -> Location {
    let project = &loaded.desired.project.name;
    let (span, address) = match anchor {
        Anchor::Document {
            kind,
            name,
            pointer,
        } => (
            loaded.span_of(*kind, name, pointer),
            format!("{}.{name}", kind.as_str()),
        ),
        Anchor::Repository { pointer } => (
            (!project.is_empty())
                .then(|| loaded.span_of(Kind::Project, project, pointer))
                .flatten(),
            "repository".to_owned(),
        ),
        Anchor::Live { address, id } => {
            return Location {
                address: address.clone(),
                id: id.clone(),
                ..Default::default()
            };
        }
    };
    let mut location = Location {
        address,
        ..Default::default()
    };
    if let Some(span) = span {
        let file = loaded.sources.get(span.source);
        let lc = file.line_col(span.start);
        location.file = Some(file.name.clone());
        location.line = Some(lc.line);
        location.column = Some(lc.column);
    }
    location
}
