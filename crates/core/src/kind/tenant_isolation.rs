//! `TenantIsolationPolicy`: which other Entra tenants may connect to and from this one. The
//! document as written (its spec, which generates the schema), the policy as the desired state,
//! the observed state and the plan JSON carry it (its serde form is part of the plan file
//! format), and its lowering: one per tenant, each allowed tenant once, by id, never the
//! project's own tenant.

use crate::diag::{Code, Diagnostic};
use crate::kind::Kind;
use crate::lower::{LowerKind, Lowering};
use crate::model::Desired;
use model::{Directions, TenantIsolation, TenantIsolationPolicy};
use spec::{TenantDirection, TenantIsolationPolicySpec};
use std::collections::BTreeMap;

/// The document as written (re-exported as `crate::doc::*`; generates the schema).
pub mod spec {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    /// The tenant isolation policy (cross-tenant inbound and outbound restrictions). A
    /// singleton: one per tenant. While isolation is on, connections that sign in to another
    /// tenant are blocked, except with the tenants listed here, in the directions given. Only
    /// connectors that authenticate with Microsoft Entra ID are affected, and changes reach
    /// running apps and flows within about an hour.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct TenantIsolationPolicySpec {
        /// `true`: isolation is on. `false`: it is off (every cross-tenant connection is
        /// allowed) and the allow-list is kept for when it is turned on again.
        pub enabled: bool,
        /// The tenants connections may still reach while isolation is on.
        #[serde(default)]
        pub allowed_tenants: Vec<AllowedTenant>,
    }

    /// One tenant isolation allows connections with.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct AllowedTenant {
        /// The other tenant's Entra tenant id (a GUID), or `*` for every tenant in the given
        /// direction. Domain names are not accepted: the platform stores tenant ids.
        #[schemars(length(min = 1))]
        pub tenant_id: String,
        /// A name for people reading the file (e.g. the tenant's domain); not sent to the tenant.
        pub name: Option<String>,
        /// `inbound`: the other tenant's connections may reach this one; `outbound`: this
        /// tenant's connections may reach the other; `both`.
        pub direction: TenantDirection,
    }

    #[derive(
        Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
    )]
    #[serde(rename_all = "camelCase")]
    pub enum TenantDirection {
        Inbound,
        Outbound,
        Both,
    }
}

/// The policy as the desired state, the observed state and the plan JSON carry it
/// (re-exported as `crate::model::*`).
pub mod model {
    use crate::model::ResourceMeta;
    use serde::{Deserialize, Serialize};
    use std::collections::BTreeMap;

    /// The tenant isolation policy: on or off, and the tenants connections may still reach.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct TenantIsolation {
        /// Isolation is on (`isDisabled: false` on the wire).
        pub enabled: bool,
        /// By lower-cased tenant id, or `*` for every tenant.
        pub allowed_tenants: BTreeMap<String, Directions>,
    }

    /// The directions in which connections with one tenant are allowed.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Directions {
        /// The other tenant's connections may reach this one.
        pub inbound: bool,
        /// This tenant's connections may reach the other.
        pub outbound: bool,
    }

    impl TenantIsolation {
        /// What "removing" the policy writes: the platform has no delete, so it is turned off
        /// with an empty allow-list.
        pub fn removed() -> TenantIsolation {
            TenantIsolation::default()
        }
    }

    /// The declared policy (`kind: TenantIsolationPolicy`).
    #[derive(Clone, Debug, PartialEq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct TenantIsolationPolicy {
        pub meta: ResourceMeta,
        pub policy: TenantIsolation,
    }
}

impl LowerKind for TenantIsolationPolicySpec {
    fn lower(cx: &mut Lowering<'_>, desired: &mut Desired) {
        desired.tenant_isolation = cx.tenant_isolation(desired.project.tenant_id.as_deref());
    }
}

/// Every tenant, in an allow-list entry.
const ANY_TENANT: &str = "*";

impl Lowering<'_> {
    fn tenant_isolation(&mut self, own_tenant: Option<&str>) -> Option<TenantIsolationPolicy> {
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
    if written == ANY_TENANT || crate::doc::is_guid(written) {
        Some(written.to_ascii_lowercase())
    } else {
        None
    }
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
