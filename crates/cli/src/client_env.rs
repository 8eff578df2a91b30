//! What the environment says about the client beyond credentials: its limits
//! (`PPGOV_READ_TIMEOUT`, ...), progress notices while it waits (on a terminal only), and the
//! secrets ppgov holds, masked in everything it prints.

use ppgov_tenant_client::{ClientConfig, WaitObserver, mask_secrets};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

// Durations are in seconds (decimals allowed), counts whole numbers; each variable overrides
// one field of `ClientConfig` (README, "Limits").

/// Waits shorter than this are not worth a line on the terminal.
const NOTICE_FROM: Duration = Duration::from_secs(1);

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn seconds(name: &str) -> Result<Option<Duration>, String> {
    let Some(v) = var(name) else { return Ok(None) };
    match v.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(Some(Duration::from_secs_f64(s))),
        _ => Err(format!("{name}=`{v}` is not a positive number of seconds")),
    }
}

fn count(name: &str) -> Result<Option<u64>, String> {
    let Some(v) = var(name) else { return Ok(None) };
    match v.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(format!("{name}=`{v}` is not a positive whole number")),
    }
}

/// Applies the limit variables to `config`, and prints wait notices when stderr is a terminal.
pub fn configure(config: &mut ClientConfig) -> Result<(), String> {
    if let Some(d) = seconds("PPGOV_READ_TIMEOUT")? {
        config.limits.read_timeout = d;
        // One exchange never outlasts the read timeout.
        config.request_timeout = config.request_timeout.min(d);
    }
    if let Some(d) = seconds("PPGOV_THROTTLE_BUDGET")? {
        config.limits.throttle_budget = d;
    }
    if let Some(d) = seconds("PPGOV_RETRY_AFTER_CAP")? {
        config.retry.retry_after_cap = d;
    }
    if let Some(d) = seconds("PPGOV_LRO_DEADLINE")? {
        config.lro.deadline = d;
    }
    if let Some(d) = seconds("PPGOV_OBSERVE_DEADLINE")? {
        config.limits.observe_deadline = d;
    }
    if let Some(n) = count("PPGOV_MAX_PAGES")? {
        config.limits.max_pages = u32::try_from(n).unwrap_or(u32::MAX);
    }
    if let Some(n) = count("PPGOV_MAX_RESPONSE_BYTES")? {
        config.limits.max_response_bytes = n;
    }
    if std::io::stderr().is_terminal() {
        config.on_wait = Some(WaitObserver(Arc::new(|event| {
            if event.wait >= NOTICE_FROM {
                eprintln!("waiting: {}", mask(&event.to_string()));
            }
        })));
    }
    Ok(())
}

/// The secrets ppgov was given: the token, the client secret and the federated assertion.
fn known_secrets() -> Vec<String> {
    let mut secrets: Vec<String> = ["PPGOV_TOKEN", "PPGOV_CLIENT_SECRET"]
        .into_iter()
        .filter_map(var)
        .map(|s| s.trim().to_owned())
        .collect();
    if let Some(path) = var("AZURE_FEDERATED_TOKEN_FILE")
        && let Ok(text) = std::fs::read_to_string(path)
    {
        secrets.push(text.trim().to_owned());
    }
    secrets
}

/// `text` with every secret ppgov was given replaced by `***`. The client masks its errors
/// already; this guards everything else the CLI prints or writes from a message.
pub fn mask(text: &str) -> String {
    let secrets = known_secrets();
    mask_secrets(text, secrets.iter().map(String::as_str))
}
