//! Benchmark: load and validate a generated repository of 2,000 documents that reference
//! 5,000 environments, against merely parsing the same YAML bytes.
//!
//! Run: `cargo bench -p ppgov-core --bench load` (figures go in BENCHMARKS.md).
//! Peak memory is measured by a counting global allocator: the heap high-water mark during
//! one run, above what was live before it.

// A global allocator that counts bytes is the one place unsafe code is needed.
#![allow(unsafe_code)]

use ppgov_core::SourceMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

#[path = "../../../benches-support/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::{allocations, time};

// The `ppgov` binary's allocator (crates/cli/src/main.rs), counted.
#[global_allocator]
static ALLOCATOR: counting_alloc::Counting<mimalloc::MiMalloc> =
    counting_alloc::Counting(mimalloc::MiMalloc);

const ENVIRONMENTS_DECLARED: usize = 500;
const GROUPS: usize = 300;
const DLP_POLICIES: usize = 500;
const ROLE_ASSIGNMENTS: usize = 698;
const ENVIRONMENTS_REFERENCED: usize = 5_000;
const DOCS_PER_FILE: usize = 20;

fn guid(n: usize) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        n * 2654435761 % 0xffff_ffff,
        n % 0xffff,
        n % 0xfff,
        (n / 7) % 0xfff,
        n
    )
}

/// A deterministic repository: (file name, text) pairs.
fn generate() -> Vec<(String, String)> {
    let h = "apiVersion: ppgov.dev/v1\n";
    let mut docs: Vec<String> = Vec::new();
    docs.push(format!("{h}kind: Project\nmetadata: {{name: bench}}\nspec:\n  tenant: {{id: {}}}\n  ownership: {{DlpPolicy: exclusive}}\n", guid(999_999)));
    docs.push(format!("{h}kind: TenantSettings\nmetadata: {{name: tenant}}\nspec:\n  disableEnvironmentCreationByNonAdminUsers: true\n  powerPlatform:\n    powerApps: {{disableShareWithEveryone: true}}\n"));
    for e in 0..ENVIRONMENTS_DECLARED {
        docs.push(format!(
            "{h}kind: Environment\nmetadata:\n  name: env-{e}\n  labels: {{businessUnit: bu-{}, tier: prod}}\nspec:\n  displayName: \"ENV {e} Production\"\n  managed: true\n  type: Production\n  region: europe\n",
            e % 50
        ));
    }
    // Each group owns 15 environments referenced by id (4,500 of the 5,000) and a selector.
    let per_group = 15;
    for g in 0..GROUPS {
        let mut d = format!(
            "{h}kind: EnvironmentGroup\nmetadata: {{name: group-{g}}}\nspec:\n  displayName: Group {g}\n  description: Business unit {g}\n  members:\n    environments:\n"
        );
        for i in 0..per_group {
            let _ = writeln!(d, "      - id: {}", guid(g * per_group + i));
        }
        if g < 50 {
            let _ = write!(
                d,
                "    selectors:\n      - labels: {{businessUnit: bu-{g}}}\n        types: [Production]\n"
            );
        }
        d.push_str("  rules:\n    sharingControls: {mode: excludeSecurityGroups, maxUsers: 20}\n    solutionChecker: {mode: block, suppressValidationEmails: true}\n    backupRetention: {days: 28}\n    usageInsights: {enabled: true}\n");
        docs.push(d);
    }
    // Policies reference the remaining 500 environments by id, and groups.
    for p in 0..DLP_POLICIES {
        let mut d = format!(
            "{h}kind: DlpPolicy\nmetadata: {{name: policy-{p}}}\nspec:\n  displayName: Policy {p}\n  scope:\n    mode: only\n    environments:\n"
        );
        let _ = writeln!(d, "      - id: {}", guid(GROUPS * per_group + p % 500));
        let _ = writeln!(d, "      - env-{}", p % ENVIRONMENTS_DECLARED);
        let _ = writeln!(
            d,
            "    environmentGroups: [group-{}, group-{}]",
            p % GROUPS,
            (p + 1) % GROUPS
        );
        d.push_str("  connectors:\n    default: blocked\n    business: [sharepointonline, office365, teams, onedriveforbusiness, sql, excelonlinebusiness, planner, approvals]\n    nonBusiness: [msnweather, rss, bingmaps]\n");
        d.push_str("  actionRules:\n    - connector: sql\n      defaultBehavior: allow\n      actions:\n        - {action: DeleteItem_V2, behavior: block}\n");
        d.push_str("  endpointRules:\n    - connector: sql\n      rules:\n        - {endpoint: \"contoso.database.windows.net,sales\", behavior: allow}\n        - {endpoint: \"*\", behavior: deny}\n");
        d.push_str("  customConnectorPatterns:\n    - {pattern: \"https://*.contoso.com\", group: business}\n    - {pattern: \"*\", group: ignore}\n");
        docs.push(d);
    }
    for r in 0..ROLE_ASSIGNMENTS {
        let scope = match r % 3 {
            0 => format!("{{environmentGroup: group-{}}}", r % GROUPS),
            1 => format!("{{environment: env-{}}}", r % ENVIRONMENTS_DECLARED),
            _ => format!(
                "{{environment: {{id: {}}}}}",
                guid(r % ENVIRONMENTS_REFERENCED)
            ),
        };
        docs.push(format!(
            "{h}kind: RoleAssignment\nmetadata: {{name: roles-{r}}}\nspec:\n  role: environmentAdmin\n  scope: {scope}\n  principals:\n    - {{type: group, id: {}, name: Admins {r}}}\n    - {{type: user, id: {}}}\n",
            guid(1_000_000 + r),
            guid(2_000_000 + r)
        ));
    }
    assert_eq!(docs.len(), 2_000);
    docs.chunks(DOCS_PER_FILE)
        .enumerate()
        .map(|(i, chunk)| (format!("file-{i:03}.yaml"), chunk.join("---\n")))
        .collect()
}

fn main() {
    let files = generate();
    if let Ok(step) = std::env::var("BENCH_ONLY") {
        only(&step, &files);
        return;
    }
    if std::env::var_os("BENCH_PHASES").is_some() {
        phases(&files);
        phases(&files);
        return;
    }
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let runs = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(15);

    // Floor: the YAML parser's event stream, nothing kept.
    let (parse, parse_peak, _) = time(runs, || {
        let mut events = 0usize;
        for (_, text) in &files {
            for event in saphyr_parser::Parser::new_from_str(text) {
                event.expect("generated YAML parses");
                events += 1;
            }
        }
        events
    });
    let parse_allocations = allocations();

    // ppgov's YAML front end: the span-carrying tree with the strictness checks.
    let (tree, tree_peak, _) = time(runs, || {
        let mut diagnostics = Vec::new();
        let mut n = 0;
        for (i, (_, text)) in files.iter().enumerate() {
            n += ppgov_core::yaml::parse(ppgov_core::SourceId(i as u32), text, &mut diagnostics)
                .len();
        }
        n
    });
    let tree_allocations = allocations();

    // Everything `ppgov validate` does after reading the files, on one thread and on all.
    let load_with = |threads: usize| {
        let mut sources = SourceMap::new();
        for (name, text) in &files {
            sources.add(name.clone(), text.clone());
        }
        let loaded = ppgov_core::load_with(
            sources,
            ppgov_core::LoadOptions {
                expect_project: true,
                threads,
            },
        );
        assert_eq!(loaded.documents, 2_000);
        assert!(
            loaded.diagnostics.is_empty(),
            "the generated repository must validate clean: {:?}",
            loaded.diagnostics.first()
        );
        loaded
    };
    let (load_serial, load_serial_peak, _) = time(runs, || load_with(1));
    let load_serial_allocations = allocations();
    let (load, load_peak, _) = time(runs, || load_with(0));
    let load_allocations = allocations();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    let row = |name: &str, d: Duration, peak: usize, allocations: usize| {
        println!(
            "| {name} | {:.1} | {:.1} | {allocations} | {:.2}x |",
            ms(d),
            mib(peak),
            ms(d) / ms(parse)
        );
    };
    println!(
        "repository: {} files, 2000 documents, {ENVIRONMENTS_REFERENCED} environments referenced, {:.1} MiB of YAML",
        files.len(),
        mib(bytes)
    );
    println!(
        "median of {runs} runs; peak heap is the high-water mark above the heap before the run; allocations are calls to alloc and realloc in one run"
    );
    println!("| step | time (ms) | peak heap (MiB) | allocations | vs bare parse |");
    println!("|---|---:|---:|---:|---:|");
    row(
        "bare parse (saphyr-parser events, 1 thread)",
        parse,
        parse_peak,
        parse_allocations,
    );
    row(
        "YAML front end (span tree + strictness, 1 thread)",
        tree,
        tree_peak,
        tree_allocations,
    );
    row(
        "full load + validate, 1 thread",
        load_serial,
        load_serial_peak,
        load_serial_allocations,
    );
    row(
        &format!("full load + validate, {cores} threads (default)"),
        load,
        load_peak,
        load_allocations,
    );
}

/// `BENCH_PHASES=1`: where the single-thread time goes, step by step, on warm caches.
fn phases(files: &[(String, String)]) {
    use ppgov_core::{Kind, doc, tree_de, yaml};
    let t = Instant::now();
    let mut diagnostics = Vec::new();
    let mut docs: Vec<yaml::Document> = files
        .iter()
        .enumerate()
        .flat_map(|(i, (_, t))| yaml::parse(ppgov_core::SourceId(i as u32), t, &mut diagnostics))
        .collect();
    let tree = t.elapsed();
    let kinds: Vec<Kind> = docs
        .iter()
        .map(|d| Kind::parse(d.root.get("kind").and_then(|k| k.as_str()).unwrap()).unwrap())
        .collect();
    let t = Instant::now();
    for (d, kind) in docs.iter().zip(&kinds) {
        assert!(ppgov_core::schema::tree_is_valid(*kind, &d.root));
    }
    let schema = t.elapsed();
    let t = Instant::now();
    for (d, kind) in docs.iter_mut().zip(&kinds) {
        let root = &mut d.root;
        assert!(tree_de::plain_numbers(root));
        let ok = match kind {
            Kind::Project => tree_de::take::<doc::Document<doc::ProjectSpec>>(root).is_ok(),
            Kind::Environment => tree_de::take::<doc::Document<doc::EnvironmentSpec>>(root).is_ok(),
            Kind::EnvironmentGroup => {
                tree_de::take::<doc::Document<doc::EnvironmentGroupSpec>>(root).is_ok()
            }
            Kind::DlpPolicy => tree_de::take::<doc::Document<doc::DlpPolicySpec>>(root).is_ok(),
            Kind::RoleAssignment => {
                tree_de::take::<doc::Document<doc::RoleAssignmentSpec>>(root).is_ok()
            }
            Kind::TenantSettings => {
                tree_de::take::<doc::Document<doc::TenantSettingsSpec>>(root).is_ok()
            }
            Kind::ConnectorRating => {
                tree_de::take::<doc::Document<doc::ConnectorRatingSpec>>(root).is_ok()
            }
            Kind::TenantIsolationPolicy => {
                tree_de::take::<doc::Document<doc::TenantIsolationPolicySpec>>(root).is_ok()
            }
            Kind::AppCriticality => {
                tree_de::take::<doc::Document<doc::AppCriticalitySpec>>(root).is_ok()
            }
        };
        assert!(ok);
    }
    let typed = t.elapsed();
    drop(docs);
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(name.clone(), text.clone());
    }
    let t = Instant::now();
    let loaded = ppgov_core::load_with(
        sources,
        ppgov_core::LoadOptions {
            expect_project: true,
            threads: 1,
        },
    );
    let load = t.elapsed();
    drop(loaded);
    println!(
        "tree {tree:?} schema (on the tree) {schema:?} typed (from the tree) {typed:?} => lowering and the rest ~{:?} (load, 1 thread, {load:?})",
        load.saturating_sub(tree + schema + typed)
    );
}

/// `BENCH_ONLY=none|parse|tree|load1`: one run of one step and nothing else, so that
/// `valgrind --tool=callgrind` counts its instructions (repeatable where timings are not);
/// `none` only generates the input, whose count the others include.
fn only(step: &str, files: &[(String, String)]) {
    match step {
        "none" => {}
        "parse" => {
            for (_, text) in files {
                for event in saphyr_parser::Parser::new_from_str(text) {
                    event.expect("generated YAML parses");
                }
            }
        }
        "tree" => {
            let mut diagnostics = Vec::new();
            for (i, (_, text)) in files.iter().enumerate() {
                ppgov_core::yaml::parse(ppgov_core::SourceId(i as u32), text, &mut diagnostics);
            }
        }
        "load1" => {
            // `BENCH_ONLY_RUNS=2` minus one run gives a warm run's count.
            let runs: usize = std::env::var("BENCH_ONLY_RUNS")
                .ok()
                .and_then(|r| r.parse().ok())
                .unwrap_or(1);
            for _ in 0..runs {
                let mut sources = SourceMap::new();
                for (name, text) in files {
                    sources.add(name.clone(), text.clone());
                }
                let loaded = ppgov_core::load_with(
                    sources,
                    ppgov_core::LoadOptions {
                        expect_project: true,
                        threads: 1,
                    },
                );
                assert!(loaded.diagnostics.is_empty());
            }
        }
        other => panic!("BENCH_ONLY={other}: expected none, parse, tree or load1"),
    }
}
