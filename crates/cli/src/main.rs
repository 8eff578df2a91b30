//! `ppgov`: policy-as-code for Power Platform governance.
//!
//! The CLI is the only crate that touches the terminal, the file system and environment
//! variables; it turns outcomes into exit codes.

// First: its `println!`, `print!`, `eprint!` and `eprintln!` replace std's in every module below.
#[macro_use]
mod output;

// Loading a repository allocates about 385,000 times for 2,000 documents; mimalloc took
// one-thread validation from 2.8-3.2x to 2.0-2.2x the bare parse (BENCHMARKS.md, "Load and
// validate", whose benchmark uses it too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
mod apply_cmd;
mod approvals_cmd;
mod apps_cmd;
mod check_cmd;
mod check_report;
mod client_env;
mod clock;
mod connectors_cmd;
mod drift_cmd;
mod expiry_warn;
mod export_cmd;
mod files;
mod history_cmd;
mod import_cmd;
mod inventory_cmd;
mod inventory_read;
mod notify;
mod plan_cmd;
mod repo;
mod report;
mod request;
mod schema_cmd;
mod table;
mod tenant;
mod validate;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "ppgov", version, about = "Declarative governance for Microsoft Power Platform", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check policy files: YAML, schema, references and platform rules.
    ///
    /// Exits 0 when there are no errors (warnings allowed), 1 when there are.
    Validate {
        /// The policy directory (every *.yaml / *.yml below it), or single files.
        #[arg(default_value = "policies")]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Compare the policy files with the tenant and show what would change.
    ///
    /// Exit status: 0 on success (with --detailed-exitcode: 0 no changes, 2 changes), 1 on
    /// errors (including a --target that names no declared resource). Read the tenant offline with --snapshot FILE, or live with credentials in
    /// PPGOV_TOKEN, or PPGOV_CLIENT_ID with PPGOV_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE.
    Plan(plan_cmd::PlanArgs),
    /// Apply the policies to the tenant: plan, confirm, execute, verify.
    ///
    /// Given the policy directory (DIR, as `ppgov plan DIR` takes it; default `policies`),
    /// plans and asks for "yes" (or --auto-approve). Given a plan saved by
    /// `ppgov plan --out FILE`, re-reads the tenant and refuses if anything the plan depends on
    /// changed (the policies then come from --policies DIR). Deletes need --allow-destroy, loosening changes --allow-loosening (or the
    /// resource's annotation). Exit 0 only when every step applied and a fresh plan is empty.
    Apply(apply_cmd::ApplyArgs),
    /// Check the tenant against the policies and the audit journal: drift, pending, unmanaged.
    ///
    /// Reads the tenant like `plan` and the journal `ppgov apply` writes. Drift: the live
    /// object is no longer what ppgov last wrote (changed, deleted or recreated outside
    /// ppgov), with who ran that apply and when. Pending: it still is (or ppgov never wrote
    /// it) and the repository wants a change. Unmanaged: live objects reported per ownership.
    /// `--repair safe` writes back the drift that is not risky (through apply's executor,
    /// journal and gates) and reports the rest for a person; pending changes are never applied.
    ///
    /// Exit status: 0 nothing to do, 1 error, 2 pending changes or unmanaged objects only,
    /// 3 drift (left after a repair; drift wins over pending).
    Drift(drift_cmd::DriftArgs),
    /// The audit journal as a timeline: who, when, what, result.
    History(history_cmd::HistoryArgs),
    /// Render a plan saved with `ppgov plan --out FILE`.
    Show(plan_cmd::ShowArgs),
    /// Write a tenant snapshot (`--snapshot FILE`) to plan against offline later.
    ///
    /// Reads the tenant like `plan` does (credentials from the environment, or
    /// --from-snapshot).
    Export(export_cmd::ExportArgs),
    /// Write a policy repository that declares the tenant as it is (`--out DIR`), or add
    /// what an existing repository does not declare yet (`--missing`).
    ///
    /// Reads the tenant like `plan` does. The repository validates clean and plans no
    /// changes against the tenant it came from; ownership is `shared` for every kind, so a
    /// first apply deletes nothing.
    Import(import_cmd::ImportArgs),
    /// List the apps, flows and custom connectors of the tenant (or one environment) with the
    /// connectors each uses, their groups under the live DLP policies, and whether each item
    /// violates a policy now.
    ///
    /// Reads the tenant like `plan` (--snapshot FILE, or credentials); `--format text|json|csv`.
    Inventory(inventory_cmd::InventoryArgs),
    /// Run the governance checks on the policy repository (offline): rule ids, severities,
    /// a fix for each finding (docs/checks.md).
    ///
    /// Exit status: 0 when no finding is at or above --fail-on (default error), 1 when one is,
    /// or on errors (the policy files do not validate, a file cannot be written).
    Check(check_cmd::CheckArgs),
    /// Run the governance checks on the repository and the tenant (read like `plan`).
    ///
    /// Tenant findings name the live object's address and id. --inventory also reads every
    /// environment's apps, flows and custom connectors (the inventory checks). Exit status as
    /// for `check`.
    Assess(check_cmd::AssessArgs),
    /// Check a saved plan's required approvals against who approved (--approved-by a,b).
    ///
    /// Exit 0 when every approver the plan names (DLP policy and environment group owners,
    /// connector rating approvers, the project's defaults) is given, 1 listing the missing ones.
    Approvals(approvals_cmd::ApprovalsArgs),
    /// Every connector with its rating, why, where each DLP policy classifies it and its
    /// review state (unrated, new or changed since the last review, review overdue).
    ///
    /// The catalog alone, or with the tenant's connectors (custom connectors, live metadata)
    /// given --snapshot, --base-url or --live. Exit 1 when a connector is in a --fail-on state.
    Connectors(connectors_cmd::ConnectorsArgs),
    /// Every app of the tenant's inventory by criticality (the repository's `AppCriticality`),
    /// the control process that applies and what is due (reviews overdue, apps never
    /// reviewed, criticality risen since the last review).
    ///
    /// Reads the tenant like `plan` (--snapshot FILE, or credentials). Exit 1 when an app is in
    /// a --fail-on state.
    Apps(apps_cmd::AppsArgs),
    /// Turn a request into a reviewed change: write it into the repository (following its
    /// layout), validate and plan it, and print the plan and the approvals it needs.
    ///
    /// `request environment NAME --type --region [--group] [--owner]...` adds an environment
    /// ppgov creates; `request connector CONNECTOR --for ENVIRONMENT|GROUP` allows a connector
    /// there (docs/requests.md). A request that fails leaves the repository untouched.
    Request(request::RequestArgs),
    /// Write the JSON Schemas of the policy language.
    Schema {
        /// Directory to write the schemas to.
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
        /// Do not write; exit 1 if the files in --out differ from what would be written.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable diagnostics with source snippets.
    Human,
    /// One JSON object with every diagnostic, for tools.
    Json,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // `--help`, `--version` and usage errors: clap prints them, like `Cli::parse`, but a
        // failed write must not end as success.
        Err(e) => {
            let code = u8::try_from(e.exit_code()).unwrap_or(1);
            return match e.print() {
                Err(io) if io.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("error: cannot write to standard output: {io}");
                    ExitCode::from(1)
                }
                _ => ExitCode::from(code),
            };
        }
    };
    let result = match cli.command {
        Command::Validate { paths, format } => validate::run(&paths, format),
        Command::Schema { out, check } => schema_cmd::run(&out, check),
        Command::Plan(args) => plan_cmd::run(args),
        Command::Check(args) => check_cmd::check(args),
        Command::Assess(args) => check_cmd::assess(args),
        Command::Apply(args) => apply_cmd::run(args),
        Command::Show(args) => plan_cmd::show(args),
        Command::Drift(args) => drift_cmd::run(args),
        Command::History(args) => history_cmd::run(args),
        Command::Export(args) => export_cmd::run(args),
        Command::Import(args) => import_cmd::run(args),
        Command::Inventory(args) => inventory_cmd::run(args),
        Command::Connectors(args) => connectors_cmd::run(args),
        Command::Apps(args) => apps_cmd::run(args),
        Command::Approvals(args) => approvals_cmd::run(args),
        Command::Request(args) => request::run(args),
    };
    let code = match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {}", client_env::mask(&message));
            ExitCode::from(1)
        }
    };
    output::exit_code(code)
}
