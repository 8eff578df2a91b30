//! `ppgov validate`.

use crate::Format;
use crate::repo;
use ppgov_core::diag::render;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(paths: &[PathBuf], format: Format) -> Result<ExitCode, String> {
    let loaded = repo::load(paths)?;
    match format {
        Format::Json => {
            let json = render::json(&loaded.diagnostics, &loaded.sources);
            println!(
                "{}",
                serde_json::to_string_pretty(&json).expect("JSON serializes")
            );
        }
        Format::Human => {
            repo::print_diagnostics(&loaded);
            let files = loaded.sources.len();
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
