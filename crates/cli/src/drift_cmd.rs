//! `ppgov drift`: a plan read against the audit journal: drift (changed outside ppgov),
//! pending (the repository changed), unmanaged; reports; `--repair safe`.

use crate::apply_cmd::{self, Execution, SnapshotLock};
use crate::notify::{self, Summary};
use crate::repo;
use crate::report;
use crate::tenant::{self, TenantArgs};
use clap::{Args, ValueEnum};
use ppgov_apply::Outcome;
use ppgov_apply::drift::{self, DriftReport, Entry, Journal};
use ppgov_apply::gate::{self, Allowed};
use ppgov_core::diag::render as diag_render;
use ppgov_planner::{After, Change, Plan};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriftFormat {
    /// A readable report.
    Text,
    /// The report as JSON, for tools.
    Json,
    /// A Markdown report (an issue or a job summary).
    Markdown,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Repair {
    /// Report only.
    None,
    /// Apply the drift repairs that are not risky (no delete, loosening or licensing change,
    /// no pending change on the same object); report the others for a person.
    Safe,
}

#[derive(Args)]
pub struct DriftArgs {
    /// The policy directory (default `policies`).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub tenant: TenantArgs,
    #[command(flatten)]
    pub inventory: tenant::InventoryArgs,
    /// The audit journal `ppgov apply` writes; default `.ppgov/journal.jsonl` next to the
    /// policy directory.
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DriftFormat::Text)]
    pub format: DriftFormat,
    /// Also write a self-contained HTML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Repair::None)]
    pub repair: Repair,
    /// Post a summary when drift is found (and not repaired) or the check fails (repeatable):
    /// `teams+URL`, `slack+URL`, `webhook+URL`, or a Teams or Slack webhook URL (docs/ci.md).
    #[arg(long, value_name = "TARGET")]
    pub notify: Vec<String>,
}

/// What `--repair safe` did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepairSummary {
    /// Drift written back, with the outcome of each step.
    pub repaired: Vec<Repaired>,
    /// Drift left for a person, with why.
    pub for_a_person: Vec<Held>,
    /// Every repaired address is gone from a fresh plan.
    pub converged: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Repaired {
    pub address: String,
    pub display_name: String,
    /// `applied`, or the failure.
    pub outcome: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Held {
    pub address: String,
    pub display_name: String,
    pub reason: String,
}

/// Everything the reports show.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftOutput {
    pub format_version: u32,
    pub journal_path: String,
    #[serde(flatten)]
    pub report: DriftReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repair: Option<RepairSummary>,
}

impl DriftOutput {
    /// 3 drift left (found and not repaired), 2 pending or unmanaged only, 0 nothing to do.
    pub fn exit_code(&self) -> u8 {
        let drift_left = match &self.repair {
            Some(r) => {
                !r.for_a_person.is_empty()
                    || !r.converged
                    || r.repaired.iter().any(|x| x.outcome != "applied")
            }
            None => !self.report.drift.is_empty(),
        };
        if drift_left {
            3
        } else if !self.report.pending.is_empty() || !self.report.unmanaged.is_empty() {
            2
        } else {
            0
        }
    }
}

pub fn run(args: DriftArgs) -> Result<ExitCode, String> {
    let targets = notify::parse_targets(&args.notify)?;
    let mut notice = None;
    let result = check(&args, &mut notice);
    notify::finish("drift", &targets, result, notice)
}

/// Checks (and repairs); `notice` receives what a notification would say on drift.
fn check(args: &DriftArgs, notice: &mut Option<Summary>) -> Result<ExitCode, String> {
    let policies = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("policies"));
    let loaded = repo::load(std::slice::from_ref(&policies))?;
    if loaded.has_errors() {
        repo::print_diagnostics(&loaded);
        println!(
            "the policy files have errors; fix them before checking drift ({})",
            diag_render::summary(&loaded.diagnostics)
        );
        return Ok(ExitCode::from(1));
    }
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| apply_cmd::default_journal(&policies));
    let _lock = match (&args.tenant.snapshot, args.repair) {
        (Some(path), Repair::Safe) => Some(SnapshotLock::acquire(path)?),
        _ => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let output = runtime.block_on(async {
        let connection =
            tenant::connect_with(&args.tenant, &loaded, args.repair == Repair::Safe).await?;
        let result = drift(args, &loaded, &journal_path, &connection).await;
        if let Some(emulator) = connection.emulator {
            emulator.shutdown().await;
        }
        result
    })?;
    let Some(output) = output else {
        return Ok(ExitCode::from(1));
    };
    if let Some(path) = &args.html {
        ppgov_emulator::atomic_file::write(path, report::html(&output).as_bytes())
            .map_err(|e| format!("cannot write the HTML report `{}`: {e}", path.display()))?;
    }
    match args.format {
        DriftFormat::Text => print!("{}", report::text(&output)),
        DriftFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&output).expect("reports serialize")
        ),
        DriftFormat::Markdown => print!("{}", report::markdown(&output)),
    }
    let code = output.exit_code();
    if code == 3 {
        let held = output.repair.as_ref().map_or(&[][..], |r| &r.for_a_person);
        *notice = Some(Summary::drift(
            &output.report,
            held,
            &loaded.desired.project.name,
        ));
    }
    Ok(ExitCode::from(code))
}

/// The journal at `path`: `None` when there is none yet (missing or empty).
pub fn read_journal(path: &Path) -> Result<Option<Journal>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read the journal `{}`: {e}", path.display())),
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    Journal::parse(&text).map(Some).map_err(|bad| {
        format!(
            "the journal `{}` is damaged at line {}: {}; it is written by `ppgov apply`, one JSON object per line (nothing was changed)",
            path.display(),
            bad.line,
            bad.error
        )
    })
}

async fn drift(
    args: &DriftArgs,
    loaded: &ppgov_core::Loaded,
    journal_path: &Path,
    connection: &tenant::Connection,
) -> Result<Option<DriftOutput>, String> {
    let journal = read_journal(journal_path)?;
    let observed = tenant::observe(connection, loaded, args.inventory.inventory).await?;
    crate::expiry_warn::print(loaded, &observed, args.format == DriftFormat::Text);
    let plan = apply_cmd::plan_now(loaded, &observed);
    if !plan.errors.is_empty() {
        for e in &plan.errors {
            println!("error: {}: {}", e.resource, e.message);
        }
        println!("No plan was made: run `ppgov plan` for details and fix the problems.");
        return Ok(None);
    }
    let report = drift::classify(&plan, &observed, journal.as_ref());
    let mut output = DriftOutput {
        format_version: 1,
        journal_path: journal_path.display().to_string(),
        report,
        repair: None,
    };
    if args.repair == Repair::Safe {
        let catalog = tenant::catalog_for(loaded, &observed);
        // Every risk the apply gate weighs, breaking apps and flows included (the impact is
        // of the whole plan, so it is computed once, not per change).
        let risks: BTreeMap<&str, String> = plan
            .changes
            .iter()
            .zip(ppgov_planner::risk::assess_plan(&plan, &observed, &catalog))
            .filter(|(_, risks)| !risks.is_empty())
            .map(|(c, risks)| {
                let reasons: Vec<String> = risks.into_iter().map(|r| r.reason).collect();
                (c.address.as_str(), reasons.join("; "))
            })
            .collect();
        let (repairs, held) = choose_repairs(&plan, &output.report.drift, |c| {
            risks.get(c.address.as_str()).cloned()
        });
        let mut summary = RepairSummary {
            for_a_person: held,
            converged: true,
            ..RepairSummary::default()
        };
        if !repairs.changes.is_empty() {
            // The same gate as `ppgov apply` with nothing allowed: a repair is never risky.
            let refused = gate::refused(
                &repairs,
                &loaded.desired,
                &observed,
                &catalog,
                Allowed::default(),
            );
            if !refused.is_empty() {
                let names: Vec<String> = refused.iter().map(|r| r.address.clone()).collect();
                return Err(format!(
                    "internal error: the repair plan holds risky steps ({}); nothing was applied",
                    names.join(", ")
                ));
            }
            let only: BTreeSet<String> =
                repairs.changes.iter().map(|c| c.address.clone()).collect();
            let (applied, final_result) = apply_cmd::execute(Execution {
                plan: &repairs,
                observed: &observed,
                loaded,
                connection,
                journal_path,
                parallelism: 4,
                progress_to_stderr: true,
                command: "drift --repair safe",
                only: Some(only),
            })
            .await?;
            final_result.map_err(|e| {
                format!("repaired, but the tenant could not be read again to check: {e}")
            })?;
            summary.converged = applied.converged;
            summary.repaired = applied
                .steps
                .iter()
                .map(|s| Repaired {
                    address: s.address.clone(),
                    display_name: s.display_name.clone(),
                    outcome: match &s.outcome {
                        Outcome::Applied => "applied".to_owned(),
                        Outcome::Failed { error } => format!("failed: {error}"),
                        Outcome::Skipped { because } => format!("skipped ({because} failed)"),
                    },
                })
                .collect();
        }
        output.repair = Some(summary);
    }
    Ok(Some(output))
}

/// The plan of the safe repairs among `drift`, and the drift left for a person with why.
/// `risk` is the apply gate's assessment, recomputed against the live tenant.
fn choose_repairs(
    plan: &Plan,
    drift: &[Entry],
    risk: impl Fn(&Change) -> Option<String>,
) -> (Plan, Vec<Held>) {
    let mut repairs = Plan {
        changes: Vec::new(),
        notes: Vec::new(),
        errors: Vec::new(),
        seal: None,
        ..plan.clone()
    };
    let mut held = Vec::new();
    let drifted: BTreeSet<&str> = drift.iter().map(|e| e.address.as_str()).collect();
    for change in &plan.changes {
        let Some(entry) = drift.iter().find(|e| e.address == change.address) else {
            continue;
        };
        let hold = |reason: String| Held {
            address: change.address.clone(),
            display_name: change.display_name.clone(),
            reason,
        };
        let repair = only_drifted(change, entry);
        if let Some(reason) = risk(&repair) {
            held.push(hold(format!("risky: {reason}")));
            continue;
        }
        if entry.also_pending {
            held.push(hold(
                "the repository also changed this object since ppgov wrote it: review and run `ppgov apply`".to_owned(),
            ));
            continue;
        }
        if let Some(first) = change.depends_on.iter().find(|d| {
            !drifted.contains(d.as_str()) || !repairs.changes.iter().any(|c| &c.address == *d)
        }) {
            held.push(hold(format!(
                "depends on `{first}`, which is not a safe repair: run `ppgov apply`"
            )));
            continue;
        }
        repairs.changes.push(repair);
    }
    (repairs, held)
}

/// Tenant settings are one change: write back only the settings that drifted, never the
/// pending ones.
fn only_drifted(change: &Change, entry: &Entry) -> Change {
    let mut change = change.clone();
    if let After::TenantSettings(settings) = &mut change.after {
        settings.retain(|k, _| entry.fields.contains(k));
        change.attributes.retain(|a| entry.fields.contains(&a.path));
    }
    change
}
