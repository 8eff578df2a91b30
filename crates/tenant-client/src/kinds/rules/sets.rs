//! A group's rules in its classic rule set (sharing, usage insights, welcome content,
//! solution checker, backup retention, generative AI), both ways.

use crate::convert::RESOURCE_TYPE_KEY;
use ppgov_core::model::{
    BackupRetention, GenerativeAi, GroupRules, MakerWelcomeContent, SharingControls, SharingMode,
    SolutionChecker, SolutionCheckerMode, Toggle, UsageInsights,
};
use ppgov_tenant_api::rules::{self as wr, params as p};
use std::collections::BTreeMap;

/// The usual `resourceType` of each parameter type ppgov writes.
pub(crate) fn default_resource_type(kind: &str) -> &'static str {
    match kind {
        p::SHARING | p::COPILOT => "App",
        _ => "NotSpecified",
    }
}

type Values = BTreeMap<String, String>;

pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

pub(crate) fn bool_str(b: bool) -> String {
    if b { "true" } else { "false" }.to_owned()
}

/// Removes and returns `id` from `v`.
pub(crate) fn take(v: &mut Values, id: &str) -> Option<String> {
    v.remove(id)
}

pub(crate) fn parse_sharing(v: &mut Values) -> Option<SharingControls> {
    let mode = match take(v, p::CAN_SHARE_WITH_SECURITY_GROUPS)?.as_str() {
        "noLimit" => SharingMode::NoLimit,
        "excludeSharingToSecurityGroups" => SharingMode::ExcludeSecurityGroups,
        _ => return None,
    };
    // `IsGroupSharingDisabled` is left unmodelled: documented as following the mode, it is
    // seen independent of it (`noLimit` with `"true"`); see `rule_set_to_wire`.
    let max_users = match take(v, p::MAXIMUM_SHARE_LIMIT).as_deref() {
        None | Some("-1") => None,
        Some(n) => Some(n.parse::<u32>().ok()?),
    };
    Some(SharingControls { mode, max_users })
}

pub(crate) fn write_sharing(s: &SharingControls) -> Vec<(&'static str, String)> {
    let exclude = s.mode == SharingMode::ExcludeSecurityGroups;
    vec![
        (
            p::CAN_SHARE_WITH_SECURITY_GROUPS,
            if exclude {
                "excludeSharingToSecurityGroups"
            } else {
                "noLimit"
            }
            .into(),
        ),
        (p::IS_GROUP_SHARING_DISABLED, bool_str(exclude)),
        (
            p::MAXIMUM_SHARE_LIMIT,
            s.max_users.map_or_else(|| "-1".into(), |n| n.to_string()),
        ),
    ]
}

pub(crate) fn parse_usage(v: &mut Values) -> Option<UsageInsights> {
    let exclude = parse_bool(&take(v, p::EXCLUDE_ENVIRONMENT_FROM_ANALYSIS)?)?;
    let home = match take(v, p::INCLUDE_ON_HOME_PAGE_INSIGHTS) {
        Some(s) => parse_bool(&s)?,
        None => false,
    };
    Some(UsageInsights {
        enabled: !exclude,
        include_on_home_page: home,
    })
}

pub(crate) fn parse_maker(v: &mut Values) -> Option<MakerWelcomeContent> {
    let markdown = take(v, p::MAKER_ONBOARDING_MARKDOWN)?;
    let url = take(v, p::MAKER_ONBOARDING_URL).filter(|u| !u.is_empty());
    // The timestamp is the writer's business (see `rule_set_to_wire`).
    take(v, p::MAKER_ONBOARDING_TIMESTAMP);
    Some(MakerWelcomeContent {
        markdown,
        learn_more_url: url,
    })
}

pub(crate) fn parse_checker(v: &mut Values) -> Option<SolutionChecker> {
    let mode = match take(v, p::SOLUTION_CHECKER_MODE)?
        .to_ascii_lowercase()
        .as_str()
    {
        "none" => SolutionCheckerMode::None,
        "warn" => SolutionCheckerMode::Warn,
        "block" => SolutionCheckerMode::Block,
        _ => return None,
    };
    let suppress = match take(v, p::SUPPRESS_VALIDATION_EMAILS) {
        Some(s) => parse_bool(&s)?,
        None => false,
    };
    let overrides = take(v, p::SOLUTION_CHECKER_RULE_OVERRIDES)
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Some(SolutionChecker {
        mode,
        suppress_validation_emails: suppress,
        rule_overrides: overrides,
    })
}

pub(crate) fn checker_mode(m: SolutionCheckerMode) -> &'static str {
    match m {
        SolutionCheckerMode::None => "none",
        SolutionCheckerMode::Warn => "warn",
        SolutionCheckerMode::Block => "block",
    }
}

pub(crate) fn parse_retention(v: &mut Values) -> Option<BackupRetention> {
    let s = take(v, p::RETENTION_PERIOD)?;
    let days = s.strip_suffix(".00:00:00")?.parse::<u32>().ok()?;
    Some(BackupRetention { days })
}

pub(crate) fn parse_copilot(v: &mut Values) -> Option<Toggle> {
    let disabled = parse_bool(&take(v, p::DISABLE_AI_GENERATED_DESCRIPTIONS)?)?;
    Some(Toggle { enabled: !disabled })
}

pub(crate) fn parse_genai(v: &mut Values) -> Option<GenerativeAi> {
    Some(GenerativeAi {
        cross_geo_data_movement: parse_bool(&take(v, p::CROSS_GEO_COPILOT_DATA_MOVEMENT_ENABLED)?)?,
        bing_search: parse_bool(&take(v, p::BING_CHAT_ENABLED)?)?,
    })
}

/// Runs `parse` on a copy of `values`; on success stores the model value and leaves only the
/// values it did not consume.
pub(crate) fn parse_into<T>(
    values: &mut Values,
    parse: impl FnOnce(&mut Values) -> Option<T>,
    slot: &mut Option<T>,
) {
    let mut copy = values.clone();
    if let Some(v) = parse(&mut copy) {
        *slot = Some(v);
        *values = copy;
    }
}

/// Reads the classic rule set into `rules`; keeps what is not modelled in `unmodelled`.
pub fn rules_from_rule_set(
    rs: &wr::RuleSet,
    rules: &mut GroupRules,
    unmodelled: &mut BTreeMap<String, BTreeMap<String, String>>,
) {
    for param in &rs.parameters {
        let mut values: Values = param
            .value
            .iter()
            .map(|v| (v.id.clone(), v.value.clone()))
            .collect();
        match param.kind.as_str() {
            p::SHARING => parse_into(&mut values, parse_sharing, &mut rules.sharing_controls),
            p::ADMIN_DIGEST => parse_into(&mut values, parse_usage, &mut rules.usage_insights),
            p::MAKER_ONBOARDING => {
                parse_into(&mut values, parse_maker, &mut rules.maker_welcome_content)
            }
            p::SOLUTION_CHECKER => {
                parse_into(&mut values, parse_checker, &mut rules.solution_checker)
            }
            p::LIFECYCLE => parse_into(&mut values, parse_retention, &mut rules.backup_retention),
            p::COPILOT => parse_into(
                &mut values,
                parse_copilot,
                &mut rules.ai_generated_descriptions,
            ),
            p::GENERATIVE_AI => parse_into(&mut values, parse_genai, &mut rules.generative_ai),
            _ => {}
        }
        if param.resource_type != default_resource_type(&param.kind) {
            values.insert(RESOURCE_TYPE_KEY.into(), param.resource_type.clone());
        }
        if !values.is_empty() {
            unmodelled
                .entry(param.kind.clone())
                .or_default()
                .extend(values);
        }
    }
}

/// The classic rule set that carries `rules` (and the kept unmodelled values) for `group_id`,
/// or `None` when there is nothing to carry (delete it). `current` is the live rule set:
/// its id is reused and the maker-content timestamp is kept unless the content changes, in
/// which case it becomes `now` (RFC 1123 GMT, e.g. `Thu, 24 Oct 2026 07:29:50 GMT`).
pub fn rule_set_to_wire(
    group_id: &str,
    rules: &GroupRules,
    unmodelled: &BTreeMap<String, BTreeMap<String, String>>,
    current: Option<&wr::RuleSet>,
    now: &str,
) -> Option<wr::RuleSet> {
    let mut modelled: Vec<(&'static str, Vec<(&'static str, String)>)> = Vec::new();
    if let Some(s) = &rules.sharing_controls {
        let mut values = write_sharing(s);
        // A kept `IsGroupSharingDisabled` stands while the mode stays what it was; a new mode
        // gets the value that goes with it.
        let kept = unmodelled
            .get(p::SHARING)
            .and_then(|k| k.get(p::IS_GROUP_SHARING_DISABLED));
        let same_mode = current
            .and_then(|c| c.value(p::SHARING, p::CAN_SHARE_WITH_SECURITY_GROUPS))
            == Some(values[0].1.as_str());
        if let (Some(kept), true) = (kept, same_mode) {
            values[1].1 = kept.clone();
        }
        modelled.push((p::SHARING, values));
    }
    if let Some(u) = &rules.usage_insights {
        modelled.push((
            p::ADMIN_DIGEST,
            vec![
                (
                    p::INCLUDE_ON_HOME_PAGE_INSIGHTS,
                    bool_str(u.include_on_home_page),
                ),
                (p::EXCLUDE_ENVIRONMENT_FROM_ANALYSIS, bool_str(!u.enabled)),
            ],
        ));
    }
    if let Some(m) = &rules.maker_welcome_content {
        let url = m.learn_more_url.clone().unwrap_or_default();
        let unchanged = current.is_some_and(|c| {
            c.value(p::MAKER_ONBOARDING, p::MAKER_ONBOARDING_MARKDOWN) == Some(m.markdown.as_str())
                && c.value(p::MAKER_ONBOARDING, p::MAKER_ONBOARDING_URL)
                    .unwrap_or("")
                    == url
        });
        let stamp = current
            .and_then(|c| c.value(p::MAKER_ONBOARDING, p::MAKER_ONBOARDING_TIMESTAMP))
            .filter(|_| unchanged)
            .unwrap_or(now)
            .to_owned();
        modelled.push((
            p::MAKER_ONBOARDING,
            vec![
                (p::MAKER_ONBOARDING_URL, url),
                (p::MAKER_ONBOARDING_MARKDOWN, m.markdown.clone()),
                (p::MAKER_ONBOARDING_TIMESTAMP, stamp),
            ],
        ));
    }
    if let Some(c) = &rules.solution_checker {
        modelled.push((
            p::SOLUTION_CHECKER,
            vec![
                (p::SOLUTION_CHECKER_MODE, checker_mode(c.mode).into()),
                (
                    p::SUPPRESS_VALIDATION_EMAILS,
                    bool_str(c.suppress_validation_emails),
                ),
                (
                    p::SOLUTION_CHECKER_RULE_OVERRIDES,
                    c.rule_overrides.join(","),
                ),
            ],
        ));
    }
    if let Some(b) = &rules.backup_retention {
        modelled.push((
            p::LIFECYCLE,
            vec![(p::RETENTION_PERIOD, format!("{}.00:00:00", b.days))],
        ));
    }
    if let Some(t) = &rules.ai_generated_descriptions {
        modelled.push((
            p::COPILOT,
            vec![(p::DISABLE_AI_GENERATED_DESCRIPTIONS, bool_str(!t.enabled))],
        ));
    }
    if let Some(g) = &rules.generative_ai {
        modelled.push((
            p::GENERATIVE_AI,
            vec![
                (
                    p::CROSS_GEO_COPILOT_DATA_MOVEMENT_ENABLED,
                    bool_str(g.cross_geo_data_movement),
                ),
                (p::BING_CHAT_ENABLED, bool_str(g.bing_search)),
            ],
        ));
    }
    let mut parameters = Vec::new();
    for (kind, values) in &modelled {
        let kept = unmodelled.get(*kind);
        let resource_type = kept
            .and_then(|k| k.get(RESOURCE_TYPE_KEY))
            .cloned()
            .unwrap_or_else(|| default_resource_type(kind).to_owned());
        let mut value: Vec<wr::RuleValue> = values
            .iter()
            .map(|(id, v)| wr::RuleValue {
                id: (*id).to_owned(),
                value: v.clone(),
            })
            .collect();
        for (id, v) in kept.into_iter().flatten() {
            if id != RESOURCE_TYPE_KEY && !value.iter().any(|x| &x.id == id) {
                value.push(wr::RuleValue {
                    id: id.clone(),
                    value: v.clone(),
                });
            }
        }
        parameters.push(wr::RuleParameter {
            kind: (*kind).to_owned(),
            resource_type,
            value,
            has_staged_changes: None,
        });
    }
    for (kind, kept) in unmodelled {
        if modelled.iter().any(|(k, _)| k == kind) {
            continue;
        }
        parameters.push(wr::RuleParameter {
            kind: kind.clone(),
            resource_type: kept
                .get(RESOURCE_TYPE_KEY)
                .cloned()
                .unwrap_or_else(|| default_resource_type(kind).to_owned()),
            value: kept
                .iter()
                .filter(|(id, _)| *id != RESOURCE_TYPE_KEY)
                .map(|(id, v)| wr::RuleValue {
                    id: id.clone(),
                    value: v.clone(),
                })
                .collect(),
            has_staged_changes: None,
        });
    }
    if parameters.is_empty() {
        return None;
    }
    Some(wr::RuleSet {
        id: current.and_then(|c| c.id.clone()),
        last_modified: None,
        environment_filter: Some(wr::EnvironmentFilter {
            kind: "Include".into(),
            values: vec![wr::FilterValue {
                id: group_id.to_owned(),
                kind: "EnvironmentGroup".into(),
                name: None,
            }],
        }),
        parameters,
    })
}
