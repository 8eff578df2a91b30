//! `ppgov request environment|connector`: a request becomes a change to the repository, written
//! only once it validates and plans.
//!
//! Every request computes the new texts of the files it touches in memory, loads the repository
//! with them, plans against the tenant (snapshot or live, like `plan`), and only then writes:
//! each file to a temporary file beside it, then renamed into place; on any failure before or
//! during the writes the repository is left byte for byte as it was (docs/requests.md).

mod connector;
mod environment;
mod layout;

use crate::repo;
use crate::tenant::{self, TenantArgs};
use clap::{Args, Subcommand};
use ppgov_core::diag::render as diag_render;
use ppgov_core::{Loaded, SourceMap};
use ppgov_planner::Plan;
use ppgov_planner::render::{self, Colors};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct RequestArgs {
    #[command(subcommand)]
    pub what: RequestKind,
}

#[derive(Subcommand)]
pub enum RequestKind {
    /// A new environment ppgov creates (`lifecycle: owned`), in a group, with its admins.
    Environment(environment::EnvironmentRequest),
    /// Allow a connector (as `business`) for an environment or environment group.
    Connector(connector::ConnectorRequest),
}

/// Where the repository is and how to read the tenant: the same options as `plan`.
#[derive(Args)]
pub struct Common {
    /// The policy directory to change.
    #[arg(long, value_name = "DIR", default_value = "policies")]
    pub policies: PathBuf,
    #[command(flatten)]
    pub tenant: TenantArgs,
}

/// The files a request writes: path relative to the policy directory -> new text.
pub type Edits = BTreeMap<String, String>;

/// How a request turns the repository into [`Edits`].
type Describe<'r> = dyn Fn(&Loaded) -> Result<Edits, String> + 'r;

pub fn run(args: RequestArgs) -> Result<ExitCode, String> {
    let (common, describe): (&Common, Box<Describe>) = match &args.what {
        RequestKind::Environment(r) => (&r.common, Box::new(|l| r.edits(l))),
        RequestKind::Connector(r) => (&r.common, Box::new(|l| r.edits(l))),
    };
    let loaded = repo::load(std::slice::from_ref(&common.policies))?;
    if loaded.has_errors() {
        repo::print_diagnostics(&loaded);
        return Err(format!(
            "the policy files in `{}` have errors already ({}); fix them before requesting changes. Nothing was changed",
            common.policies.display(),
            diag_render::summary(&loaded.diagnostics)
        ));
    }
    let edits = describe(&loaded)?;
    let changed = load_with_edits(&loaded, &edits);
    if changed.has_errors() {
        repo::print_diagnostics(&changed);
        return Err(format!(
            "the requested change would not validate ({}); nothing was changed",
            diag_render::summary(&changed.diagnostics)
        ));
    }
    let plan = plan_against_tenant(&common.tenant, &changed, &args.what)?;
    write_all(&common.policies, &edits)?;
    for file in edits.keys() {
        let state = if loaded.sources.iter().any(|(_, f)| &f.name == file) {
            "changed"
        } else {
            "added"
        };
        println!("{state} {}", common.policies.join(file).display());
    }
    println!();
    print!("{}", render::text(&plan, Colors { enabled: false }));
    print_approvers(&plan);
    println!(
        "\nReview the change (`git diff`), then commit it on a branch and open a pull request."
    );
    Ok(ExitCode::SUCCESS)
}

/// The repository as it would be with `edits`, validated like `repo::load`.
fn load_with_edits(loaded: &Loaded, edits: &Edits) -> Loaded {
    let mut sources = SourceMap::new();
    for (_, file) in loaded.sources.iter() {
        let text = edits.get(&file.name).unwrap_or(&file.text);
        sources.add(file.name.clone(), text.clone());
    }
    for (name, text) in edits {
        if !loaded.sources.iter().any(|(_, f)| &f.name == name) {
            sources.add(name.clone(), text.clone());
        }
    }
    let mut changed = ppgov_core::load(sources);
    changed
        .diagnostics
        .extend(ppgov_checks::config_problems(&changed));
    ppgov_core::diag::sort(&mut changed.diagnostics, &changed.sources);
    changed
}

/// Reads the tenant, checks what only the tenant can tell (an environment request's region
/// and name), and plans the changed repository; plan errors fail the request.
fn plan_against_tenant(
    args: &TenantArgs,
    changed: &Loaded,
    what: &RequestKind,
) -> Result<Plan, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let (observed, plan) = runtime.block_on(async {
        let connection = tenant::connect(args, changed).await?;
        let observed = tenant::observe(&connection, changed, tenant::InventoryRead::None).await;
        if let Some(emulator) = connection.emulator {
            emulator.shutdown().await;
        }
        let observed = observed?;
        if let RequestKind::Environment(r) = what {
            r.check_tenant(&observed)?;
        }
        let catalog = tenant::catalog_for(changed, &observed);
        let plan = ppgov_planner::plan(&changed.desired, &observed, &catalog);
        Ok::<_, String>((observed, plan))
    })?;
    let _ = observed;
    if !plan.errors.is_empty() {
        let problems: Vec<String> = plan
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.resource, e.message))
            .collect();
        return Err(format!(
            "the requested change cannot be planned against the tenant: {}; nothing was changed",
            problems.join("; ")
        ));
    }
    Ok(plan)
}

fn print_approvers(plan: &Plan) {
    if plan.approvals.is_empty() {
        println!("\nApprovals: none required.");
        return;
    }
    println!("\nApprovals this change needs:");
    for (address, approvals) in &plan.approvals {
        for a in approvals {
            println!("  - {}: {} ({address})", a.approver, a.because);
        }
    }
}

/// Writes every edit to a temporary file beside its target, then renames them all into place;
/// if anything fails, what was renamed is put back and the temporary files removed.
fn write_all(dir: &Path, edits: &Edits) -> Result<(), String> {
    let temp_of = |path: &Path| {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".ppgov-request.tmp");
        path.with_file_name(name)
    };
    let targets: Vec<(PathBuf, PathBuf, &String)> = edits
        .iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            (temp_of(&path), path, text)
        })
        .collect();
    let cleanup = |temps: &[&PathBuf]| {
        for t in temps {
            let _ = std::fs::remove_file(t);
        }
    };
    let mut written = Vec::new();
    for (temp, path, text) in &targets {
        let result = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| write_synced(temp, text));
        if let Err(e) = result {
            cleanup(&written);
            let _ = std::fs::remove_file(temp);
            return Err(format!(
                "cannot write `{}`: {e}; nothing was changed",
                path.display()
            ));
        }
        written.push(temp);
    }
    // Originals, to put back if a rename fails half-way.
    let originals: Vec<Option<Vec<u8>>> = targets
        .iter()
        .map(|(_, path, _)| std::fs::read(path).ok())
        .collect();
    for (i, (temp, path, _)) in targets.iter().enumerate() {
        if let Err(e) = std::fs::rename(temp, path) {
            for ((_, done, _), original) in targets[..i].iter().zip(&originals) {
                let _ = match original {
                    Some(bytes) => std::fs::write(done, bytes),
                    None => std::fs::remove_file(done),
                };
            }
            cleanup(&written[i..]);
            return Err(format!(
                "cannot move the new `{}` into place: {e}; nothing was changed",
                path.display()
            ));
        }
    }
    Ok(())
}

fn write_synced(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// `text` as a YAML double-quoted scalar (JSON strings are valid YAML).
pub(crate) fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}
