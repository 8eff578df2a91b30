//! Benchmark: `ppgov import` of a seeded tenant of 10,000 environments, 300 groups, 500 DLP
//! policies and 20,000 role assignments through the emulator with 20 ms latency per request,
//! next to an `observe` of the same tenant in the same run that reads exactly what import
//! reads (every RBAC scope, as `export` does, the connector catalog, and the BAP roles of the
//! environments import declares): the comparison is the cost of generating the documents and
//! writing the files on top of the reading both must do.
//!
//! Run: `cargo bench -p ppgov-import --bench import` (figures go in BENCHMARKS.md).

#![allow(unsafe_code)]

#[path = "../../../benches-support/counting_alloc.rs"]
#[allow(dead_code)] // `time` is for benchmarks that run synchronously.
mod counting_alloc;

#[global_allocator]
static ALLOCATOR: counting_alloc::Counting = counting_alloc::Counting(std::alloc::System);

use ppgov_core::catalog::Catalog;
use ppgov_core::doc::Cloud;
use ppgov_core::observed::Observed;
use ppgov_emulator::{Config, Emulator, Faults, SeedRequest, atomic_file};
use ppgov_import::{Imported, Options};
use ppgov_tenant_client::{AuthConfig, Client, ClientConfig, ObserveOptions, Secret};
use std::time::{Duration, Instant};

const LATENCY_MS: u64 = 20;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Wall time of each phase of one import.
#[derive(Default, Clone, Copy)]
struct Phases {
    read: Duration,
    generate: Duration,
    write: Duration,
}

/// What `ppgov import --out DIR` reads (`import_cmd`): the tenant with every RBAC scope, the
/// connector catalog and the BAP roles of the managed and grouped environments (as their pages
/// arrive), then the roles of the few other environments it declares.
async fn read_as_import(client: &Client, options: &Options) -> Observed {
    let mut observed = client
        .observe(&ObserveOptions {
            connectors: true,
            bap_roles_of_managed_or_grouped: true,
            rbac_environment_scopes: None,
            ..Default::default()
        })
        .await
        .expect("observe");
    let wanted = ppgov_import::environments_needing_bap_roles(&observed, options);
    client
        .observe_environment_roles(&wanted, &mut observed)
        .await
        .expect("BAP roles");
    observed
}

fn options() -> Options {
    Options {
        source: "bench".into(),
        date: "2026-11-27".into(),
        ..Default::default()
    }
}

/// What `ppgov import --out DIR` does after connecting: read, the documents, the files
/// (written as the CLI writes them: `atomic_file::write_files`, new files created directly)
/// into `out`, a directory that does not exist yet.
async fn import(client: &Client, out: &std::path::Path) -> (Imported, Phases) {
    let options = options();
    let start = Instant::now();
    let observed = read_as_import(client, &options).await;
    let read = start.elapsed();
    let start = Instant::now();
    let imported = ppgov_import::import(&observed, Catalog::bundled(), &options);
    let generate = start.elapsed();
    let start = Instant::now();
    let files: Vec<(std::path::PathBuf, &[u8])> = imported
        .files
        .iter()
        .map(|(rel, text)| (out.join(rel), text.as_bytes()))
        .collect();
    atomic_file::write_files(&files, atomic_file::write_threads()).expect("files written");
    let write = start.elapsed();
    (
        imported,
        Phases {
            read,
            generate,
            write,
        },
    )
}

fn main() {
    let runs = env_usize("BENCH_RUNS", 3);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (emulator, client) = runtime.block_on(async {
        let emulator = Emulator::start(
            Config {
                page_size: 50,
                faults: Faults {
                    latency_ms: LATENCY_MS,
                    ..Default::default()
                },
                ..Default::default()
            }
            .seeded(SeedRequest {
                environments: env_usize("BENCH_ENVIRONMENTS", 10_000),
                groups: 300,
                dlp_policies: 500,
                role_assignments: 20_000,
                seed: 7,
                tenant_id: None,
                apps: 0,
                flows: 0,
            }),
        )
        .await
        .expect("emulator starts");
        let token = emulator.token().unwrap().to_owned();
        let config = ClientConfig::new(Cloud::Public, AuthConfig::Static(Secret::new(token)))
            .with_single_base_url(&emulator.base_url());
        (emulator, Client::new(config).unwrap())
    });
    // A fresh directory per import, all removed at the end: deleting 20,930 files just
    // before writing as many would measure the file system's deletes (on this machine's
    // ext4 with `discard`, they stall the journal for seconds), which `ppgov import` never does.
    let base = std::env::temp_dir().join(format!("ppgov-import-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let mut run = 0;
    let mut fresh_out = || {
        run += 1;
        base.join(format!("run-{run}"))
    };

    // Interleaved, so both see the same machine.
    let mut observe_times = Vec::new();
    let mut import_times = Vec::new();
    let mut requests = (0, 0);
    let mut imported = None;
    let mut phases = Vec::new();
    for _ in 0..runs {
        client.reset_stats();
        let start = Instant::now();
        runtime.block_on(read_as_import(&client, &options()));
        observe_times.push(start.elapsed());
        requests.0 = client.stats().total;
        client.reset_stats();
        let start = Instant::now();
        let (i, p) = runtime.block_on(import(&client, &fresh_out()));
        import_times.push(start.elapsed());
        imported = Some(i);
        phases.push(p);
        requests.1 = client.stats().total;
    }
    let out = fresh_out();
    let (_, peak) = counting_alloc::measure_peak(|| runtime.block_on(import(&client, &out)));
    let median = |t: &mut Vec<Duration>| {
        t.sort();
        t[t.len() / 2]
    };
    let (observe, import) = (median(&mut observe_times), median(&mut import_times));
    let imported = imported.unwrap();
    let documents: usize = imported.documents.values().sum();
    println!(
        "tenant: seeded, 300 groups, 500 DLP policies, 20,000 RBAC role assignments; {LATENCY_MS} ms latency per request; median of {runs}"
    );
    println!("| measure | value |");
    println!("|---|---:|");
    println!(
        "| documents written | {documents} in {} files |",
        imported.files.len()
    );
    println!(
        "| observe (reading what import reads): requests, wall time | {}, {:.2} s |",
        requests.0,
        observe.as_secs_f64()
    );
    println!(
        "| import: requests, wall time | {}, {:.2} s |",
        requests.1,
        import.as_secs_f64()
    );
    println!(
        "| import / observe | {:.2}x |",
        import.as_secs_f64() / observe.as_secs_f64()
    );
    let phase = |f: fn(&Phases) -> Duration| {
        let mut v: Vec<Duration> = phases.iter().map(f).collect();
        median(&mut v).as_secs_f64()
    };
    println!(
        "| of which: reading, generating, writing files (medians) | {:.2} s, {:.2} s, {:.2} s |",
        phase(|p| p.read),
        phase(|p| p.generate),
        phase(|p| p.write)
    );
    println!(
        "| file-writing threads | {} |",
        atomic_file::write_threads()
    );
    println!(
        "| import peak heap | {:.0} MiB |",
        peak as f64 / (1024.0 * 1024.0)
    );
    let _ = std::fs::remove_dir_all(&base);
    runtime.block_on(emulator.shutdown());
}
