//! `ppgov import`: write a policy repository from a tenant, or (`--missing`) add to an
//! existing one the live objects it does not declare yet.
//!
//! The tenant is read like `plan` reads it; `ppgov-import` turns it into files (pure); this
//! module decides where they go and never overwrites what a person wrote without `--force`.

use crate::tenant::{self, TenantArgs};
use clap::{Args, ValueEnum};
use ppgov_core::model::Cloud;
use ppgov_core::model::EnvironmentTarget;
use ppgov_import::{Adopt, EnvironmentSelection, ImportKind, Imported, Options};
use ppgov_planner::resolve::Resolver;
use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct ImportArgs {
    /// The repository to write. Must be empty or absent unless --force; with --missing, the
    /// existing repository to add to (default `policies`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into a non-empty directory, replacing files of the same names.
    #[arg(long)]
    pub force: bool,
    /// Add only the live objects the repository does not declare ("Not managed here" in a
    /// plan), as new files; no existing file is touched.
    #[arg(long)]
    pub missing: bool,
    /// Which environments get a document: `governed` (in a group, managed, or named by a
    /// DLP policy or role assignment) or `all`.
    #[arg(long, value_enum, default_value_t = EnvironmentsArg::Governed)]
    pub environments: EnvironmentsArg,
    /// Write group membership as a selector (type, region, name pattern) when one matches
    /// exactly the group's members; explicit otherwise.
    #[arg(long)]
    pub infer_selectors: bool,
    /// Import only these kinds (repeatable, or comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KIND")]
    pub only: Vec<KindArg>,
    /// The cloud the tenant lives in (written to ppgov.yaml, and used to connect).
    #[arg(long, value_enum, default_value_t = CloudArg::Public)]
    pub cloud: CloudArg,
    #[command(flatten)]
    pub tenant: TenantArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnvironmentsArg {
    Governed,
    All,
}

/// A kind `--only` accepts: every [`ImportKind`], under its document name, so a kind import
/// learns to write needs nothing here.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KindArg(ImportKind);

impl KindArg {
    /// Every import kind, in [`ImportKind::ALL`]'s order (the order `--help` lists them).
    const ALL: [KindArg; ImportKind::ALL.len()] = {
        let mut all = [KindArg(ImportKind::ALL[0]); ImportKind::ALL.len()];
        let mut i = 1;
        while i < all.len() {
            all[i] = KindArg(ImportKind::ALL[i]);
            i += 1;
        }
        all
    };

    fn kind(self) -> ImportKind {
        self.0
    }
}

impl ValueEnum for KindArg {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.as_str()))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CloudArg {
    Public,
    Gcc,
    GccHigh,
    Dod,
    China,
}

impl CloudArg {
    fn cloud(self) -> Cloud {
        match self {
            CloudArg::Public => Cloud::Public,
            CloudArg::Gcc => Cloud::Gcc,
            CloudArg::GccHigh => Cloud::GccHigh,
            CloudArg::Dod => Cloud::Dod,
            CloudArg::China => Cloud::China,
        }
    }
}

/// Progress for people: on a terminal only, on stderr.
fn progress(message: &str) {
    if std::io::stderr().is_terminal() {
        eprintln!("{message}");
    }
}

pub fn run(args: ImportArgs) -> Result<ExitCode, String> {
    let out = match (&args.out, args.missing) {
        (Some(dir), _) => dir.clone(),
        (None, true) => PathBuf::from("policies"),
        (None, false) => {
            return Err(
                "where should the repository go? give --out DIR (an empty or new directory)".into(),
            );
        }
    };
    if args.missing && args.force {
        return Err("--missing never replaces files, so it does not take --force".into());
    }
    // A fresh import writes only into an empty directory, unless told otherwise.
    if !args.missing && !args.force && is_non_empty_dir(&out)? {
        return Err(format!(
            "`{}` is not empty: import writes a whole repository; choose an empty directory, or add --force to write into it (files with the same names are replaced)",
            out.display()
        ));
    }
    let loaded = if args.missing {
        if !out.is_dir() {
            return Err(format!(
                "`{}` is not a directory: --missing adds to an existing repository",
                out.display()
            ));
        }
        let loaded = crate::repo::load(std::slice::from_ref(&out))?;
        if loaded.has_errors() {
            crate::repo::print_diagnostics(&loaded);
            return Err(format!(
                "`{}` has errors: fix them before importing into it",
                out.display()
            ));
        }
        loaded
    } else {
        let mut loaded = ppgov_core::load(ppgov_core::SourceMap::new());
        loaded.desired.project.cloud = args.cloud.cloud();
        loaded
    };
    let kinds: BTreeSet<ImportKind> = if args.only.is_empty() {
        ImportKind::ALL.into()
    } else {
        args.only.iter().map(|k| k.kind()).collect()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let source = match (&args.tenant.snapshot, &args.tenant.base_url) {
        (Some(path), _) => format!("snapshot {}", path.display()),
        (None, Some(url)) => url.clone(),
        (None, None) => "the live tenant".to_owned(),
    };
    let mut options = Options {
        environments: match args.environments {
            EnvironmentsArg::Governed => EnvironmentSelection::Governed,
            EnvironmentsArg::All => EnvironmentSelection::All,
        },
        kinds,
        infer_selectors: args.infer_selectors,
        cloud: loaded.desired.project.cloud,
        source: String::new(),
        date: today(),
        schema_from_root: "schemas/ppgov.schema.json".into(),
        adopt: None,
    };
    let imported = runtime.block_on(async {
        progress("reading the tenant ...");
        let connection = tenant::connect(&args.tenant, &loaded).await?;
        let result = async {
            let observed = if args.missing {
                tenant::observe_every_rbac_scope(&connection, &loaded).await?
            } else {
                let client = &connection.client;
                let mut observed = client
                    .observe(&ppgov_tenant_client::ObserveOptions {
                        connectors: true,
                        bap_roles_of_managed_or_grouped: true,
                        // Every RBAC scope: an import cannot know where assignments are.
                        rbac_environment_scopes: None,
                        ..Default::default()
                    })
                    .await
                    .map_err(|e| e.to_string())?;
                let wanted = ppgov_import::environments_needing_bap_roles(&observed, &options);
                if !wanted.is_empty() {
                    progress(&format!(
                        "reading the role assignments of {} environments ...",
                        wanted.len()
                    ));
                }
                tenant::read_bap_roles(client, wanted, &mut observed).await?;
                observed
            };
            let tenant_id = observed.tenant_id.clone().unwrap_or_else(|| "?".into());
            options.source = format!("tenant {tenant_id} ({source})");
            if args.missing {
                options.adopt = Some(adopt_from_plan(&loaded, &observed, &out)?);
                options.schema_from_root = schema_from_root(&out);
            }
            let catalog = tenant::catalog_for(&loaded, &observed);
            Ok::<Imported, String>(ppgov_import::import(&observed, &catalog, &options))
        }
        .await;
        if let Some(emulator) = connection.emulator {
            emulator.shutdown().await;
        }
        result
    })?;
    write_files(&out, &imported, !args.missing)?;
    summary(&out, &imported, args.missing);
    Ok(ExitCode::SUCCESS)
}

fn is_non_empty_dir(dir: &Path) -> Result<bool, String> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_some()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            Err(format!("`{}` is a file, not a directory", dir.display()))
        }
        Err(e) => Err(format!("cannot read `{}`: {e}", dir.display())),
    }
}

/// Today in UTC (`YYYY-MM-DD`); `SOURCE_DATE_EPOCH` fixes it, for reproducible output.
fn today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    crate::apply_cmd::rfc3339(u128::from(secs) * 1000)[..10].to_owned()
}

/// What a plan reports as not declared, and what the repository already names.
fn adopt_from_plan(
    loaded: &ppgov_core::Loaded,
    observed: &ppgov_core::observed::Observed,
    repo: &Path,
) -> Result<Adopt, String> {
    let catalog = tenant::catalog_for(loaded, observed);
    let plan = ppgov_planner::plan(&loaded.desired, observed, &catalog);
    if !plan.errors.is_empty() {
        return Err(format!(
            "the plan of `{}` has errors ({}); run `ppgov plan` to see them, fix them, then import",
            repo.display(),
            plan.errors.len()
        ));
    }
    let mut adopt = Adopt::default();
    for note in &plan.notes {
        // The import kind of the note's name; memberships have none (they follow the groups
        // and environments, nothing to declare on their own).
        let Some(kind) = ImportKind::ALL
            .into_iter()
            .find(|k| k.kind().as_str() == note.kind.name())
        else {
            continue;
        };
        adopt.objects.insert((kind, note.id.clone()));
    }
    let desired = &loaded.desired;
    adopt.taken_names = BTreeMap::from([
        (
            ImportKind::Environment,
            desired.environments.keys().cloned().collect(),
        ),
        (
            ImportKind::EnvironmentGroup,
            desired.environment_groups.keys().cloned().collect(),
        ),
        (
            ImportKind::DlpPolicy,
            desired.dlp_policies.keys().cloned().collect(),
        ),
        (
            ImportKind::RoleAssignment,
            desired
                .role_assignments
                .values()
                .map(|a| a.document.clone())
                .collect(),
        ),
    ]);
    let resolver = Resolver::new(desired, observed);
    for name in desired.environments.keys() {
        if let Ok(env) = resolver.environment(&EnvironmentTarget::Declared(name.clone())) {
            adopt.environment_names.insert(env.id.clone(), name.clone());
        }
    }
    for name in desired.environment_groups.keys() {
        if let Ok(Some(id)) = resolver.group(name) {
            adopt.group_names.insert(id.to_owned(), name.clone());
        }
    }
    adopt.existing_files = existing_files(repo);
    Ok(adopt)
}

/// Every file under `root`, as `/`-separated relative paths (case as on disk).
fn existing_files(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(root) {
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.insert(rel.join("/"));
            }
        }
    }
    out
}

/// The `$schema` the repository's `ppgov.yaml` names, as seen from the repository root.
fn schema_from_root(repo: &Path) -> String {
    let text = std::fs::read_to_string(repo.join("ppgov.yaml")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("# yaml-language-server: $schema="))
        .map_or_else(
            || "schemas/ppgov.schema.json".to_owned(),
            |s| s.trim().to_owned(),
        )
}

fn write_files(out: &Path, imported: &Imported, with_schemas: bool) -> Result<(), String> {
    let mut files: Vec<(PathBuf, &[u8])> = imported
        .files
        .iter()
        .map(|(rel, text)| (out.join(rel), text.as_bytes()))
        .collect();
    let schemas = ppgov_core::schema::schema_files();
    if with_schemas {
        files.extend(
            schemas
                .iter()
                .map(|(name, text)| (out.join("schemas").join(name), text.as_bytes())),
        );
    }
    // Tens of thousands of small files: each directory is created once and the files are
    // written on a few threads; new files are created directly, replaced ones atomically.
    let threads = ppgov_emulator::atomic_file::write_threads();
    ppgov_emulator::atomic_file::write_files(&files, threads).map_err(|e| e.to_string())
}

fn summary(out: &Path, imported: &Imported, missing: bool) {
    let total: usize = imported.documents.values().sum();
    if missing && total == 0 {
        println!(
            "nothing to add: `{}` declares every live object the plan reads",
            out.display()
        );
    } else {
        let schemas = if missing {
            String::new()
        } else {
            format!(
                " (and the JSON Schemas editors use, in {})",
                out.join("schemas").display()
            )
        };
        println!(
            "wrote {} file(s) to {}{schemas}: {total} document(s)",
            imported.files.len(),
            out.display()
        );
    }
    for (kind, n) in &imported.documents {
        println!("  {:<17} {n}", kind.as_str());
    }
    if !imported.skipped.is_empty() {
        println!("left out ({}):", imported.skipped.len());
        for s in &imported.skipped {
            println!("  - {s}");
        }
    }
    if !missing {
        println!(
            "next: `ppgov validate {0}` and `ppgov plan {0}` (expect no changes)",
            out.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::KindArg;
    use clap::ValueEnum;
    use ppgov_import::ImportKind;

    /// `--only` offers every kind import writes, each under its document name.
    #[test]
    fn kind_arguments_cover_every_import_kind() {
        let offered: Vec<ImportKind> = KindArg::value_variants().iter().map(|a| a.kind()).collect();
        assert_eq!(
            offered,
            ImportKind::ALL,
            "KindArg (crates/cli/src/import_cmd.rs) must offer every ImportKind"
        );
        for arg in KindArg::value_variants() {
            let name = arg.to_possible_value().expect("not hidden");
            assert_eq!(name.get_name(), arg.kind().as_str());
        }
    }
}
