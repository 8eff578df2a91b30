//! Replacing a file so that it is, at every moment and after any crash, either the old file
//! or the complete new one: never empty, never truncated.
//!
//! The emulator persists the tenant snapshot with it, and the CLI (which already links the
//! emulator to serve snapshots) writes every file the user owns with it, so there is one
//! implementation. It uses only `std`.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Symlink hops followed before giving up (the kernel's own limit is 40).
const MAX_SYMLINKS: usize = 40;

/// Writes `contents` to `path` atomically: a new file with a unique name in the same
/// directory, written and flushed to disk, renamed over `path`, then the directory flushed.
///
/// - An existing file keeps its permission bits (a 0600 snapshot stays 0600).
/// - When `path` is a symlink, its final target is replaced and the link stays a link.
/// - On any error the original file is untouched and the temporary file removed.
pub fn write(path: &Path, contents: &[u8]) -> io::Result<()> {
    let target = resolve_symlinks(path)?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let existing_permissions = match fs::metadata(&target) {
        Ok(m) => Some(m.permissions()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let (tmp_path, mut tmp) = create_unique(&dir, &target)?;
    let written = (|| {
        tmp.write_all(contents)?;
        if let Some(permissions) = existing_permissions {
            tmp.set_permissions(permissions)?;
        }
        tmp.sync_all()?;
        drop(tmp);
        fs::rename(&tmp_path, &target)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp_path);
        return Err(e);
    }
    // The rename is durable only once the directory entry is on disk.
    File::open(&dir)?.sync_all()
}

/// How many threads [`write_files`] should use here: twice the cores (creating files waits on
/// the file system more than on the CPU), at most 8.
pub fn write_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_mul(2)
        .clamp(1, 8)
}

/// A failure of [`write_files`]: what could not be done to which path.
#[derive(Debug)]
pub struct FileError {
    /// `create` (a directory) or `write` (a file).
    pub action: &'static str,
    pub path: PathBuf,
    pub error: io::Error,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot {} `{}`: {}",
            self.action,
            self.path.display(),
            self.error
        )
    }
}

/// Writes many files on up to `threads` threads, creating each parent directory once first.
/// A new file is created directly (`create_new`; removed again if writing it fails), since an
/// interrupted run leaves only files it made and tens of thousands of fsyncs would dominate;
/// a file that replaces another is written atomically ([`write`]), so what was there is never
/// left truncated. After a failure no further file is started; the error reported is the one
/// of the first file in `files` order that failed, whichever thread saw it.
pub fn write_files(files: &[(PathBuf, &[u8])], threads: usize) -> Result<(), FileError> {
    let dirs: std::collections::BTreeSet<&Path> = files
        .iter()
        .filter_map(|(path, _)| path.parent())
        .filter(|d| !d.as_os_str().is_empty())
        .collect();
    for dir in dirs {
        fs::create_dir_all(dir).map_err(|error| FileError {
            action: "create",
            path: dir.to_owned(),
            error,
        })?;
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let errors = std::sync::Mutex::new(Vec::<(usize, FileError)>::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, files.len().max(1)) {
            scope.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((path, contents)) = files.get(i) else {
                        break;
                    };
                    if let Err(error) = write_new_or_replace(path, contents) {
                        failed.store(true, Ordering::Relaxed);
                        let e = FileError {
                            action: "write",
                            path: path.clone(),
                            error,
                        };
                        errors
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push((i, e));
                    }
                }
            });
        }
    });
    let errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
    match errors.into_iter().min_by_key(|(i, _)| *i) {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// Creates `path` with `contents`, or replaces it atomically if it exists.
fn write_new_or_replace(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return write(path, contents),
        Err(e) => return Err(e),
    };
    if let Err(e) = file.write_all(contents) {
        // No half-written file stays behind.
        drop(file);
        let _ = fs::remove_file(path);
        return Err(e);
    }
    Ok(())
}

/// A new, exclusively created file `.NAME.PID.N.tmp` next to `target`: never `target` itself,
/// whatever its name (a file called `x.tmp` is not its own temporary file).
fn create_unique(dir: &Path, target: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .map(OsString::from)
        .unwrap_or_else(|| OsString::from("file"));
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut tmp_name = OsString::from(".");
        tmp_name.push(&name);
        tmp_name.push(format!(".{}.{n}.tmp", std::process::id()));
        let tmp_path = dir.join(tmp_name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp_path)
        {
            Ok(file) => return Ok((tmp_path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// `path` with every symlink in its last component followed (the target need not exist yet).
fn resolve_symlinks(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..MAX_SYMLINKS {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other(format!(
        "too many levels of symbolic links at {}",
        path.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "ppgov-atomic-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_many_files_creating_new_ones_and_replacing_existing_ones() {
        let dir = scratch("many");
        let old = dir.join("a/kept-mode.yaml");
        fs::create_dir_all(old.parent().unwrap()).unwrap();
        fs::write(&old, "old").unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o600)).unwrap();
        let texts: Vec<(PathBuf, String)> = (0..200)
            .map(|i| {
                (
                    dir.join(format!("d{}/f{i}.yaml", i % 7)),
                    format!("file {i}\n"),
                )
            })
            .chain([(old.clone(), "new".to_owned())])
            .collect();
        let files: Vec<(PathBuf, &[u8])> = texts
            .iter()
            .map(|(p, t)| (p.clone(), t.as_bytes()))
            .collect();
        write_files(&files, 4).unwrap();
        for (path, text) in &texts {
            assert_eq!(&fs::read_to_string(path).unwrap(), text);
        }
        // Replaced atomically: the mode stays, no temporary file is left.
        assert_eq!(
            fs::metadata(&old).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(leftovers(&dir.join("a")), ["kept-mode.yaml"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failed_write_names_the_first_failing_file_and_loses_nothing() {
        let dir = scratch("many-fail");
        // A directory where a file should go cannot be replaced by a file.
        fs::create_dir_all(dir.join("d/b.yaml")).unwrap();
        fs::create_dir_all(dir.join("d/d.yaml")).unwrap();
        fs::write(dir.join("d/a.yaml"), "a person's file").unwrap();
        let files: Vec<(PathBuf, &[u8])> = ["a", "b", "c", "d"]
            .iter()
            .map(|n| (dir.join(format!("d/{n}.yaml")), b"generated".as_slice()))
            .collect();
        let err = write_files(&files, 1).unwrap_err();
        assert_eq!(err.path, dir.join("d/b.yaml"));
        assert!(
            err.to_string().starts_with(&format!(
                "cannot write `{}`: ",
                dir.join("d/b.yaml").display()
            )),
            "{err}"
        );
        // Replaced whole (it came first), and nothing is started after the failure.
        assert_eq!(
            fs::read_to_string(dir.join("d/a.yaml")).unwrap(),
            "generated"
        );
        assert!(!dir.join("d/c.yaml").exists());
        assert!(dir.join("d/b.yaml").is_dir() && dir.join("d/d.yaml").is_dir());
        assert_eq!(leftovers(&dir.join("d")), ["a.yaml", "b.yaml", "d.yaml"]);
        // A directory that cannot be created is named as such.
        fs::write(dir.join("plain"), "x").unwrap();
        let files = [(dir.join("plain/x.yaml"), b"y".as_slice())];
        let err = write_files(&files, 2).unwrap_err();
        assert_eq!(
            (err.action, err.path.clone()),
            ("create", dir.join("plain"))
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn replaces_keeping_permissions_and_leaves_no_temporary_file() {
        let dir = scratch("mode");
        let file = dir.join("snapshot.json");
        fs::write(&file, "old").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
        write(&file, b"new").unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "new");
        assert_eq!(
            fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(leftovers(&dir), ["snapshot.json"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_file_named_tmp_is_not_its_own_temporary_file() {
        let dir = scratch("tmpname");
        let file = dir.join("state.tmp");
        fs::write(&file, "old").unwrap();
        write(&file, b"new contents").unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "new contents");
        assert_eq!(leftovers(&dir), ["state.tmp"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn writes_through_a_symlink_to_its_target() {
        let dir = scratch("link");
        let real = dir.join("real.json");
        let link = dir.join("link.json");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
        fs::remove_dir_all(dir).unwrap();
    }
}
