//! Where a repository keeps each kind of document, so a request follows its layout.

use ppgov_core::{Kind, Loaded};
use std::collections::BTreeMap;

/// The file (relative to the policy directory) that declares document `name` of `kind`.
pub fn file_of(loaded: &Loaded, kind: Kind, name: &str) -> Option<String> {
    let span = loaded.span_of(kind, name, "")?;
    Some(loaded.sources.get(span.source).name.clone())
}

/// The folder holding most documents of `kind` (`""` for the top), and the extension its files
/// use; `default_folder` and `yaml` when the repository has none yet.
pub fn home_of<'n>(
    loaded: &Loaded,
    kind: Kind,
    names: impl Iterator<Item = &'n String>,
    default_folder: &str,
) -> (String, String) {
    let mut folders: BTreeMap<(String, String), usize> = BTreeMap::new();
    for name in names {
        if let Some(file) = file_of(loaded, kind, name) {
            let (folder, base) = file.rsplit_once('/').unwrap_or(("", file.as_str()));
            let extension = base.rsplit_once('.').map_or("yaml", |(_, e)| e);
            *folders
                .entry((folder.to_owned(), extension.to_owned()))
                .or_default() += 1;
        }
    }
    // Most documents first; ties by name, so the choice never depends on order.
    folders
        .into_iter()
        .max_by(|(a, n), (b, m)| n.cmp(m).then_with(|| b.cmp(a)))
        .map(|(home, _)| home)
        .unwrap_or_else(|| (default_folder.to_owned(), "yaml".to_owned()))
}

/// `folder/stem.extension`, or `stem.extension` at the top.
pub fn path_in(folder: &str, stem: &str, extension: &str) -> String {
    if folder.is_empty() {
        format!("{stem}.{extension}")
    } else {
        format!("{folder}/{stem}.{extension}")
    }
}
