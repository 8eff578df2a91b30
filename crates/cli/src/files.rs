//! Reading a policy directory into a [`SourceMap`].

use ppgov_core::{Code, Diagnostic, SourceMap, Span};
use std::path::{Path, PathBuf};

/// Every `*.yaml`/`*.yml` file under `paths`, read into a source map named by path relative
/// to the directory given (with `/` separators), in sorted order so output is stable.
/// Files that cannot be read become diagnostics; a path that does not exist is an error.
pub fn read_policy_files(paths: &[PathBuf]) -> Result<(SourceMap, Vec<Diagnostic>), String> {
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    let mut skipped_names: Vec<String> = Vec::new();
    for root in paths {
        let meta = std::fs::metadata(root)
            .map_err(|e| format!("cannot read `{}`: {e}", root.display()))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            let mut skipped = Vec::new();
            walk(root, &mut files, &mut skipped)
                .map_err(|e| format!("cannot list `{}`: {e}", root.display()))?;
            let name_of = |file: &Path| {
                let relative = file.strip_prefix(root).unwrap_or(file);
                let name = display_path(relative);
                if paths.len() > 1 {
                    format!("{}/{name}", display_path(root).trim_end_matches('/'))
                } else {
                    name
                }
            };
            for file in files {
                found.push((name_of(&file), file));
            }
            for file in skipped {
                skipped_names.push(name_of(&file));
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
    skipped_names.sort();
    for name in skipped_names {
        let (stem, extension) = name.rsplit_once('.').unwrap_or((&name, ""));
        diagnostics.push(
            Diagnostic::new(
                Code::SkippedFile,
                format!("`{name}` was not read: its extension is not lower-case `.yaml` or `.yml`"),
            )
            .help(format!(
                "rename it to `{stem}.{}` if it holds policy documents",
                extension.to_lowercase()
            )),
        );
    }
    Ok((sources, diagnostics))
}

/// Collects YAML files below `dir`, skipping hidden directories (`.git`) and `target`.
/// Visible files that look like YAML by a differently cased extension (`.YAML`) go to
/// `skipped`, so the caller can say they were not read.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, skipped: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if !name.starts_with('.') && name != "target" {
                walk(&path, out, skipped)?;
            }
        } else if name.starts_with('.') {
            // Hidden files are never policy files.
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(path);
        } else {
            let lower = name.to_lowercase();
            if lower.ends_with(".yaml") || lower.ends_with(".yml") {
                skipped.push(path);
            }
        }
    }
    Ok(())
}

fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
