//! The Power Platform admin API client.
//!
//! [`Client::observe`] reads the whole governed tenant into [`ppgov_core::observed::Observed`]
//! in bulk (one listing per kind plus its pages, run concurrently); the write methods perform
//! every change the engine plans, each taking and returning model values. Wire types come
//! from `ppgov-tenant-api`; [`convert`] is the only place that maps them to and from the model.
//!
//! Every request goes through one function (`http::Transport::send`): a global concurrency
//! limit, a per-request timeout, bounded retries with capped exponential backoff and full
//! jitter that honour `Retry-After`, one token refresh on 401, waiting out busy environments,
//! polling of long-running operations to a deadline, and paging.

mod advisor;
pub mod auth;
pub mod config;
pub mod convert;
pub mod error;
mod http;
mod inventory;
mod kinds;
mod observe;

pub use auth::{AuthConfig, Secret, mask_secrets};
pub use config::{
    ClientConfig, Cloud, CloudEndpoints, Limits, LroPolicy, RetryPolicy, WaitEvent, WaitObserver,
    WaitReason,
};
pub use error::{ClientError, ErrorKind};
pub use http::{RequestStats, backoff, backoff_ceiling, parse_retry_after};
pub use kinds::NamedObject;
pub use observe::ObserveOptions;

use std::sync::Arc;

/// A client for one tenant. Cheap to clone (shared connection pool, token cache, limits).
#[derive(Clone)]
pub struct Client {
    transport: Arc<http::Transport>,
    tenant_id: Arc<tokio::sync::OnceCell<String>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.transport.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Checks the configuration (URLs, limits) and builds the client. No request is made.
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        let tenant = tokio::sync::OnceCell::new();
        if let Some(t) = &config.tenant_id {
            let _ = tenant.set(t.to_lowercase());
        }
        Ok(Client {
            transport: Arc::new(http::Transport::new(config)?),
            tenant_id: Arc::new(tenant),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.transport.config
    }

    /// Requests made so far (for benchmarks and tests).
    pub fn stats(&self) -> RequestStats {
        self.transport.stats()
    }

    pub fn reset_stats(&self) {
        self.transport.reset_stats()
    }

    /// The lower-cased Entra tenant id: from the configuration, else read once from the service.
    pub async fn tenant_id(&self) -> Result<String, ClientError> {
        self.tenant_id
            .get_or_try_init(|| async {
                let resp = self
                    .transport
                    .send(&http::Req::get(ppgov_tenant_api::paths::tenant()))
                    .await?;
                let info: ppgov_tenant_api::tenant::TenantInfo = resp.json()?;
                Ok::<_, ClientError>(info.tenant_id.to_lowercase())
            })
            .await
            .cloned()
    }
}
