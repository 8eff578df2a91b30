//! `--infer-selectors`: a selector that picks exactly a group's members out of the whole
//! tenant, when one exists among the simple ones (type, region, a display-name prefix or
//! suffix, and their combinations).

use ppgov_core::model::{EnvironmentType, Selector, SelectorInput};
use ppgov_core::observed::ObservedEnvironment;
use std::collections::{BTreeMap, BTreeSet};

/// The environment's type as selectors see it (the planner's reading of the live type).
pub fn environment_type(env: &ObservedEnvironment) -> Option<EnvironmentType> {
    serde_json::from_value(serde_json::Value::String(env.environment_type.clone())).ok()
}

/// The simplest selector matching exactly `members` among `all`, if any. Labels are never
/// used: imported environments carry none.
pub fn infer(
    members: &BTreeSet<String>,
    all: &BTreeMap<String, ObservedEnvironment>,
) -> Option<Selector> {
    let envs: Vec<&ObservedEnvironment> = members.iter().filter_map(|id| all.get(id)).collect();
    if envs.is_empty() || envs.len() != members.len() {
        return None;
    }
    let mut conditions: Vec<Selector> = Vec::new();
    if let Some(t) = common(envs.iter().map(|e| environment_type(e))).flatten() {
        conditions.push(Selector {
            types: [t].into(),
            ..Default::default()
        });
    }
    if let Some(r) = common(envs.iter().map(|e| e.region.to_lowercase()))
        && is_region(&r)
    {
        conditions.push(Selector {
            regions: [r].into(),
            ..Default::default()
        });
    }
    let names: Vec<&str> = envs.iter().map(|e| e.display_name.as_str()).collect();
    let prefix = common_prefix(&names);
    if prefix.chars().count() >= 3 && is_literal(&prefix) {
        conditions.push(Selector {
            display_name: Some(format!("{prefix}*")),
            ..Default::default()
        });
    }
    let suffix = common_suffix(&names);
    if suffix.chars().count() >= 3 && is_literal(&suffix) {
        conditions.push(Selector {
            display_name: Some(format!("*{suffix}")),
            ..Default::default()
        });
    }
    // Fewest conditions first; among equals, in the order above.
    let n = conditions.len();
    let mut candidates: Vec<Selector> = Vec::new();
    for size in 1..=n.min(3) {
        for mask in 0u32..(1 << n) {
            if mask.count_ones() as usize != size {
                continue;
            }
            let mut s = Selector::default();
            let mut clash = false;
            for (i, c) in conditions.iter().enumerate() {
                if mask & (1 << i) == 0 {
                    continue;
                }
                s.types.extend(c.types.iter().copied());
                s.regions.extend(c.regions.iter().cloned());
                if c.display_name.is_some() {
                    clash |= s.display_name.is_some();
                    s.display_name = c.display_name.clone();
                }
            }
            if !clash {
                candidates.push(s);
            }
        }
    }
    candidates.into_iter().find(|s| {
        let compiled = s.compile();
        all.values().all(|e| {
            let input = SelectorInput {
                environment_type: environment_type(e),
                region: Some(&e.region),
                display_name: &e.display_name,
                labels: None,
            };
            compiled.matches(input) == members.contains(&e.id)
        })
    })
}

fn common<T: PartialEq>(mut values: impl Iterator<Item = T>) -> Option<T> {
    let first = values.next()?;
    values.all(|v| v == first).then_some(first)
}

/// The language's region pattern (`^[a-z]+$`).
pub fn is_region(r: &str) -> bool {
    !r.is_empty() && r.chars().all(|c| c.is_ascii_lowercase())
}

/// No glob metacharacters, so the text matches only itself.
fn is_literal(s: &str) -> bool {
    !s.chars()
        .any(|c| matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\' | '!'))
}

fn common_prefix(names: &[&str]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut len = first.len();
    for n in &names[1..] {
        len = first
            .char_indices()
            .zip(n.chars())
            .take_while(|((_, a), b)| a.to_lowercase().eq(b.to_lowercase()))
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(len);
    }
    first[..len].to_owned()
}

fn common_suffix(names: &[&str]) -> String {
    let reversed: Vec<String> = names.iter().map(|n| n.chars().rev().collect()).collect();
    let refs: Vec<&str> = reversed.iter().map(String::as_str).collect();
    common_prefix(&refs).chars().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(id: &str, name: &str, t: &str, region: &str) -> (String, ObservedEnvironment) {
        (
            id.to_owned(),
            ObservedEnvironment {
                id: id.to_owned(),
                display_name: name.to_owned(),
                environment_type: t.to_owned(),
                region: region.to_owned(),
                ..Default::default()
            },
        )
    }

    fn tenant() -> BTreeMap<String, ObservedEnvironment> {
        [
            env("1", "DEV-Alice", "Developer", "europe"),
            env("2", "DEV-Bob", "Developer", "europe"),
            env("3", "Finance Prod", "Production", "europe"),
            env("4", "Finance Test", "Sandbox", "europe"),
            env("5", "Sales Prod", "Production", "unitedstates"),
            env("6", "Dev-Carol trial", "Trial", "europe"),
        ]
        .into()
    }

    #[test]
    fn the_simplest_exact_selector_is_found() {
        let all = tenant();
        let devs = infer(&["1".into(), "2".into()].into(), &all).unwrap();
        assert_eq!(devs.types, [EnvironmentType::Developer].into());
        assert!(devs.regions.is_empty() && devs.display_name.is_none());
        let finance = infer(&["3".into(), "4".into()].into(), &all).unwrap();
        assert_eq!(finance.display_name.as_deref(), Some("Finance *"));
        let prod_eu = infer(&["3".into()].into(), &all).unwrap();
        assert_eq!(prod_eu.display_name.as_deref(), Some("Finance Prod*"));
    }

    #[test]
    fn no_selector_when_none_is_exact() {
        let all = tenant();
        // Alice and Sales Prod share nothing that excludes everyone else.
        assert!(infer(&["1".into(), "5".into()].into(), &all).is_none());
        assert!(infer(&BTreeSet::new(), &all).is_none());
    }
}
