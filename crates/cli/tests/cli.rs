//! The `ppgov` binary's edges: paths, directory walking, `schema`, usage errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ppgov(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ppgov"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("ppgov runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh directory under the target dir (removed when dropped).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, rel: &str, content: &str) {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const ENV: &str = "apiVersion: ppgov.dev/v1\nkind: Environment\nmetadata: {name: NAME}\nspec: {displayName: NAME}\n";

#[test]
fn a_missing_path_is_an_error_on_stderr() {
    let dir = TempDir::new("missing");
    let out = ppgov(&["validate", "does-not-exist"], &dir.0);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot read `does-not-exist`"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn walking_reads_yaml_and_yml_and_skips_hidden_and_target_folders() {
    let dir = TempDir::new("walk");
    dir.write(
        "repo/ppgov.yaml",
        "apiVersion: ppgov.dev/v1\nkind: Project\nmetadata: {name: p}\nspec: {}\n",
    );
    dir.write("repo/a/one.yaml", &ENV.replace("NAME", "one"));
    dir.write("repo/a/b/two.yml", &ENV.replace("NAME", "two"));
    dir.write("repo/.git/broken.yaml", "{{{ not yaml");
    dir.write("repo/target/broken.yaml", "{{{ not yaml");
    dir.write("repo/.hidden.yaml", "{{{ not yaml");
    dir.write("repo/notes.txt", "{{{ not yaml");
    let out = ppgov(&["validate", "repo"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("valid: 3 documents in 3 files; 0 errors, 0 warnings"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn several_paths_are_named_by_the_path_given() {
    let dir = TempDir::new("several");
    dir.write("x/e.yaml", &ENV.replace("NAME", "same"));
    dir.write("y/e.yaml", &ENV.replace("NAME", "same"));
    let out = ppgov(&["validate", "x", "y"], &dir.0);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("[y/e.yaml:3:18]") && stdout.contains("[x/e.yaml:3:18]"),
        "{stdout}"
    );
}

#[test]
fn schema_check_passes_on_the_committed_schemas_and_fails_on_stale_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = ppgov(&["schema", "--check", "--out", "schemas"], &root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));

    let dir = TempDir::new("schemas");
    let out = ppgov(&["schema", "--check", "--out", "s"], &dir.0);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("dlp-policy.schema.json"));
    let out = ppgov(&["schema", "--out", "s"], &dir.0);
    assert_eq!(out.status.code(), Some(0));
    let out = ppgov(&["schema", "--check", "--out", "s"], &dir.0);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn usage_errors_exit_2() {
    let dir = TempDir::new("usage");
    let out = ppgov(&["validate", "--format", "xml"], &dir.0);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("xml"));
}
