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
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

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
}

/// A long-running operation: a BAP lifecycle operation or an environment-group operation.
/// Its change is applied when it completes, so reads lag behind like the real service.
#[derive(Clone, Debug)]
pub struct Operation {
    pub id: String,
    pub kind: OpKind,
    pub env: String,
    pub change: Change,
    /// Polls still answered `Running` before the operation completes.
    pub polls_left: u32,
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

    /// Starts an operation; with `polls == 0` it completes at once.
    pub fn start(&mut self, kind: OpKind, env: &str, change: Change, polls: u32) -> Operation {
        let mut op = Operation {
            id: crate::http::new_id(),
            kind,
            env: env.to_owned(),
            change,
            polls_left: polls,
            status: OpStatus::Running,
            created: now_iso(),
            finished: None,
            error: None,
        };
        if polls == 0 {
            self.complete(&mut op);
        }
        self.ops.insert(op.id.clone(), op.clone());
        op
    }

    /// One poll of operation `id`: counts down, completing it when no polls are left.
    pub fn poll(&mut self, id: &str) -> Option<Operation> {
        let mut op = self.ops.get(id)?.clone();
        if op.status == OpStatus::Running {
            if op.polls_left > 0 {
                op.polls_left -= 1;
            } else {
                self.complete(&mut op);
            }
        }
        self.ops.insert(op.id.clone(), op.clone());
        Some(op)
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
        let Some(e) = self.tenant.environments.get_mut(env) else {
            return Err(format!("environment {env} no longer exists"));
        };
        match change {
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
            }),
            faults: Mutex::new(faults),
            log: Mutex::new(RequestLog::default()),
            tokens: Mutex::new(TokenStore::default()),
            settings,
        }
    }

    /// Read access.
    pub fn read(&self) -> MutexGuard<'_, Inner> {
        lock(&self.inner)
    }

    /// Write access; when the guard drops and the tenant changed, it is saved to the state
    /// file (if any). A failed save restores the tenant as it was and fails the request being
    /// served (see [`persist_failures`]): memory never runs ahead of the file.
    pub fn write(&self) -> WriteGuard<'_> {
        let guard = lock(&self.inner);
        let file = self.settings.state_file.as_ref();
        let before = file.map(|_| (guard.tenant.clone(), guard.ops.clone()));
        WriteGuard {
            guard,
            file,
            before,
            faults: &self.faults,
        }
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

    /// The LRO length from the fault configuration.
    pub fn lro_polls(&self) -> u32 {
        lock(&self.faults).config.lro_polls
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
