//! `Environment`: one environment, governed or created by ppgov (`lifecycle: owned`). The
//! document as written, the environment as the desired state carries it, and lowering: the
//! rules of environments ppgov creates, and `spec.expires` / `spec.expiryGraceDays` (a real
//! date, on an environment ppgov may delete).
use crate::diag::{Code, Diagnostic};
use crate::doc;
use crate::kind::Kind;
use crate::lower::{LowerKind, Lowering, Parsed};
use crate::model::*;
use crate::rating::Date;
use spec::EnvironmentSpec;
use std::collections::{BTreeMap, BTreeSet};

/// The document as written (re-exported as `crate::doc::*`; generates the schema).
pub mod spec {
    use crate::doc::{EnvironmentType, Guid, NAME_PATTERN, Name};
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    /// Adopts an existing environment and manages its governed attributes.
    #[derive(Clone, Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct EnvironmentSpec {
        /// The environment's display name, used to find it when `metadata.id` is not set.
        #[schemars(length(min = 1, max = 200))]
        pub display_name: String,
        /// Whether the environment is a Managed Environment. Only managed environments can join
        /// an environment group.
        pub managed: Option<bool>,
        /// The environment group it belongs to (the `metadata.name` of an `EnvironmentGroup`).
        /// The group's `members` list is the other way to say the same thing.
        pub group: Option<Name>,
        /// The environment's type, if you want selectors to see it without a tenant and the plan
        /// to fail when the live environment differs. Types cannot be changed by ppgov.
        #[serde(rename = "type")]
        pub environment_type: Option<EnvironmentType>,
        /// The environment's region (location), e.g. `europe`, likewise an expectation.
        #[schemars(regex(pattern = "^[a-z]+$"))]
        pub region: Option<String>,
        /// Who owns the environment's existence. `adopted` (the default): it exists already and
        /// ppgov manages its governed attributes only. `owned`: ppgov creates it when it is
        /// missing (`type` and `region` are then required), replaces it when its type or region
        /// changes, and deletes it when this document is removed.
        pub lifecycle: Option<Lifecycle>,
        /// Dataverse to provision when ppgov creates the environment (`lifecycle: owned` only).
        /// Creation parameters: the platform cannot change them afterwards.
        pub dataverse: Option<DataverseSpec>,
        /// The last day the environment is needed, `YYYY-MM-DD` (`lifecycle: owned` only): after
        /// it (and `expiryGraceDays`), the plan deletes the environment; before it, `plan`,
        /// `drift` and `assess` warn its owners, who can extend it in a pull request.
        pub expires: Option<String>,
        /// Days the environment is kept after `expires` before the plan deletes it (default 0).
        #[schemars(range(max = 3650))]
        pub expiry_grace_days: Option<u32>,
    }

    /// Who owns an environment's existence.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    pub enum Lifecycle {
        /// It exists already; ppgov never creates or deletes it.
        Adopted,
        /// ppgov creates, replaces and deletes it.
        Owned,
    }

    /// The Dataverse database of an environment ppgov creates.
    #[derive(Clone, Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct DataverseSpec {
        /// ISO 4217 currency code, e.g. `EUR`.
        #[schemars(length(min = 3, max = 3))]
        pub currency: String,
        /// Base language (LCID), e.g. `1033` for English.
        #[schemars(range(min = 1, max = 65535))]
        pub language: u32,
        /// The Entra security group whose members may use the environment.
        pub security_group: Option<Guid>,
        /// The environment URL's first label (`{domain}.crm.dynamics.com`).
        #[schemars(regex(pattern = NAME_PATTERN))]
        pub domain: Option<String>,
    }
}

/// The kind as the desired state carries it (re-exported as `crate::model::*`).
pub mod model {
    use crate::doc::EnvironmentType;
    use crate::model::ResourceMeta;
    use serde::{Deserialize, Serialize};

    #[derive(Clone, Debug, PartialEq, Eq, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Environment {
        pub meta: ResourceMeta,
        pub display_name: String,
        pub managed: Option<bool>,
        /// The group the environment belongs to, from either side of the relation.
        pub group: Option<String>,
        pub environment_type: Option<EnvironmentType>,
        pub region: Option<String>,
        /// ppgov creates, replaces and deletes it (`lifecycle: owned`).
        pub owned: bool,
        pub dataverse: Option<Dataverse>,
        /// The last day it is needed (`spec.expires`); only on owned environments.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub expires: Option<crate::rating::Date>,
        /// Days kept after `expires` before the plan deletes it.
        #[serde(skip_serializing_if = "is_zero")]
        pub expiry_grace_days: u32,
    }

    fn is_zero(n: &u32) -> bool {
        *n == 0
    }

    /// The Dataverse database of an environment ppgov creates.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Dataverse {
        pub currency: String,
        pub language: u32,
        /// Lower-cased.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub security_group: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub domain: Option<String>,
    }
}

impl LowerKind for EnvironmentSpec {
    fn lower(cx: &mut Lowering<'_>, desired: &mut Desired) {
        desired.environments = cx.environments();
    }
}

impl Lowering<'_> {
    fn environments(&mut self) -> BTreeMap<String, Environment> {
        let set = self.set;
        let docs = self.unique_by_name(Kind::Environment, &set.environments);
        self.unique_display_names(Kind::Environment, &docs, |s| &s.display_name);
        self.unique_pinned_ids(Kind::Environment, &docs);
        let group_names: BTreeSet<&str> = set.groups.iter().map(|g| g.name()).collect();
        let mut out = BTreeMap::new();
        for p in docs {
            let spec = &p.doc.spec;
            if let Some(group) = &spec.group {
                if !group_names.contains(group.0.as_str())
                    && !self.known_name(Kind::EnvironmentGroup, &group.0)
                {
                    self.unknown_group(&group.0, p.at("/spec/group"));
                }
                if spec.managed == Some(false) {
                    let d = Diagnostic::new(
                        Code::UnmanagedEnvironmentInGroup,
                        format!(
                            "environment `{}` joins group `{}` but is not managed",
                            p.name(),
                            group.0
                        ),
                    )
                    .at(p.at("/spec/managed"), "not managed")
                    .also(p.at("/spec/group"), "joins a group")
                    .help("set `managed: true`; only managed environments can join a group");
                    self.push(d);
                }
            }
            if let Some(region) = &spec.region {
                self.check_region(region, p.at("/spec/region"), "expects");
            }
            let owned = spec.lifecycle == Some(doc::Lifecycle::Owned);
            self.check_lifecycle(p, owned);
            let (expires, expiry_grace_days) = self.expiry(p, owned);
            out.insert(
                p.name().to_owned(),
                Environment {
                    meta: p.meta(),
                    display_name: spec.display_name.clone(),
                    managed: spec.managed,
                    group: spec.group.as_ref().map(|g| g.0.clone()),
                    environment_type: spec.environment_type,
                    region: spec.region.clone(),
                    owned,
                    dataverse: spec.dataverse.as_ref().map(|d| Dataverse {
                        currency: d.currency.clone(),
                        language: d.language,
                        security_group: d.security_group.as_ref().map(|g| g.0.to_lowercase()),
                        domain: d.domain.clone(),
                    }),
                    expires,
                    expiry_grace_days,
                },
            );
        }
        out
    }

    /// An owned environment can be created: a creatable type and a region. Dataverse
    /// settings are creation parameters, so only an owned environment has them.
    fn check_lifecycle(&mut self, p: &Parsed<EnvironmentSpec>, owned: bool) {
        let spec = &p.doc.spec;
        if !owned {
            if spec.dataverse.is_some() {
                let d = Diagnostic::new(
                    Code::InvalidLifecycle,
                    format!(
                        "environment `{}` declares `dataverse` but ppgov does not create it",
                        p.name()
                    ),
                )
                .at(
                    p.at("/spec/dataverse"),
                    "only used when ppgov creates the environment",
                )
                .help("add `lifecycle: owned`, or remove `dataverse`");
                self.push(d);
            }
            return;
        }
        let at = p.at("/spec/lifecycle");
        match spec.environment_type {
            None => {
                let d = Diagnostic::new(
                    Code::InvalidLifecycle,
                    format!("environment `{}` is owned but declares no `type`", p.name()),
                )
                .at(at, "ppgov creates it")
                .help("add `type: Sandbox` (or Production, Trial, Developer)");
                self.push(d);
            }
            Some(t @ (doc::EnvironmentType::Default | doc::EnvironmentType::Teams)) => {
                let d = Diagnostic::new(
                    Code::InvalidLifecycle,
                    format!(
                        "environment `{}` is owned but the platform cannot create a {t:?} environment",
                        p.name()
                    ),
                )
                .at(p.at("/spec/type"), "not creatable")
                .also(at, "ppgov creates it")
                .help("use Production, Sandbox, Trial or Developer, or `lifecycle: adopted`");
                self.push(d);
            }
            Some(
                doc::EnvironmentType::Production
                | doc::EnvironmentType::Sandbox
                | doc::EnvironmentType::Trial
                | doc::EnvironmentType::Developer,
            ) => {}
        }
        if spec.region.is_none() {
            let d = Diagnostic::new(
                Code::InvalidLifecycle,
                format!(
                    "environment `{}` is owned but declares no `region`",
                    p.name()
                ),
            )
            .at(at, "ppgov creates it")
            .help("add `region: europe` (the Power Platform region to create it in)");
            self.push(d);
        }
    }
}

impl Lowering<'_> {
    /// The environment's expiry date and grace days, as far as they are valid.
    fn expiry(&mut self, p: &Parsed<EnvironmentSpec>, owned: bool) -> (Option<Date>, u32) {
        let spec = &p.doc.spec;
        let grace = spec.expiry_grace_days.unwrap_or(0);
        let Some(text) = &spec.expires else {
            if spec.expiry_grace_days.is_some() {
                let d = Diagnostic::new(
                    Code::InvalidExpiry,
                    format!(
                        "environment `{}` has `expiryGraceDays` but no `expires`",
                        p.name()
                    ),
                )
                .at(p.key_at("/spec/expiryGraceDays"), "grace after what?")
                .help("add `expires: YYYY-MM-DD` (the last day it is needed), or remove `expiryGraceDays`");
                self.push(d);
            }
            return (None, grace);
        };
        let Some(date) = Date::parse(text) else {
            let d = Diagnostic::new(
                Code::InvalidExpiry,
                format!(
                    "environment `{}` expires on `{text}`, which is not a date",
                    p.name()
                ),
            )
            .at(p.at("/spec/expires"), "not YYYY-MM-DD")
            .help(
                "write the last day the environment is needed as `YYYY-MM-DD`, e.g. `2027-03-31`",
            );
            self.push(d);
            return (None, grace);
        };
        if !owned {
            let d = Diagnostic::new(
                Code::ExpiryNeedsOwnership,
                format!(
                    "environment `{}` expires, but ppgov does not own it, so it would never be deleted",
                    p.name()
                ),
            )
            .at(p.at("/spec/expires"), "an expired environment is deleted")
            .help("add `lifecycle: owned` if ppgov may delete this environment, or remove `expires`");
            self.push(d);
            return (None, grace);
        }
        (Some(date), grace)
    }
}
