//! The writes and reads the executor needs, as a trait: implemented by the real client, and
//! by in-memory fakes in tests.

use ppgov_core::model::TenantIsolation;
use ppgov_core::observed::{
    ObservedDlpPolicy, ObservedEnvironment, ObservedGroup, ObservedRoleAssignment, ObservedScope,
};
use ppgov_tenant_client::NamedObject;
use ppgov_tenant_client::{Client, ClientError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;

type R<T> = Result<T, ClientError>;

/// One method per client call apply makes. Each write returns the value read back.
pub trait TenantWrites {
    fn get_environment(&self, id: &str) -> impl Future<Output = R<ObservedEnvironment>>;
    fn set_managed(&self, env: &str, managed: bool)
    -> impl Future<Output = R<ObservedEnvironment>>;
    fn add_environment_to_group(
        &self,
        env: &str,
        group: &str,
    ) -> impl Future<Output = R<ObservedEnvironment>>;
    fn remove_environment_from_group(
        &self,
        env: &str,
        group: &str,
    ) -> impl Future<Output = R<ObservedEnvironment>>;
    /// Creates an environment (waiting out its lifecycle operation); the value read back.
    fn create_environment(
        &self,
        e: &ObservedEnvironment,
    ) -> impl Future<Output = R<ObservedEnvironment>>;
    fn delete_environment(&self, id: &str) -> impl Future<Output = R<()>>;
    /// Every environment's id, name and creation time, to keep creates from making duplicates.
    fn list_environment_names(&self) -> impl Future<Output = R<Vec<NamedObject>>>;
    fn get_group(&self, id: &str) -> impl Future<Output = R<ObservedGroup>>;
    /// Every group's id, name and creation time, to keep creates from making duplicates.
    fn list_group_names(&self) -> impl Future<Output = R<Vec<NamedObject>>>;
    /// Every DLP policy's id, name and creation time, likewise.
    fn list_dlp_policy_names(&self) -> impl Future<Output = R<Vec<NamedObject>>>;
    fn create_group(&self, g: &ObservedGroup) -> impl Future<Output = R<ObservedGroup>>;
    fn update_group(&self, g: &ObservedGroup) -> impl Future<Output = R<ObservedGroup>>;
    fn delete_group(&self, id: &str) -> impl Future<Output = R<()>>;
    fn get_dlp_policy(&self, id: &str) -> impl Future<Output = R<ObservedDlpPolicy>>;
    fn create_dlp_policy(
        &self,
        p: &ObservedDlpPolicy,
    ) -> impl Future<Output = R<ObservedDlpPolicy>>;
    fn update_dlp_policy(
        &self,
        p: &ObservedDlpPolicy,
    ) -> impl Future<Output = R<ObservedDlpPolicy>>;
    fn delete_dlp_policy(&self, id: &str) -> impl Future<Output = R<()>>;
    fn list_environment_role_assignments(
        &self,
        env: &str,
    ) -> impl Future<Output = R<Vec<ObservedRoleAssignment>>>;
    /// The RBAC assignments of one scope's own list (tenant, group or environment).
    fn list_rbac_role_assignments_at(
        &self,
        scope: &ObservedScope,
    ) -> impl Future<Output = R<Vec<ObservedRoleAssignment>>>;
    fn create_role_assignment(
        &self,
        a: &ObservedRoleAssignment,
    ) -> impl Future<Output = R<ObservedRoleAssignment>>;
    fn delete_role_assignment(&self, a: &ObservedRoleAssignment) -> impl Future<Output = R<()>>;
    fn get_tenant_settings(&self) -> impl Future<Output = R<BTreeMap<String, Value>>>;
    fn update_tenant_settings(
        &self,
        changed: &BTreeMap<String, Value>,
    ) -> impl Future<Output = R<BTreeMap<String, Value>>>;
    /// `None`: the tenant has no policy.
    fn get_tenant_isolation(&self) -> impl Future<Output = R<Option<TenantIsolation>>>;
    fn put_tenant_isolation(
        &self,
        policy: &TenantIsolation,
    ) -> impl Future<Output = R<TenantIsolation>>;
}

impl TenantWrites for Client {
    async fn get_environment(&self, id: &str) -> R<ObservedEnvironment> {
        Client::get_environment(self, id).await
    }
    async fn set_managed(&self, env: &str, managed: bool) -> R<ObservedEnvironment> {
        Client::set_managed(self, env, managed).await
    }
    async fn add_environment_to_group(&self, env: &str, group: &str) -> R<ObservedEnvironment> {
        Client::add_environment_to_group(self, env, group).await
    }
    async fn remove_environment_from_group(
        &self,
        env: &str,
        group: &str,
    ) -> R<ObservedEnvironment> {
        Client::remove_environment_from_group(self, env, group).await
    }
    async fn create_environment(&self, e: &ObservedEnvironment) -> R<ObservedEnvironment> {
        Client::create_environment(self, e).await
    }
    async fn delete_environment(&self, id: &str) -> R<()> {
        Client::delete_environment(self, id).await
    }
    async fn list_environment_names(&self) -> R<Vec<NamedObject>> {
        Client::list_environment_names(self).await
    }
    async fn list_group_names(&self) -> R<Vec<NamedObject>> {
        Client::list_group_names(self).await
    }
    async fn list_dlp_policy_names(&self) -> R<Vec<NamedObject>> {
        Client::list_dlp_policy_names(self).await
    }
    async fn get_group(&self, id: &str) -> R<ObservedGroup> {
        Client::get_group(self, id).await
    }
    async fn create_group(&self, g: &ObservedGroup) -> R<ObservedGroup> {
        Client::create_group(self, g).await
    }
    async fn update_group(&self, g: &ObservedGroup) -> R<ObservedGroup> {
        Client::update_group(self, g).await
    }
    async fn delete_group(&self, id: &str) -> R<()> {
        Client::delete_group(self, id).await
    }
    async fn get_dlp_policy(&self, id: &str) -> R<ObservedDlpPolicy> {
        Client::get_dlp_policy(self, id).await
    }
    async fn create_dlp_policy(&self, p: &ObservedDlpPolicy) -> R<ObservedDlpPolicy> {
        Client::create_dlp_policy(self, p).await
    }
    async fn update_dlp_policy(&self, p: &ObservedDlpPolicy) -> R<ObservedDlpPolicy> {
        Client::update_dlp_policy(self, p).await
    }
    async fn delete_dlp_policy(&self, id: &str) -> R<()> {
        Client::delete_dlp_policy(self, id).await
    }
    async fn list_environment_role_assignments(&self, env: &str) -> R<Vec<ObservedRoleAssignment>> {
        Client::list_environment_role_assignments(self, env).await
    }
    async fn list_rbac_role_assignments_at(
        &self,
        scope: &ObservedScope,
    ) -> R<Vec<ObservedRoleAssignment>> {
        Client::list_rbac_role_assignments_at(self, scope).await
    }
    async fn create_role_assignment(
        &self,
        a: &ObservedRoleAssignment,
    ) -> R<ObservedRoleAssignment> {
        Client::create_role_assignment(self, a).await
    }
    async fn delete_role_assignment(&self, a: &ObservedRoleAssignment) -> R<()> {
        Client::delete_role_assignment(self, a).await
    }
    async fn get_tenant_settings(&self) -> R<BTreeMap<String, Value>> {
        Client::get_tenant_settings(self).await
    }
    async fn update_tenant_settings(
        &self,
        changed: &BTreeMap<String, Value>,
    ) -> R<BTreeMap<String, Value>> {
        Client::update_tenant_settings(self, changed).await
    }
    async fn get_tenant_isolation(&self) -> R<Option<TenantIsolation>> {
        Client::get_tenant_isolation(self).await
    }
    async fn put_tenant_isolation(&self, policy: &TenantIsolation) -> R<TenantIsolation> {
        Client::put_tenant_isolation(self, policy).await
    }
}
