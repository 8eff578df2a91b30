//! "Did you mean" suggestions.

/// The candidate closest to `input` by edit distance, if it is close enough to be a typo.
pub fn closest<I, S>(input: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let input_lower = input.to_lowercase();
    // Allow about one typo per three characters, at least one and at most three.
    let budget = (input_lower.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, String)> = None;
    for candidate in candidates {
        let candidate = candidate.as_ref();
        let distance = levenshtein(&input_lower, &candidate.to_lowercase());
        if distance <= budget
            && best
                .as_ref()
                .is_none_or(|(d, c)| (distance, candidate) < (*d, c.as_str()))
        {
            best = Some((distance, candidate.to_owned()));
        }
    }
    best.map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            closest("dispalyName", ["displayName", "description"]).as_deref(),
            Some("displayName")
        );
        assert_eq!(closest("xyz", ["displayName"]), None);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }
}
