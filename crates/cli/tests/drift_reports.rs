//! The drift reports through the real binary: text, JSON, Markdown and HTML snapshots of one
//! scenario (drift, pending, unmanaged, a display name that is hostile HTML and Markdown), and
//! the HTML report rendered in a real headless Chromium over WebDriver (chromedriver on
//! 127.0.0.1): no console errors, the expected rows in the DOM, phone layout, screenshots kept
//! in `target/report-screenshots/`.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::OnceLock;

mod common;
use common::browser::{Session, start_driver};
use common::{ALLOW, SNAPSHOT, fresh_dir, ppgov_command, root, text};

const HOSTILE: &str = r#"<script>document.title="pwned"</script><img src=x onerror="document.title='pwned'"> | *bold* & [link](x)"#;

/// The reports of one scenario, the scratch directory redacted to `[dir]`.
struct Reports {
    text: String,
    json: String,
    markdown: String,
    html: String,
    html_path: PathBuf,
}

fn reports() -> &'static Reports {
    static REPORTS: OnceLock<Reports> = OnceLock::new();
    REPORTS.get_or_init(make_reports)
}

fn make_reports() -> Reports {
    let dir = fresh_dir("drift-reports", "scenario");
    let snap = dir.join("tenant.json");
    std::fs::copy(root().join(SNAPSHOT), &snap).unwrap();
    let s = snap.to_str().unwrap();
    let journal = dir.join("journal.jsonl");
    let j = journal.to_str().unwrap();
    // One step at a time: the journal's order of lines is the same on every run.
    let mut apply = vec![
        "apply",
        "policies",
        "--snapshot",
        s,
        "--journal",
        j,
        "--parallelism",
        "1",
    ];
    apply.extend(ALLOW);
    let out = ppgov_command(&apply, &[("PPGOV_ACTOR", "alice")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // One fixed time and run id.
    let normalized: Vec<String> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v["time"] = json!("2026-11-27T08:00:00.000Z");
            v["run"] = json!("run-1");
            v.to_string()
        })
        .collect();
    std::fs::write(&journal, normalized.join("\n") + "\n").unwrap();

    // Drift: Finance's description and People Prod's Managed Environment; pending: a DLP
    // policy nobody declared (never written by ppgov), named with hostile markup.
    let mut tenant: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    for g in tenant["environmentGroups"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        if g["displayName"] == "Finance" {
            g["description"] = json!("edited in the admin center");
        }
    }
    for e in tenant["environments"].as_object_mut().unwrap().values_mut() {
        if e["properties"]["displayName"] == "People Prod" {
            e["properties"]["governanceConfiguration"] = json!({"protectionLevel": "Basic"});
        }
    }
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(SNAPSHOT)).unwrap()).unwrap();
    let mut hostile = original["dlpPolicies"]["5a1e03cc-0000-4000-8000-0000000003cc"].clone();
    let id = "5a1e0eee-0000-4000-8000-000000000eee";
    hostile["policyDefinition"]["name"] = json!(id);
    hostile["policyDefinition"]["displayName"] = json!(HOSTILE);
    tenant["dlpPolicies"][id] = hostile;
    std::fs::write(&snap, tenant.to_string()).unwrap();

    let html_path = dir.join("report.html");
    let run = |format: &str| {
        let out = ppgov_command(
            &[
                "drift",
                "policies",
                "--snapshot",
                s,
                "--journal",
                j,
                "--format",
                format,
                "--html",
                html_path.to_str().unwrap(),
            ],
            &[],
        )
        .output()
        .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        String::from_utf8(out.stdout)
            .unwrap()
            .replace(dir.to_str().unwrap(), "[dir]")
    };
    let text = run("text");
    let json = run("json");
    let markdown = run("markdown");
    let html = std::fs::read_to_string(&html_path)
        .unwrap()
        .replace(dir.to_str().unwrap(), "[dir]");
    Reports {
        text,
        json,
        markdown,
        html,
        html_path,
    }
}

#[test]
fn text_report() {
    insta::assert_snapshot!("drift_text", reports().text);
}

#[test]
fn json_report() {
    insta::assert_snapshot!("drift_json", reports().json);
}

#[test]
fn markdown_report_escapes_names() {
    let md = &reports().markdown;
    assert!(!md.contains("<script>"), "{md}");
    assert!(md.contains("&lt;script&gt;"), "{md}");
    insta::assert_snapshot!("drift_markdown", md);
}

#[test]
fn html_report_is_self_contained_and_escapes_names() {
    let html = &reports().html;
    assert!(
        !html.contains("<script"),
        "no script, and the hostile name is escaped"
    );
    assert!(!html.contains("<img"), "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no network"
    );
    assert!(
        html.contains("&lt;script&gt;document.title=&quot;pwned&quot;"),
        "{html}"
    );
    insta::assert_snapshot!("drift_html", html);
}

/// The rows the page shows: (class, address, name) of every `tr[data-address]`.
fn rows_in_page(session: &Session) -> Vec<(String, String, String)> {
    let rows = session.script(
        "return Array.from(document.querySelectorAll('tr[data-address]')).map(r => [r.dataset.class, r.dataset.address, r.cells[2].textContent]);",
    );
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_owned(),
                r[1].as_str().unwrap().to_owned(),
                r[2].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every entry of the JSON report must be a row of its class with its exact name.
fn check_rows(expected: &Value, shown: &[(String, String, String)]) -> Result<(), String> {
    let mut missing = Vec::new();
    for class in ["drift", "pending", "unmanaged"] {
        for e in expected[class].as_array().unwrap() {
            let row = (
                class.to_owned(),
                e["address"].as_str().unwrap().to_owned(),
                e["displayName"].as_str().unwrap().to_owned(),
            );
            if !shown.contains(&row) {
                missing.push(format!("{class} {}", row.1));
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "rows missing from the page: {}",
            missing.join(", ")
        ))
    }
}

#[test]
fn html_report_renders_in_a_real_browser() {
    let reports = reports();
    let expected: Value = serde_json::from_str(&reports.json).unwrap();
    let driver = start_driver();
    let session = Session::new(&driver);
    session.open(&reports.html_path);

    let console = session.console();
    assert!(
        console.iter().all(|m| m["level"] != "SEVERE"),
        "console errors: {console:#?}"
    );
    assert_eq!(
        session.script("return document.title;"),
        "ppgov drift report",
        "the hostile name ran no script"
    );
    assert_eq!(
        session.script("return document.querySelectorAll('script, img').length;"),
        0
    );
    let shown = rows_in_page(&session);
    check_rows(&expected, &shown).unwrap();
    assert!(
        shown.iter().any(|(_, _, name)| name == HOSTILE),
        "the hostile name shows as text: {shown:#?}"
    );
    // Drift comes first on the page.
    assert_eq!(shown[0].0, "drift", "{shown:#?}");
    assert_eq!(
        session.script("return document.getElementById('count-drift').textContent;"),
        "2"
    );
    let desktop = session.screenshot("drift-report-desktop.png");

    // A phone: the tables become cards and nothing scrolls sideways.
    session.resize(390, 844);
    assert_eq!(
        session.script("return getComputedStyle(document.querySelector('thead')).display;"),
        "none"
    );
    assert_eq!(
        session.script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;"
        ),
        true
    );
    let phone = session.screenshot("drift-report-phone.png");
    assert!(desktop.exists() && phone.exists());

    // The check fails when a row is missing: the same page without the Finance row.
    let without = reports.html_path.with_file_name("report-missing-row.html");
    let html = std::fs::read_to_string(&reports.html_path).unwrap();
    let cut: String = html
        .lines()
        .filter(|l| !l.contains(r#"data-address="EnvironmentGroup.finance""#))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(cut, html);
    std::fs::write(&without, cut).unwrap();
    session.open(&without);
    let err = check_rows(&expected, &rows_in_page(&session)).unwrap_err();
    assert!(err.contains("drift EnvironmentGroup.finance"), "{err}");
}
