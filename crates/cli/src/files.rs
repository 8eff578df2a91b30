//! Reading a policy directory into a [`SourceMap`].

use ppgov_core::{Code, Diagnostic, SourceMap, Span};
use std::path::{Path, PathBuf};

/// Every `*.yaml`/`*.yml` file under `paths`, read into a source map named by path relative
/// to the directory given (with `/` separators), in sorted order so output is stable.
/// Files that cannot be read become diagnostics; a path that does not exist is an error.
pub fn read_policy_files(paths: &[PathBuf]) -> Result<(SourceMap, Vec<Diagnostic>), String> {
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for root in paths {
        let meta = std::fs::metadata(root)
            .map_err(|e| format!("cannot read `{}`: {e}", root.display()))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(root, &mut files).map_err(|e| format!("cannot list `{}`: {e}", root.display()))?;
            for file in files {
                let relative = file.strip_prefix(root).unwrap_or(&file);
                let mut name = display_path(relative);
                if paths.len() > 1 {
                    name = format!("{}/{name}", display_path(root).trim_end_matches('/'));
                }
                found.push((name, file));
            }
        } else {
            found.push((display_path(root), root.clone()));
        }
    }
    found.sort();
    found.dedup();
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    for (name, path) in found {
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => {
                    sources.add(name, text);
                }
                Err(e) => {
                    let id = sources.add(name.clone(), "");
                    diagnostics.push(
                        Diagnostic::new(
                            Code::UnreadableFile,
                            format!(
                                "`{name}` is not valid UTF-8 (byte {})",
                                e.utf8_error().valid_up_to()
                            ),
                        )
                        .at(Span::new(id, 0, 0), "in this file")
                        .help("save the file as UTF-8"),
                    );
                }
            },
            Err(e) => {
                let id = sources.add(name.clone(), "");
                diagnostics.push(
                    Diagnostic::new(Code::UnreadableFile, format!("cannot read `{name}`: {e}"))
                        .at(Span::new(id, 0, 0), "this file")
                        .help("check the file's permissions"),
                );
            }
        }
    }
    Ok((sources, diagnostics))
}

/// Collects YAML files below `dir`, skipping hidden directories (`.git`) and `target`.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if !name.starts_with('.') && name != "target" {
                walk(&path, out)?;
            }
        } else if (name.ends_with(".yaml") || name.ends_with(".yml")) && !name.starts_with('.') {
            out.push(path);
        }
    }
    Ok(())
}

fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
