//! Loading never panics, whatever the input: arbitrary text, YAML-shaped noise, and
//! mutations of real policy files.

use ppgov_core::{SourceMap, load};
use proptest::prelude::*;

/// Real documents to mutate: every fixture and the sample repository.
fn corpus() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut texts = Vec::new();
    for dir in [
        "tests/fixtures/validate/ok",
        "tests/fixtures/validate/err",
        "policies",
    ] {
        collect(&root.join(dir), &mut texts);
    }
    assert!(!texts.is_empty(), "no corpus found");
    texts
}

fn collect(dir: &std::path::Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml")
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            out.push(text);
        }
    }
}

fn load_text(text: &str) {
    let mut sources = SourceMap::new();
    sources.add("input.yaml", text);
    let loaded = load(sources);
    if let Some(d) = loaded
        .diagnostics
        .iter()
        .find(|d| d.code == ppgov_core::Code::InternalParserError)
    {
        eprintln!("parser panicked (caught) on {text:?}: {d:?}");
    }
    // Rendering must not panic either (spans must stay inside the text).
    let _ = ppgov_core::diag::render::human(
        &loaded.diagnostics,
        &loaded.sources,
        ppgov_core::diag::render::Style::PLAIN,
    );
    let _ = ppgov_core::diag::render::json(&loaded.diagnostics, &loaded.sources);
}

/// Characters that matter to YAML, plus some multi-byte ones to stress span arithmetic.
const YAML_ALPHABET: &[&str] = &[
    "a",
    "b",
    "-",
    ":",
    " ",
    "  ",
    "\n",
    "\t",
    "{",
    "}",
    "[",
    "]",
    ",",
    "#",
    "&",
    "*",
    "!",
    "|",
    ">",
    "'",
    "\"",
    "?",
    "%",
    "@",
    "`",
    "<<",
    "---",
    "...",
    "no",
    "yes",
    "true",
    "1",
    "0x1",
    ".inf",
    "~",
    "é",
    "日本",
    "💥",
    "\\",
    "\r\n",
    "apiVersion: ppgov.dev/v1\n",
    "kind: DlpPolicy\n",
    "kind: EnvironmentGroup\n",
    "metadata:\n  name: x\n",
    "spec:\n",
    "  displayName: X\n",
];

fn yaml_noise() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(YAML_ALPHABET), 0..80)
        .prop_map(|parts| parts.concat())
}

#[derive(Clone, Debug)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, &'static str),
    Duplicate(usize, usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), 1..20usize).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), prop::sample::select(YAML_ALPHABET)).prop_map(|(a, s)| Edit::Insert(a, s)),
        (any::<usize>(), 1..60usize).prop_map(|(a, n)| Edit::Duplicate(a, n)),
    ];
    prop::collection::vec(edit, 1..6)
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        let len = chars.len().max(1);
        match *edit {
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(chars.len());
                if at < end {
                    chars.drain(at..end);
                }
            }
            Edit::Insert(at, s) => {
                let at = at % (chars.len() + 1);
                chars.splice(at..at, s.chars());
            }
            Edit::Duplicate(at, n) => {
                let at = at % len;
                let end = (at + n).min(chars.len());
                if at < end {
                    let copy: Vec<char> = chars[at..end].to_vec();
                    chars.splice(end..end, copy);
                }
            }
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        load_text(&text);
    }

    #[test]
    fn yaml_shaped_noise_never_panics(text in yaml_noise()) {
        load_text(&text);
    }

    #[test]
    fn mutated_policy_files_never_panic(index in any::<prop::sample::Index>(), edits in edits()) {
        let corpus = corpus();
        let text = &corpus[index.index(corpus.len())];
        load_text(&apply(text, &edits));
    }
}
