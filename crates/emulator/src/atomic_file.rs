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
