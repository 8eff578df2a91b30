//! Notifications (`--notify TARGET`): a channel-neutral [`Summary`] of a run, rendered for
//! Microsoft Teams (a Workflows webhook: an Adaptive Card message), Slack (an incoming webhook:
//! `text` plus `blocks`) or a generic JSON webhook (schema `ppgov.notification/v1`), and posted
//! to every target with bounded retries.
//!
//! Webhook URLs are secrets (whoever has one can post to the channel), so a target is only
//! ever printed redacted ([`Target::redacted`]), and every body is masked with the secrets
//! ppgov holds before it leaves ([`crate::client_env::mask`]).

use ppgov_planner::{Action, Plan};
use ppgov_tenant_client::config::is_loopback_host;
use ppgov_tenant_client::{RetryPolicy, backoff, mask_secrets, parse_retry_after};
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

/// The generic webhook's schema name; a new major version changes it.
pub const WEBHOOK_SCHEMA: &str = "ppgov.notification/v1";

/// Entries a message lists before it says how many more there are: a notification points
/// to the full report, it does not replace it.
pub const MAX_ENTRIES: usize = 10;

/// Where a notification goes and in which shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Teams,
    Slack,
    Webhook,
}

impl Channel {
    fn prefix(self) -> &'static str {
        match self {
            Channel::Teams => "teams",
            Channel::Slack => "slack",
            Channel::Webhook => "webhook",
        }
    }

    /// The channel a well-known webhook host belongs to.
    fn of_host(host: &str) -> Option<Channel> {
        let host = host.to_ascii_lowercase();
        if host == "hooks.slack.com" {
            return Some(Channel::Slack);
        }
        // Workflows ("Post to a channel when a webhook request is received") URLs live on
        // Logic Apps or Power Platform hosts; retired Office 365 connectors on webhook.office.com.
        let teams = [
            ".logic.azure.com",
            ".powerplatform.com",
            ".webhook.office.com",
        ];
        teams
            .iter()
            .any(|suffix| host.ends_with(suffix))
            .then_some(Channel::Teams)
    }
}

/// A parsed `--notify` value: `teams+https://…`, `slack+https://…`, `webhook+https://…`, or a
/// bare `https://…` URL on a well-known Teams or Slack host.
#[derive(Clone, Debug)]
pub struct Target {
    pub channel: Channel,
    url: Url,
}

impl Target {
    pub fn parse(value: &str) -> Result<Target, String> {
        let value = value.trim();
        let (explicit, rest) = match value.split_once('+') {
            Some((prefix, rest)) if !prefix.contains([':', '/']) => {
                let channel = match prefix.to_ascii_lowercase().as_str() {
                    "teams" => Channel::Teams,
                    "slack" => Channel::Slack,
                    "webhook" => Channel::Webhook,
                    other => {
                        return Err(format!(
                            "--notify `{other}+…`: unknown channel `{other}`; use teams+URL, slack+URL or webhook+URL"
                        ));
                    }
                };
                (Some(channel), rest)
            }
            _ => (None, value),
        };
        let shown = explicit.map_or(String::new(), |c| format!("{}+", c.prefix()));
        // The URL itself is never echoed: it is the secret.
        let url = Url::parse(rest).map_err(|e| format!("--notify `{shown}…`: not a URL ({e})"))?;
        let host = url.host_str().unwrap_or_default().to_owned();
        match url.scheme() {
            "https" if !host.is_empty() => {}
            "http" if is_loopback_host(&host) => {}
            scheme => {
                return Err(format!(
                    "--notify `{shown}{scheme}://{host}/***`: a webhook URL carries its own credential, so only https is allowed (http only to 127.0.0.1, ::1 or localhost)"
                ));
            }
        }
        let channel = match explicit.or_else(|| Channel::of_host(&host)) {
            Some(channel) => channel,
            None => {
                return Err(format!(
                    "--notify `{}`: cannot tell the channel from the host `{host}`; prefix the URL with teams+, slack+ or webhook+",
                    redact(&url)
                ));
            }
        };
        Ok(Target { channel, url })
    }

    /// `slack+https://hooks.slack.com/***`: enough to tell targets apart in a log, nothing
    /// that lets anyone post.
    pub fn redacted(&self) -> String {
        format!("{}+{}", self.channel.prefix(), redact(&self.url))
    }
}

impl Target {
    /// `text` without the URL's secret parts (path, query, each query value): a receiver's
    /// error body may echo the URL it was called with.
    fn mask(&self, text: &str) -> String {
        let url = &self.url;
        let mut secrets = vec![url.as_str().to_owned(), url.path().to_owned()];
        if let Some(query) = url.query() {
            secrets.push(query.to_owned());
        }
        secrets.extend(url.query_pairs().map(|(_, v)| v.into_owned()));
        mask_secrets(text, secrets.iter().map(String::as_str))
    }
}

fn redact(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{}://{host}:{port}/***", url.scheme()),
        None => format!("{}://{host}/***", url.scheme()),
    }
}

/// Parses every `--notify` value; the first bad one is an error before anything runs.
pub fn parse_targets(values: &[String]) -> Result<Vec<Target>, String> {
    values.iter().map(|v| Target::parse(v)).collect()
}

/// What a notification reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The plan has changes (what `--detailed-exitcode` reports as 2).
    Changes,
    /// The tenant no longer matches what ppgov last wrote (for `ppgov drift`).
    Drift,
    /// The command failed.
    Failure,
    /// Apply ran, but a fresh plan still has changes.
    NotConverged,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Changes => "changes",
            Outcome::Drift => "drift",
            Outcome::Failure => "failure",
            Outcome::NotConverged => "notConverged",
        }
    }

    /// Adaptive Card text colour.
    fn teams_color(self) -> &'static str {
        match self {
            Outcome::Changes => "Accent",
            Outcome::Drift | Outcome::NotConverged => "Warning",
            Outcome::Failure => "Attention",
        }
    }

    fn emoji(self) -> &'static str {
        match self {
            Outcome::Changes => ":memo:",
            Outcome::Drift | Outcome::NotConverged => ":warning:",
            Outcome::Failure => ":x:",
        }
    }
}

/// One resource a notification names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `DlpPolicy.production`.
    pub address: String,
    /// The display name, as people know the object.
    pub name: String,
    /// What happens or happened to it: `update`, `FAILED: …`, `still differs in …`.
    pub detail: String,
}

impl Entry {
    /// `address (name): detail`, leaving out what is empty; `escape` applies to each part.
    fn line(&self, escape: impl Fn(&str) -> String, code: (&str, &str)) -> String {
        let mut out = String::new();
        if !self.address.is_empty() {
            out.push_str(&format!("{}{}{}", code.0, escape(&self.address), code.1));
        }
        if !self.name.is_empty() {
            out.push_str(&format!(" ({})", escape(&self.name)));
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&escape(&self.detail));
        out
    }
}

/// A channel-neutral summary of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// `plan`, `apply`, `drift`.
    pub command: String,
    pub outcome: Outcome,
    /// One line, e.g. "ppgov plan: 3 changes to contoso-governance".
    pub title: String,
    /// `metadata.name` of ppgov.yaml, when the policies were read.
    pub project: Option<String>,
    /// Named counts, e.g. `create`, `update`, `delete`, `failed`.
    pub counts: BTreeMap<String, usize>,
    /// In the command's own order; a message lists the first [`MAX_ENTRIES`].
    pub entries: Vec<Entry>,
    /// The error, for failures.
    pub error: Option<String>,
    /// The CI run or report to open ([`ci_run_link`]).
    pub link: Option<String>,
}

impl Summary {
    /// A failed `command`, with the message the command printed.
    pub fn failure(command: &str, project: Option<&str>, error: &str) -> Summary {
        Summary {
            command: command.to_owned(),
            outcome: Outcome::Failure,
            title: match project {
                Some(p) => format!("ppgov {command} failed for {p}"),
                None => format!("ppgov {command} failed"),
            },
            project: project.map(str::to_owned),
            counts: BTreeMap::new(),
            entries: Vec::new(),
            error: Some(error.to_owned()),
            link: ci_run_link(&|name| std::env::var(name).ok()),
        }
    }

    /// A `command` that made no plan because the policies cannot be planned against the
    /// tenant: one entry per planning error.
    pub fn plan_errors(
        command: &str,
        project: &str,
        errors: &[ppgov_planner::PlanError],
    ) -> Summary {
        let mut failure = Summary::failure(
            command,
            Some(project),
            "no plan was made: the policies cannot be planned against the tenant",
        );
        failure.entries = errors
            .iter()
            .map(|e| Entry {
                address: e.resource.clone(),
                name: String::new(),
                detail: e.message.clone(),
            })
            .collect();
        failure
    }

    /// A plan with changes; the risky ones first (a stable sort keeps plan order otherwise),
    /// since a message lists only the first few.
    pub fn changes(plan: &Plan, project: &str) -> Summary {
        let (create, update, delete) = plan.counts();
        let mut ordered: Vec<&ppgov_planner::Change> = plan.changes.iter().collect();
        ordered.sort_by_key(|c| c.risk.is_none());
        let entries = ordered
            .into_iter()
            .map(|c| Entry {
                address: c.address.clone(),
                name: c.display_name.clone(),
                detail: match (c.action, &c.risk) {
                    (action, Some(risk)) => format!("{} (risky: {risk})", action_word(action)),
                    (action, None) => action_word(action).to_owned(),
                },
            })
            .collect();
        let total = plan.changes.len();
        Summary {
            command: "plan".to_owned(),
            outcome: Outcome::Changes,
            title: format!(
                "ppgov plan: {total} change{} to {project}",
                if total == 1 { "" } else { "s" }
            ),
            project: Some(project.to_owned()),
            counts: BTreeMap::from([
                ("create".to_owned(), create),
                ("update".to_owned(), update),
                ("delete".to_owned(), delete),
            ]),
            entries,
            error: None,
            link: ci_run_link(&|name| std::env::var(name).ok()),
        }
    }

    /// A drift check that found drift left for a person (or left by a failed repair): the
    /// drifted objects first, each with who ppgov-wrote it last and when, then the repairs
    /// held back.
    pub fn drift(
        report: &ppgov_apply::drift::DriftReport,
        held: &[crate::drift_cmd::Held],
        project: &str,
    ) -> Summary {
        let (drift, pending, unmanaged) = report.counts();
        let mut entries: Vec<Entry> = report
            .drift
            .iter()
            .map(|e| Entry {
                address: e.address.clone(),
                name: e.display_name.clone(),
                detail: match &e.last_write {
                    Some(w) => format!("{} (ppgov wrote it {} by {})", e.reason, w.time, w.actor),
                    None => e.reason.clone(),
                },
            })
            .collect();
        entries.extend(held.iter().map(|h| Entry {
            address: h.address.clone(),
            name: h.display_name.clone(),
            detail: format!("left for a person: {}", h.reason),
        }));
        Summary {
            command: "drift".to_owned(),
            outcome: Outcome::Drift,
            title: format!(
                "ppgov drift: {drift} object{} changed outside ppgov in {project}",
                if drift == 1 { "" } else { "s" }
            ),
            project: Some(project.to_owned()),
            counts: BTreeMap::from([
                ("drift".to_owned(), drift),
                ("pending".to_owned(), pending),
                ("unmanaged".to_owned(), unmanaged),
                ("heldForAPerson".to_owned(), held.len()),
            ]),
            entries,
            error: None,
            link: ci_run_link(&|name| std::env::var(name).ok()),
        }
    }

    fn counts_line(&self) -> String {
        self.counts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn shown_entries(&self) -> (&[Entry], usize) {
        let shown = &self.entries[..self.entries.len().min(MAX_ENTRIES)];
        (shown, self.entries.len() - shown.len())
    }
}

pub fn action_word(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete",
    }
}

/// The page of the CI run, from the variables GitHub Actions and Azure Pipelines set;
/// `PPGOV_NOTIFY_LINK` overrides both (e.g. a published report).
pub fn ci_run_link(var: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    if let Some(link) = var("PPGOV_NOTIFY_LINK") {
        return Some(link);
    }
    if let (Some(server), Some(repo), Some(run)) = (
        var("GITHUB_SERVER_URL"),
        var("GITHUB_REPOSITORY"),
        var("GITHUB_RUN_ID"),
    ) {
        return Some(format!(
            "{}/{repo}/actions/runs/{run}",
            server.trim_end_matches('/')
        ));
    }
    if let (Some(collection), Some(project), Some(build)) = (
        var("SYSTEM_COLLECTIONURI"),
        var("SYSTEM_TEAMPROJECT"),
        var("BUILD_BUILDID"),
    ) {
        return Some(format!(
            "{}/{project}/_build/results?buildId={build}",
            collection.trim_end_matches('/')
        ));
    }
    None
}

// ---- payloads -----------------------------------------------------------------------------

/// The JSON body for `channel`.
pub fn payload(summary: &Summary, channel: Channel) -> Value {
    match channel {
        Channel::Teams => teams(summary),
        Channel::Slack => slack(summary),
        Channel::Webhook => webhook(summary),
    }
}

/// A Workflows webhook message: one Adaptive Card attachment.
fn teams(s: &Summary) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock", "text": s.title, "weight": "Bolder", "size": "Medium",
        "color": s.outcome.teams_color(), "wrap": true,
    })];
    let mut facts = vec![json!({"title": "Outcome", "value": s.outcome.as_str()})];
    if let Some(p) = &s.project {
        facts.push(json!({"title": "Project", "value": p}));
    }
    if !s.counts.is_empty() {
        facts.push(json!({"title": "Counts", "value": s.counts_line()}));
    }
    body.push(json!({"type": "FactSet", "facts": facts}));
    if let Some(e) = &s.error {
        body.push(json!({"type": "TextBlock", "text": e, "wrap": true, "color": "Attention"}));
    }
    let (shown, more) = s.shown_entries();
    for e in shown {
        body.push(json!({
            "type": "TextBlock", "wrap": true, "spacing": "Small",
            "text": e.line(str::to_owned, ("**", "**")),
        }));
    }
    if more > 0 {
        body.push(
            json!({"type": "TextBlock", "text": format!("… and {more} more"), "isSubtle": true}),
        );
    }
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    });
    if let Some(link) = &s.link {
        card["actions"] = json!([{"type": "Action.OpenUrl", "title": "Open the run", "url": link}]);
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

/// Slack treats `&`, `<` and `>` as markup (`<!channel>` pings everyone): resource names are
/// escaped before they go in.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Slack's limit on a section's text.
const SLACK_SECTION_CHARS: usize = 3000;

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// An incoming-webhook message: `text` (the notification's fallback) plus `blocks`.
fn slack(s: &Summary) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        // Header text is plain_text, at most 150 characters.
        "text": {"type": "plain_text", "text": cut(&s.title, 150), "emoji": true},
    })];
    let mut fields = vec![format!("*Outcome:* {}", s.outcome.as_str())];
    if let Some(p) = &s.project {
        fields.push(format!("*Project:* {}", slack_escape(p)));
    }
    if !s.counts.is_empty() {
        fields.push(format!("*Counts:* {}", s.counts_line()));
    }
    blocks.push(json!({
        "type": "section",
        "fields": fields.iter().map(|f| json!({"type": "mrkdwn", "text": f})).collect::<Vec<_>>(),
    }));
    if let Some(e) = &s.error {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": cut(&format!("{} {}", s.outcome.emoji(), slack_escape(e)), SLACK_SECTION_CHARS)},
        }));
    }
    let (shown, more) = s.shown_entries();
    if !shown.is_empty() {
        let mut lines: Vec<String> = shown
            .iter()
            .map(|e| format!("• {}", e.line(slack_escape, ("`", "`"))))
            .collect();
        if more > 0 {
            lines.push(format!("… and {more} more"));
        }
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": cut(&lines.join("\n"), SLACK_SECTION_CHARS)},
        }));
    }
    if let Some(link) = &s.link {
        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": format!("<{}|Open the run>", slack_escape(link))}],
        }));
    }
    json!({
        "text": format!("{} {}", s.outcome.emoji(), s.title),
        "blocks": blocks,
    })
}

/// The generic webhook body, schema `ppgov.notification/v1` (docs/ci.md, "Notifications").
fn webhook(s: &Summary) -> Value {
    let (shown, more) = s.shown_entries();
    json!({
        "schema": WEBHOOK_SCHEMA,
        "tool": "ppgov",
        "toolVersion": env!("CARGO_PKG_VERSION"),
        "command": s.command,
        "outcome": s.outcome.as_str(),
        "title": s.title,
        "project": s.project,
        "counts": s.counts,
        "entries": shown.iter().map(|e| json!({"address": e.address, "name": e.name, "detail": e.detail})).collect::<Vec<_>>(),
        "entriesOmitted": more,
        "error": s.error,
        "link": s.link,
    })
}

// ---- delivery -----------------------------------------------------------------------------

/// How hard to try: bounded attempts, backoff, `Retry-After` within a cap, and a total bound
/// per target (`PPGOV_NOTIFY_DEADLINE`, seconds) so a dead webhook never holds up a CI job.
#[derive(Clone, Debug)]
pub struct Policy {
    pub retry: RetryPolicy,
    pub request_timeout: Duration,
    pub deadline: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            retry: RetryPolicy {
                max_attempts: 4,
                base_backoff: Duration::from_millis(500),
                max_backoff: Duration::from_secs(8),
                retry_after_cap: Duration::from_secs(30),
            },
            request_timeout: Duration::from_secs(15),
            deadline: Duration::from_secs(60),
        }
    }
}

impl Policy {
    /// The default, with `PPGOV_NOTIFY_DEADLINE` applied.
    pub fn from_env() -> Result<Policy, String> {
        let mut policy = Policy::default();
        if let Some(v) = std::env::var("PPGOV_NOTIFY_DEADLINE")
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            match v.trim().parse::<f64>() {
                Ok(s) if s.is_finite() && s > 0.0 && s < 1e6 => {
                    policy.deadline = Duration::from_secs_f64(s);
                    policy.request_timeout = policy.request_timeout.min(policy.deadline);
                }
                _ => {
                    return Err(format!(
                        "PPGOV_NOTIFY_DEADLINE=`{v}` is not a positive number of seconds"
                    ));
                }
            }
        }
        Ok(policy)
    }
}

/// How one target fared.
#[derive(Debug)]
pub struct Delivery {
    /// [`Target::redacted`].
    pub target: String,
    pub attempts: u32,
    pub result: Result<(), String>,
}

/// Posts `summary` to every target at once; never fails as a whole, each target reports.
pub async fn send_all(summary: &Summary, targets: &[Target], policy: &Policy) -> Vec<Delivery> {
    let http = match reqwest::Client::builder()
        .user_agent(concat!("ppgov/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(policy.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            let message = format!("cannot build the HTTP client: {}", e.without_url());
            return targets
                .iter()
                .map(|t| Delivery {
                    target: t.redacted(),
                    attempts: 0,
                    result: Err(message.clone()),
                })
                .collect();
        }
    };
    futures::future::join_all(targets.iter().map(|t| send(&http, summary, t, policy))).await
}

async fn send(
    http: &reqwest::Client,
    summary: &Summary,
    target: &Target,
    policy: &Policy,
) -> Delivery {
    // Masked as text: JSON-escaped secrets are caught too, and `***` keeps the JSON valid.
    let body = crate::client_env::mask(&payload(summary, target.channel).to_string());
    let started = Instant::now();
    let mut attempts = 0;
    let result = loop {
        attempts += 1;
        let remaining = policy.deadline.saturating_sub(started.elapsed());
        if remaining.is_zero() {
            break Err(format!("no answer within {:?}", policy.deadline));
        }
        let sent = http
            .post(target.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.clone())
            .timeout(policy.request_timeout.min(remaining))
            .send()
            .await;
        let (problem, wait) = match sent {
            Ok(response) if response.status().is_success() => break Ok(()),
            Ok(response) => {
                let status = response.status();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, SystemTime::now()));
                let text = body_start(response).await;
                let problem = format!("HTTP {status}{}", excerpt(&text));
                if !retryable(status) {
                    break Err(problem);
                }
                (
                    problem,
                    retry_after.map(|d| d.min(policy.retry.retry_after_cap)),
                )
            }
            Err(e) => (describe(&e), None),
        };
        if attempts >= policy.retry.max_attempts {
            break Err(format!("{problem} (gave up after {attempts} attempts)"));
        }
        let wait = wait.unwrap_or_else(|| backoff(&policy.retry, attempts));
        let remaining = policy.deadline.saturating_sub(started.elapsed());
        if wait >= remaining {
            break Err(format!(
                "{problem} (gave up after {attempts} attempt{}: the next would start past the {}s bound, PPGOV_NOTIFY_DEADLINE)",
                if attempts == 1 { "" } else { "s" },
                policy.deadline.as_secs_f64()
            ));
        }
        tokio::time::sleep(wait).await;
    };
    Delivery {
        target: target.redacted(),
        attempts,
        result: result.map_err(|e| target.mask(&crate::client_env::mask(&e))),
    }
}

/// The first few KiB of an error body: enough for an excerpt, and a receiver that sends
/// gigabytes cannot make ppgov hold them (the request timeout bounds the time).
async fn body_start(mut response: reqwest::Response) -> String {
    const MAX: usize = 4096;
    let mut bytes = Vec::new();
    while bytes.len() < MAX {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    bytes.truncate(MAX);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// 429 and 5xx are worth another try; any other answer will not change.
fn retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// A short excerpt of an error body: receivers explain a rejected payload there.
fn excerpt(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        String::new()
    } else {
        format!(": {}", cut(&one_line, 200))
    }
}

/// A transport error without the URL reqwest would print (the URL is the secret).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let mut message = kind.to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    message
}

/// Ends a command run with `--notify`: prints its error (as `main` would), sends the summary
/// when there is something to report (`notice` from the command, or a failure), and reports
/// each delivery on stderr.
///
/// A notification that was not delivered makes the exit status 1 whatever the command's own
/// result, and stderr says what that result was: a requested alert that silently did not
/// arrive is worse than a red CI job.
pub fn finish(
    command: &str,
    targets: &[Target],
    result: Result<ExitCode, String>,
    notice: Option<Summary>,
) -> Result<ExitCode, String> {
    if targets.is_empty() {
        return result;
    }
    let (code, summary) = match result {
        Err(message) => {
            eprintln!("error: {}", crate::client_env::mask(&message));
            let project = notice.as_ref().and_then(|n| n.project.clone());
            (
                ExitCode::from(1),
                Some(Summary::failure(command, project.as_deref(), &message)),
            )
        }
        Ok(code) if code == ExitCode::from(1) => (
            code,
            Some(notice.unwrap_or_else(|| {
                Summary::failure(command, None, "see the log of the run for the error")
            })),
        ),
        // A failure is reported only when the command failed: commands record the failure
        // they would report before they know they will succeed.
        Ok(code) => (code, notice.filter(|n| n.outcome != Outcome::Failure)),
    };
    let Some(summary) = summary else {
        return Ok(code);
    };
    let own = (0..=u8::MAX)
        .find(|n| ExitCode::from(*n) == code)
        .unwrap_or(1);
    Ok(deliver(&summary, targets, code, own))
}

fn deliver(summary: &Summary, targets: &[Target], code: ExitCode, own: u8) -> ExitCode {
    let policy = match Policy::from_env() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: no notification sent: {e}");
            return ExitCode::from(1);
        }
    };
    let deliveries = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(send_all(summary, targets, &policy)),
        Err(e) => {
            eprintln!("error: no notification sent: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let mut failed = 0;
    for d in &deliveries {
        match &d.result {
            Ok(()) => eprintln!(
                "Notified {} ({}; {} attempt{}).",
                d.target,
                summary.outcome.as_str(),
                d.attempts,
                if d.attempts == 1 { "" } else { "s" }
            ),
            Err(e) => {
                failed += 1;
                eprintln!(
                    "error: the notification to {} was not delivered: {e}",
                    d.target
                );
            }
        }
    }
    if failed == 0 {
        return code;
    }
    if own != 1 {
        eprintln!(
            "ppgov exits 1 because {failed} of {} notifications failed; without that its exit status would be {own}",
            deliveries.len()
        );
    }
    ExitCode::from(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_their_channel_or_a_known_host() {
        let t = Target::parse("slack+https://example.com/hook/abc?sig=s3cret").unwrap();
        assert_eq!(t.channel, Channel::Slack);
        assert_eq!(t.redacted(), "slack+https://example.com/***");
        let t = Target::parse("https://hooks.slack.com/services/T0/B0/xyz").unwrap();
        assert_eq!(t.channel, Channel::Slack);
        let t = Target::parse(
            "https://prod-01.westeurope.logic.azure.com:443/workflows/1/triggers/manual/paths/invoke?sig=abc",
        )
        .unwrap();
        assert_eq!(t.channel, Channel::Teams);
        assert_eq!(
            t.redacted(),
            "teams+https://prod-01.westeurope.logic.azure.com/***"
        );
        let t = Target::parse("webhook+http://127.0.0.1:9000/x").unwrap();
        assert_eq!(t.redacted(), "webhook+http://127.0.0.1:9000/***");
    }

    #[test]
    fn bad_targets_say_why_without_the_url() {
        for (value, says) in [
            ("https://example.com/hook/s3cret", "prefix the URL"),
            ("webhook+http://example.com/hook/s3cret", "only https"),
            ("mail+https://example.com/hook/s3cret", "unknown channel"),
            ("teams+not a url s3cret", "not a URL"),
        ] {
            let e = Target::parse(value).unwrap_err();
            assert!(e.contains(says), "{value}: {e}");
            assert!(!e.contains("s3cret"), "{value}: {e}");
        }
    }

    #[test]
    fn run_links_come_from_the_ci() {
        let github = |n: &str| {
            match n {
                "GITHUB_SERVER_URL" => Some("https://github.com"),
                "GITHUB_REPOSITORY" => Some("org/gov"),
                "GITHUB_RUN_ID" => Some("42"),
                _ => None,
            }
            .map(str::to_owned)
        };
        assert_eq!(
            ci_run_link(&github).as_deref(),
            Some("https://github.com/org/gov/actions/runs/42")
        );
        let azure = |n: &str| {
            match n {
                "SYSTEM_COLLECTIONURI" => Some("https://dev.azure.com/org/"),
                "SYSTEM_TEAMPROJECT" => Some("gov"),
                "BUILD_BUILDID" => Some("7"),
                _ => None,
            }
            .map(str::to_owned)
        };
        assert_eq!(
            ci_run_link(&azure).as_deref(),
            Some("https://dev.azure.com/org/gov/_build/results?buildId=7")
        );
        assert_eq!(ci_run_link(&|_| None), None);
    }
}
