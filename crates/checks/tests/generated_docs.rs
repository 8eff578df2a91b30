//! `docs/checks.md` is generated from the check registry and must match what is committed.
//!
//! On failure, regenerate: `UPDATE_GENERATED=1 cargo test -p ppgov-checks --test generated_docs`.

use ppgov_checks::{Reads, registry};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn reads(r: Reads) -> &'static str {
    match r {
        Reads::Model => "repository and tenant",
        Reads::Repository => "repository",
        Reads::Inventory => "tenant inventory (`assess`)",
        Reads::Configuration => "check configuration",
    }
}

/// One table row and one section per check, from the registry.
fn checks_reference() -> String {
    let mut out = String::from(
        "# Checks\n\n\
         Generated from the check registry (`crates/checks/src/rules/`) by \
         `UPDATE_GENERATED=1 cargo test -p ppgov-checks --test generated_docs`; do not edit.\n\n\
         `ppgov check` runs the checks on the repository; `ppgov assess` on the repository and the \
         tenant (see [README](../README.md#checks-and-assessment) for the commands, options and exit codes). \
         Ids are stable: `PPG-C0xx` checks of the governed model (repository and tenant alike), \
         `PPG-C2xx` checks of the tenant's inventory, `PPG-C9xx` findings about the check configuration. \
         Configure them in `ppgov.yaml` under `spec.checks` (see [Configuration](#configuration)).\n\n\
         | id | severity | stage | area | reads | title |\n|---|---|---|---|---|---|\n",
    );
    for i in registry::all_infos() {
        out.push_str(&format!(
            "| [{}](#{}) | {} | {} | {} | {} | {} |\n",
            i.id,
            i.id.to_lowercase(),
            i.severity,
            i.stage.as_str(),
            i.area.as_str(),
            reads(i.reads),
            i.title
        ));
    }
    out.push_str(CONFIGURATION);
    for i in registry::all_infos() {
        out.push_str(&format!(
            "\n## {}\n\n**{}** (`{}`): {}, stage {}, area {}, reads the {}.\n\n{}\n\nExample:\n\n<!-- not-a-document -->\n```yaml\n{}\n```\n\nFix: {}\n",
            i.id,
            i.title,
            i.name,
            i.severity,
            i.stage.as_str(),
            i.area.as_str(),
            reads(i.reads),
            i.rationale,
            i.example,
            i.fix
        ));
        if let Some(yaml) = i.fix_yaml {
            out.push_str(&format!(
                "\n<!-- not-a-document -->\n```yaml\n{yaml}\n```\n"
            ));
        }
        if let Some(t) = i.threshold {
            out.push_str(&format!("\nDefault threshold: {t}.\n"));
        }
    }
    out.push_str(ADVISOR);
    out
}

const ADVISOR: &str = "\n## Power Advisor\n\n\
`ppgov assess --advisor` also reads Power Platform Advisor's recommendations (api-version \
2024-10-01: the scenario list, the recommendation list and each recommendation's resources; the \
response shapes are generated from Microsoft's reference and SDK, no response of the real service \
has been recorded) and reports every affected resource as a finding with the id \
`ADVISOR:<scenario>`, where `<scenario>` is the service's own scenario id. Scenario ids are \
undocumented, so no list of them is built in: they are discovered at run time, and a new \
scenario shows up without a ppgov release. Advisor details resources in managed environments \
only.\n\n\
Severity follows the recommendation's category: **Security is `warning`; Operational \
efficiency, Licensing and capacity, Performance and an unknown category are `info`**. The \
documented responses carry no category, so it is the one the service names when it sends one, \
else the one the scenario's name suggests (`security`, `shar`, `guest`, `anonymous`, `public`, \
`quarantin`, `credential`, `consent`: Security; `licens`, `capacity`, `storage`: Licensing and \
capacity; `slow`, `performance`: Performance; `unused`, `inactive`, `idle`, `orphan`, \
`high-value`: Operational efficiency). Security findings are in the area *security and roles*, \
the others in *monitoring*; all are at stage Capable, and none counts towards the maturity \
score, which measures ppgov's own checks. The finding's object is `<resourceType>[<resourceId>]` \
(`PowerApp[<id>]`) with the resource's id; in SARIF each scenario with findings is a rule.\n\n\
Configure and suppress them like checks (an `ADVISOR:` id is accepted offline, where no \
scenario is known):\n\n\
<!-- not-a-document -->\n```yaml\nspec:\n  checks:\n    rules:\n      ADVISOR:UnusedApps: {enabled: false}\n      ADVISOR:AppsSharedWithEveryone: {severity: error}\n    suppressions:\n      - check: ADVISOR:AppsSharedWithEveryone\n        object: 5a1e03eb-0000-4000-8000-0000000003eb\n        reason: the public kiosk app, reviewed by security (SEC-112)\n        expires: 2027-03-31\n```\n\n\
With `--snapshot`, the recommendations come from the snapshot's `advisorRecommendations` \
(see [snapshot-format.md](snapshot-format.md)); `ppgov export` does not write them (they are the \
service's weekly analysis, not governed state), so a snapshot carries them only when written \
by hand or persisted by the emulator.\n";

const CONFIGURATION: &str = "\n## Configuration\n\n\
`spec.checks` in `ppgov.yaml` turns checks off, changes their severity or threshold, and \
suppresses single findings until a date. An unknown check id is an error (`PPG402`), and so is \
an expiry that is not `YYYY-MM-DD` (`PPG403`). A suppression names the check and the object as \
findings name it: a repository address (`RoleAssignment.prod-admin`, `repository` for findings \
about something missing), a tenant address (`Environment[<id>]`) or a live id. It holds until \
the end of its `expires` day; after that the finding is back and the suppression itself is \
reported (`PPG-C900`).\n\n\
<!-- not-a-document -->\n```yaml\nspec:\n  checks:\n    rules:\n      PPG-C015: {enabled: false}\n      PPG-C022: {severity: error}\n      PPG-C023: {threshold: 5}\n    suppressions:\n      - check: PPG-C022\n        object: RoleAssignment.prod-admin\n        reason: incident owner until the access review (INC-4711)\n        expires: 2027-01-31\n```\n";

#[test]
fn checks_reference_is_current() {
    let path = root().join("docs/checks.md");
    let expected = checks_reference();
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "docs/checks.md is stale; run `UPDATE_GENERATED=1 cargo test -p ppgov-checks --test generated_docs`"
    );
}

#[test]
fn ids_are_unique_and_well_formed() {
    let mut seen = std::collections::BTreeSet::new();
    for i in registry::all_infos() {
        assert!(seen.insert(i.id), "{} used twice", i.id);
        assert!(
            i.id.len() == 8
                && i.id.starts_with("PPG-C")
                && i.id[5..].chars().all(|c| c.is_ascii_digit()),
            "{}",
            i.id
        );
        assert!(!i.rationale.is_empty() && !i.fix.is_empty() && !i.example.is_empty());
    }
    assert!(seen.len() >= 30, "{} checks", seen.len());
}
