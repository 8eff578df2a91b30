//! Inventory reads: what runs in an environment (canvas apps, cloud flows with the
//! connectors they use, custom connectors, connections). Not read by a plain `observe`: a
//! plan needs it only for the environments a DLP change affects, so the caller names them
//! (`read_inventory`, or `ObserveOptions::inventory`).
//!
//! Requests per environment: four listings (apps, flows, custom connectors, connections),
//! each plus its further pages, and one GET per flow (the admin flow list carries no
//! connection references; see the README, "Inventory").

use crate::Client;
use crate::error::{ClientError, ErrorKind};
use crate::http::Req;
use futures::{StreamExt, TryStreamExt};
use ppgov_core::inventory::{Connection, CustomConnector, Inventory, InventoryItem};
use ppgov_tenant_api::{inventory as wi, paths};
use std::collections::BTreeSet;
use tokio::sync::Semaphore;

/// One environment's inventory as read, before it is filed.
struct EnvironmentRead {
    items: Vec<InventoryItem>,
    custom_connectors: Vec<CustomConnector>,
    connections: Vec<Connection>,
}

impl Client {
    /// Every canvas app of an environment (the Power Apps admin list, following `nextLink`),
    /// converted. An app the model cannot take (no environment) fails the read, naming it.
    pub async fn list_environment_apps(
        &self,
        env: &str,
    ) -> Result<Vec<InventoryItem>, ClientError> {
        self.list_converted(
            paths::environment_apps(env),
            |a: &wi::App| &a.name,
            crate::convert::inventory::app,
        )
        .await
    }

    /// Every object of a listing (following `nextLink`, each name once), converted; an
    /// object the model cannot take fails the read, naming the listing.
    async fn list_converted<W: serde::de::DeserializeOwned, M>(
        &self,
        ep: paths::Endpoint,
        name: impl Fn(&W) -> &String,
        convert: impl Fn(&W) -> Result<M, crate::convert::ConvertError>,
    ) -> Result<Vec<M>, ClientError> {
        let listing = format!("GET {} {}", ep.host.name(), ep.path);
        let listed: Vec<W> = self
            .transport
            .list_unique(ep, |w: &W| Some(name(w).clone()))
            .await?;
        listed
            .iter()
            .map(|w| convert(w).map_err(|e| ClientError::invalid(&listing, e.0)))
            .collect()
    }

    /// The inventory of `environments` (ids, any case): apps, flows with their connection
    /// references, custom connectors and connections, with connection endpoints resolved.
    /// Environments are read concurrently within the client's request limit, the whole read
    /// within `Limits::observe_deadline`. An id the tenant does not have is an error naming
    /// every such id (the listings answer 404), so a typo never reads as "nothing runs there".
    pub async fn read_inventory(
        &self,
        environments: &BTreeSet<String>,
    ) -> Result<Inventory, ClientError> {
        self.within_observe_deadline(
            "the inventory",
            self.read_inventory_within(environments, None),
        )
        .await
    }

    /// [`Client::read_inventory`] without its deadline (`observe` has its own), every request
    /// holding a permit of `budget` when one is given.
    pub(crate) async fn read_inventory_within(
        &self,
        environments: &BTreeSet<String>,
        budget: Option<&Semaphore>,
    ) -> Result<Inventory, ClientError> {
        let wanted: BTreeSet<String> = environments
            .iter()
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty())
            .collect();
        let in_flight = self.transport.config.max_concurrent_requests;
        let reads: Vec<(String, Result<EnvironmentRead, ClientError>)> =
            futures::stream::iter(wanted)
                .map(|env| async move {
                    let read = self.read_environment_inventory(&env, budget).await;
                    (env, read)
                })
                .buffer_unordered(in_flight)
                .collect()
                .await;
        let mut inventory = Inventory::default();
        let mut unknown = Vec::new();
        for (env, read) in reads {
            match read {
                Ok(read) => {
                    // Read and empty is not "not read": the environment is filed either way.
                    inventory.environments.entry(env).or_default();
                    read.items.into_iter().for_each(|i| inventory.insert(i));
                    read.custom_connectors
                        .into_iter()
                        .for_each(|c| inventory.insert_custom_connector(c));
                    read.connections
                        .into_iter()
                        .for_each(|c| inventory.insert_connection(c));
                }
                Err(e) if e.kind == ErrorKind::NotFound => unknown.push(env),
                Err(e) => return Err(e),
            }
        }
        if !unknown.is_empty() {
            unknown.sort();
            return Err(ClientError::new(
                ErrorKind::NotFound,
                format!(
                    "cannot read the inventory of {}: not in the tenant (the inventory listings answered 404)",
                    unknown.join(", ")
                ),
            ));
        }
        inventory.resolve_endpoints();
        // Complete: index it now, once per read, so every impact analysis of it is cheap.
        inventory.index_usage();
        Ok(inventory)
    }

    async fn read_environment_inventory(
        &self,
        env: &str,
        budget: Option<&Semaphore>,
    ) -> Result<EnvironmentRead, ClientError> {
        let t = &self.transport;
        let slot = || async move {
            match budget {
                Some(b) => Some(b.acquire().await),
                None => None,
            }
        };
        let apps = async {
            let _slot = slot().await;
            self.list_environment_apps(env).await
        };
        let flows = async {
            let listed: Vec<wi::Flow> = {
                let _slot = slot().await;
                t.list_unique(paths::environment_flows(env), |f: &wi::Flow| {
                    Some(f.name.clone())
                })
                .await?
            };
            let in_flight = t.config.max_concurrent_requests;
            futures::stream::iter(listed)
                .map(|f| async move {
                    let _slot = slot().await;
                    self.read_flow(env, &f).await
                })
                .buffer_unordered(in_flight)
                .try_filter_map(|f| async move { Ok(f) })
                .try_collect::<Vec<_>>()
                .await
        };
        let custom_connectors = async {
            let _slot = slot().await;
            self.list_converted(
                paths::environment_custom_connectors(env),
                |c: &wi::CustomConnector| &c.name,
                |c| crate::convert::inventory::custom_connector(c, env),
            )
            .await
        };
        let connections = async {
            let _slot = slot().await;
            self.list_converted(
                paths::environment_connections(env),
                |c: &wi::Connection| &c.name,
                crate::convert::inventory::connection,
            )
            .await
        };
        let (apps, flows, custom_connectors, connections) =
            futures::try_join!(apps, flows, custom_connectors, connections)?;
        Ok(EnvironmentRead {
            items: apps.into_iter().chain(flows).collect(),
            custom_connectors,
            connections,
        })
    }

    /// A listed flow with its connection references (the per-flow GET). A flow deleted
    /// between the listing and this read (404) is left out: it no longer runs.
    async fn read_flow(
        &self,
        env: &str,
        listed: &wi::Flow,
    ) -> Result<Option<InventoryItem>, ClientError> {
        let ep = paths::environment_flow(env, &listed.name);
        let resp = match self.transport.send(&Req::get(ep)).await {
            Ok(resp) => resp,
            Err(e) if e.kind == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let flow: wi::Flow = resp.json()?;
        crate::convert::inventory::flow(&flow)
            .map(Some)
            .map_err(|e| ClientError::invalid(&resp.label, e.0))
    }
}
