//! `ppgov apply`: plan (or read a saved plan and check it is still current), gate risky steps,
//! confirm, execute with `ppgov-apply`, journal every step, and re-plan to prove convergence.

use crate::notify::{self, Summary};
use crate::output::stdout_style;
use crate::plan_cmd::{check_seal, read_plan};
use crate::repo;
use crate::tenant::{self, Connection, TenantArgs};
use clap::{Args, ValueEnum};
use ppgov_apply::gate::{self, Allowed};
use ppgov_apply::{ApplyReport, Event, Options, Outcome};
use ppgov_core::Loaded;
use ppgov_core::diag::render as diag_render;
use ppgov_planner::Plan;
use ppgov_planner::render::{self, Colors};
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApplyFormat {
    /// Progress and a readable report.
    Text,
    /// The report as JSON on stdout (progress on stderr).
    Json,
}

#[derive(Args)]
pub struct ApplyArgs {
    /// The policy directory, as for `ppgov plan` (default `policies`): apply plans and asks
    /// first. Or a plan saved with `ppgov plan --out FILE`, applied as saved.
    #[arg(value_name = "DIR|PLANFILE")]
    pub path: Option<PathBuf>,
    /// The policy directory, when PLANFILE is given (default `policies`).
    #[arg(long, value_name = "DIR")]
    pub policies: Option<PathBuf>,
    #[command(flatten)]
    pub tenant: TenantArgs,
    #[command(flatten)]
    pub inventory: tenant::InventoryArgs,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// Independent steps run at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallelism: u16,
    /// Allow deletes (else only resources annotated `ppgov.dev/allow-destroy: "true"`).
    #[arg(long)]
    pub allow_destroy: bool,
    /// Allow loosening changes (else only resources annotated
    /// `ppgov.dev/allow-loosening: "true"`).
    #[arg(long)]
    pub allow_loosening: bool,
    /// Allow turning Managed Environments on, a licensing change (else only environments, or
    /// groups bringing them in, annotated `ppgov.dev/allow-managed-environments: "true"`).
    #[arg(long)]
    pub allow_managed_environments: bool,
    /// Allow DLP changes that break apps or flows of the inventory read (else only data
    /// policies, or groups whose membership changes break them, annotated
    /// `ppgov.dev/allow-breaking: "true"`).
    #[arg(long)]
    pub allow_breaking: bool,
    /// The audit journal (JSON lines, appended); default `.ppgov/journal.jsonl` next to the
    /// policy directory.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ApplyFormat::Text)]
    pub format: ApplyFormat,
    /// Post a summary when the apply fails or does not converge (repeatable): `teams+URL`,
    /// `slack+URL`, `webhook+URL`, or a Teams or Slack webhook URL (docs/ci.md).
    #[arg(long, value_name = "TARGET")]
    pub notify: Vec<String>,
}

/// The policy directory and the saved plan, if any: the positional path is a directory (like
/// `ppgov plan DIR`) or a plan file; `--policies DIR` names the directory too.
fn policies_and_planfile(args: &ApplyArgs) -> Result<(PathBuf, Option<PathBuf>), String> {
    match (&args.path, &args.policies) {
        (Some(path), Some(policies)) if path.is_dir() && path != policies => Err(format!(
            "two policy directories given, `{}` and `--policies {}`; give one",
            path.display(),
            policies.display()
        )),
        (Some(path), _) if path.is_dir() => Ok((path.clone(), None)),
        (Some(path), policies) => Ok((
            policies
                .clone()
                .unwrap_or_else(|| PathBuf::from("policies")),
            Some(path.clone()),
        )),
        (None, policies) => Ok((
            policies
                .clone()
                .unwrap_or_else(|| PathBuf::from("policies")),
            None,
        )),
    }
}

pub fn run(args: ApplyArgs) -> Result<ExitCode, String> {
    let targets = notify::parse_targets(&args.notify)?;
    let mut notice = None;
    let result = load_and_apply(&args, &mut notice);
    notify::finish("apply", &targets, result, notice)
}

/// Applies; `notice` receives what a notification would say when it fails or does not
/// converge.
fn load_and_apply(args: &ApplyArgs, notice: &mut Option<Summary>) -> Result<ExitCode, String> {
    let (policies, planfile) = policies_and_planfile(args)?;
    let loaded = repo::load(std::slice::from_ref(&policies))?;
    let project = loaded.desired.project.name.clone();
    *notice = Some(Summary::failure(
        "apply",
        Some(&project),
        "see the log of the run for the error",
    ));
    if loaded.has_errors() {
        repo::print_diagnostics(&loaded);
        let message = format!(
            "the policy files have errors; fix them before applying ({})",
            diag_render::summary(&loaded.diagnostics)
        );
        println!("{message}");
        *notice = Some(Summary::failure("apply", Some(&project), &message));
        return Ok(ExitCode::from(1));
    }
    let saved = planfile.as_deref().map(read_plan).transpose()?;
    if let (Some(plan), Some(path)) = (&saved, &planfile) {
        check_seal(plan, path, &loaded, &policies)?;
    }
    let _lock = match &args.tenant.snapshot {
        Some(path) => Some(SnapshotLock::acquire(path)?),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let connection = tenant::connect_with(&args.tenant, &loaded, true).await?;
        let code = apply(args, &policies, &loaded, saved, &connection, notice).await;
        if let Some(emulator) = connection.emulator {
            emulator.shutdown().await;
        }
        code
    })
}

pub(crate) fn plan_now(loaded: &Loaded, observed: &ppgov_core::observed::Observed) -> Plan {
    let catalog = tenant::catalog_for(loaded, observed);
    ppgov_planner::plan(&loaded.desired, observed, &catalog)
}

async fn apply(
    args: &ApplyArgs,
    policies: &Path,
    loaded: &Loaded,
    saved: Option<Plan>,
    connection: &Connection,
    notice: &mut Option<Summary>,
) -> Result<ExitCode, String> {
    let project = loaded.desired.project.name.as_str();
    let extra = saved
        .as_ref()
        .map(gate::bap_environments)
        .unwrap_or_default();
    let observed =
        tenant::observe_with(connection, loaded, extra, args.inventory.inventory).await?;
    let from_saved_plan = saved.is_some();
    let plan = match saved {
        Some(saved) => {
            if !saved.errors.is_empty() {
                return Err("the saved plan has errors; plan again".to_owned());
            }
            let stale = gate::stale(&saved, &observed);
            if !stale.is_empty() {
                println!(
                    "The tenant changed since the plan was made; nothing was applied. Changed objects:"
                );
                for s in &stale {
                    println!("  - {}", gate::describe_stale(&saved, &observed, s));
                }
                println!("Run `ppgov plan` again and review the new plan.");
                let mut failure = Summary::failure(
                    "apply",
                    Some(project),
                    "the tenant changed since the plan was made; nothing was applied: plan again and review the new plan",
                );
                failure.entries = stale
                    .iter()
                    .map(|s| notify::Entry {
                        address: String::new(),
                        name: String::new(),
                        detail: gate::describe_stale(&saved, &observed, s),
                    })
                    .collect();
                *notice = Some(failure);
                return Ok(ExitCode::from(1));
            }
            saved
        }
        None => {
            let plan = plan_now(loaded, &observed);
            if !plan.errors.is_empty() {
                for e in &plan.errors {
                    println!("error: {}: {}", e.resource, e.message);
                }
                println!(
                    "No plan was made: run `ppgov plan` for details, fix the problems and apply again."
                );
                *notice = Some(Summary::plan_errors("apply", project, &plan.errors));
                return Ok(ExitCode::from(1));
            }
            plan
        }
    };
    if plan.is_empty() {
        println!("No changes. The tenant matches the policies.");
        return Ok(ExitCode::SUCCESS);
    }
    let allowed = Allowed {
        destroy: args.allow_destroy,
        loosening: args.allow_loosening,
        managed_environments: args.allow_managed_environments,
        breaking: args.allow_breaking,
    };
    let catalog = tenant::catalog_for(loaded, &observed);
    let refused = gate::refused(&plan, &loaded.desired, &observed, &catalog, allowed);
    if !refused.is_empty() {
        println!("Refusing to apply: these risky steps are not allowed (nothing was applied):");
        for r in &refused {
            let how = match (r.annotation, &r.annotate) {
                (Some(a), Some(resource)) => format!(
                    "{}, or the annotation `{a}: \"true\"` in `metadata.annotations` of {}",
                    r.flag,
                    document_location(loaded, resource)
                ),
                (Some(a), None) => format!("{} or the annotation `{a}: \"true\"`", r.flag),
                _ => r.flag.to_owned(),
            };
            let name = plan
                .changes
                .iter()
                .find(|c| c.address == r.address)
                .map(|c| format!(" \"{}\"", c.display_name))
                .unwrap_or_default();
            println!("  - {}{name}: {} (allow with {how})", r.address, r.risk);
        }
        let mut failure = Summary::failure(
            "apply",
            Some(project),
            "refused: risky steps are not allowed; nothing was applied",
        );
        failure.entries = refused
            .iter()
            .map(|r| notify::Entry {
                address: r.address.clone(),
                name: display_name(&plan, &r.address),
                detail: format!("{} (allow with {})", r.risk, r.flag),
            })
            .collect();
        *notice = Some(failure);
        return Ok(ExitCode::from(1));
    }
    if !from_saved_plan {
        let rendered = render::text(
            &plan,
            Colors {
                enabled: args.format == ApplyFormat::Text && stdout_style().color,
            },
        );
        if args.format == ApplyFormat::Json {
            eprint!("{rendered}");
        } else {
            print!("{rendered}");
        }
        if !args.auto_approve {
            if !std::io::stdin().is_terminal() {
                return Err(
                    "refusing to apply without confirmation: stdin is not a terminal; review the plan and pass --auto-approve, or apply a saved plan (`ppgov plan --out FILE`, then `ppgov apply FILE`)"
                        .to_owned(),
                );
            }
            print!("\nEnter \"yes\" to apply: ");
            crate::output::flush_stdout();
            let mut answer = String::new();
            let _ = std::io::stdin().lock().read_line(&mut answer);
            if answer.trim() != "yes" {
                println!("Apply cancelled; nothing was changed.");
                return Ok(ExitCode::from(1));
            }
        }
    }

    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| default_journal(policies));
    let (report, final_result) = execute(Execution {
        plan: &plan,
        observed: &observed,
        loaded,
        connection,
        journal_path: &journal_path,
        parallelism: usize::from(args.parallelism),
        progress_to_stderr: args.format == ApplyFormat::Json,
        command: "apply",
        only: None,
    })
    .await?;
    match args.format {
        ApplyFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("reports serialize")
        ),
        ApplyFormat::Text => print_report(&report),
    }
    if !report.converged {
        *notice = Some(not_converged_summary(&report, project));
    }
    if let Err(e) = final_result {
        return Err(format!(
            "applied, but the tenant could not be read again to check convergence: {e}"
        ));
    }
    Ok(if report.converged {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `.ppgov/journal.jsonl` beside the policy directory.
pub(crate) fn default_journal(policies: &Path) -> PathBuf {
    let parent = policies.parent().unwrap_or(Path::new(""));
    parent.join(".ppgov").join("journal.jsonl")
}

/// One execution of a checked, gated plan: journalled, verified, re-planned.
pub(crate) struct Execution<'a> {
    pub plan: &'a Plan,
    pub observed: &'a ppgov_core::observed::Observed,
    pub loaded: &'a Loaded,
    pub connection: &'a Connection,
    pub journal_path: &'a Path,
    pub parallelism: usize,
    /// Progress on stderr (stdout carries a machine-readable report).
    pub progress_to_stderr: bool,
    /// What ran, as the journal's `start` line records it.
    pub command: &'static str,
    /// Converged means: none of these addresses is left in the fresh plan (a partial run such
    /// as a repair); `None`: the fresh plan is empty.
    pub only: Option<std::collections::BTreeSet<String>>,
}

/// Runs `x.plan` through the executor with the journal (start, intents, outcomes, end) and
/// re-reads the tenant to check convergence. The second result is the re-read's failure.
pub(crate) async fn execute(x: Execution<'_>) -> Result<(ApplyReport, Result<(), String>), String> {
    let Execution {
        plan,
        observed,
        loaded,
        connection,
        journal_path,
        parallelism,
        progress_to_stderr,
        command,
        only,
    } = x;
    let journal = Arc::new(Mutex::new(Journal::open(journal_path)?));
    let (adds, changes, deletes) = plan.counts();
    let plan_hash = ppgov_planner::plan::fingerprint(&plan);
    let run_id = format!("{}-{}", std::process::id(), now_millis());
    let who = actor(&|name| std::env::var(name).ok(), current_uid_name);
    journal_line(
        &journal,
        json!({
            "event": "start", "time": rfc3339_now(), "run": run_id, "command": command,
            "who": who.name, "whoFrom": who.source,
            "plan": plan_hash, "steps": plan.changes.len(),
            "create": adds, "update": changes, "delete": deletes,
            "tenant": observed.tenant_id,
        }),
    )?;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let terminal = if progress_to_stderr {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    let symbols: Vec<&'static str> = plan.changes.iter().map(|c| c.action.symbol()).collect();
    let consumer_journal = journal.clone();
    let consumer_run = run_id.clone();
    let consumer = tokio::spawn(async move {
        let mut done = 0usize;
        let mut journal_error = None;
        let out = |s: &str, newline: bool| {
            let text = if newline {
                format!("{s}\n")
            } else {
                s.to_owned()
            };
            if progress_to_stderr {
                eprint!("{text}");
            } else {
                print!("{text}");
                crate::output::flush_stdout();
            }
        };
        while let Some(event) = rx.recv().await {
            match event {
                Event::StepStarted {
                    index,
                    total,
                    address,
                    ..
                } => {
                    if terminal {
                        out(
                            &format!("\r\x1b[2K[{done}/{total}] {} {address} ...", symbols[index]),
                            false,
                        );
                    }
                }
                Event::StepFinished {
                    index,
                    total,
                    address,
                    outcome,
                    elapsed,
                    created,
                    ..
                } => {
                    done += 1;
                    let what = match &outcome {
                        Outcome::Applied => "applied".to_owned(),
                        Outcome::Failed { error } => format!("FAILED: {error}"),
                        Outcome::Skipped { because } => format!("skipped ({because} failed)"),
                    };
                    let line = format!(
                        "[{done}/{total}] {} {address} ... {what} ({:.1}s)",
                        symbols[index],
                        elapsed.as_secs_f64()
                    );
                    if terminal {
                        if matches!(outcome, Outcome::Applied) {
                            out(&format!("\r\x1b[2K{line}"), false);
                        } else {
                            out(&format!("\r\x1b[2K{line}"), true);
                        }
                    } else {
                        out(&line, true);
                    }
                    let mut entry = json!({
                        "event": "step", "time": rfc3339_now(), "run": consumer_run,
                        "address": address, "elapsedMs": elapsed.as_millis() as u64,
                    });
                    if let Some(id) = created {
                        entry["created"] = json!(id);
                    }
                    let o = serde_json::to_value(&outcome).expect("outcomes serialize");
                    if let (Some(e), Some(o)) = (entry.as_object_mut(), o.as_object()) {
                        e.extend(o.clone());
                    }
                    if let Err(e) = journal_line(&consumer_journal, entry) {
                        journal_error.get_or_insert(e);
                    }
                }
                Event::Done => {
                    if terminal {
                        out("\r\x1b[2K", false);
                    }
                }
            }
        }
        journal_error
    });
    let options = Options {
        parallelism,
        before_step: Some(intent_recorder(
            journal.clone(),
            run_id.clone(),
            Arc::new(observed.clone()),
            plan.fingerprints.clone(),
        )),
    };
    let mut report = ppgov_apply::apply(plan, &connection.client, &options, Some(&tx)).await;
    drop(tx);
    let journal_error = consumer.await.map_err(|e| e.to_string())?;

    // Prove it: read the tenant again and plan; nothing may be left.
    let final_result = match tenant::observe(connection, loaded, tenant::InventoryRead::None).await
    {
        Ok(after) => {
            let mut fresh = plan_now(loaded, &after);
            if let Some(only) = &only {
                fresh.changes.retain(|c| only.contains(&c.address));
            }
            report.finish(&fresh);
            Ok(())
        }
        Err(e) => {
            report.converged = false;
            Err(e)
        }
    };
    journal_line(
        &journal,
        json!({
            "event": "end", "time": rfc3339_now(), "run": run_id, "plan": plan_hash,
            "applied": report.applied(), "failed": report.failed(), "skipped": report.skipped(),
            "converged": report.converged, "notConverged": report.not_converged,
        }),
    )?;
    if let Some(e) = journal_error {
        return Err(e);
    }
    Ok((report, final_result))
}

/// `EnvironmentGroup `finance` (environment-groups/finance.yaml:4:9)`: the document to
/// annotate, where it is.
fn document_location(loaded: &Loaded, resource: &str) -> String {
    let Ok(ppgov_planner::Address {
        kind,
        name: Some(name),
        key: None,
    }) = resource.parse()
    else {
        return format!("`{resource}`");
    };
    let kind = ppgov_planner::plan::kind_name(kind);
    let name = name.as_str();
    let place = ppgov_core::Kind::parse(kind)
        .and_then(|k| loaded.span_of(k, name, "/metadata"))
        .map(|span| format!(" ({})", loaded.sources.location(span)))
        .unwrap_or_default();
    format!("{kind} `{name}`{place}")
}

fn display_name(plan: &Plan, address: &str) -> String {
    plan.changes
        .iter()
        .find(|c| c.address == address)
        .map(|c| c.display_name.clone())
        .unwrap_or_default()
}

/// What a notification says about an apply that did not converge: the failed and skipped
/// steps, then what a fresh plan still changes.
fn not_converged_summary(report: &ApplyReport, project: &str) -> Summary {
    let failed = report.failed();
    let mut entries: Vec<notify::Entry> = report
        .steps
        .iter()
        .filter_map(|s| {
            let detail = match &s.outcome {
                Outcome::Failed { error } => format!("FAILED: {error}"),
                Outcome::Skipped { because } => format!("skipped ({because} failed)"),
                Outcome::Applied => return None,
            };
            Some(notify::Entry {
                address: s.address.clone(),
                name: s.display_name.clone(),
                detail,
            })
        })
        .collect();
    entries.extend(report.not_converged.iter().map(|line| notify::Entry {
        address: String::new(),
        name: String::new(),
        detail: format!("still different: {line}"),
    }));
    let mut summary = Summary::failure("apply", Some(project), "");
    summary.error = None;
    summary.outcome = if failed > 0 {
        notify::Outcome::Failure
    } else {
        notify::Outcome::NotConverged
    };
    summary.title = if failed > 0 {
        format!("ppgov apply: {failed} step(s) failed on {project}")
    } else {
        format!("ppgov apply did not converge on {project}")
    };
    summary.counts = [
        ("applied", report.applied()),
        ("failed", failed),
        ("skipped", report.skipped()),
        ("stillDifferent", report.not_converged.len()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    summary.entries = entries;
    summary
}

pub(crate) fn print_report(report: &ApplyReport) {
    println!(
        "\nApply finished: {} applied, {} failed, {} skipped.",
        report.applied(),
        report.failed(),
        report.skipped()
    );
    let failed: Vec<_> = report
        .steps
        .iter()
        .filter_map(|s| match &s.outcome {
            Outcome::Failed { error } => Some((s, error)),
            _ => None,
        })
        .collect();
    if !failed.is_empty() {
        println!("\nFailed:");
        for (s, error) in failed {
            println!("  - {}: {error}", s.address);
        }
    }
    let skipped: Vec<_> = report
        .steps
        .iter()
        .filter_map(|s| match &s.outcome {
            Outcome::Skipped { because } => Some((s, because)),
            _ => None,
        })
        .collect();
    if !skipped.is_empty() {
        println!("\nSkipped (a step they depend on failed):");
        for (s, because) in skipped {
            println!("  - {} (because {because} failed)", s.address);
        }
    }
    if report.converged {
        println!("\nConverged: a fresh plan shows no changes.");
    } else if !report.not_converged.is_empty() {
        println!("\nNot converged: a fresh plan still changes:");
        for a in &report.not_converged {
            println!("  - {a}");
        }
    }
}

// ---- journal ----------------------------------------------------------------------------------

/// The append-only audit journal: one JSON object per line, flushed to the OS per line.
struct Journal {
    file: std::fs::File,
    path: PathBuf,
}

impl Journal {
    fn open(path: &Path) -> Result<Journal, String> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open the journal `{}`: {e}", path.display()))?;
        Ok(Journal {
            file,
            path: path.to_owned(),
        })
    }
}

fn journal_line(journal: &Mutex<Journal>, value: serde_json::Value) -> Result<(), String> {
    let mut j = journal.lock().unwrap_or_else(|e| e.into_inner());
    let mut line = serde_json::to_string(&value).expect("JSON");
    line.push('\n');
    // One write per line (append mode): a killed process leaves whole lines behind.
    let path = j.path.clone();
    j.file
        .write_all(line.as_bytes())
        .and_then(|()| j.file.flush())
        .map_err(|e| format!("cannot write the journal `{}`: {e}", path.display()))
}

/// Journals a step's intent before it writes anything (see `ppgov_apply::BeforeStep`): the
/// step, the object, its value as observed before and its fingerprint, the value it will
/// have after. A failed journal write stops the step.
fn intent_recorder(
    journal: Arc<Mutex<Journal>>,
    run_id: String,
    observed: Arc<ppgov_core::observed::Observed>,
    expected: std::collections::BTreeMap<String, String>,
) -> ppgov_apply::BeforeStep {
    Arc::new(move |change: &ppgov_planner::Change| {
        let object = ppgov_apply::object_key(change);
        let (before, fingerprint) = object
            .as_deref()
            .and_then(|key| observed_value(&observed, key))
            .unzip();
        // Tenant settings are fingerprinted one managed setting at a time
        // (`TenantSettings:{path}`): record each, observed and planned.
        let (fingerprint, planned) =
            if matches!(change.after, ppgov_planner::After::TenantSettings(_)) {
                let keys = expected
                    .keys()
                    .filter(|k| k.starts_with("TenantSettings:") && !k.ends_with(":*"));
                let observed_fps: std::collections::BTreeMap<&String, Option<String>> = keys
                    .clone()
                    .map(|k| (k, gate::observed_fingerprint(&observed, k)))
                    .collect();
                let planned_fps: std::collections::BTreeMap<&String, Option<String>> =
                    keys.map(|k| (k, expected.get(k).cloned())).collect();
                (json!(observed_fps), json!(planned_fps))
            } else {
                (
                    json!(fingerprint),
                    json!(object.as_ref().and_then(|k| expected.get(k))),
                )
            };
        journal_line(
            &journal,
            json!({
                "event": "intent", "time": rfc3339_now(), "run": run_id,
                "address": change.address, "kind": change.kind, "action": change.action,
                "displayName": change.display_name,
                "object": object, "id": change.id,
                "fingerprint": fingerprint,
                "plannedFingerprint": planned,
                "before": before, "after": change.after, "changes": change.attributes,
            }),
        )
    })
}

/// The observed value of the object `Kind:id` and its fingerprint (as the planner computes
/// fingerprints), if it was observed.
fn observed_value(
    observed: &ppgov_core::observed::Observed,
    key: &str,
) -> Option<(serde_json::Value, String)> {
    let ppgov_planner::FingerprintKey { kind, id } = key.parse().ok()?;
    kind.rules().observed_value(observed, &id)
}

/// Who runs the apply, and where that came from.
#[derive(Debug, PartialEq, Eq)]
struct Actor {
    name: String,
    source: String,
}

/// Variables naming the person behind a run: ppgov's own, then CI systems' (GitHub Actions,
/// Azure Pipelines, GitLab, CircleCI, Buildkite, Jenkins with the build-user plugin), then
/// the OS user's.
const ACTOR_VARIABLES: &[&str] = &[
    "PPGOV_ACTOR",
    "GITHUB_ACTOR",
    "BUILD_REQUESTEDFOR",
    "GITLAB_USER_LOGIN",
    "CIRCLE_USERNAME",
    "BUILDKITE_BUILD_CREATOR",
    "BUILD_USER_ID",
    "USER",
    "LOGNAME",
    "USERNAME",
];

/// The first non-empty [`ACTOR_VARIABLES`], else the name of the process's user id.
fn actor(var: &dyn Fn(&str) -> Option<String>, uid_name: fn() -> Option<String>) -> Actor {
    ACTOR_VARIABLES
        .iter()
        .find_map(|name| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|v| Actor {
                    name: v,
                    source: format!("env:{name}"),
                })
        })
        .or_else(|| {
            uid_name().map(|name| Actor {
                name,
                source: "uid".to_owned(),
            })
        })
        .unwrap_or_else(|| Actor {
            name: "unknown".to_owned(),
            source: "none".to_owned(),
        })
}

/// The user name of this process's real user id from `/etc/passwd`, else `uid:N` (Linux).
fn current_uid_name() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_owned();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|l| {
        let mut fields = l.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_owned())
    });
    Some(name.unwrap_or_else(|| format!("uid:{uid}")))
}

fn now_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// `2026-01-31T12:34:56.789Z`.
pub(crate) fn rfc3339_now() -> String {
    rfc3339(now_millis())
}

/// `millis` since the epoch as `2026-01-31T12:34:56.789Z` (UTC).
pub(crate) fn rfc3339(millis: u128) -> String {
    let secs = (millis / 1000) as i64;
    let ms = millis % 1000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let date = ppgov_core::rating::Date::from_days_since_epoch(days);
    format!(
        "{date}T{:02}:{:02}:{:02}.{ms:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

// ---- snapshot lock ----------------------------------------------------------------------------

/// `FILE.lock`, created exclusively for the whole apply; removed on drop. A lock left by a
/// process that no longer runs (killed) is stale and taken over.
pub(crate) struct SnapshotLock {
    path: PathBuf,
}

fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if proc.is_dir() {
        proc.join(pid.to_string()).exists()
    } else {
        // No way to tell without /proc: assume it runs.
        true
    }
}

impl SnapshotLock {
    pub(crate) fn acquire(snapshot: &Path) -> Result<SnapshotLock, String> {
        let mut name = snapshot.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        for _ in 0..3 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    let _ = writeln!(f, "{} {}", std::process::id(), rfc3339_now());
                    return Ok(SnapshotLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    let mut parts = text.split_whitespace();
                    let pid = parts.next().and_then(|p| p.parse::<u32>().ok());
                    let since = parts.next().unwrap_or("an unknown time").to_owned();
                    match pid {
                        Some(pid) if process_alive(pid) => {
                            return Err(format!(
                                "the snapshot `{}` is locked by another ppgov apply (process {pid}, since {since}); wait for it to finish (lock file `{}`)",
                                snapshot.display(),
                                path.display()
                            ));
                        }
                        None if text.is_empty() => {
                            // Being written by a process that just created it: wait a moment.
                            std::thread::sleep(std::time::Duration::from_millis(100));
                            let again = std::fs::read_to_string(&path).unwrap_or_default();
                            if !again.is_empty() {
                                continue;
                            }
                            let _ = std::fs::remove_file(&path);
                        }
                        _ => {
                            // Stale: its process is gone (killed).
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => {
                    return Err(format!("cannot create the lock `{}`: {e}", path.display()));
                }
            }
        }
        Err(format!(
            "cannot take the lock `{}`; remove it if no ppgov apply is running",
            path.display()
        ))
    }
}

impl Drop for SnapshotLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::{Actor, actor};

    fn vars(set: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            set.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_actor_comes_from_ppgov_then_the_ci_then_the_os_user() {
        let uid = || Some("root".to_owned());
        let no_uid = || None;
        let who = |set, uid_name| actor(&vars(set), uid_name);
        assert_eq!(
            who(&[("PPGOV_ACTOR", "alice"), ("GITHUB_ACTOR", "bot")], uid),
            Actor {
                name: "alice".into(),
                source: "env:PPGOV_ACTOR".into()
            }
        );
        assert_eq!(
            who(
                &[
                    ("PPGOV_ACTOR", " "),
                    ("GITHUB_ACTOR", "octocat"),
                    ("USER", "runner")
                ],
                uid
            )
            .name,
            "octocat"
        );
        assert_eq!(
            who(&[("BUILD_REQUESTEDFOR", "Jane Doe"), ("USER", "vsts")], uid).name,
            "Jane Doe"
        );
        assert_eq!(who(&[("GITLAB_USER_LOGIN", "jdoe")], uid).name, "jdoe");
        assert_eq!(who(&[("LOGNAME", "bob")], uid).source, "env:LOGNAME");
        assert_eq!(
            who(&[], uid),
            Actor {
                name: "root".into(),
                source: "uid".into()
            }
        );
        assert_eq!(who(&[], no_uid).name, "unknown");
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::rfc3339(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(
            super::rfc3339(1_767_225_599_000),
            "2025-12-31T23:59:59.000Z"
        );
    }
}
