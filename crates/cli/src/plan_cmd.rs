//! `ppgov plan` and `ppgov show`.

use crate::notify::{self, Summary};
use crate::output::stdout_style;
use crate::repo;
use crate::tenant::{self, TenantArgs};
use clap::{Args, ValueEnum};
use ppgov_core::diag::{self, render as diag_render};
use ppgov_core::{Code, Diagnostic, Kind, Loaded};
use ppgov_planner::Plan;
use ppgov_planner::render::{self, Colors};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Terraform-style text.
    Text,
    /// The plan as versioned JSON (what --out writes).
    Json,
    /// A pull-request comment.
    Markdown,
}

#[derive(Args)]
pub struct PlanArgs {
    /// The policy directory (default `policies`).
    #[arg(value_name = "DIR")]
    pub paths: Vec<PathBuf>,
    /// The policy directory, as `ppgov apply --policies DIR` takes it.
    #[arg(long, value_name = "DIR", conflicts_with = "paths")]
    pub policies: Option<PathBuf>,
    #[command(flatten)]
    pub tenant: TenantArgs,
    #[command(flatten)]
    pub inventory: tenant::InventoryArgs,
    /// Also save the plan (versioned JSON) for `ppgov show` and `ppgov apply`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Exit 0 when there are no changes, 2 when there are, 1 on errors.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan only these resources (and what they depend on), e.g. `DlpPolicy.production`.
    /// A declared resource with nothing to change is a plan without changes; an address that
    /// names no declared resource is an error.
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<String>,
    /// With `--format markdown`: the most characters the comment may have (a pull-request
    /// comment holds at most 65,536); details are collapsed to fit, saying what was cut.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_COMMENT_CHARS)]
    pub max_comment_chars: usize,
    /// Post a summary when the plan has changes or planning fails (repeatable):
    /// `teams+URL`, `slack+URL`, `webhook+URL`, or a Teams or Slack webhook URL (docs/ci.md).
    #[arg(long, value_name = "TARGET")]
    pub notify: Vec<String>,
}

/// Safely under GitHub's 65,536-character limit for a comment, leaving room for a CI job's
/// own header.
pub const DEFAULT_MAX_COMMENT_CHARS: usize = 60_000;

pub fn run(args: PlanArgs) -> Result<ExitCode, String> {
    let targets = notify::parse_targets(&args.notify)?;
    let mut notice = None;
    let result = plan_and_print(&args, &mut notice);
    notify::finish("plan", &targets, result, notice)
}

/// Plans; `notice` receives what a notification would say: the changes, or why it failed.
fn plan_and_print(args: &PlanArgs, notice: &mut Option<Summary>) -> Result<ExitCode, String> {
    let paths = match (&args.policies, args.paths.is_empty()) {
        (Some(dir), _) => vec![dir.clone()],
        (None, true) => vec![PathBuf::from("policies")],
        (None, false) => args.paths.clone(),
    };
    let loaded = repo::load(&paths)?;
    // What a failure from here on reports (an error names no project otherwise).
    *notice = Some(Summary::failure(
        "plan",
        Some(&loaded.desired.project.name),
        "see the log of the run for the error",
    ));
    if loaded.has_errors() {
        repo::print_diagnostics(&loaded);
        let message = format!(
            "the policy files have errors; fix them before planning ({})",
            diag_render::summary(&loaded.diagnostics)
        );
        println!("{message}");
        *notice = Some(Summary::failure(
            "plan",
            Some(&loaded.desired.project.name),
            &message,
        ));
        return Ok(ExitCode::from(1));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let (mut plan, observed) = runtime.block_on(async {
        let connection = tenant::connect(&args.tenant, &loaded).await?;
        let observed = tenant::observe(&connection, &loaded, args.inventory.inventory).await?;
        let catalog = tenant::catalog_for(&loaded, &observed);
        let plan = ppgov_planner::plan(&loaded.desired, &observed, &catalog);
        if let Some(emulator) = connection.emulator {
            emulator.shutdown().await;
        }
        Ok::<_, String>((plan, observed))
    })?;
    if !args.target.is_empty() {
        let declared = ppgov_planner::target::declared_addresses(&loaded.desired);
        let unmatched = ppgov_planner::target::restrict(&mut plan, &args.target, &declared);
        if !unmatched.is_empty() {
            let described: Vec<String> = unmatched
                .iter()
                .map(|u| match &u.suggestion {
                    Some(s) => format!("`{}` (did you mean `{s}`?)", u.target),
                    None => format!("`{}`", u.target),
                })
                .collect();
            return Err(format!(
                "--target matches no declared resource: {}; addresses look like `DlpPolicy.NAME` or `EnvironmentGroup.NAME` (the `metadata.name` of a document), or a kind alone",
                described.join(", ")
            ));
        }
    }
    if !plan.errors.is_empty() {
        let mut diagnostics = plan_diagnostics(&plan, &loaded);
        diag::sort(&mut diagnostics, &loaded.sources);
        match args.format {
            PlanFormat::Json => println!(
                "{}",
                serde_json::to_string_pretty(&diag_render::json(&diagnostics, &loaded.sources))
                    .expect("JSON")
            ),
            _ => print!(
                "{}",
                diag_render::human(&diagnostics, &loaded.sources, stdout_style())
            ),
        }
        println!("No plan was made: fix the problems above and plan again.");
        *notice = Some(Summary::plan_errors(
            "plan",
            &loaded.desired.project.name,
            &plan.errors,
        ));
        return Ok(ExitCode::from(1));
    }
    if !loaded.diagnostics.is_empty() && args.format == PlanFormat::Text {
        repo::print_diagnostics(&loaded);
    }
    crate::expiry_warn::print(&loaded, &observed, args.format == PlanFormat::Text);
    plan.seal(
        loaded.desired.project.name.clone(),
        repo::policies_hash(&loaded),
    );
    if let Some(path) = &args.out {
        write_plan(&plan, path)?;
    }
    let full_plan = match &args.out {
        Some(path) => format!("the saved plan `{0}` (`ppgov show {0}`)", path.display()),
        None => "run `ppgov plan`, or save it with `--out FILE` and publish it as a CI artifact"
            .to_owned(),
    };
    print_plan(&plan, args.format, args.max_comment_chars, &full_plan);
    if let Some(path) = &args.out
        && args.format == PlanFormat::Text
    {
        println!(
            "\nSaved the plan to {0}; `ppgov show {0}` renders it again.",
            path.display()
        );
    }
    if !plan.is_empty() {
        *notice = Some(Summary::changes(&plan, &loaded.desired.project.name));
    }
    Ok(if args.detailed_exitcode && !plan.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_plan(plan: &Plan, format: PlanFormat, max_comment_chars: usize, full_plan: &str) {
    match format {
        PlanFormat::Text => print!(
            "{}",
            render::text(
                plan,
                Colors {
                    enabled: stdout_style().color
                }
            )
        ),
        PlanFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(plan).expect("plans serialize")
        ),
        PlanFormat::Markdown => print!(
            "{}",
            render::markdown_within(plan, max_comment_chars, full_plan)
        ),
    }
}

fn write_plan(plan: &Plan, path: &Path) -> Result<(), String> {
    let mut json = serde_json::to_string_pretty(plan).expect("plans serialize");
    json.push('\n');
    ppgov_emulator::atomic_file::write(path, json.as_bytes())
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

/// Plan errors become diagnostics at the YAML that caused them.
fn plan_diagnostics(plan: &Plan, loaded: &Loaded) -> Vec<Diagnostic> {
    plan.errors
        .iter()
        .map(|e| {
            let mut d = Diagnostic::new(Code::CannotPlan, e.message.clone())
                .help("fix the reference or pin the live object with `metadata.id`; see `ppgov plan --help`");
            let located = e.resource.split_once('.').and_then(|(kind, name)| {
                let kind = Kind::parse(kind)?;
                let name = name.split('[').next().unwrap_or(name);
                loaded.span_of(kind, name, &e.pointer)
            });
            if let Some(span) = located {
                d = d.at(span, e.resource.clone());
            } else {
                d.message = format!("{}: {}", e.resource, e.message);
            }
            d
        })
        .collect()
}

#[derive(Args)]
pub struct ShowArgs {
    /// A plan saved with `ppgov plan --out FILE`.
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// With `--format markdown`: the most characters the comment may have.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_COMMENT_CHARS)]
    pub max_comment_chars: usize,
}

pub fn show(args: ShowArgs) -> Result<ExitCode, String> {
    let plan = read_plan(&args.file)?;
    let full_plan = format!("`ppgov show {}`", args.file.display());
    print_plan(&plan, args.format, args.max_comment_chars, &full_plan);
    Ok(ExitCode::SUCCESS)
}

/// Reads a saved plan, refusing other format versions.
pub fn read_plan(path: &Path) -> Result<Plan, String> {
    if path.is_dir() {
        return Err(format!(
            "`{0}` is a directory, not a plan file: give a plan saved with `ppgov plan --out FILE` (to apply the policies in `{0}`, run `ppgov apply {0}`)",
            path.display()
        ));
    }
    if !path.exists() {
        return Err(format!(
            "`{}` does not exist: expected a plan saved with `ppgov plan --out FILE`",
            path.display()
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let version = serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| format!("`{}` is not a plan file: {e}", path.display()))?
        .get("formatVersion")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(ppgov_planner::plan::FORMAT_VERSION)) {
        return Err(format!(
            "`{}` has plan format version {}, but this ppgov reads version {}; plan again with this version",
            path.display(),
            version.map_or_else(|| "none".to_owned(), |v| v.to_string()),
            ppgov_planner::plan::FORMAT_VERSION
        ));
    }
    serde_json::from_str(&text)
        .map_err(|e| format!("`{}` is not a valid plan: {e}", path.display()))
}

/// Refuses a saved plan that was modified after it was made, or made from other policies
/// than `loaded` (read from `dir`).
pub fn check_seal(plan: &Plan, path: &Path, loaded: &Loaded, dir: &Path) -> Result<(), String> {
    let Some(seal) = &plan.seal else {
        return Err(format!(
            "`{}` records no hash of its body and policies, so it cannot be trusted; nothing was applied. Make it again with `ppgov plan --out FILE`",
            path.display()
        ));
    };
    let body = plan.body_hash();
    if body != seal.body {
        return Err(format!(
            "the plan file `{}` was modified after it was made (it records body hash {}, its content hashes to {body}); nothing was applied. Make it again with `ppgov plan --out FILE`",
            path.display(),
            seal.body
        ));
    }
    let project = &loaded.desired.project.name;
    if &seal.project != project {
        return Err(format!(
            "the plan `{}` was made from another repository: project `{}`, but `{}` is project `{project}`; nothing was applied",
            path.display(),
            seal.project,
            dir.display()
        ));
    }
    let policies = repo::policies_hash(loaded);
    if policies != seal.policies {
        return Err(format!(
            "the policies changed since the plan `{}` was made (it records policies hash {}, `{}` now hashes to {policies}); nothing was applied. Plan again and review the new plan",
            path.display(),
            seal.policies,
            dir.display()
        ));
    }
    Ok(())
}
