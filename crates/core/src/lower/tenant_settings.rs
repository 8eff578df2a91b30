//! Lowering the `TenantSettings` document (one per repository).

use super::Lowering;
use crate::diag::{Code, Diagnostic};
use crate::kind::Kind;
use crate::model::*;

impl Lowering<'_> {
    pub(super) fn tenant_settings(&mut self) -> Option<TenantSettings> {
        let set = self.set;
        let first = set.tenant_settings.first()?;
        if first.doc.metadata.id.is_some() {
            self.id_not_allowed(first, Kind::TenantSettings);
        }
        for extra in &set.tenant_settings[1..] {
            let d = Diagnostic::new(
                Code::DuplicateTenantSettings,
                "tenant settings are declared in more than one document",
            )
            .at(extra.at("/kind"), "second TenantSettings")
            .also(first.at("/kind"), "first TenantSettings")
            .help("merge them into one `TenantSettings` document");
            self.push(d);
        }
        Some(TenantSettings {
            meta: first.meta(),
            settings: first.doc.spec.clone(),
        })
    }
}
