//! `ppgov request connector CONNECTOR --for TARGET`: allow a connector (as `business`) where a
//! team needs it, with the smallest change that does it.
//!
//! The rule (docs/requests.md): the platform applies every data policy that covers an
//! environment and the most restrictive wins, so a new policy can only restrict, never allow.
//! The connector is therefore allowed by editing the policies that keep it from `business`
//! for the target, and only when each of them covers the target alone (`mode: only` naming
//! just that environment, or just that group): then nobody else is affected. When such a
//! policy also covers other environments, the request stops and names it and its owners: a
//! policy shared with others is changed by a person, not by a request.

use super::environment::join;
use super::layout::file_of;
use super::{Common, Edits};
use clap::Args;
use ppgov_core::catalog::{Connector, Resolved};
use ppgov_core::doc::{ConnectorGroup, ScopeMode};
use ppgov_core::model::{DlpPolicy, EnvironmentTarget};
use ppgov_core::{Kind, Loaded};

#[derive(Args)]
pub struct ConnectorRequest {
    /// The connector, as policies name it (`sql`, `shared_sql`, or its full id).
    pub connector: String,
    /// The environment or environment group (its `metadata.name`) that needs it.
    #[arg(long = "for", value_name = "ENVIRONMENT|GROUP")]
    pub target: String,
    #[command(flatten)]
    pub common: Common,
}

enum Target<'a> {
    Environment {
        name: &'a str,
        group: Option<&'a str>,
        id: Option<&'a str>,
        display_name: &'a str,
    },
    Group(&'a str),
}

impl Target<'_> {
    fn listed_in(&self, policy: &DlpPolicy) -> bool {
        let scope = &policy.scope;
        match self {
            Target::Environment {
                name,
                group,
                id,
                display_name,
            } => {
                scope.environments.iter().any(|t| match t {
                    EnvironmentTarget::Declared(n) => n == name,
                    EnvironmentTarget::Id(i) => Some(i.as_str()) == *id,
                    EnvironmentTarget::DisplayName(d) => d == display_name,
                }) || group.is_some_and(|g| scope.environment_groups.contains(g))
            }
            Target::Group(g) => scope.environment_groups.contains(*g),
        }
    }

    fn covered_by(&self, policy: &DlpPolicy) -> bool {
        match policy.scope.mode {
            ScopeMode::All => true,
            ScopeMode::Only => self.listed_in(policy),
            ScopeMode::AllExcept => !self.listed_in(policy),
        }
    }

    /// Whether `policy` covers this target and nothing else.
    fn alone_in(&self, policy: &DlpPolicy) -> bool {
        let scope = &policy.scope;
        scope.mode == ScopeMode::Only
            && match self {
                Target::Environment { .. } => {
                    scope.environment_groups.is_empty()
                        && scope.environments.len() == 1
                        && self.listed_in(policy)
                }
                Target::Group(g) => {
                    scope.environments.is_empty()
                        && scope.environment_groups.len() == 1
                        && scope.environment_groups.contains(*g)
                }
            }
    }
}

impl ConnectorRequest {
    fn connector<'c>(&self, loaded: &'c Loaded) -> Result<&'c Connector, String> {
        match loaded.catalog.resolve(&self.connector) {
            Resolved::Known(c) => Ok(c),
            Resolved::UnknownFullId(id) => Err(format!(
                "connector `{id}` is not in the catalog; a custom connector must be added to `connectors.additional` of ppgov.yaml first. Nothing was changed"
            )),
            Resolved::Unknown { suggestion } => {
                let wanted = self.connector.to_lowercase();
                // The catalog's own "did you mean", then names that contain what was typed.
                let mut near: Vec<String> = suggestion
                    .iter()
                    .map(|c| short_name(c).to_owned())
                    .collect();
                near.extend(
                    loaded
                        .catalog
                        .iter()
                        .map(short_name)
                        .filter(|n| wanted.len() >= 3 && n.contains(&wanted))
                        .map(str::to_owned),
                );
                near.dedup();
                near.truncate(5);
                let hint = if near.is_empty() {
                    " (`ppgov connectors` lists the catalog)".to_owned()
                } else {
                    format!("; did you mean {}?", join(&near))
                };
                Err(format!(
                    "no connector `{}` in the catalog{hint}. Nothing was changed",
                    self.connector
                ))
            }
        }
    }

    fn target<'l>(&'l self, loaded: &'l Loaded) -> Result<Target<'l>, String> {
        let desired = &loaded.desired;
        if let Some((name, env)) = desired.environments.get_key_value(&self.target) {
            return Ok(Target::Environment {
                name,
                group: env.group.as_deref(),
                id: env.meta.id.as_deref(),
                display_name: &env.display_name,
            });
        }
        if let Some((name, _)) = desired.environment_groups.get_key_value(&self.target) {
            return Ok(Target::Group(name));
        }
        let names: Vec<&String> = desired
            .environments
            .keys()
            .chain(desired.environment_groups.keys())
            .collect();
        let hint = ppgov_core::suggest::closest(&self.target, &names)
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        Err(format!(
            "--for `{}` names no declared environment or environment group{hint}. Nothing was changed",
            self.target
        ))
    }

    pub fn edits(&self, loaded: &Loaded) -> Result<Edits, String> {
        let connector = self.connector(loaded)?;
        let target = self.target(loaded)?;
        let covering: Vec<(&String, &DlpPolicy)> = loaded
            .desired
            .dlp_policies
            .iter()
            .filter(|(_, p)| target.covered_by(p))
            .collect();
        let group_in = |p: &DlpPolicy| {
            p.classification
                .get(&connector.id)
                .copied()
                .unwrap_or(p.default_group)
        };
        let in_the_way: Vec<(&String, &DlpPolicy)> = covering
            .iter()
            .copied()
            .filter(|(_, p)| group_in(p) != ConnectorGroup::Business)
            .collect();
        if in_the_way.is_empty() {
            return Err(format!(
                "`{}` is already business in every data policy that covers `{}` ({}); nothing to request. Nothing was changed",
                connector.display_name,
                self.target,
                join(covering.iter().map(|(n, _)| n))
            ));
        }
        let shared: Vec<String> = in_the_way
            .iter()
            .filter(|(_, p)| !target.alone_in(p))
            .map(|(name, p)| {
                let owners = if p.owners.is_empty() {
                    "no owners declared".to_owned()
                } else {
                    format!("owners {}", join(&p.owners))
                };
                format!("`{name}` ({owners})")
            })
            .collect();
        if !shared.is_empty() {
            return Err(format!(
                "`{}` is kept from business for `{}` by data policies that also cover other environments: {}. Allowing it there would allow it for all of them, and a new policy cannot allow what another blocks; ask the owners to change or split the policy. Nothing was changed",
                connector.display_name,
                self.target,
                shared.join(", ")
            ));
        }
        let mut edits = Edits::new();
        for (name, _) in in_the_way {
            let file = file_of(loaded, Kind::DlpPolicy, name)
                .ok_or_else(|| format!("internal error: no file declares data policy `{name}`"))?;
            let text = edits
                .get(&file)
                .cloned()
                .unwrap_or_else(|| source_text(loaded, &file));
            let edited = allow_in_text(loaded, name, &text, connector)?;
            edits.insert(file, edited);
        }
        Ok(edits)
    }
}

fn short_name(c: &Connector) -> &str {
    c.name.strip_prefix("shared_").unwrap_or(&c.name)
}

fn source_text(loaded: &Loaded, file: &str) -> String {
    loaded
        .sources
        .iter()
        .find(|(_, f)| f.name == file)
        .map(|(_, f)| f.text.clone())
        .unwrap_or_default()
}

/// `text` with `connector` removed from the policy's `blocked`/`nonBusiness` lists and added to
/// its `business` list, edited line by line so comments and formatting stay as they are.
fn allow_in_text(
    loaded: &Loaded,
    policy: &str,
    text: &str,
    connector: &Connector,
) -> Result<String, String> {
    let by_hand = |why: &str| {
        format!(
            "data policy `{policy}` writes its connectors {why}, which a request does not rewrite; add `{}` to its `business` list by hand. Nothing was changed",
            short_name(connector)
        )
    };
    let span_of = |pointer: &str| {
        loaded
            .span_of(Kind::DlpPolicy, policy, pointer)
            .map(|s| (s.start as usize, s.end as usize))
    };
    let Some(connectors) = span_of("/spec/connectors") else {
        return Err(by_hand("nowhere ppgov can find"));
    };
    // Every edit as (start, end, replacement) in `text`; applied from the end.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for list in ["blocked", "nonBusiness"] {
        let pointer = format!("/spec/connectors/{list}");
        let Some((start, end)) = span_of(&pointer) else {
            continue;
        };
        if (start, end) == connectors || !text[..start].trim_end().ends_with(&format!("{list}:")) {
            continue; // `span_of` fell back to an ancestor: no such list.
        }
        if text[start..end].trim_start().starts_with('[') {
            if flow_items(&text[start..end]).any(|i| is_connector(loaded, i, connector)) {
                return Err(by_hand("as a flow list (`[a, b]`)"));
            }
            continue;
        }
        for (line_start, line) in lines_in(text, start, end) {
            if let Some(item) = block_item(line)
                && is_connector(loaded, item, connector)
            {
                let line_end = (line_start + line.len() + 1).min(text.len());
                edits.push((line_start, line_end, String::new()));
            }
        }
    }
    let business = span_of("/spec/connectors/business")
        .filter(|(s, _)| text[..*s].trim_end().ends_with("business:"));
    let name = short_name(connector);
    let inserted = match business {
        Some((start, end)) if text[start..end].trim_start().starts_with('[') => {
            let close = text[start..end]
                .rfind(']')
                .map(|i| start + i)
                .ok_or_else(|| by_hand("as an unclosed flow list"))?;
            let empty = text[start + 1..close].trim().is_empty();
            (
                close,
                if empty {
                    name.to_owned()
                } else {
                    format!(", {name}")
                },
            )
        }
        Some((start, end)) => {
            let (last_start, last_line) = lines_in(text, start, end)
                .into_iter()
                .rfind(|(_, l)| block_item(l).is_some())
                .ok_or_else(|| by_hand("in a form"))?;
            let indent = &last_line[..last_line.len() - last_line.trim_start().len()];
            (last_start + last_line.len(), format!("\n{indent}- {name}"))
        }
        None => {
            if text[connectors.0..connectors.1]
                .trim_start()
                .starts_with('{')
            {
                return Err(by_hand("as a flow mapping (`{...}`)"));
            }
            let line_start = text[..connectors.0].rfind('\n').map_or(0, |i| i + 1);
            let indent = &text[line_start..connectors.0];
            (
                connectors.0,
                format!("business:\n{indent}  - {name}\n{indent}"),
            )
        }
    };
    let (at, insert) = inserted;
    edits.push((at, at, insert));
    edits.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let mut out = text.to_owned();
    for (start, end, replacement) in edits {
        out.replace_range(start..end, &replacement);
    }
    Ok(out)
}

fn is_connector(loaded: &Loaded, written: &str, connector: &Connector) -> bool {
    matches!(loaded.catalog.resolve(written), Resolved::Known(c) if c.id == connector.id)
}

/// The lines of `text` that overlap `start..end`, with their start offsets (without `\n`).
fn lines_in(text: &str, start: usize, end: usize) -> Vec<(usize, &str)> {
    let mut at = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let mut out = Vec::new();
    while at < end.max(at + 1) && at < text.len() {
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        out.push((at, &text[at..line_end]));
        at = line_end + 1;
        if at > end {
            break;
        }
    }
    out
}

/// The scalar of a block-list line `  - name  # comment`, if the line is one.
fn block_item(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix("- ")?;
    let value = rest.split(" #").next().unwrap_or(rest).trim();
    let value = value.trim_matches(|c| c == '"' || c == '\'');
    (!value.is_empty()).then_some(value)
}

fn flow_items(list: &str) -> impl Iterator<Item = &str> {
    list.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|i| i.trim().trim_matches(|c| c == '"' || c == '\''))
        .filter(|i| !i.is_empty())
}
