//! Loading a policy repository, with its diagnostics rendered the same way by every command.

use crate::files::read_policy_files;
use crate::output::stdout_style;
use ppgov_core::Loaded;
use ppgov_core::diag::{self, render};
use std::path::PathBuf;

/// Reads and validates the repository at `paths`.
pub fn load(paths: &[PathBuf]) -> Result<Loaded, String> {
    let (sources, mut read_errors) = read_policy_files(paths)?;
    // A whole directory is a repository and should have its ppgov.yaml; single files are
    // checked on their own.
    let expect_project = paths.iter().any(|p| p.is_dir());
    let mut loaded = ppgov_core::load_with(
        sources,
        ppgov_core::LoadOptions {
            expect_project,
            ..Default::default()
        },
    );
    loaded.diagnostics.append(&mut read_errors);
    // `spec.checks` names check ids, which only the checks crate knows.
    loaded
        .diagnostics
        .extend(ppgov_checks::config_problems(&loaded));
    diag::sort(&mut loaded.diagnostics, &loaded.sources);
    Ok(loaded)
}

/// The repository at `dir` when it exists (for `ppgov.yaml`: tenant id, cloud, catalog),
/// else an empty one: for commands that read the tenant without planning.
pub fn load_if_present(dir: &std::path::Path) -> Result<Loaded, String> {
    if dir.is_dir() {
        load(&[dir.to_path_buf()])
    } else {
        Ok(ppgov_core::load(ppgov_core::SourceMap::new()))
    }
}

/// Prints the diagnostics for people, on stdout.
pub fn print_diagnostics(loaded: &Loaded) {
    print!(
        "{}",
        render::human(&loaded.diagnostics, &loaded.sources, stdout_style())
    );
}

/// The hash of the loaded policy files' texts, in file-name order: what a saved plan records
/// so `apply` can tell it was made from these policies.
pub fn policies_hash(loaded: &Loaded) -> String {
    let mut files: Vec<_> = loaded.sources.iter().map(|(_, f)| f).collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    ppgov_planner::plan::policies_hash(files.iter().map(|f| f.text.as_str()))
}
