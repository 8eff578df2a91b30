//! Same input, same output: the loaded model and the diagnostics do not depend on the
//! number of threads or on the order files are handed in.

use ppgov_core::{LoadOptions, SourceMap, load_with};

fn repository() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["policies", "tests/fixtures/validate/err"] {
        collect(&root.join(dir), dir, &mut files);
    }
    files.sort();
    files
}

fn collect(dir: &std::path::Path, prefix: &str, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
        if path.is_dir() {
            collect(&path, &name, out);
        } else if path.extension().is_some_and(|e| e == "yaml")
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            out.push((name, text));
        }
    }
}

fn render(files: &[(String, String)], threads: usize) -> String {
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(name.clone(), text.clone());
    }
    let loaded = load_with(
        sources,
        LoadOptions {
            expect_project: true,
            threads,
        },
    );
    let diagnostics = ppgov_core::diag::render::json(&loaded.diagnostics, &loaded.sources);
    format!(
        "{}\n{}",
        serde_json::to_string(&loaded.desired).unwrap(),
        serde_json::to_string(&diagnostics).unwrap()
    )
}

#[test]
fn output_is_independent_of_threads_and_file_order() {
    let files = repository();
    assert!(files.len() > 50);
    let one = render(&files, 1);
    assert!(
        one.contains("\"PPG300\""),
        "the error fixtures should produce diagnostics"
    );
    for threads in [2, 3, 8] {
        assert!(
            one == render(&files, threads),
            "output differs with {threads} threads"
        );
    }
    // The order files are handed in does not matter either.
    let mut reversed = files.clone();
    reversed.reverse();
    assert!(
        one == render(&reversed, 2),
        "output differs when files are given in reverse"
    );
}
