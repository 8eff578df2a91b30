//! Helpers shared by ppgov's tests: the recorded service responses in `shared/wire-samples`,
//! and client settings that keep tests against the emulator fast. A dev-dependency only,
//! never published; the client helpers are behind the `client` feature so that crates
//! without I/O do not pull the HTTP client in.

use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[cfg(feature = "client")]
mod client;
pub mod sarif;
#[cfg(feature = "client")]
pub use client::{fast, fastest};

/// Every `.yaml` file under `dir`, in nested folders too, sorted by path.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Where the recorded responses are expected: `shared/wire-samples` beside the repository
/// (`../shared/wire-samples` from the workspace root).
pub fn wire_samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/wire-samples")
}

/// The recorded responses' folder. When it is absent a test may skip, saying so, on a
/// developer's machine; under CI (`CI` set) it fails instead, so a missing checkout never
/// turns the wire tests into silent passes.
pub fn wire_samples() -> Option<PathBuf> {
    match locate(
        &wire_samples_dir(),
        std::env::var("CI").ok().as_deref(),
        WIRE_SAMPLES,
    ) {
        Ok(Some(dir)) => Some(dir),
        Ok(None) => {
            eprintln!(
                "skipped: the recorded wire samples are not at {} (set CI to make this a failure)",
                wire_samples_dir().display()
            );
            None
        }
        Err(message) => panic!("{message}"),
    }
}

const WIRE_SAMPLES: &str = "the recorded wire samples are missing: expected the folder {} (`shared/wire-samples` beside the repository, `../shared/wire-samples` from its root)";

/// Whether to use `path` (a file or folder), skip, or fail, given the value of `CI`.
/// `missing` says what is missing, `{}` standing for the path.
fn locate(path: &Path, ci: Option<&str>, missing: &str) -> Result<Option<PathBuf>, String> {
    if path.exists() {
        return Ok(Some(path.to_owned()));
    }
    match ci {
        Some(v) if !v.is_empty() && v != "false" && v != "0" => Err(format!(
            "{}; CI={v} does not allow skipping the tests that need it",
            missing.replace("{}", &path.display().to_string())
        )),
        _ => Ok(None),
    }
}

/// The path of a recorded response, `file` relative to the samples folder; panics, naming
/// it, when the folder or file is absent (for a test that has already found the folder).
pub fn sample_path(dir: &Path, file: &str) -> PathBuf {
    let path = dir.join(file);
    assert!(
        path.is_file(),
        "recorded sample {} not found",
        path.display()
    );
    path
}

/// A recorded response as JSON.
pub fn sample_json(dir: &Path, file: &str) -> Value {
    read_sample::<Value>(dir, file).1
}

/// A recorded response as `T` and as JSON; panics naming the file if either fails.
pub fn read_sample<T: DeserializeOwned>(dir: &Path, file: &str) -> (T, Value) {
    let text =
        std::fs::read_to_string(sample_path(dir, file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let typed = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    (typed, json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_samples_fail_under_ci_and_say_where() {
        let absent = Path::new("/nonexistent/shared/wire-samples");
        let err = locate(absent, Some("true"), WIRE_SAMPLES).unwrap_err();
        assert!(err.contains("/nonexistent/shared/wire-samples"), "{err}");
        assert!(err.contains("CI=true"), "{err}");
        assert!(locate(absent, Some("1"), WIRE_SAMPLES).is_err());
    }

    #[test]
    fn missing_samples_skip_without_ci() {
        let absent = Path::new("/nonexistent/shared/wire-samples");
        assert_eq!(locate(absent, None, WIRE_SAMPLES), Ok(None));
        assert_eq!(locate(absent, Some(""), WIRE_SAMPLES), Ok(None));
        assert_eq!(locate(absent, Some("false"), WIRE_SAMPLES), Ok(None));
    }

    #[test]
    fn present_samples_are_used_whatever_ci_says() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            locate(here, Some("true"), WIRE_SAMPLES),
            Ok(Some(here.to_owned()))
        );
        assert_eq!(locate(here, None, WIRE_SAMPLES), Ok(Some(here.to_owned())));
    }
}
