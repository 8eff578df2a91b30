//! Every `match` over a kind names every kind: a catch-all arm (`_ =>`, `other =>`) next to
//! arms over `Kind`, `ResourceKind`, `ImportKind`, `KindArg` or `After` (or a kind's name in
//! quotes) would let a new kind fall through silently instead of being a compile error.
//!
//! The check reads the non-test source of every crate in the workspace. It looks at each
//! catch-all arm's sibling arms (same indentation, same match), so it catches the common
//! shape; a wildcard inside a tuple pattern is the reviewer's to catch.

use std::path::{Path, PathBuf};

/// Type names whose variants are kinds.
const KIND_TYPES: &[&str] = &["Kind", "ResourceKind", "ImportKind", "KindArg", "After"];
/// Kind names as written in strings and, with `use ResourceKind::*`, as bare variants.
const KIND_NAMES: &[&str] = &[
    "Project",
    "Environment",
    "EnvironmentGroup",
    "GroupMembership",
    "DlpPolicy",
    "RoleAssignment",
    "TenantSettings",
    "ConnectorRating",
    "AppCriticality",
];

#[test]
fn no_catch_all_arm_over_kinds_in_non_test_code() {
    let crates = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&crates).expect("the crates directory") {
        let src = entry.expect("a crate").path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    files.sort();
    assert!(
        files.len() > 20,
        "found only {} source files under {}",
        files.len(),
        crates.display()
    );
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        for line in catch_all_arms_over_kinds(&text) {
            found.push(format!("{}:{line}", file.display()));
        }
    }
    assert!(
        found.is_empty(),
        "catch-all arms in matches over kinds (name every kind instead, so a new kind is a \
         compile error):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_finds_catch_all_arms_over_kinds() {
    let flagged = |code: &str| catch_all_arms_over_kinds(code);
    assert_eq!(
        flagged(
            "fn f(k: Kind) -> u8 {\n    match k {\n        Kind::Project => 1,\n        _ => 2,\n    }\n}\n"
        ),
        vec![4]
    );
    assert_eq!(
        flagged("match kind {\n    \"Environment\" => a,\n    other => b,\n}\n"),
        vec![3]
    );
    assert_eq!(
        flagged(
            "match (c.action, c.kind) {\n    (Update, Environment) => 0,\n    (\n        Delete,\n        DlpPolicy,\n    ) => 1,\n    _ => 10,\n}\n"
        ),
        vec![7]
    );
    // Over something else, or in test code: fine.
    assert!(flagged("match e.kind {\n    ErrorKind::NotFound => 1,\n    _ => 2,\n}\n").is_empty());
    assert!(
        flagged("match s {\n    ObservedScope::Environment(id) => 1,\n    _ => 2,\n}\n").is_empty()
    );
    assert!(
        flagged(
            "#[cfg(test)]\nmod tests {\n    fn f() {\n        match k {\n            Kind::Project => 1,\n            _ => 2,\n        }\n    }\n}\n"
        )
        .is_empty()
    );
    // A wildcard arm's own body naming a kind does not make it a match over kinds.
    assert!(
        flagged("match n {\n    0 => Kind::Project,\n    _ => Kind::Environment,\n}\n").is_empty()
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The 1-based lines of catch-all arms whose sibling arms match on kinds, outside
/// `#[cfg(test)]` items.
fn catch_all_arms_over_kinds(text: &str) -> Vec<usize> {
    let lines = without_test_items(text);
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(line) = line else { continue };
        if !is_catch_all_arm(line) {
            continue;
        }
        let indent = indentation(line);
        // Walk up through the match's earlier arms: same indentation, until the line that
        // opens the match (less indented).
        let mut j = i;
        let mut over_kinds = false;
        while j > 0 {
            j -= 1;
            let Some(above) = &lines[j] else { break };
            if above.trim().is_empty() || above.trim_start().starts_with("//") {
                continue;
            }
            let above_indent = indentation(above);
            if above_indent < indent {
                break;
            }
            if above_indent == indent
                && !above.trim_start().starts_with(['}', ')', '|'])
                && names_a_kind(&arm_pattern(&lines, j))
            {
                over_kinds = true;
                break;
            }
        }
        if over_kinds {
            out.push(i + 1);
        }
    }
    out
}

/// The source lines, with the lines of `#[cfg(test)]` items blanked to `None`.
fn without_test_items(text: &str) -> Vec<Option<&str>> {
    let mut out = Vec::new();
    let mut skipping = false;
    let mut depth: i64 = 0;
    let mut opened = false;
    for line in text.lines() {
        if !skipping && line.trim() == "#[cfg(test)]" {
            skipping = true;
            depth = 0;
            opened = false;
        }
        if skipping {
            for c in line.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            out.push(None);
            // An item ends at its closing brace, or at `;` for a one-line item.
            if (opened && depth == 0) || (!opened && line.trim_end().ends_with(';')) {
                skipping = false;
            }
        } else {
            out.push(Some(line));
        }
    }
    out
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// `_ =>`, `other =>`, `_ if ... =>`, `(_, _) =>`: an arm that matches anything.
fn is_catch_all_arm(line: &str) -> bool {
    let Some((pattern, _)) = line.trim().split_once("=>") else {
        return false;
    };
    let pattern = pattern.trim();
    let pattern = pattern.split(" if ").next().unwrap_or(pattern).trim();
    let binding = |p: &str| {
        let p = p.trim();
        p == "_"
            || (!p.is_empty()
                && p != "true"
                && p != "false"
                && p.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    };
    match pattern.strip_prefix('(').and_then(|p| p.strip_suffix(')')) {
        Some(inner) => inner.split(',').all(binding),
        None => binding(pattern),
    }
}

/// The pattern of the arm starting at line `start`: its text up to `=>`, over several lines
/// if the pattern is written over several.
fn arm_pattern(lines: &[Option<&str>], start: usize) -> String {
    let mut pattern = String::new();
    for line in lines[start..].iter().take(12) {
        let Some(line) = line else { break };
        match line.split_once("=>") {
            Some((before, _)) => {
                pattern.push_str(before);
                return pattern;
            }
            None => {
                pattern.push_str(line);
                pattern.push('\n');
            }
        }
    }
    String::new() // not an arm
}

fn names_a_kind(pattern: &str) -> bool {
    let words = words(pattern);
    for (i, (word, before)) in words.iter().enumerate() {
        let path_start = words.get(i + 1).is_some_and(|(_, b)| *b == "::");
        if path_start && KIND_TYPES.contains(word) {
            return true;
        }
        if KIND_NAMES.contains(word) && (*before == "\"" || (*before != "::" && !path_start)) {
            return true;
        }
    }
    false
}

/// The identifiers of `text`, each with the non-space text just before it (up to the
/// previous identifier).
fn words(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut last_end = 0;
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let ident = c.is_ascii_alphanumeric() || c == '_';
        match (start, ident) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                out.push((&text[s..i], text[last_end..s].trim()));
                last_end = i;
                start = None;
            }
            _ => {}
        }
    }
    out
}
