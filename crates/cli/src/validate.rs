//! `ppgov validate`.

use crate::Format;
use crate::files::read_policy_files;
use crate::output::stdout_style;
use ppgov_core::diag::{self, render};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(paths: &[PathBuf], format: Format) -> Result<ExitCode, String> {
    let (sources, mut read_errors) = read_policy_files(paths)?;
    let files = sources.len();
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
    diag::sort(&mut loaded.diagnostics, &loaded.sources);
    match format {
        Format::Json => {
            let json = render::json(&loaded.diagnostics, &loaded.sources);
            println!(
                "{}",
                serde_json::to_string_pretty(&json).expect("JSON serializes")
            );
        }
        Format::Human => {
            print!(
                "{}",
                render::human(&loaded.diagnostics, &loaded.sources, stdout_style())
            );
            let verdict = if loaded.has_errors() {
                "invalid"
            } else {
                "valid"
            };
            println!(
                "{verdict}: {} document{} in {files} file{}; {}",
                loaded.documents,
                if loaded.documents == 1 { "" } else { "s" },
                if files == 1 { "" } else { "s" },
                render::summary(&loaded.diagnostics)
            );
        }
    }
    Ok(if loaded.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
