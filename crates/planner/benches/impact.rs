//! Benchmark: DLP impact of 500 changed policies over 2,000 environments running 100,000 apps
//! and flows, next to the plan time of the same run (target: impact at most 1x the plan).
//!
//! Run: `cargo bench -p ppgov-planner --bench impact` (figures go in BENCHMARKS.md).

// A global allocator that counts bytes is the one place unsafe code is needed.
#![allow(unsafe_code)]

use ppgov_core::inventory::{ConnectorUse, Inventory, InventoryItem, ItemKind, Owner, UsageIndex};
use ppgov_core::model::{ConnectorGroup, ScopeMode};
use ppgov_core::observed::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

#[path = "../../../benches-support/bench_report.rs"]
mod bench_report;
#[path = "../../../benches-support/counting_alloc.rs"]
mod counting_alloc;

use bench_report::{mib, ms};
use counting_alloc::time;

#[global_allocator]
static ALLOCATOR: counting_alloc::Counting = counting_alloc::Counting(std::alloc::System);

const ENVIRONMENTS: usize = 2_000;
const ITEMS: usize = 100_000;
const POLICIES: usize = 500;
const ENVIRONMENTS_PER_POLICY: usize = ENVIRONMENTS / POLICIES;

fn guid(kind: u32, n: usize) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}

fn conn(c: &str) -> String {
    format!("/providers/Microsoft.PowerApps/apis/shared_{c}")
}

const BUSINESS: &[&str] = &["sharepointonline", "office365", "teams", "sql"];
/// What apps and flows use: business, non-business (by default) and one each policy blocks.
const USED: &[&str] = &[
    "sharepointonline",
    "office365",
    "teams",
    "sql",
    "msnweather",
    "rss",
    "dropbox",
    "salesforce",
    "twitter",
];

/// Desired YAML (every policy also blocks twitter), the observed tenant without inventory,
/// and the inventory.
fn generate() -> (Vec<(String, String)>, Observed, Inventory) {
    let h = "apiVersion: ppgov.dev/v1\n";
    let mut docs = vec![format!(
        "{h}kind: Project\nmetadata: {{name: bench}}\nspec:\n  ownership: {{DlpPolicy: exclusive}}\n"
    )];
    let mut observed = Observed::default();
    for e in 0..ENVIRONMENTS {
        let id = guid(1, e);
        observed.environments.insert(
            id.clone(),
            ObservedEnvironment {
                id,
                display_name: format!("Environment {e}"),
                environment_type: "Production".into(),
                region: "europe".into(),
                managed: true,
                ..Default::default()
            },
        );
    }
    // A tenant-wide baseline the plan leaves as it is: it still decides on both sides.
    docs.push(format!(
        "{h}kind: DlpPolicy\nmetadata: {{name: baseline}}\nspec:\n  displayName: Baseline\n  scope: {{mode: all}}\n  connectors:\n    default: nonBusiness\n    blocked: [salesforce]\n"
    ));
    observed.dlp_policies.insert(
        guid(3, POLICIES),
        ObservedDlpPolicy {
            id: guid(3, POLICIES),
            display_name: "Baseline".into(),
            scope_mode: Some(ScopeMode::All),
            environment_ids: BTreeSet::new(),
            default_group: ConnectorGroup::NonBusiness,
            classification: [(conn("salesforce"), ConnectorGroup::Blocked)].into(),
            action_rules: BTreeMap::new(),
            endpoint_rules: BTreeMap::new(),
            custom_connector_patterns: Vec::new(),
            etag: None,
            last_modified: None,
        },
    );
    for p in 0..POLICIES {
        let id = guid(3, p);
        let envs: Vec<String> = (0..ENVIRONMENTS_PER_POLICY)
            .map(|i| guid(1, p * ENVIRONMENTS_PER_POLICY + i))
            .collect();
        let mut d = format!(
            "{h}kind: DlpPolicy\nmetadata: {{name: policy-{p}}}\nspec:\n  displayName: Policy {p}\n  scope:\n    mode: only\n    environments:\n"
        );
        for e in &envs {
            let _ = writeln!(d, "      - id: {e}");
        }
        let _ = write!(
            d,
            "  connectors:\n    default: nonBusiness\n    business: [{}]\n    blocked: [twitter]\n",
            BUSINESS.join(", ")
        );
        docs.push(d);
        observed.dlp_policies.insert(
            id.clone(),
            ObservedDlpPolicy {
                id,
                display_name: format!("Policy {p}"),
                scope_mode: Some(ScopeMode::Only),
                environment_ids: envs.into_iter().collect(),
                default_group: ConnectorGroup::NonBusiness,
                classification: BUSINESS
                    .iter()
                    .map(|c| (conn(c), ConnectorGroup::Business))
                    .collect(),
                action_rules: BTreeMap::new(),
                endpoint_rules: BTreeMap::new(),
                custom_connector_patterns: Vec::new(),
                etag: None,
                last_modified: None,
            },
        );
    }
    let mut inventory = Inventory::default();
    for e in 0..ENVIRONMENTS {
        inventory.environments.entry(guid(1, e)).or_default();
    }
    for i in 0..ITEMS {
        // Two or three connectors each, drawn deterministically.
        let picks = [i % USED.len(), (i / 7) % USED.len(), (i / 49) % USED.len()];
        let count = 2 + i % 2;
        let connectors: BTreeMap<String, ConnectorUse> = picks[..count]
            .iter()
            .map(|&c| (format!("shared_{}", USED[c]), ConnectorUse::default()))
            .collect();
        inventory.insert(InventoryItem {
            kind: if i % 2 == 0 {
                ItemKind::App
            } else {
                ItemKind::Flow
            },
            id: guid(6, i),
            display_name: format!("Item {i}"),
            environment_id: guid(1, i % ENVIRONMENTS),
            owner: Some(Owner {
                display_name: Some(format!("Owner {}", i % 300)),
                ..Default::default()
            }),
            last_modified: Some("2026-10-01T09:00:00Z".into()),
            shared_users: Some((i % 500) as u64),
            connectors,
            ..Default::default()
        });
    }
    // Complete: indexed as the client indexes what it reads.
    inventory.index_usage();
    let files = docs
        .chunks(20)
        .enumerate()
        .map(|(i, c)| (format!("f{i:03}.yaml"), c.join("---\n")))
        .collect();
    (files, observed, inventory)
}

fn main() {
    let (files, observed, inventory) = generate();
    let runs = bench_report::runs();
    let loaded = bench_report::load(&files);
    let (plan_time, plan_peak, plan) = time(runs, || {
        ppgov_planner::plan(&loaded.desired, &observed, &loaded.catalog)
    });
    assert!(plan.errors.is_empty(), "{:?}", plan.errors.first());
    let (affected_time, _, affected) = time(runs, || {
        ppgov_planner::affected_environments(&plan, &observed, &loaded.catalog)
    });
    // Paid once per inventory read (network-bound), not per analysis: its own row.
    let (index_time, index_peak, index) = time(runs, || UsageIndex::build(&inventory));
    let with_inventory = Observed {
        inventory,
        ..observed.clone()
    };
    assert!(
        matches!(with_inventory.inventory.usage(), Cow::Borrowed(_)),
        "the impact is measured with the index generate() built"
    );
    let (impact_time, impact_peak, impacts) = time(runs, || {
        ppgov_planner::impact::analyse(&plan, &with_inventory, &loaded.catalog)
    });
    let (add, change, destroy) = plan.counts();
    let mut broken: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut fixed = 0;
    for impact in impacts.iter().flatten() {
        broken.extend(
            impact
                .breaks
                .iter()
                .map(|i| (i.environment.id.as_str(), i.id.as_str())),
        );
        fixed += impact.fixes.len();
    }
    println!(
        "inputs: {ENVIRONMENTS} environments, {} DLP policies ({POLICIES} changed: twitter blocked), {ITEMS} apps and flows",
        observed.dlp_policies.len()
    );
    println!(
        "plan: {add} to add, {change} to change, {destroy} to destroy; {} environments affected; breaks {} items, fixes {fixed}; median of {runs} runs",
        affected.len(),
        broken.len()
    );
    println!("| step | time (ms) | peak heap (MiB) |");
    println!("|---|---:|---:|");
    println!(
        "| plan (no inventory) | {:.1} | {:.1} |",
        ms(plan_time),
        mib(plan_peak)
    );
    println!("| affected environments | {:.1} | |", ms(affected_time));
    println!(
        "| usage index (once per inventory read; {} profiles) | {:.1} | {:.1} |",
        index.profile_count(),
        ms(index_time),
        mib(index_peak)
    );
    println!(
        "| impact (analyse) | {:.1} | {:.1} |",
        ms(impact_time),
        mib(impact_peak)
    );
    println!("impact / plan = {:.2}x", ms(impact_time) / ms(plan_time));
}
