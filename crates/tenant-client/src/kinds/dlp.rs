//! DLP policies: the policy document <-> `ObservedDlpPolicy`; list, read, create, update,
//! delete.

use super::{NamedObject, cannot_write, gone_is_fine};
use crate::Client;
use crate::convert;
use crate::convert::{ConvertError, err};
use crate::error::ClientError;
use crate::http::{Req, Response};
use ppgov_core::model::{
    ActionRules, AllowBlock, AllowDeny, ConnectorGroup, EndpointRule, PatternGroup, ScopeMode,
    UrlPattern,
};
use ppgov_core::observed::ObservedDlpPolicy;
use ppgov_tenant_api::dlp as wd;
use ppgov_tenant_api::paths;
use std::collections::BTreeMap;

pub(crate) fn group_from_wire(s: &str) -> Result<ConnectorGroup, ConvertError> {
    match s {
        wd::classification::BUSINESS => Ok(ConnectorGroup::Business),
        wd::classification::NON_BUSINESS => Ok(ConnectorGroup::NonBusiness),
        wd::classification::BLOCKED => Ok(ConnectorGroup::Blocked),
        other => err(format!("unknown connector classification `{other}`")),
    }
}

pub(crate) fn group_to_wire_name(g: ConnectorGroup) -> &'static str {
    match g {
        ConnectorGroup::Business => wd::classification::BUSINESS,
        ConnectorGroup::NonBusiness => wd::classification::NON_BUSINESS,
        ConnectorGroup::Blocked => wd::classification::BLOCKED,
    }
}

pub(crate) fn allow_block(s: &str) -> Result<AllowBlock, ConvertError> {
    match s {
        "Allow" | "" => Ok(AllowBlock::Allow),
        "Block" => Ok(AllowBlock::Block),
        other => err(format!("unknown action behavior `{other}`")),
    }
}

pub(crate) fn allow_block_str(b: AllowBlock) -> &'static str {
    match b {
        AllowBlock::Allow => "Allow",
        AllowBlock::Block => "Block",
    }
}

pub(crate) fn allow_deny(s: &str) -> Result<AllowDeny, ConvertError> {
    match s {
        "Allow" => Ok(AllowDeny::Allow),
        "Deny" => Ok(AllowDeny::Deny),
        other => err(format!("unknown endpoint behavior `{other}`")),
    }
}

pub(crate) fn allow_deny_str(b: AllowDeny) -> &'static str {
    match b {
        AllowDeny::Allow => "Allow",
        AllowDeny::Deny => "Deny",
    }
}

pub(crate) fn pattern_group(s: &str) -> Result<PatternGroup, ConvertError> {
    match s {
        wd::classification::IGNORE => Ok(PatternGroup::Ignore),
        other => Ok(match group_from_wire(other)? {
            ConnectorGroup::Business => PatternGroup::Business,
            ConnectorGroup::NonBusiness => PatternGroup::NonBusiness,
            ConnectorGroup::Blocked => PatternGroup::Blocked,
        }),
    }
}

pub(crate) fn pattern_group_str(g: PatternGroup) -> &'static str {
    match g {
        PatternGroup::Business => wd::classification::BUSINESS,
        PatternGroup::NonBusiness => wd::classification::NON_BUSINESS,
        PatternGroup::Blocked => wd::classification::BLOCKED,
        PatternGroup::Ignore => wd::classification::IGNORE,
    }
}

/// A whole v2 policy document (from GET, POST or PATCH) as the model sees it.
pub fn dlp_policy(doc: &wd::PolicyDocument) -> Result<ObservedDlpPolicy, ConvertError> {
    let d = &doc.policy_definition;
    let name = d.name.clone().unwrap_or_default();
    let ctx = |e: ConvertError| ConvertError(format!("DLP policy {name}: {}", e.0));
    let scope_mode = match d.environment_type.as_str() {
        wd::environment_type::ALL => Some(ScopeMode::All),
        wd::environment_type::EXCEPT => Some(ScopeMode::AllExcept),
        wd::environment_type::ONLY => Some(ScopeMode::Only),
        _ => None,
    };
    let mut classification = BTreeMap::new();
    for g in d.connector_groups.iter().flatten() {
        let group = group_from_wire(&g.classification).map_err(ctx)?;
        for c in &g.connectors {
            classification.insert(c.id.clone(), group);
        }
    }
    let mut action_rules = BTreeMap::new();
    let mut endpoint_rules = BTreeMap::new();
    if let Some(cc) = &doc.connector_configurations_definition {
        for a in &cc.connector_action_configurations {
            let mut actions = BTreeMap::new();
            for r in &a.action_rules {
                actions.insert(r.action_id.clone(), allow_block(&r.behavior).map_err(ctx)?);
            }
            action_rules.insert(
                a.connector_id.clone(),
                ActionRules {
                    default_behavior: allow_block(&a.default_connector_action_rule_behavior)
                        .map_err(ctx)?,
                    actions,
                },
            );
        }
        for e in &cc.endpoint_configurations {
            let mut rules = e.endpoint_rules.clone();
            rules.sort_by_key(|r| r.order);
            let mut out = Vec::new();
            for r in rules {
                out.push(EndpointRule {
                    endpoint: r.endpoint,
                    behavior: allow_deny(&r.behavior).map_err(ctx)?,
                });
            }
            endpoint_rules.insert(e.connector_id.clone(), out);
        }
    }
    let mut patterns = doc
        .custom_connector_url_patterns_definition
        .as_ref()
        .map(|p| p.rules.clone())
        .unwrap_or_default();
    patterns.sort_by_key(|r| r.order);
    let mut custom_connector_patterns = Vec::new();
    for r in patterns {
        custom_connector_patterns.push(UrlPattern {
            pattern: r.pattern,
            group: pattern_group(&r.custom_connector_rule_classification).map_err(ctx)?,
        });
    }
    Ok(ObservedDlpPolicy {
        id: name.clone(),
        display_name: d.display_name.clone(),
        scope_mode,
        environment_ids: d
            .environments
            .iter()
            .map(|e| e.environment_name().to_lowercase())
            .collect(),
        default_group: group_from_wire(&d.default_connectors_classification).map_err(ctx)?,
        classification,
        action_rules,
        endpoint_rules,
        custom_connector_patterns,
        etag: d.etag.clone(),
        last_modified: d.last_modified_time.clone(),
    })
}

/// The document to POST (empty `id`: no `name`) or PATCH. Environment-level policies
/// (`scope_mode: None`) cannot be written by a tenant admin and are refused.
pub fn dlp_policy_to_wire(p: &ObservedDlpPolicy) -> Result<wd::PolicyDocument, ConvertError> {
    let environment_type = match p.scope_mode {
        Some(ScopeMode::All) => wd::environment_type::ALL,
        Some(ScopeMode::AllExcept) => wd::environment_type::EXCEPT,
        Some(ScopeMode::Only) => wd::environment_type::ONLY,
        None => {
            return err(format!(
                "DLP policy {} is an environment-level policy; ppgov does not write those",
                p.id
            ));
        }
    };
    let connector_groups = [
        ConnectorGroup::Business,
        ConnectorGroup::NonBusiness,
        ConnectorGroup::Blocked,
    ]
    .into_iter()
    .map(|g| wd::ConnectorGroup {
        classification: group_to_wire_name(g).into(),
        connectors: p
            .classification
            .iter()
            .filter(|(_, cg)| **cg == g)
            .map(|(id, _)| wd::ResourceRef::connector(id))
            .collect(),
    })
    .collect();
    let environments = if p.scope_mode == Some(ScopeMode::All) {
        Vec::new()
    } else {
        p.environment_ids
            .iter()
            .map(|e| wd::ResourceRef::environment(e))
            .collect()
    };
    let configs = wd::ConnectorConfigurations {
        connector_action_configurations: p
            .action_rules
            .iter()
            .map(|(id, r)| wd::ConnectorActionConfiguration {
                connector_id: id.clone(),
                action_rules: r
                    .actions
                    .iter()
                    .map(|(action, b)| wd::ActionRule {
                        action_id: action.clone(),
                        behavior: allow_block_str(*b).into(),
                    })
                    .collect(),
                default_connector_action_rule_behavior: allow_block_str(r.default_behavior).into(),
            })
            .collect(),
        endpoint_configurations: p
            .endpoint_rules
            .iter()
            .map(|(id, rules)| wd::EndpointConfiguration {
                connector_id: id.clone(),
                endpoint_rules: rules
                    .iter()
                    .zip(1..)
                    .map(|(r, order)| wd::EndpointRule {
                        order,
                        behavior: allow_deny_str(r.behavior).into(),
                        endpoint: r.endpoint.clone(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let has_configs = !configs.connector_action_configurations.is_empty()
        || !configs.endpoint_configurations.is_empty();
    Ok(wd::PolicyDocument {
        policy_definition: wd::PolicyDefinition {
            name: Some(p.id.clone()).filter(|id| !id.is_empty()),
            display_name: p.display_name.clone(),
            default_connectors_classification: group_to_wire_name(p.default_group).into(),
            connector_groups: Some(connector_groups),
            environment_type: environment_type.into(),
            environments,
            ..Default::default()
        },
        connector_configurations_definition: has_configs.then_some(configs),
        custom_connector_url_patterns_definition: Some(wd::UrlPatterns {
            rules: p
                .custom_connector_patterns
                .iter()
                .zip(1..)
                .map(|(r, order)| wd::UrlPatternRule {
                    order,
                    custom_connector_rule_classification: pattern_group_str(r.group).into(),
                    pattern: r.pattern.clone(),
                })
                .collect(),
        }),
    })
}

impl Client {
    /// Every DLP policy's id, display name and creation time (one listing), likewise.
    pub async fn list_dlp_policy_names(&self) -> Result<Vec<NamedObject>, ClientError> {
        let docs: Vec<wd::PolicyDocument> = self.transport.list(paths::dlp_policies()).await?;
        Ok(docs
            .into_iter()
            .map(|d| {
                let p = d.policy_definition;
                NamedObject {
                    id: p.name.unwrap_or_default(),
                    display_name: p.display_name,
                    created: p.created_time.unwrap_or_default(),
                }
            })
            .collect())
    }

    pub async fn get_dlp_policy(&self, id: &str) -> Result<ObservedDlpPolicy, ClientError> {
        let resp = self
            .transport
            .send(&Req::get(paths::dlp_policy(id)))
            .await?;
        self.dlp_from(&resp).await
    }

    /// The policy in a write's answer, or read back when the answer lacks the groups.
    pub(crate) async fn dlp_from(&self, resp: &Response) -> Result<ObservedDlpPolicy, ClientError> {
        let doc: wd::PolicyDocument = resp.json()?;
        if doc.policy_definition.connector_groups.is_none() {
            let name = doc.policy_definition.name.clone().unwrap_or_default();
            let again = self
                .transport
                .send(&Req::get(paths::dlp_policy(&name)))
                .await?;
            let doc: wd::PolicyDocument = again.json()?;
            return convert::dlp_policy(&doc).map_err(|e| ClientError::invalid(&again.label, e.0));
        }
        convert::dlp_policy(&doc).map_err(|e| ClientError::invalid(&resp.label, e.0))
    }

    /// Creates a policy (its `id` is ignored); returns it with the id the service gave it.
    pub async fn create_dlp_policy(
        &self,
        p: &ObservedDlpPolicy,
    ) -> Result<ObservedDlpPolicy, ClientError> {
        let doc = convert::dlp_policy_to_wire(&ObservedDlpPolicy {
            id: String::new(),
            ..p.clone()
        })
        .map_err(cannot_write)?;
        let resp = self
            .transport
            .send(&Req::post(paths::dlp_policies()).json(&doc))
            .await?;
        self.dlp_from(&resp).await
    }

    /// Replaces the whole policy `p.id` with `p` (PATCH of the full document).
    pub async fn update_dlp_policy(
        &self,
        p: &ObservedDlpPolicy,
    ) -> Result<ObservedDlpPolicy, ClientError> {
        let doc = convert::dlp_policy_to_wire(p).map_err(cannot_write)?;
        let resp = self
            .transport
            .send(&Req::patch(paths::dlp_policy(&p.id)).json(&doc))
            .await?;
        if resp.is_empty() {
            return self.get_dlp_policy(&p.id).await;
        }
        self.dlp_from(&resp).await
    }

    pub async fn delete_dlp_policy(&self, id: &str) -> Result<(), ClientError> {
        gone_is_fine(
            self.transport
                .send(&Req::delete(paths::dlp_policy(id)))
                .await,
        )
    }
}

#[cfg(test)]
mod tests;
