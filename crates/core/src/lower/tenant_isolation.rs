//! Lowering the `TenantIsolationPolicy` document: one per tenant, each allowed tenant once,
//! by id, never the project's own tenant.

use super::Lowering;
use crate::diag::{Code, Diagnostic};
use crate::doc::TenantDirection;
use crate::kind::Kind;
use crate::model::{Directions, TenantIsolation, TenantIsolationPolicy};
use std::collections::BTreeMap;

/// Every tenant, in an allow-list entry.
const ANY_TENANT: &str = "*";

impl Lowering<'_> {
    pub(super) fn tenant_isolation(
        &mut self,
        own_tenant: Option<&str>,
    ) -> Option<TenantIsolationPolicy> {
        let set = self.set;
        let p = self.singleton(
            &set.tenant_isolation_policies,
            Kind::TenantIsolationPolicy,
            (
                Code::DuplicateTenantIsolationPolicy,
                "the tenant isolation policy is declared in more than one document",
                "merge them into one `TenantIsolationPolicy` document",
            ),
        )?;
        let list = p.items_at("/spec/allowedTenants");
        let mut allowed: BTreeMap<String, Directions> = BTreeMap::new();
        let mut first_at: BTreeMap<String, usize> = BTreeMap::new();
        for (i, entry) in p.doc.spec.allowed_tenants.iter().enumerate() {
            let at = list.at(i, Some("tenantId"));
            let Some(id) = tenant_key(&entry.tenant_id) else {
                self.push(invalid_tenant(&entry.tenant_id, at));
                continue;
            };
            if own_tenant == Some(id.as_str()) {
                let d = Diagnostic::new(
                    Code::OwnTenantAllowed,
                    format!("`{}` is this project's own tenant", entry.tenant_id),
                )
                .at(at, "own tenant")
                .help("isolation never blocks connections within your own tenant: remove this entry, or write the partner tenant's id");
                self.push(d);
                continue;
            }
            if let Some(first) = first_at.get(&id) {
                let d = Diagnostic::new(
                    Code::DuplicateAllowedTenant,
                    format!("tenant `{}` is allowed twice", entry.tenant_id),
                )
                .at(at, "again")
                .also(list.at(*first, Some("tenantId")), "first here")
                .help(
                    "list each tenant once, with `direction: both` if both directions are allowed",
                );
                self.push(d);
                continue;
            }
            first_at.insert(id.clone(), i);
            allowed.insert(id, directions(entry.direction));
        }
        Some(TenantIsolationPolicy {
            meta: p.meta(),
            policy: TenantIsolation {
                enabled: p.doc.spec.enabled,
                allowed_tenants: allowed,
            },
        })
    }
}

/// The allow-list key of a tenant as written: its lower-cased id, or `*`; `None` for
/// anything else.
fn tenant_key(written: &str) -> Option<String> {
    if written == ANY_TENANT || is_guid(written) {
        Some(written.to_ascii_lowercase())
    } else {
        None
    }
}

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn invalid_tenant(written: &str, at: crate::source::Span) -> Diagnostic {
    let looks_like_domain = written.contains('.') && !written.contains(char::is_whitespace);
    let d = Diagnostic::new(
        Code::InvalidAllowedTenant,
        format!("`{written}` is not a tenant id"),
    );
    if looks_like_domain {
        d.at(at, "a domain name")
            .help(format!("write the tenant's id (a GUID): ppgov resolves no domains; the `tenant_id` in https://login.microsoftonline.com/{written}/v2.0/.well-known/openid-configuration is it. Keep `name: {written}` for readers"))
    } else {
        d.at(at, "not a GUID or `*`")
            .help("write the tenant's Entra tenant id (a GUID such as `72f988bf-86f1-41af-91ab-2d7cd011db47`), or `*` for every tenant")
    }
}

fn directions(d: TenantDirection) -> Directions {
    Directions {
        inbound: matches!(d, TenantDirection::Inbound | TenantDirection::Both),
        outbound: matches!(d, TenantDirection::Outbound | TenantDirection::Both),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_keys_are_ids_or_any() {
        assert_eq!(tenant_key("*").as_deref(), Some("*"));
        assert_eq!(
            tenant_key("72F988BF-86F1-41AF-91AB-2D7CD011DB47").as_deref(),
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        );
        assert_eq!(tenant_key("contoso.com"), None);
        assert_eq!(tenant_key("72f988bf86f141af91ab2d7cd011db47"), None);
    }

    #[test]
    fn directions_follow_the_written_direction() {
        assert_eq!(
            directions(TenantDirection::Both),
            Directions {
                inbound: true,
                outbound: true
            }
        );
        assert_eq!(
            directions(TenantDirection::Inbound),
            Directions {
                inbound: true,
                outbound: false
            }
        );
    }
}
