//! `ppgov check` (the repository, offline) and `ppgov assess` (the repository and the
//! tenant): the governance checks of `ppgov-checks`, printed as text, JSON, SARIF or Markdown,
//! optionally with an HTML page, and an exit status from `--fail-on`.

use crate::check_report;
use crate::repo;
use crate::tenant::{self, TenantArgs};
use clap::{Args, ValueEnum};
use ppgov_checks::{Input, Report, Severity};
use ppgov_core::diag::render as diag_render;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people: one block per finding, with the fix.
    Text,
    /// Versioned JSON (`formatVersion`), for tools.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// A pull-request comment.
    Markdown,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    /// Exit 0 whatever the findings.
    Never,
}

#[derive(Args)]
pub struct CheckArgs {
    /// The policy directory.
    #[arg(value_name = "DIR", default_value = "policies")]
    pub dir: PathBuf,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Also write the report as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// An earlier run's JSON report (`--format json`): say which findings were fixed, which
    /// are new, and which areas changed maturity level.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Exit 1 when a finding has this severity or a higher one.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

#[derive(Args)]
pub struct AssessArgs {
    #[command(flatten)]
    pub check: CheckArgs,
    #[command(flatten)]
    pub tenant: TenantArgs,
    /// Also read every environment's inventory: apps, flows, custom connectors (for the
    /// inventory checks, `PPG-C2xx`).
    #[arg(long)]
    pub inventory: bool,
    /// Also read Power Platform Advisor's recommendations and report each affected resource
    /// as a finding `ADVISOR:<scenario>` (Security: warning; other categories: info).
    #[arg(long)]
    pub advisor: bool,
}

pub fn check(args: CheckArgs) -> Result<ExitCode, String> {
    run(&args, None)
}

pub fn assess(args: AssessArgs) -> Result<ExitCode, String> {
    let what = TenantRead {
        inventory: args.inventory,
        advisor: args.advisor,
    };
    run(&args.check, Some((&args.tenant, what)))
}

/// What `assess` reads besides the governed tenant.
#[derive(Clone, Copy)]
struct TenantRead {
    inventory: bool,
    advisor: bool,
}

fn run(
    args: &CheckArgs,
    tenant_args: Option<(&TenantArgs, TenantRead)>,
) -> Result<ExitCode, String> {
    let loaded = repo::load(std::slice::from_ref(&args.dir))?;
    if loaded.has_errors() {
        repo::print_diagnostics(&loaded);
        println!(
            "the policy files have errors; fix them before checking ({})",
            diag_render::summary(&loaded.diagnostics)
        );
        return Ok(ExitCode::from(1));
    }
    let (observed, advisor) = match tenant_args {
        None => (None, None),
        Some((tenant_args, what)) => {
            let (observed, advisor) = read_tenant(tenant_args, &loaded, what)?;
            (Some(observed), advisor)
        }
    };
    let today = crate::clock::today()?;
    if let Some(observed) = &observed {
        crate::expiry_warn::print(&loaded, observed, args.format == ReportFormat::Text);
    }
    let report = ppgov_checks::run(&Input {
        loaded: &loaded,
        observed: observed.as_ref(),
        today: &today,
        advisor: advisor.as_ref(),
    });
    let comparison = match &args.baseline {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the baseline `{}`: {e}", path.display()))?;
            let baseline: ppgov_checks::maturity::Baseline =
                serde_json::from_str(&text).map_err(|e| {
                    format!(
                        "the baseline `{}` is not a JSON report of `ppgov check --format json` or `ppgov assess --format json`: {e}",
                        path.display()
                    )
                })?;
            Some(ppgov_checks::maturity::compare(&baseline, &report))
        }
    };
    let comparison = comparison.as_ref();
    let output = match args.format {
        ReportFormat::Text => check_report::text(&report, comparison),
        ReportFormat::Json => check_report::json(&report, comparison),
        ReportFormat::Sarif => check_report::sarif(&report, &uri_prefix(&args.dir)),
        ReportFormat::Markdown => check_report::markdown(&report, comparison),
    };
    print!("{output}");
    if let Some(path) = &args.html {
        ppgov_emulator::atomic_file::write(
            path,
            check_report::html(&report, comparison).as_bytes(),
        )
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    let failing = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    Ok(ExitCode::from(u8::from(
        failing.is_some_and(|level| report.has_at_least(level)),
    )))
}

/// Reads the tenant as `plan` does, plus every environment's inventory (apps, flows, custom
/// connectors, connections) with `inventory`, and Advisor's recommendations with `advisor`.
fn read_tenant(
    args: &TenantArgs,
    loaded: &ppgov_core::Loaded,
    what: TenantRead,
) -> Result<
    (
        ppgov_core::observed::Observed,
        Option<ppgov_core::advisor::Advisor>,
    ),
    String,
> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let connection = tenant::connect(args, loaded).await?;
        let which = if what.inventory {
            tenant::InventoryRead::All
        } else {
            tenant::InventoryRead::None
        };
        let observed = tenant::observe(&connection, loaded, which).await?;
        let advisor = if what.advisor {
            let advisor = connection.client.read_advisor().await.map_err(|e| {
                format!(
                    "cannot read the Power Platform Advisor recommendations from {}: {e}",
                    connection.source
                )
            })?;
            Some(advisor)
        } else {
            None
        };
        if let Some(emulator) = connection.emulator {
            emulator.shutdown().await;
        }
        Ok((observed, advisor))
    })
}

/// What SARIF file URIs start with: the policy directory as given, relative to where ppgov
/// runs (the repository root in CI), so code scanning finds the files.
fn uri_prefix(dir: &Path) -> String {
    let parts: Vec<String> = dir
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            std::path::Component::ParentDir => Some("..".to_owned()),
            _ => None,
        })
        .collect();
    if dir.is_absolute() {
        format!("file:///{}/", parts.join("/"))
    } else if parts.is_empty() {
        String::new()
    } else {
        format!("{}/", parts.join("/"))
    }
}

/// The report counts, for messages.
pub fn summary(report: &Report) -> String {
    let counts = report.counts();
    let n = |s| counts.get(&s).copied().unwrap_or(0);
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut line = format!(
        "{}: {}, {}, {info} info ({} run on the {})",
        plural(report.findings.len(), "finding", "findings"),
        plural(n(Severity::Error), "error", "errors"),
        plural(n(Severity::Warning), "warning", "warnings"),
        plural(report.checks_run.len(), "check", "checks"),
        report.scope.replace('+', " and the "),
        info = n(Severity::Info),
    );
    if !report.suppressed.is_empty() {
        line.push_str(&format!("; {} suppressed", report.suppressed.len()));
    }
    line
}
