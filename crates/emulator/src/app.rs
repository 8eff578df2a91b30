//! The state shared by every request: the tenant, running operations, faults, the request log
//! and issued tokens.

use crate::auth::TokenStore;
use crate::faults::FaultState;
use crate::http::now_iso;
use crate::log::RequestLog;
use crate::state::Tenant;
use ppgov_tenant_api::environments::{
    GovernanceConfiguration, GovernanceConfigurationRequest, GroupRef,
};
use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Fixed settings of a running emulator.
#[derive(Clone, Debug)]
pub struct Settings {
    pub page_size: usize,
    pub static_token: Option<String>,
    pub client_secret: Option<String>,
    pub token_ttl: Duration,
    pub state_file: Option<PathBuf>,
    pub strict_connectors: bool,
}

pub struct Shared {
    inner: Mutex<Inner>,
    pub faults: Mutex<FaultState>,
    pub log: Mutex<RequestLog>,
    pub tokens: Mutex<TokenStore>,
    pub settings: Settings,
}

/// The tenant and the operations running on it, behind one lock so they change together.
pub struct Inner {
    pub tenant: Tenant,
    pub ops: BTreeMap<String, Operation>,
    /// RBAC assignment ids by the scope whose list shows them, built on the first scoped
    /// list and dropped whenever the tenant may change (every write, every settled
    /// operation): listing 10,000 scopes must not scan every assignment each time.
    pub rbac_by_scope: Option<BTreeMap<crate::routes::roles::ScopeTarget, Vec<String>>>,
}

/// A long-running operation: a BAP lifecycle operation or an environment-group operation.
/// Its change is applied when it completes, so reads lag behind like the real service. It
/// completes on the clock, at `due`, whether or not anyone polls it (as the service's do: a
/// client that goes away does not leave the environment locked).
#[derive(Clone, Debug)]
pub struct Operation {
    pub id: String,
    pub kind: OpKind,
    pub env: String,
    pub change: Change,
    /// When the operation completes.
    pub due: Instant,
    pub status: OpStatus,
    pub created: String,
    pub finished: Option<String>,
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    Lifecycle,
    GroupMembership,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpStatus {
    Running,
    Succeeded,
    Failed,
}

#[derive(Clone, Debug)]
pub enum Change {
    Governance(GovernanceConfigurationRequest),
    JoinGroup(String),
    LeaveGroup(String),
    /// Provisioning finishes: the environment is ready, with this Dataverse (if any).
    Create(Option<serde_json::Value>),
    Delete,
}

impl Change {
    pub fn type_name(&self) -> &'static str {
        match self {
            Change::Governance(r) if r.protection_level == "Standard" => {
                "EnableGovernanceConfiguration"
            }
            Change::Governance(_) => "DisableGovernanceConfiguration",
            Change::JoinGroup(_) => "AddEnvironmentToGroup",
            Change::LeaveGroup(_) => "RemoveEnvironmentFromGroup",
            Change::Create(_) => "Create",
            Change::Delete => "Delete",
        }
    }
}

impl Inner {
    /// True while an operation runs on `env`.
    pub fn busy(&self, env: &str) -> bool {
        self.ops
            .values()
            .any(|o| o.status == OpStatus::Running && o.env == env)
    }

    /// Starts an operation that runs for `duration` (zero: it completes at once). Call
    /// [`Shared::complete_on_clock`] with the result once the lock is released.
    pub fn start(
        &mut self,
        kind: OpKind,
        env: &str,
        change: Change,
        duration: Duration,
    ) -> Operation {
        let mut op = Operation {
            id: crate::http::new_id(),
            kind,
            env: env.to_owned(),
            change,
            due: Instant::now() + duration,
            status: OpStatus::Running,
            created: now_iso(),
            finished: None,
            error: None,
        };
        if duration.is_zero() {
            self.complete(&mut op);
        }
        self.ops.insert(op.id.clone(), op.clone());
        op
    }

    /// Operation `id` as it stands now (polling changes nothing).
    pub fn poll(&mut self, id: &str) -> Option<Operation> {
        self.settle();
        self.ops.get(id).cloned()
    }

    /// Completes every running operation whose time has come; true if any did.
    pub fn settle(&mut self) -> bool {
        let now = Instant::now();
        let due: Vec<String> = self
            .ops
            .values()
            .filter(|o| o.status == OpStatus::Running && o.due <= now)
            .map(|o| o.id.clone())
            .collect();
        for id in &due {
            if let Some(mut op) = self.ops.remove(id) {
                self.complete(&mut op);
                self.ops.insert(op.id.clone(), op);
            }
        }
        !due.is_empty()
    }

    fn complete(&mut self, op: &mut Operation) {
        let result = self.apply(&op.env, &op.change);
        op.status = if result.is_ok() {
            OpStatus::Succeeded
        } else {
            OpStatus::Failed
        };
        op.error = result.err();
        op.finished = Some(now_iso());
    }

    fn apply(&mut self, env: &str, change: &Change) -> Result<(), String> {
        let group_exists = |t: &Tenant, g: &str| t.environment_groups.contains_key(g);
        if let Change::JoinGroup(g) = change
            && !group_exists(&self.tenant, g)
        {
            return Err(format!("environment group {g} no longer exists"));
        }
        if let Change::Delete = change {
            return match self.tenant.environments.remove(env) {
                Some(_) => Ok(()),
                None => Err(format!("environment {env} no longer exists")),
            };
        }
        let Some(e) = self.tenant.environments.get_mut(env) else {
            return Err(format!("environment {env} no longer exists"));
        };
        match change {
            Change::Create(dataverse) => {
                e.properties.linked_environment_metadata = dataverse.clone();
                e.properties.other.insert(
                    "provisioningState".to_owned(),
                    serde_json::Value::String("Succeeded".to_owned()),
                );
            }
            Change::Delete => {}
            Change::Governance(req) => {
                let settings = req
                    .settings
                    .clone()
                    .or_else(|| {
                        e.properties
                            .governance_configuration
                            .as_ref()
                            .and_then(|g| g.settings.clone())
                    })
                    .filter(|_| req.protection_level == "Standard");
                e.properties.governance_configuration = Some(GovernanceConfiguration {
                    protection_level: req.protection_level.clone(),
                    settings,
                });
            }
            Change::JoinGroup(g) => {
                e.properties.parent_environment_group = Some(GroupRef { id: g.clone() });
            }
            Change::LeaveGroup(_) => {
                e.properties.parent_environment_group = None;
            }
        }
        e.properties.other.insert(
            "lastModifiedTime".to_owned(),
            serde_json::Value::String(now_iso()),
        );
        Ok(())
    }
}

impl Shared {
    pub fn new(tenant: Tenant, faults: FaultState, settings: Settings) -> Self {
        Shared {
            inner: Mutex::new(Inner {
                tenant,
                ops: BTreeMap::new(),
                rbac_by_scope: None,
            }),
            faults: Mutex::new(faults),
            log: Mutex::new(RequestLog::default()),
            tokens: Mutex::new(TokenStore::default()),
            settings,
        }
    }

    /// Read access, after completing the operations whose time has come (persisted like
    /// any change).
    pub fn read(&self) -> MutexGuard<'_, Inner> {
        let mut guard = lock(&self.inner);
        if guard.settle() {
            guard.rbac_by_scope = None;
            if let Some(path) = &self.settings.state_file {
                persist(path, &guard.tenant);
            }
        }
        guard
    }

    /// Write access, after completing the operations whose time has come; when the guard
    /// drops and the tenant changed, it is saved to the state file (if any). A failed save
    /// restores the tenant as it was and fails the request being served (see
    /// [`persist_failures`]): memory never runs ahead of the file.
    pub fn write(&self) -> WriteGuard<'_> {
        let mut guard = lock(&self.inner);
        guard.rbac_by_scope = None;
        let file = self.settings.state_file.as_ref();
        if guard.settle()
            && let Some(path) = file
        {
            persist(path, &guard.tenant);
        }
        let before = file.map(|_| (guard.tenant.clone(), guard.ops.clone()));
        WriteGuard {
            guard,
            file,
            before,
            faults: &self.faults,
        }
    }

    /// Completes `op` at its due time even if no request comes in meanwhile (so the state
    /// file shows it too). Needs a tokio runtime, which every handler has.
    pub fn complete_on_clock(self: &Arc<Self>, op: &Operation) {
        if op.status != OpStatus::Running {
            return;
        }
        let shared: Weak<Shared> = Arc::downgrade(self);
        let due = tokio::time::Instant::from_std(op.due);
        tokio::spawn(async move {
            tokio::time::sleep_until(due).await;
            if let Some(shared) = shared.upgrade() {
                drop(shared.write());
            }
        });
    }

    /// Replaces the whole tenant (and forgets running operations).
    pub fn replace(&self, tenant: Tenant) {
        let mut w = self.write();
        w.tenant = tenant;
        w.ops.clear();
    }

    pub fn snapshot(&self) -> Tenant {
        self.read().tenant.clone()
    }

    /// How long operations started now run, from the fault configuration.
    pub fn lro_duration(&self) -> Duration {
        Duration::from_millis(lock(&self.faults).config.lro_ms)
    }
}

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct WriteGuard<'a> {
    guard: MutexGuard<'a, Inner>,
    file: Option<&'a PathBuf>,
    /// The tenant and operations when the guard was taken, to compare and to roll back to.
    before: Option<(Tenant, BTreeMap<String, Operation>)>,
    faults: &'a Mutex<FaultState>,
}

impl Deref for WriteGuard<'_> {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.guard
    }
}

impl DerefMut for WriteGuard<'_> {
    fn deref_mut(&mut self) -> &mut Inner {
        &mut self.guard
    }
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        let (Some(path), Some((tenant, ops))) = (self.file, self.before.take()) else {
            return;
        };
        // Nothing changed: the file stays byte-identical.
        if self.guard.tenant == tenant {
            return;
        }
        let injected = PERSIST_SCOPE
            .try_with(|scope| {
                scope
                    .route
                    .as_deref()
                    .is_some_and(|route| lock(self.faults).disk_full(route, scope.is_write))
            })
            .unwrap_or(false);
        let saved = if injected {
            Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "no space left on device (injected: diskFullRate)",
            ))
        } else {
            write_state_file(path, &self.guard.tenant)
        };
        if let Err(e) = saved {
            self.guard.tenant = tenant;
            self.guard.ops = ops;
            let message = format!(
                "the tenant state could not be saved to {}: {e}; the change was not made",
                path.display()
            );
            // A full disk is 507 Insufficient Storage, which clients do not retry.
            let full = matches!(
                e.kind(),
                std::io::ErrorKind::StorageFull
                    | std::io::ErrorKind::FileTooLarge
                    | std::io::ErrorKind::QuotaExceeded
            );
            let status = if full {
                axum::http::StatusCode::INSUFFICIENT_STORAGE
            } else {
                axum::http::StatusCode::INTERNAL_SERVER_ERROR
            };
            let reported = PERSIST_SCOPE
                .try_with(|scope| {
                    lock(&scope.failure).get_or_insert((status, message.clone()));
                })
                .is_ok();
            if !reported {
                eprintln!("ppgov-emulator: {message}");
            }
        }
    }
}

/// The request being served, as saves of the state file see it.
struct PersistScope {
    /// `METHOD /route/template` for fault injection; `None` on control routes.
    route: Option<String>,
    is_write: bool,
    /// The first failed save: the status and message the request answers.
    failure: Mutex<Option<(axum::http::StatusCode, String)>>,
}

tokio::task_local! {
    static PERSIST_SCOPE: std::sync::Arc<PersistScope>;
}

/// Middleware: a request during which saving the state file failed answers `PersistFailed`,
/// naming the file and the OS error, whatever its handler answered (its change was rolled
/// back): 507 when the disk is full, else 500.
pub async fn persist_failures(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = req.uri().path().to_owned();
    let flavor = crate::error::Flavor::for_path(&path);
    let route = (!path.starts_with("/_emulator/")).then(|| {
        let template = req
            .extensions()
            .get::<axum::extract::MatchedPath>()
            .map_or(path.as_str(), |m| m.as_str());
        format!("{} {template}", req.method())
    });
    let scope = std::sync::Arc::new(PersistScope {
        route,
        is_write: req.method() != axum::http::Method::GET,
        failure: Mutex::new(None),
    });
    let response = PERSIST_SCOPE.scope(scope.clone(), next.run(req)).await;
    match lock(&scope.failure).take() {
        None => response,
        Some((status, message)) => {
            crate::error::ApiError::new(flavor, status, "PersistFailed", message).into_response()
        }
    }
}

/// Writes the snapshot atomically (see [`crate::atomic_file::write`]).
pub fn write_state_file(path: &std::path::Path, tenant: &Tenant) -> std::io::Result<()> {
    crate::atomic_file::write(path, tenant.to_json().as_bytes())
}

/// Saves operations completed on the clock; no request is waiting for them, so a failure is
/// only reported (the next successful save writes them).
fn persist(path: &std::path::Path, tenant: &Tenant) {
    if let Err(e) = write_state_file(path, tenant) {
        eprintln!("ppgov-emulator: cannot write {}: {e}", path.display());
    }
}
