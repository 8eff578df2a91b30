//! Every YAML example in README.md and docs/*.md must validate, so the documentation never
//! shows a field the schema rejects.
//!
//! The ```yaml blocks of one Markdown file are checked together, as the files of one
//! repository (examples refer to each other: a group declared in one block is used in
//! another). A block that is deliberately not a whole document (a fragment showing one
//! field) is marked by the line `<!-- not-a-document -->` right before its fence; keep that
//! rare. Blocks holding only comments are fine as they are.

use ppgov_core::diag::render;
use ppgov_core::{LoadOptions, SourceMap};
use std::path::{Path, PathBuf};

const NOT_A_DOCUMENT: &str = "<!-- not-a-document -->";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Markdown files whose examples are checked: README.md and docs/*.md.
fn markdown_files() -> Vec<(String, String)> {
    let mut names = vec!["README.md".to_owned()];
    let mut docs: Vec<String> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .map(|e| {
            e.expect("readable")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    names.extend(docs);
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(root().join(&name)).expect("readable");
            (name, text)
        })
        .collect()
}

/// A ```yaml block: the line its fence is on, its text, and whether it is marked as not a
/// document.
struct Block {
    line: usize,
    text: String,
    marked: bool,
}

fn yaml_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut previous = "";
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        match &mut open {
            Some(block) if line.trim_start().starts_with("```") => {
                blocks.push(std::mem::replace(
                    block,
                    Block {
                        line: 0,
                        text: String::new(),
                        marked: false,
                    },
                ));
                open = None;
            }
            Some(block) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            None if line.trim() == "```yaml" || line.trim() == "```yml" => {
                open = Some(Block {
                    line: i + 1,
                    text: String::new(),
                    marked: previous.trim() == NOT_A_DOCUMENT,
                });
            }
            None => {}
        }
        if !line.trim().is_empty() {
            previous = line;
        }
    }
    assert!(open.is_none(), "a ```yaml block is not closed");
    blocks
}

#[test]
fn every_yaml_example_in_the_docs_validates() {
    let mut checked = 0;
    let mut failures = String::new();
    for (name, markdown) in markdown_files() {
        let mut sources = SourceMap::new();
        for block in yaml_blocks(&markdown) {
            if block.marked {
                continue;
            }
            // Zero-padded so the blocks load in document order.
            sources.add(format!("{name}:{:05}", block.line), block.text);
        }
        if sources.is_empty() {
            continue;
        }
        checked += sources.len();
        let loaded = ppgov_core::load_with(
            sources,
            LoadOptions {
                expect_project: false,
                threads: 1,
            },
        );
        if !loaded.diagnostics.is_empty() {
            failures.push_str(&render::human(
                &loaded.diagnostics,
                &loaded.sources,
                render::Style::PLAIN,
            ));
        }
    }
    assert!(checked >= 10, "only {checked} YAML examples found");
    assert!(
        failures.is_empty(),
        "YAML examples in the docs do not validate (file:line of the ```yaml fence):\n{failures}"
    );
}

#[test]
fn the_block_reader_sees_markers_and_positions() {
    let markdown = "text\n\n```yaml\na: 1\n```\n\n<!-- not-a-document -->\n\n```yaml\nb: 2\n```\n";
    let blocks = yaml_blocks(markdown);
    assert_eq!(blocks.len(), 2);
    assert_eq!(
        (blocks[0].line, blocks[0].text.as_str(), blocks[0].marked),
        (3, "a: 1\n", false)
    );
    assert_eq!(
        (blocks[1].line, blocks[1].text.as_str(), blocks[1].marked),
        (9, "b: 2\n", true)
    );
}

/// A new kind (a line in `kinds!`) needs its commented example in `examples/` and an example
/// in docs/policy-language.md; both are validated like every other example.
#[test]
fn every_kind_has_an_example_and_documentation() {
    let examples: Vec<(String, String)> = std::fs::read_dir(root().join("examples"))
        .expect("examples/ exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            (p.display().to_string(), text)
        })
        .collect();
    let language = std::fs::read_to_string(root().join("docs/policy-language.md"))
        .expect("docs/policy-language.md exists");
    let mut sources = SourceMap::new();
    for (name, text) in &examples {
        sources.add(name.clone(), text.clone());
    }
    let loaded = ppgov_core::load_with(
        sources,
        LoadOptions {
            expect_project: false,
            threads: 1,
        },
    );
    assert!(
        !loaded.has_errors(),
        "examples/ does not validate:\n{}",
        render::human(&loaded.diagnostics, &loaded.sources, render::Style::PLAIN)
    );
    let mut missing = Vec::new();
    for kind in ppgov_core::Kind::ALL {
        let line = format!("kind: {kind}\n");
        if !examples.iter().any(|(_, text)| text.contains(&line)) {
            missing.push(format!("examples/: no file declares a {kind}"));
        }
        if !language.contains(&line) {
            missing.push(format!("docs/policy-language.md: no example of a {kind}"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
