//! Writing tenant settings: the changed settings only, each managed setting checked on its own
//! fingerprint (`TenantSettings:{path}`); the others may change freely. Never deleted.

use super::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// The client calls this kind's steps make: part of [`TenantWrites`], whose every
/// implementation (the client here, test fakes) implements it. Each write returns the value
/// read back.
pub trait Writes {
    fn get_tenant_settings(&self) -> impl Future<Output = R<BTreeMap<String, Value>>>;
    fn update_tenant_settings(
        &self,
        changed: &BTreeMap<String, Value>,
    ) -> impl Future<Output = R<BTreeMap<String, Value>>>;
}

impl Writes for Client {
    async fn get_tenant_settings(&self) -> R<BTreeMap<String, Value>> {
        Client::get_tenant_settings(self).await
    }
    async fn update_tenant_settings(
        &self,
        changed: &BTreeMap<String, Value>,
    ) -> R<BTreeMap<String, Value>> {
        Client::update_tenant_settings(self, changed).await
    }
}

pub(crate) struct Steps;

impl KindSteps for Steps {
    async fn write<T: TenantWrites>(c: &Change, t: &T, shared: &Shared) -> StepResult {
        let err = |e: ppgov_tenant_client::ClientError| e.to_string();
        let After::TenantSettings(changed) = &c.after else {
            return Err(format!("{}: not tenant settings", c.address));
        };
        let managed: Vec<(String, String)> = lock(&shared.expected)
            .keys()
            .filter_map(|k| {
                let key: FingerprintKey = k.parse().ok()?;
                (key.kind == ResourceKind::TenantSettings).then(|| (k.clone(), key.id))
            })
            .collect();
        let live = t.get_tenant_settings().await.map_err(err)?;
        let differences: Vec<&str> = changed
            .iter()
            .filter(|(k, v)| live.get(*k) != Some(v))
            .map(|(k, _)| k.as_str())
            .collect();
        for (key, path) in &managed {
            check(c, key, Some(&live.get(path)), Some(&differences), shared)?;
        }
        if differences.is_empty() {
            // A racing apply already wrote every planned value.
            return Ok(());
        }
        let got = t.update_tenant_settings(changed).await.map_err(err)?;
        for (key, path) in managed {
            record(key, &got.get(&path), shared);
        }
        let diff: Vec<&str> = changed
            .iter()
            .filter(|(k, v)| got.get(*k) != Some(v))
            .map(|(k, _)| k.as_str())
            .collect();
        if !diff.is_empty() {
            return Err(not_converged("the tenant settings", &diff));
        }
        Ok(())
    }

    async fn delete<T: TenantWrites>(c: &Change, _: &str, _: &T, _: &Shared) -> StepResult {
        not_deleted(c)
    }

    fn differences(after: &After, observed: &Observed) -> Vec<String> {
        let After::TenantSettings(changed) = after else {
            return Vec::new();
        };
        changed
            .iter()
            .filter(|(k, v)| observed.tenant_settings.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .collect()
    }

    fn repository_changed(_: &After, _: &After) -> bool {
        // Repaired setting by setting (`crate::drift` compares each).
        true
    }

    fn set_live_id(_: &mut After, _: String) {}

    fn edges(_: &Change) -> Edges<'_> {
        Edges::default()
    }

    fn object_key(_: &Change) -> Option<FingerprintKey> {
        Some(FingerprintKey::new(ResourceKind::TenantSettings, "tenant"))
    }
}
