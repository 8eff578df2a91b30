//! `ppgov schema`.

use std::path::Path;
use std::process::ExitCode;

pub fn run(out: &Path, check: bool) -> Result<ExitCode, String> {
    let files = ppgov_core::schema::schema_files();
    if check {
        let stale: Vec<String> = files
            .iter()
            .filter(|(name, text)| {
                std::fs::read_to_string(out.join(name)).ok().as_deref() != Some(text.as_str())
            })
            .map(|(name, _)| name.clone())
            .collect();
        if stale.is_empty() {
            println!("schemas in {} are up to date", out.display());
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "stale or missing in {}: {}",
            out.display(),
            stale.join(", ")
        );
        println!(
            "run `ppgov schema --out {}` to regenerate them",
            out.display()
        );
        return Ok(ExitCode::from(1));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create `{}`: {e}", out.display()))?;
    for (name, text) in &files {
        let path = out.join(name);
        ppgov_emulator::atomic_file::write(&path, text.as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    println!("wrote {} schemas to {}", files.len(), out.display());
    Ok(ExitCode::SUCCESS)
}
