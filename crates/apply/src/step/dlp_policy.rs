//! Writing data policies: create (the earliest of racing creates wins), update, delete, with
//! the environments created in the same plan by their ids.

use super::*;
use ppgov_core::model::{PatternGroup, UrlPattern};

/// The client calls this kind's steps make: part of [`TenantWrites`], whose every
/// implementation (the client here, test fakes) implements it. Each write returns the value
/// read back.
pub trait Writes {
    /// Every DLP policy's id, name and creation time, likewise.
    fn list_dlp_policy_names(&self) -> impl Future<Output = R<Vec<NamedObject>>>;
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
}

impl Writes for Client {
    async fn list_dlp_policy_names(&self) -> R<Vec<NamedObject>> {
        Client::list_dlp_policy_names(self).await
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
}

pub(crate) struct Steps;

impl KindSteps for Steps {
    async fn write<T: TenantWrites>(c: &Change, t: &T, shared: &Shared) -> StepResult {
        let After::DlpPolicy(after) = &c.after else {
            return Err(format!("{}: not a data policy", c.address));
        };
        let after = &with_created_environments(after, shared)?;
        write_named(c, after, t, shared).await
    }

    async fn delete<T: TenantWrites>(c: &Change, id: &str, t: &T, shared: &Shared) -> StepResult {
        delete_named::<ObservedDlpPolicy, T>(c, id, t, shared).await
    }

    fn differences(after: &After, observed: &Observed) -> Vec<String> {
        let After::DlpPolicy(a) = after else {
            return Vec::new();
        };
        observed
            .dlp_policies
            .get(&a.id)
            .map(|l| owned(dlp_differences(a, l)))
            .unwrap_or_default()
    }

    fn repository_changed(written: &After, wanted: &After) -> bool {
        let (After::DlpPolicy(a), After::DlpPolicy(b)) = (written, wanted) else {
            return true;
        };
        let mut b = b.clone();
        b.id.clone_from(&a.id);
        !dlp_differences(a, &b).is_empty()
    }

    fn set_live_id(after: &mut After, id: String) {
        if let After::DlpPolicy(p) = after {
            p.id = id;
        }
    }

    fn edges(_: &Change) -> Edges<'_> {
        Edges::default()
    }

    fn object_key(c: &Change) -> Option<FingerprintKey> {
        own_object_key(c)
    }
}

/// As the planner compares them: a lone `*` rule with `ignore` (the platform's default) means
/// the same as no patterns.
fn patterns_meaning(patterns: &[UrlPattern]) -> &[UrlPattern] {
    match patterns {
        [only] if only.pattern == "*" && only.group == PatternGroup::Ignore => &[],
        other => other,
    }
}

pub(crate) fn dlp_differences(
    after: &ObservedDlpPolicy,
    got: &ObservedDlpPolicy,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    if after.display_name != got.display_name {
        out.push("displayName");
    }
    if after.scope_mode != got.scope_mode {
        out.push("scope");
    }
    if after.environment_ids != got.environment_ids {
        out.push("environments");
    }
    if after.default_group != got.default_group {
        out.push("defaultGroup");
    }
    if after.classification != got.classification {
        out.push("connectors");
    }
    if after.action_rules != got.action_rules {
        out.push("actionRules");
    }
    if after.endpoint_rules != got.endpoint_rules {
        out.push("endpointRules");
    }
    if patterns_meaning(&after.custom_connector_patterns)
        != patterns_meaning(&got.custom_connector_patterns)
    {
        out.push("customConnectorPatterns");
    }
    out
}

named!(
    ObservedDlpPolicy,
    "data policy",
    "the policy",
    dlp_differences,
    list_dlp_policy_names,
    get_dlp_policy,
    create_dlp_policy,
    update_dlp_policy,
    delete_dlp_policy
);
