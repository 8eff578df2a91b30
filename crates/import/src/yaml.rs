//! A small YAML writer for the documents import produces: block style, keys in the order
//! the value holds them, and a scalar written plain only when every YAML 1.1 and 1.2 reader
//! (and ppgov's own strict loader) reads it back as the same string. Everything else is
//! double-quoted with JSON escapes, which YAML's double-quoted style accepts as they are.

use serde_json::Value;
use std::fmt::Write as _;

/// The block YAML of `value` (an object), ending with a newline; `null` members are left out.
pub fn document(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) => write_map(&mut out, map, 0),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    let mut first = true;
    for (key, v) in map {
        if v.is_null() {
            continue;
        }
        if !first || indent > 0 {
            push_indent(out, indent);
        }
        first = false;
        write_entry(out, key, v, indent);
    }
}

/// `key: value` at the current position (the indentation is already written).
fn write_entry(out: &mut String, key: &str, v: &Value, indent: usize) {
    out.push_str(&string(key));
    out.push(':');
    match v {
        Value::Object(m) if m.values().any(|v| !v.is_null()) => {
            out.push('\n');
            write_map(out, m, indent + 2);
        }
        Value::Object(_) => out.push_str(" {}\n"),
        Value::Array(items) if items.is_empty() => out.push_str(" []\n"),
        Value::Array(items) => {
            out.push('\n');
            write_seq(out, items, indent + 2);
        }
        scalar_value => {
            out.push(' ');
            out.push_str(&scalar(scalar_value));
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        push_indent(out, indent);
        out.push_str("- ");
        match item {
            Value::Object(m) if m.values().any(|v| !v.is_null()) => {
                // The first entry goes on the dash's line, the rest under it.
                let mut first = true;
                for (key, v) in m {
                    if v.is_null() {
                        continue;
                    }
                    if !first {
                        push_indent(out, indent + 2);
                    }
                    first = false;
                    write_entry(out, key, v, indent + 2);
                }
            }
            Value::Object(_) => out.push_str("{}\n"),
            Value::Array(inner) if inner.is_empty() => out.push_str("[]\n"),
            Value::Array(inner) => {
                // Not produced by import; written in flow style to stay correct.
                out.push_str(&serde_json::to_string(inner).expect("JSON values serialize"));
                out.push('\n');
            }
            s => {
                out.push_str(&scalar(s));
                out.push('\n');
            }
        }
    }
}

fn push_indent(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push(' ');
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => string(s),
        Value::Null => "null".to_owned(),
        other => other.to_string(),
    }
}

/// A string, plain when that is unambiguous, else double-quoted.
pub fn string(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_owned()
    } else {
        serde_json::to_string(s).expect("strings serialize")
    }
}

/// Words some YAML reader turns into something other than a string (YAML 1.1 booleans,
/// nulls, special floats), compared case-insensitively.
const RESERVED: &[&str] = &[
    "true", "false", "yes", "no", "y", "n", "on", "off", "null", "~", ".inf", "-.inf", "+.inf",
    ".nan",
];

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.trim() != s || RESERVED.contains(&s.to_ascii_lowercase().as_str()) {
        return false;
    }
    // Anything that starts like a number, a date or a time is quoted, except a GUID, which
    // no reader takes for anything but a string (and which files are full of).
    if (first.is_ascii_digit() || first == '.' || first == '+' || first == '-')
        && !crate::is_guid(s)
    {
        return false;
    }
    let first_ok = first.is_alphanumeric() || first == '_' || first == '/' || first == '.';
    first_ok
        && !s.ends_with(':')
        && !s.contains(": ")
        && !s.contains(" #")
        && s.chars().all(|c| {
            !c.is_control()
                && !matches!(
                    c,
                    '\u{feff}'
                        | '"'
                        | '\''
                        | '`'
                        | '{'
                        | '}'
                        | '['
                        | ']'
                        | ','
                        | '#'
                        | '&'
                        | '*'
                        | '!'
                        | '|'
                        | '>'
                        | '%'
                        | '@'
                )
        })
}

/// `# text` lines for a comment block; empty lines become a bare `#`.
pub fn comment(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ambiguous_scalars_are_quoted() {
        for s in [
            "",
            " x",
            "x ",
            "no",
            "On",
            "NULL",
            "~",
            "1",
            "1.5",
            "1e3",
            "0x1f",
            "2024-01-01",
            "12:30",
            "-x",
            "*",
            "a: b",
            "a #b",
            "x:",
            "#x",
            "&a",
            "!tag",
            "|",
            ">",
            "%x",
            "@x",
            "'q'",
            "\"q\"",
            "[a]",
            "{a}",
            "a,b",
            "tab\there",
            "line\nbreak",
            ".inf",
            "-.inf",
            ".5",
        ] {
            assert!(string(s).starts_with('"'), "{s:?} -> {}", string(s));
        }
        for s in [
            "finance",
            "Finance Prod",
            "shared_sql",
            "/providers/Microsoft.PowerApps/apis/shared_sql",
            "https://x.contoso.com/a",
            "3f6a9c2e-7b41-4d8a-9e15-c2b07d4f8a61",
            "ppgov.dev/renamed-from",
            "Café ☕",
        ] {
            assert_eq!(string(s), s, "{s:?}");
        }
    }

    #[test]
    fn nested_maps_and_sequences() {
        let v = json!({
            "apiVersion": "ppgov.dev/v1",
            "metadata": {"name": "x", "labels": {}, "id": null},
            "spec": {
                "list": ["a", "*"],
                "rules": [{"endpoint": "*", "behavior": "deny"}, {"connector": "sql", "actions": []}],
                "empty": [],
            }
        });
        assert_eq!(
            document(&v),
            "apiVersion: ppgov.dev/v1\nmetadata:\n  name: x\n  labels: {}\nspec:\n  list:\n    - a\n    - \"*\"\n  rules:\n    - endpoint: \"*\"\n      behavior: deny\n    - connector: sql\n      actions: []\n  empty: []\n"
        );
    }
}
