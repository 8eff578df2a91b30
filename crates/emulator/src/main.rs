//! `ppgov-emulator`: serves an emulated Power Platform tenant on loopback.

use clap::Parser;
use ppgov_emulator::{Config, DEFAULT_TOKEN, Emulator, SeedRequest, Tenant};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Emulates the Power Platform admin APIs (BAP, Power Apps, Power Platform API) on loopback.
/// Point every host's base URL at the printed address.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Loopback address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Tenant snapshot to load at start and rewrite after every change.
    #[arg(long)]
    state_file: Option<PathBuf>,
    /// Tenant snapshot to load at start (read only).
    #[arg(long, conflicts_with = "seed_environments")]
    state: Option<PathBuf>,
    /// Generate a tenant with this many environments.
    #[arg(long)]
    seed_environments: Option<usize>,
    /// ... this many environment groups.
    #[arg(long, default_value_t = 3, requires = "seed_environments")]
    seed_groups: usize,
    /// ... this many DLP policies.
    #[arg(long, default_value_t = 3, requires = "seed_environments")]
    seed_dlp_policies: usize,
    /// ... this many RBAC role assignments.
    #[arg(long, default_value_t = 5, requires = "seed_environments")]
    seed_role_assignments: usize,
    /// ... this many canvas apps (connectors drawn so that some violate the DLP policies).
    #[arg(long, default_value_t = 0, requires = "seed_environments")]
    seed_apps: usize,
    /// ... this many cloud flows (likewise).
    #[arg(long, default_value_t = 0, requires = "seed_environments")]
    seed_flows: usize,
    /// Random seed of the generated tenant.
    #[arg(long, default_value_t = 1, requires = "seed_environments")]
    seed: u64,
    /// Static bearer token accepted on every route.
    #[arg(long, default_value = DEFAULT_TOKEN)]
    token: String,
    /// Client secret the token endpoint requires (default: any).
    #[arg(long)]
    client_secret: Option<String>,
    /// Lifetime of issued tokens, in seconds.
    #[arg(long, default_value_t = 3599)]
    token_ttl: u64,
    /// Items per page of paged lists.
    #[arg(long, default_value_t = 50)]
    page_size: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut config = Config {
        listen: args.listen,
        static_token: Some(args.token),
        client_secret: args.client_secret,
        token_ttl: Duration::from_secs(args.token_ttl),
        page_size: args.page_size,
        state_file: args.state_file,
        ..Config::default()
    };
    if let Some(path) = &args.state {
        match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| Tenant::from_json(&t))
        {
            Ok(t) => config.tenant = t,
            Err(e) => {
                eprintln!("ppgov-emulator: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(environments) = args.seed_environments {
        config = config.seeded(SeedRequest {
            environments,
            groups: args.seed_groups,
            dlp_policies: args.seed_dlp_policies,
            role_assignments: args.seed_role_assignments,
            seed: args.seed,
            tenant_id: None,
            apps: args.seed_apps,
            flows: args.seed_flows,
        });
    }
    let emulator = match Emulator::start(config).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("ppgov-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", emulator.base_url());
    eprintln!(
        "ppgov-emulator: tenant {} on {}; Ctrl-C stops",
        emulator.tenant_id(),
        emulator.base_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    emulator.shutdown().await;
    ExitCode::SUCCESS
}
