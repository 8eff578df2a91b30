//! Terminal conventions: colour only on a terminal, `NO_COLOR` honoured; and standard output
//! that never panics.
//!
//! `println!`/`print!` panic when stdout fails (`ppgov plan | head` closes the pipe, `> /dev/full`
//! fills it). This module defines crate-wide `println!`, `print!`, `eprint!` and `eprintln!` that shadow
//! std's (declared first in `main.rs`, so every module uses them): the first failure is kept and
//! later output dropped, the command finishes what it was doing (an apply is not cut short), and
//! [`exit_code`] turns the failure into the exit status.

use ppgov_core::diag::render::Style;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Mutex;

/// The style for human output on stdout.
pub fn stdout_style() -> Style {
    let color = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(Style::PLAIN.width);
    Style { color, width }
}

/// The first error writing stdout, if any.
static STDOUT_FAILURE: Mutex<Option<io::Error>> = Mutex::new(None);

fn failure() -> std::sync::MutexGuard<'static, Option<io::Error>> {
    STDOUT_FAILURE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writes to stdout; after the first failure, does nothing.
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    let mut failed = failure();
    if failed.is_some() {
        return;
    }
    if let Err(e) = io::stdout().lock().write_fmt(args) {
        *failed = Some(e);
    }
}

/// Flushes stdout, recording a failure like [`write_stdout`].
pub fn flush_stdout() {
    let mut failed = failure();
    if failed.is_none()
        && let Err(e) = io::stdout().lock().flush()
    {
        *failed = Some(e);
    }
}

/// Writes to stderr; a failure there has nowhere to be reported and is ignored.
pub fn write_stderr(args: std::fmt::Arguments<'_>) {
    let _ = io::stderr().lock().write_fmt(args);
}

/// The exit status, given the command's own: a closed stdout (a reader such as `head` that
/// stopped reading) is not an error and leaves it as it is; any other failure to write stdout
/// (a full disk) is reported on stderr and makes it 1.
pub fn exit_code(code: ExitCode) -> ExitCode {
    flush_stdout();
    match failure().take() {
        None => code,
        Some(e) if e.kind() == io::ErrorKind::BrokenPipe => code,
        Some(e) => {
            write_stderr(format_args!(
                "error: cannot write to standard output: {e}; the output is incomplete\n"
            ));
            ExitCode::from(1)
        }
    }
}

macro_rules! println {
    () => {
        $crate::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

macro_rules! print {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!($($arg)*))
    };
}

macro_rules! eprint {
    ($($arg:tt)*) => {
        $crate::output::write_stderr(format_args!($($arg)*))
    };
}

macro_rules! eprintln {
    () => {
        $crate::output::write_stderr(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}
