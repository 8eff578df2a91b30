//! The CI recipes in `examples/ci/`: they pass real linters (actionlint for GitHub Actions,
//! check-jsonschema's Azure Pipelines schema), and every `ppgov` command line in them parses
//! with the real binary's command-line parser.
//!
//! The linters come from `examples/ci/requirements.txt`, installed by `.ci/run` into a venv
//! whose `bin` directory it passes as `PPGOV_CI_LINT_BIN`. Without it the linter test fails
//! under CI (`CI` set) and says it skipped otherwise.

mod common;

use common::{fresh_dir, ppgov_command, root, text};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The recipes, by platform.
fn recipes(platform: &str) -> Vec<PathBuf> {
    let dir = root().join("examples/ci").join(platform);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        3,
        "pull request, apply and drift in {}",
        dir.display()
    );
    files
}

/// The linters' directory, or `None` (said on stderr) outside CI.
fn lint_bin() -> Option<PathBuf> {
    match std::env::var_os("PPGOV_CI_LINT_BIN").filter(|v| !v.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            for tool in ["actionlint", "check-jsonschema"] {
                assert!(
                    dir.join(tool).is_file(),
                    "PPGOV_CI_LINT_BIN={} has no `{tool}`: install examples/ci/requirements.txt there",
                    dir.display()
                );
            }
            Some(dir)
        }
        None if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) => panic!(
            "PPGOV_CI_LINT_BIN is not set under CI: .ci/run installs examples/ci/requirements.txt into a venv and sets it"
        ),
        None => {
            eprintln!(
                "skipped: PPGOV_CI_LINT_BIN is not set (the bin directory of a venv with examples/ci/requirements.txt installed; .ci/run sets it)"
            );
            None
        }
    }
}

fn actionlint(bin: &Path, files: &[PathBuf]) -> std::process::Output {
    // ShellCheck from the same venv checks every `run:` script.
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new(bin.join("actionlint"))
        .args(["-no-color"])
        .args(files)
        .env("PATH", path)
        .current_dir(root())
        .output()
        .expect("actionlint runs")
}

fn azure_lint(bin: &Path, files: &[PathBuf]) -> std::process::Output {
    Command::new(bin.join("check-jsonschema"))
        // The schema's patterns are not all valid Unicode regular expressions.
        .args([
            "--builtin-schema",
            "vendor.azure-pipelines",
            "--regex-variant",
            "nonunicode",
        ])
        .args(files)
        .current_dir(root())
        .output()
        .expect("check-jsonschema runs")
}

/// At most the first 4,000 characters: check-jsonschema prints whole documents.
fn short(o: &std::process::Output) -> String {
    text(o).chars().take(4000).collect()
}

#[test]
fn the_recipes_pass_their_linters_and_the_linters_catch_a_broken_one() {
    let Some(bin) = lint_bin() else { return };

    let github = recipes("github");
    let out = actionlint(&bin, &github);
    assert!(out.status.success(), "actionlint:\n{}", short(&out));
    let azure = recipes("azure-pipelines");
    let out = azure_lint(&bin, &azure);
    assert!(out.status.success(), "check-jsonschema:\n{}", short(&out));

    // The same linters reject a recipe with one mistake: they really check.
    let dir = fresh_dir("recipes", "broken");
    let broken_workflow = dir.join("broken.yml");
    let workflow = std::fs::read_to_string(&github[0]).unwrap();
    assert!(workflow.contains("runs-on:"));
    std::fs::write(
        &broken_workflow,
        workflow.replacen("runs-on:", "runs_on:", 1),
    )
    .unwrap();
    let out = actionlint(&bin, std::slice::from_ref(&broken_workflow));
    assert!(
        !out.status.success(),
        "actionlint accepted:\n{}",
        short(&out)
    );
    assert!(text(&out).contains("runs_on"), "{}", short(&out));

    let broken_pipeline = dir.join("broken-pipeline.yml");
    let pipeline = std::fs::read_to_string(&azure[0]).unwrap();
    assert!(pipeline.contains("scriptType: bash"));
    std::fs::write(
        &broken_pipeline,
        pipeline.replacen("scriptType: bash", "scriptType: fish", 1),
    )
    .unwrap();
    let out = azure_lint(&bin, std::slice::from_ref(&broken_pipeline));
    assert!(
        !out.status.success(),
        "check-jsonschema accepted:\n{}",
        short(&out)
    );
}

// ---- the ppgov command lines --------------------------------------------------------------

/// What `"${notify[@]}"` expands to when a target is configured.
const NOTIFY_EXPANDED: [&str; 2] = ["--notify", "webhook+https://hooks.example.com/x"];

/// Every `ppgov …` command line of a recipe (a `run:` or `bash:` line, or a line of a script).
fn ppgov_lines(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = ["- bash: ", "bash: ", "- run: ", "run: "]
                .iter()
                .find_map(|p| line.strip_prefix(p))
                .unwrap_or(line);
            line.starts_with("ppgov ").then(|| line.to_owned())
        })
        .collect()
}

/// The arguments of a shell command line: quotes removed, ended by an unquoted redirection,
/// pipe or list operator; `"${notify[@]}"` expanded.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '>' | '|' | ';' | '&') => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
        .into_iter()
        .flat_map(|w| {
            if w == "${notify[@]}" {
                NOTIFY_EXPANDED.iter().map(|s| (*s).to_owned()).collect()
            } else {
                vec![w]
            }
        })
        .collect()
}

#[test]
fn every_ppgov_command_line_in_the_recipes_parses() {
    let mut seen = std::collections::BTreeSet::new();
    for platform in ["github", "azure-pipelines"] {
        for file in recipes(platform) {
            let lines = ppgov_lines(&file);
            assert!(!lines.is_empty(), "{} runs no ppgov", file.display());
            for line in lines {
                let words = shell_words(&line);
                assert_eq!(words[0], "ppgov", "{line}");
                let sub = words[1].clone();
                seen.insert(format!("{platform} {sub}"));
                // The real parser: every argument before `--help` is parsed and its value
                // checked; `--help` then stops before anything runs.
                let mut argv: Vec<&str> = words[1..].iter().map(String::as_str).collect();
                argv.push("--help");
                let out = ppgov_command(&argv, &[]).output().expect("ppgov runs");
                assert!(
                    out.status.success(),
                    "{}: `{line}` does not parse:\n{}",
                    file.display(),
                    text(&out)
                );
            }
        }
    }
    for platform in ["github", "azure-pipelines"] {
        for sub in ["validate", "plan", "apply", "drift"] {
            assert!(
                seen.contains(&format!("{platform} {sub}")),
                "no `ppgov {sub}` in the {platform} recipes: {seen:?}"
            );
        }
    }
}

#[test]
fn the_command_line_checks_reject_what_is_wrong() {
    // The shell reading the recipes use.
    assert_eq!(
        shell_words(r#"ppgov plan "a b" --out 'p.json' "${notify[@]}" > plan.md"#),
        [
            "ppgov",
            "plan",
            "a b",
            "--out",
            "p.json",
            "--notify",
            "webhook+https://hooks.example.com/x"
        ]
    );
    // The real parser refuses an unknown flag before `--help`.
    let out = ppgov_command(&["plan", "--no-such-flag", "--help"], &[])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
