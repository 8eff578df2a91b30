//! `ppgov history`: the audit journal as a timeline (who, when, what, result).

use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// One line per step, grouped by run.
    Text,
    /// The entries as JSON, for tools.
    Json,
}

#[derive(Args)]
pub struct HistoryArgs {
    /// The audit journal; default `.ppgov/journal.jsonl` next to the `policies` directory.
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Only steps on this resource: an address (`DlpPolicy.production`) or a kind
    /// (`DlpPolicy`).
    #[arg(long, value_name = "ADDRESS")]
    pub resource: Option<String>,
    /// Only steps at or after this time (RFC 3339, e.g. `2026-11-27T09:00:00Z`, or a date).
    #[arg(long, value_name = "RFC3339")]
    pub since: Option<String>,
    /// Only steps before this time (RFC 3339, or a date: before that day starts).
    #[arg(long, value_name = "RFC3339")]
    pub until: Option<String>,
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
}

/// One step of one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub time: String,
    pub run: String,
    pub actor: String,
    /// `apply` or `drift --repair safe` (older journals do not say).
    pub command: String,
    pub address: String,
    pub kind: String,
    pub action: String,
    pub display_name: String,
    /// `applied`, `failed`, `skipped`, or `interrupted` (intent journalled, no outcome: the run
    /// was stopped).
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

pub fn run(args: HistoryArgs) -> Result<ExitCode, String> {
    let path = args
        .journal
        .clone()
        .unwrap_or_else(|| crate::apply_cmd::default_journal(std::path::Path::new("policies")));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "no journal at `{}`: `ppgov apply` writes it (give another with --journal PATH)",
                path.display()
            ));
        }
        Err(e) => return Err(format!("cannot read the journal `{}`: {e}", path.display())),
    };
    let since = args
        .since
        .as_deref()
        .map(|t| parse_time(t).ok_or_else(|| bad_time("--since", t)))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|t| parse_time(t).ok_or_else(|| bad_time("--until", t)))
        .transpose()?;
    let entries = timeline(&text).map_err(|(line, e)| {
        format!(
            "the journal `{}` is damaged at line {line}: {e}",
            path.display()
        )
    })?;
    let entries: Vec<HistoryEntry> = entries
        .into_iter()
        .filter(|e| {
            args.resource
                .as_deref()
                .is_none_or(|r| resource_matches(&e.address, &e.kind, r))
        })
        .filter(|e| {
            let t = parse_time(&e.time);
            since.is_none_or(|s| t.is_some_and(|t| t >= s))
                && until.is_none_or(|u| t.is_some_and(|t| t < u))
        })
        .collect();
    match args.format {
        HistoryFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "formatVersion": 1, "journal": path.display().to_string(), "entries": entries,
            }))
            .expect("JSON")
        ),
        HistoryFormat::Text => print!("{}", text_timeline(&entries)),
    }
    Ok(ExitCode::SUCCESS)
}

fn bad_time(flag: &str, t: &str) -> String {
    format!(
        "{flag} `{t}` is not a time: give RFC 3339 (`2026-11-27T09:00:00Z`, `2026-11-27T10:00:00+01:00`) or a date (`2026-11-27`)"
    )
}

fn resource_matches(address: &str, kind: &str, wanted: &str) -> bool {
    address == wanted
        || kind == wanted
        || address
            .strip_prefix(wanted)
            .is_some_and(|rest| rest.starts_with('['))
}

/// Every step the journal records, in journal order.
pub fn timeline(text: &str) -> Result<Vec<HistoryEntry>, (usize, String)> {
    let mut runs: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut out: Vec<HistoryEntry> = Vec::new();
    // (run, address) -> index in `out` of an intent without an outcome yet.
    let mut open: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| (n + 1, e.to_string()))?;
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        let run = s("run");
        match v.get("event").and_then(Value::as_str) {
            Some("start") => {
                runs.insert(run, (s("who"), s("command")));
            }
            Some("intent") => {
                let (actor, command) = runs.get(&run).cloned().unwrap_or_default();
                open.insert((run.clone(), s("address")), out.len());
                out.push(HistoryEntry {
                    time: s("time"),
                    run,
                    actor,
                    command,
                    address: s("address"),
                    kind: s("kind"),
                    action: s("action"),
                    display_name: s("displayName"),
                    result: "interrupted".to_owned(),
                    detail: Some("no outcome recorded: the run was stopped".to_owned()),
                });
            }
            Some("step") => {
                let status = s("status");
                let detail = match status.as_str() {
                    "failed" => Some(s("error")),
                    "skipped" => Some(format!("{} failed", s("because"))),
                    _ => None,
                };
                let key = (run.clone(), s("address"));
                if let Some(i) = open.remove(&key) {
                    out[i].time = s("time");
                    out[i].result = status;
                    out[i].detail = detail;
                } else {
                    // Skipped steps (and failures before the intent) have no intent line.
                    let (actor, command) = runs.get(&run).cloned().unwrap_or_default();
                    out.push(HistoryEntry {
                        time: s("time"),
                        run,
                        actor,
                        command,
                        address: s("address"),
                        kind: String::new(),
                        action: String::new(),
                        display_name: String::new(),
                        result: status,
                        detail,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

fn text_timeline(entries: &[HistoryEntry]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    if entries.is_empty() {
        s.push_str("No journalled steps match.\n");
        return s;
    }
    let mut last_run = None;
    for e in entries {
        if last_run != Some(&e.run) {
            let command = if e.command.is_empty() {
                "apply"
            } else {
                &e.command
            };
            let _ = writeln!(s, "run {} by {} ({command}):", e.run, e.actor);
            last_run = Some(&e.run);
        }
        let name = if e.display_name.is_empty() {
            String::new()
        } else {
            format!(" {:?}", e.display_name)
        };
        let action = if e.action.is_empty() {
            String::new()
        } else {
            format!("{} ", e.action)
        };
        let detail = e
            .detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {}  {action}{}{name}  {}{detail}",
            e.time, e.address, e.result
        );
    }
    s
}

/// Milliseconds since the epoch of an RFC 3339 time (`Z` or an offset; fraction optional) or
/// a date (its midnight, UTC).
pub fn parse_time(t: &str) -> Option<i64> {
    let t = t.trim();
    let date = t.get(..10)?;
    let mut parts = date.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || date.as_bytes()[4] != b'-' {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let rest = &t[10..];
    if rest.is_empty() {
        return Some(days * 86_400_000);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, offset_ms) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let at = rest.rfind(['+', '-'])?;
        let (c, off) = rest.split_at(at);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (h, m) = off[1..].split_once(':')?;
        let minutes = h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?;
        (c, sign * minutes * 60_000)
    };
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut hms = hms.split(':');
    let h: i64 = hms.next()?.parse().ok()?;
    let m: i64 = hms.next()?.parse().ok()?;
    let sec: i64 = hms.next()?.parse().ok()?;
    if h > 23 || m > 59 || sec > 60 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let ms: i64 = format!("{fraction:0<3}").get(..3)?.parse().ok()?;
    Some(days * 86_400_000 + ((h * 60 + m) * 60 + sec) * 1000 + ms - offset_ms)
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times() {
        assert_eq!(parse_time("1970-01-01"), Some(0));
        assert_eq!(parse_time("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(
            parse_time("2000-02-29T00:00:00.123Z"),
            Some(951_782_400_123)
        );
        assert_eq!(
            parse_time("2000-02-29T01:00:00.123+01:00"),
            Some(951_782_400_123)
        );
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2000-13-01"), None);
    }
}
