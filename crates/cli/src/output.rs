//! Terminal conventions: colour only on a terminal, `NO_COLOR` honoured.

use ppgov_core::diag::render::Style;
use std::io::IsTerminal;

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
