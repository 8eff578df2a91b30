//! A local emulator of the Power Platform admin REST APIs ppgov uses, serving an in-memory
//! tenant on loopback so everything is testable without a real tenant.
//!
//! It knows only the wire contract (`ppgov-tenant-api`), never the engine, so it cannot share
//! the engine's bugs. One listener serves every host: routing is by path alone. See
//! `crates/emulator/README.md` for the snapshot format, the control API and fault injection.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use ppgov_emulator::{Config, Emulator};
//! let emu = Emulator::start(Config::default().seeded(Default::default())).await?;
//! let url = emu.base_url(); // http://127.0.0.1:PORT, for every host
//! emu.shutdown().await;
//! # Ok(()) }
//! ```

mod app;
pub mod atomic_file;
pub mod auth;
pub mod catalog;
pub mod control;
mod error;
pub mod faults;
mod http;
pub mod log;
mod routes;
pub mod seed;
mod seed_advisor;
mod server;
pub mod state;

pub use faults::{Faults, RateLimit};
pub use log::RequestLog;
pub use seed::SeedRequest;
pub use state::{SNAPSHOT_FORMAT, Tenant};

use app::{Settings, Shared, lock};
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The static bearer token of [`Config::default`].
pub const DEFAULT_TOKEN: &str = "ppgov-emulator-token";

/// How to start an emulator.
#[derive(Clone, Debug)]
pub struct Config {
    /// Must be a loopback address; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The initial tenant.
    pub tenant: Tenant,
    /// A token accepted on every route without calling the token endpoint.
    pub static_token: Option<String>,
    /// The client secret the token endpoint requires; `None` accepts any.
    pub client_secret: Option<String>,
    /// Lifetime (and `expires_in`) of issued tokens.
    pub token_ttl: Duration,
    /// Items per page of every paged list (a request's `$top` overrides it).
    pub page_size: usize,
    /// Loaded at start if it exists (instead of `tenant`, else created from it), and replaced
    /// atomically after every request that changes the tenant; a failed save fails that
    /// request with 500 `PersistFailed` and undoes its change.
    pub state_file: Option<PathBuf>,
    /// Faults from the start.
    pub faults: Faults,
    /// Reject DLP connector ids that are not in the catalog even when they are well-formed
    /// `shared_...` ids (default: accepted, as custom connectors are).
    pub strict_connectors: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tenant: Tenant::new("00000000-0000-0000-0000-0000000000e1"),
            static_token: Some(DEFAULT_TOKEN.to_owned()),
            client_secret: None,
            token_ttl: Duration::from_secs(3599),
            page_size: 50,
            state_file: None,
            faults: Faults::default(),
            strict_connectors: false,
        }
    }
}

impl Config {
    /// The config with a generated tenant.
    pub fn seeded(mut self, req: SeedRequest) -> Self {
        self.tenant = seed::generate(&req);
        self
    }
}

pub struct Emulator;

impl Emulator {
    /// Binds and starts serving on the current tokio runtime.
    pub async fn start(config: Config) -> io::Result<RunningEmulator> {
        if !config.listen.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "refusing to listen on {}: the emulator binds loopback addresses only",
                    config.listen
                ),
            ));
        }
        let mut tenant = config.tenant;
        if let Some(path) = &config.state_file
            && path.exists()
        {
            let text = std::fs::read_to_string(path)?;
            tenant = Tenant::from_json(&text)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        }
        config
            .faults
            .validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let settings = Settings {
            page_size: config.page_size.max(1),
            static_token: config.static_token.clone(),
            client_secret: config.client_secret,
            token_ttl: config.token_ttl,
            state_file: config.state_file,
            strict_connectors: config.strict_connectors,
        };
        let shared = Arc::new(Shared::new(
            tenant,
            faults::FaultState::new(config.faults),
            settings,
        ));
        // An existing state file is left as it is (byte-identical until the tenant changes).
        if let Some(path) = &shared.settings.state_file
            && !path.exists()
        {
            app::write_state_file(path, &shared.snapshot())?;
        }
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let app =
            routes::api(shared.clone()).into_make_service_with_connect_info::<server::ConnInfo>();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(server::KillableListener(listener), app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                });
            if let Err(e) = serve.await {
                eprintln!("ppgov-emulator: server error: {e}");
            }
        });
        Ok(RunningEmulator {
            addr,
            static_token: config.static_token,
            shared,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server (without waiting).
pub struct RunningEmulator {
    pub addr: SocketAddr,
    static_token: Option<String>,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// `http://127.0.0.1:PORT`: the base URL for every host.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The static token, if configured.
    pub fn token(&self) -> Option<&str> {
        self.static_token.as_deref()
    }

    pub fn tenant_id(&self) -> String {
        self.shared.read().tenant.tenant_id.clone()
    }

    /// A copy of the tenant.
    pub fn state(&self) -> Tenant {
        self.shared.snapshot()
    }

    /// Replaces the tenant.
    pub fn set_state(&self, tenant: Tenant) {
        self.shared.replace(tenant);
    }

    /// Changes the tenant in place.
    pub fn update_state<R>(&self, f: impl FnOnce(&mut Tenant) -> R) -> R {
        f(&mut self.shared.write().tenant)
    }

    pub fn faults(&self) -> Faults {
        lock(&self.shared.faults).config.clone()
    }

    /// Replaces the fault configuration (`Faults::default()` turns every fault off).
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.validate()?;
        *lock(&self.shared.faults) = faults::FaultState::new(faults);
        Ok(())
    }

    pub fn requests(&self) -> RequestLog {
        lock(&self.shared.log).clone()
    }

    pub fn clear_requests(&self) {
        *lock(&self.shared.log) = RequestLog::default();
    }

    /// Makes every issued token expired.
    pub fn expire_tokens(&self) {
        lock(&self.shared.tokens).expire_all();
    }

    /// Stops accepting connections, finishes in-flight requests and waits for the server.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
