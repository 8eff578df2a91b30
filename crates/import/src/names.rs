//! Document names (`metadata.name`) from display names: stable, valid and unique per kind.

use std::collections::{BTreeMap, BTreeSet};

/// The longest `metadata.name` the language allows.
const MAX: usize = 63;
/// Room kept for a `-` and an 8-character id suffix.
const BASE_MAX: usize = MAX - 9;

/// A name-pattern-valid slug of `display`: ASCII letters and digits lower-cased, every other
/// run of characters one `-`; `fallback` when nothing is left (a name of only emoji or
/// punctuation).
pub fn slug(display: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in display.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut s = out.trim_matches('-').to_owned();
    if s.len() > BASE_MAX {
        s.truncate(BASE_MAX);
        s = s.trim_end_matches('-').to_owned();
    }
    if s.is_empty() { fallback.to_owned() } else { s }
}

/// Unique names for `(id, display name)` pairs, avoiding `taken`. A slug used once is the
/// name; slugs several objects share all get a suffix from their own id, so an object's name
/// does not depend on the order it was listed in, and adding another object with a
/// different slug never renames it.
pub fn assign<'a>(
    items: impl IntoIterator<Item = (&'a str, &'a str)>,
    fallback: &str,
    taken: &BTreeSet<String>,
) -> BTreeMap<String, String> {
    let mut by_slug: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (id, display) in items {
        by_slug.entry(slug(display, fallback)).or_default().push(id);
    }
    let mut used: BTreeSet<String> = taken.clone();
    let mut names = BTreeMap::new();
    // Unique slugs first, so a suffixed name can never take a plain one's place.
    for (s, ids) in &by_slug {
        if let [id] = ids.as_slice()
            && !taken.contains(s)
        {
            used.insert(s.clone());
            names.insert((*id).to_owned(), s.clone());
        }
    }
    for (s, ids) in &by_slug {
        if ids.len() == 1 && names.contains_key(ids[0]) {
            continue;
        }
        let mut ids = ids.clone();
        ids.sort_unstable();
        for id in ids {
            let tail: String = id
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            let mut n = 8.min(tail.len()).max(1);
            let name = loop {
                let suffix = if tail.is_empty() { "x" } else { &tail[..n] };
                let candidate = format!("{s}-{suffix}");
                let candidate = if candidate.len() > MAX {
                    format!("{}-{suffix}", &s[..(MAX - suffix.len() - 1).min(s.len())])
                        .replace("--", "-")
                } else {
                    candidate
                };
                if !used.contains(&candidate) {
                    break candidate;
                }
                if n < tail.len() {
                    n += 1;
                } else {
                    // Ids are unique, so this only happens against `taken`: count up.
                    let mut k = 2;
                    while used.contains(&format!("{candidate}-{k}")) {
                        k += 1;
                    }
                    break format!("{candidate}-{k}");
                }
            };
            used.insert(name.clone());
            names.insert(id.to_owned(), name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(name: &str) -> bool {
        let b = name.as_bytes();
        !b.is_empty()
            && b.len() <= MAX
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    }

    #[test]
    fn slugs_are_valid_names() {
        assert_eq!(slug("Finance Prod", "env"), "finance-prod");
        assert_eq!(slug("  HR / Payroll (EU) ", "env"), "hr-payroll-eu");
        assert_eq!(slug("🚀🚀", "env"), "env");
        assert_eq!(slug("!!!", "env"), "env");
        assert_eq!(slug("Café ☕ Ops", "env"), "caf-ops");
        let long = slug(&"a".repeat(300), "env");
        assert!(valid(&long) && long.len() <= BASE_MAX);
    }

    #[test]
    fn collisions_take_a_suffix_from_the_id() {
        let taken = BTreeSet::new();
        let names = assign(
            [
                ("b2c3d4e5-0000-0000-0000-000000000000", "Sales"),
                ("a1b2c3d4-0000-0000-0000-000000000000", "SALES"),
                ("c0000000-0000-0000-0000-000000000000", "Ops"),
            ],
            "env",
            &taken,
        );
        assert_eq!(
            names["a1b2c3d4-0000-0000-0000-000000000000"],
            "sales-a1b2c3d4"
        );
        assert_eq!(
            names["b2c3d4e5-0000-0000-0000-000000000000"],
            "sales-b2c3d4e5"
        );
        assert_eq!(names["c0000000-0000-0000-0000-000000000000"], "ops");
        // The same input in another order gives the same names.
        let again = assign(
            [
                ("c0000000-0000-0000-0000-000000000000", "Ops"),
                ("a1b2c3d4-0000-0000-0000-000000000000", "SALES"),
                ("b2c3d4e5-0000-0000-0000-000000000000", "Sales"),
            ],
            "env",
            &taken,
        );
        assert_eq!(names, again);
    }

    #[test]
    fn taken_names_are_avoided_and_every_name_is_valid() {
        let taken: BTreeSet<String> = ["finance".to_owned(), "finance-aaaaaaaa".to_owned()].into();
        let long = "x".repeat(80);
        let names = assign(
            [
                ("aaaaaaaa-1111-0000-0000-000000000000", "Finance"),
                ("bbbbbbbb-0000-0000-0000-000000000000", long.as_str()),
                ("cccccccc-0000-0000-0000-000000000000", long.as_str()),
                ("dddddddd-0000-0000-0000-000000000000", "🙂"),
            ],
            "env",
            &taken,
        );
        assert_eq!(
            names["aaaaaaaa-1111-0000-0000-000000000000"],
            "finance-aaaaaaaa1"
        );
        let all: BTreeSet<&String> = names.values().collect();
        assert_eq!(all.len(), 4);
        assert!(names.values().all(|n| valid(n)), "{names:?}");
    }
}
