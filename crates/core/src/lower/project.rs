//! Lowering the `Project` document: the project's name, ownership modes, checks and
//! approvers (one per repository).

use super::Lowering;
use crate::catalog;
use crate::diag::{Code, Diagnostic};
use crate::doc;
use crate::kind::Kind;
use crate::model::*;

impl Lowering<'_> {
    pub(super) fn project(&mut self) -> Project {
        let set = self.set;
        let Some(first) = set.projects.first() else {
            if set.expect_project
                && set.document_count > 0
                && !set.invalid_names.contains_key(&Kind::Project)
            {
                let d = match set.project_file {
                    Some((span, blank)) => Diagnostic::new(
                        Code::MissingProjectFile,
                        "`ppgov.yaml` holds no Project document",
                    )
                    .at(span, if blank { "this file is empty" } else { "no `kind: Project` in this file" })
                    .help("write the Project document in it (`apiVersion: ppgov.dev/v1`, `kind: Project`, `metadata: {name: ...}`, `spec: {tenant: {id: ...}}`); until then every kind is `shared`"),
                    None => Diagnostic::new(Code::MissingProjectFile, "no Project document (ppgov.yaml) found")
                        .help("add a `ppgov.yaml` with `kind: Project` to name the tenant and set ownership; until then every kind is `shared`"),
                };
                self.push(d);
            }
            return Project::default();
        };
        for extra in &set.projects[1..] {
            let d = Diagnostic::new(Code::DuplicateName, "more than one Project document")
                .at(extra.at("/kind"), "second Project")
                .also(first.at("/kind"), "first Project")
                .help("keep one Project document, in `ppgov.yaml`");
            self.push(d);
        }
        if first.doc.metadata.id.is_some() {
            self.id_not_allowed(first, Kind::Project);
        }
        let spec = &first.doc.spec;
        for (i, extra) in spec.connectors.additional.iter().enumerate() {
            let name = extra
                .id
                .strip_prefix(catalog::API_PREFIX)
                .unwrap_or(&extra.id);
            let added = self.catalog.insert(catalog::Connector {
                name: name.to_owned(),
                id: extra.id.clone(),
                display_name: extra.display_name.clone(),
                tier: catalog::Tier::Premium,
                publisher: String::new(),
                unblockable: extra.unblockable,
                is_virtual: false,
                endpoint_filtering: false,
                metadata: catalog::ConnectorMetadata {
                    custom: Some(catalog::Fact::new(true, catalog::Provenance::Declared)),
                    ..Default::default()
                },
            });
            if !added {
                let d = Diagnostic::new(
                    Code::DuplicateAdditionalConnector,
                    format!("connector `{}` is already in the catalog", extra.id),
                )
                .at(
                    first.at(&format!("/spec/connectors/additional/{i}/id")),
                    "already known",
                )
                .help("remove this entry");
                self.push(d);
            }
        }
        let o = &spec.ownership;
        Project {
            name: first.name().to_owned(),
            tenant_id: spec.tenant.id.as_ref().map(|g| g.0.to_lowercase()),
            cloud: spec.tenant.cloud,
            client_id: spec.tenant.client_id.as_ref().map(|g| g.0.to_lowercase()),
            base_url: spec.tenant.base_url.clone(),
            live_connector_catalog: spec.connectors.catalog == doc::CatalogSource::Tenant,
            ownership: Ownership {
                environment_group: o.environment_group,
                dlp_policy: o.dlp_policy,
                role_assignment: o.role_assignment,
                tenant_isolation_policy: o.tenant_isolation_policy,
            },
            checks: spec.checks.clone(),
            default_approvers: spec.approvals.default.iter().cloned().collect(),
            expiry_warning_days: spec.lifecycle.expiry_warning_days,
        }
    }
}
