//! The endpoint checks of a `DlpPolicy`: endpoint rules (per-connector formats, order,
//! duplicates) and custom connector URL patterns.

use super::{Lowering, Parsed};
use crate::catalog::{self, ConnectorId};
use crate::diag::{Code, Diagnostic};
use crate::doc::{self, PatternGroup};
use crate::model::*;
use crate::source::Span;
use std::collections::BTreeMap;

impl Lowering<'_> {
    /// The endpoint rules of `p`, checked.
    pub(super) fn dlp_endpoint_rules(
        &mut self,
        p: &Parsed<doc::DlpPolicySpec>,
    ) -> BTreeMap<ConnectorId, Vec<EndpointRule>> {
        let spec = &p.doc.spec;
        // Endpoint rules.
        let mut endpoint_rules: BTreeMap<ConnectorId, Vec<EndpointRule>> = BTreeMap::new();
        let mut endpoint_spans: BTreeMap<ConnectorId, Span> = BTreeMap::new();
        for (i, rules) in spec.endpoint_rules.iter().enumerate() {
            let pointer = format!("/spec/endpointRules/{i}");
            let rules_pointer = format!("{pointer}/rules");
            let span = p.at(&format!("{pointer}/connector"));
            let Some(id) = self.connector(&rules.connector, span) else {
                continue;
            };
            if let Some(first) = endpoint_spans.get(&id) {
                let d = Diagnostic::new(
                    Code::DuplicateEndpointRule,
                    format!("endpoint rules for `{}` are given twice", rules.connector),
                )
                .at(span, "again")
                .also(*first, "first here")
                .help("merge the two lists into one ordered list");
                self.push(d);
                continue;
            }
            endpoint_spans.insert(id.clone(), span);
            let connector = self.catalog.get(&id).cloned();
            if let Some(c) = &connector
                && !c.endpoint_filtering
            {
                let d = Diagnostic::new(Code::EndpointFilteringUnsupported, format!("{} (`{}`) does not support endpoint filtering", c.display_name, catalog::short_name(c)))
                        .at(span, "no endpoint filtering")
                        .help("endpoint rules apply to HTTP, HTTP with Microsoft Entra ID, HTTP Webhook, SQL Server, Azure Blob Storage, SMTP and Dataverse");
                self.push(d);
            }
            let entries: Vec<(String, Span, doc::AllowDeny)> = rules
                .rules
                .iter()
                .enumerate()
                .map(|(j, r)| {
                    (
                        r.endpoint.trim().to_owned(),
                        p.at_item(&rules_pointer, j, Some("endpoint")),
                        r.behavior,
                    )
                })
                .collect();
            let list_span = p.key_at(&format!("{pointer}/rules"));
            self.check_ordered(
                entries.iter().map(|(e, s, _)| (e.as_str(), *s)),
                list_span,
                Code::EndpointRulesOrder,
                Code::DuplicateEndpointRule,
                &format!("endpoint rules for `{}`", rules.connector),
                "add `- {endpoint: \"*\", behavior: deny}` (or allow) as the last rule",
            );
            if let Some(c) = &connector {
                for (endpoint, espan, _) in &entries {
                    if let Some(problem) = endpoint_format_problem(&c.name, endpoint) {
                        let d = Diagnostic::new(
                            Code::InvalidEndpoint,
                            format!("`{endpoint}` is not a valid {} endpoint", c.display_name),
                        )
                        .at(*espan, "invalid endpoint")
                        .help(problem);
                        self.push(d);
                    }
                }
            }
            endpoint_rules.insert(
                id,
                entries
                    .into_iter()
                    .map(|(endpoint, _, behavior)| EndpointRule { endpoint, behavior })
                    .collect(),
            );
        }

        endpoint_rules
    }

    /// The custom connector URL patterns of `p`, checked, with where each is written.
    pub(super) fn dlp_url_patterns(
        &mut self,
        p: &Parsed<doc::DlpPolicySpec>,
    ) -> Vec<(String, Span, PatternGroup)> {
        let spec = &p.doc.spec;
        // Custom connector URL patterns.
        let patterns: Vec<(String, Span, PatternGroup)> = spec
            .custom_connector_patterns
            .iter()
            .enumerate()
            .map(|(i, u)| {
                (
                    u.pattern.trim().to_owned(),
                    p.at_item("/spec/customConnectorPatterns", i, Some("pattern")),
                    u.group,
                )
            })
            .collect();
        if !patterns.is_empty() {
            self.check_ordered(
                patterns.iter().map(|(e, s, _)| (e.as_str(), *s)),
                p.key_at("/spec/customConnectorPatterns"),
                Code::UrlPatternsOrder,
                Code::DuplicateUrlPattern,
                "custom connector patterns",
                "add `- {pattern: \"*\", group: ignore}` as the last pattern",
            );
            for (i, (pattern, _, group)) in patterns.iter().enumerate() {
                if *group == PatternGroup::Ignore && pattern != "*" {
                    let d = Diagnostic::new(
                        Code::IgnoreOnlyOnCatchAll,
                        format!("`group: ignore` is only allowed on `*`, not on `{pattern}`"),
                    )
                    .at(
                        p.at(&format!("/spec/customConnectorPatterns/{i}/group")),
                        "ignore on a specific pattern",
                    )
                    .help("use business, nonBusiness or blocked here");
                    self.push(d);
                }
            }
        }

        patterns
    }

    /// Checks an ordered rule list that must end with exactly one catch-all `*`, with no
    /// duplicates.
    fn check_ordered<'s>(
        &mut self,
        entries: impl Iterator<Item = (&'s str, Span)>,
        list_span: Span,
        order_code: Code,
        duplicate_code: Code,
        what: &str,
        fix: &str,
    ) {
        let entries: Vec<(&str, Span)> = entries.collect();
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for (i, (value, span)) in entries.iter().enumerate() {
            if let Some(first) = seen.get(value) {
                let d =
                    Diagnostic::new(duplicate_code, format!("`{value}` appears twice in {what}"))
                        .at(*span, "never reached")
                        .also(*first, "first here")
                        .help("remove the repeated entry");
                self.push(d);
                continue;
            }
            seen.insert(value, *span);
            if *value == "*" && i + 1 < entries.len() {
                let d = Diagnostic::new(
                    Code::CatchAllNotLast,
                    format!("`*` must be the last of the {what}"),
                )
                .at(*span, "catch-all here")
                .also(entries[i + 1].1, "can never match")
                .help("move `*` to the end");
                self.push(d);
            }
        }
        if !entries.iter().any(|(v, _)| *v == "*") {
            let last = entries.last().map_or(list_span, |(_, s)| *s);
            let d = Diagnostic::new(order_code, format!("the {what} do not end with `*`"))
                .at(last, "last entry")
                .help(fix.to_owned());
            self.push(d);
        }
    }
}

/// The per-connector endpoint formats the platform documents; `None` when fine.
fn endpoint_format_problem(connector_name: &str, endpoint: &str) -> Option<String> {
    if endpoint == "*" {
        return None;
    }
    match connector_name {
        "shared_sql" => {
            if let Some(suggestion) = sql_connection_string(endpoint) {
                return Some(format!(
                    "this is a connection string; SQL Server endpoints are `server,database`: write `{suggestion}`"
                ));
            }
            let ok = endpoint.split_once(',').is_some_and(|(server, db)| {
                !server.trim().is_empty()
                    && !db.trim().is_empty()
                    && !db.contains(',')
                    && !endpoint.contains([';', '='])
            });
            (!ok).then(|| "SQL Server endpoints are `server,database`, e.g. `contoso.database.windows.net,sales`".to_owned())
        }
        "shared_smtp" => {
            let ok = endpoint.split_once(',').is_some_and(|(host, port)| {
                !host.trim().is_empty() && port.trim().parse::<u16>().is_ok()
            });
            (!ok).then(|| "SMTP endpoints are `host,port`, e.g. `smtp.contoso.com,587`".to_owned())
        }
        "shared_azureblob" => {
            let ok = endpoint.contains('*')
                || (3..=24).contains(&endpoint.len())
                    && endpoint
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            (!ok).then(|| "Azure Blob Storage endpoints are storage account names: 3-24 lower-case letters and digits".to_owned())
        }
        "Http" | "HttpWebhook" | "shared_webcontents" => {
            let ok = endpoint.starts_with("https://") || endpoint.starts_with("http://");
            (!ok).then(|| {
                "HTTP endpoints are URL patterns such as `https://*.contoso.com`".to_owned()
            })
        }
        _ => None,
    }
}

/// `server,database` for an ADO.NET-style SQL connection string
/// (`Server=tcp:host,1433;Initial Catalog=db;...`), or `None` if `text` is not one.
fn sql_connection_string(text: &str) -> Option<String> {
    if !text.contains('=') || !text.contains(';') {
        return None;
    }
    let mut server = None;
    let mut database = None;
    for part in text.split(';') {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "server" | "data source" | "address" | "addr" | "network address" => {
                // `tcp:host,1433` -> `host`: the rule names the server, not the port.
                let host = value.strip_prefix("tcp:").unwrap_or(value);
                server = Some(host.split(',').next().unwrap_or(host).trim().to_owned());
            }
            "database" | "initial catalog" => database = Some(value.to_owned()),
            _ => {}
        }
    }
    Some(format!(
        "{},{}",
        server
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "server".into()),
        database
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "database".into())
    ))
}
