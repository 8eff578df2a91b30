//! One step: resolve references, check the object has not changed since the plan, write,
//! compare the read-back with the plan's after-value.

use crate::{Shared, TenantWrites};
use ppgov_core::observed::{Observed, ObservedDlpPolicy};
use ppgov_planner::plan::fingerprint;
use ppgov_planner::{After, Change, FingerprintKey, Ref, ResourceKind};
use ppgov_tenant_client::{Client, ClientError, NamedObject};
use serde::Serialize;
use std::future::Future;

/// What each kind's steps do, in `step/<kind>.rs` (its `Steps`), dispatched by the one list of
/// resource kinds ([`ppgov_planner::resource_kinds!`]): a new kind is a compile error here
/// until its module implements this trait. Functions taking an after-value are called on the
/// kind of that value ([`Change::handled_by`]); deletions (no after-value) on the change's.
pub(crate) trait KindSteps {
    /// Writes the change's after-value (a create or an update; a membership's removal too),
    /// checking the live object first and the read-back after.
    async fn write<T: TenantWrites>(c: &Change, t: &T, shared: &Shared) -> StepResult;

    /// Deletes live object `id`, checking it first and that it is gone after.
    async fn delete<T: TenantWrites>(c: &Change, id: &str, t: &T, shared: &Shared) -> StepResult;

    /// The fields in which the observed object differs from the after-value (empty when it
    /// matches, or there is nothing to compare).
    fn differences(after: &After, observed: &Observed) -> Vec<String>;

    /// Whether the repository now wants (`wanted`) something other than what ppgov last
    /// wrote (`written`, of this kind), in governed fields, ids aside.
    fn repository_changed(written: &After, wanted: &After) -> bool;

    /// Gives the after-value the id of the live object it was written to (a create's
    /// after-value has none yet).
    fn set_live_id(after: &mut After, id: String);

    /// What the step's place in the graph (`crate::graph`) depends on.
    fn edges(c: &Change) -> Edges<'_>;

    /// The key in the plan's fingerprints of the live object the after-value is written to;
    /// `None` for a create.
    fn object_key(c: &Change) -> Option<FingerprintKey>;
}

macro_rules! kind_steps {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident => $module:ident $(, after_tag = $after_tag:literal)?;
    )*) => {
        $( pub(crate) mod $module; )*

        pub(crate) async fn run<T: TenantWrites>(c: &Change, t: &T, shared: &Shared) -> StepResult {
            if let After::Nothing = c.after {
                let Some(id) = c.id.as_deref() else {
                    return Err(format!("{}: a delete without an object id", c.address));
                };
                return match c.kind {
                    $( ResourceKind::$variant => {
                        <$module::Steps as KindSteps>::delete(c, id, t, shared).await
                    } )*
                };
            }
            match c.handled_by() {
                $( ResourceKind::$variant => <$module::Steps as KindSteps>::write(c, t, shared).await, )*
            }
        }

        /// The fields in which the observed object differs from a plan's after-value (empty
        /// when it matches, or the plan holds no after-value to compare).
        pub(crate) fn differences_from(after: &After, observed: &Observed) -> Vec<String> {
            match after.kind() {
                None => Vec::new(),
                $( Some(ResourceKind::$variant) => {
                    <$module::Steps as KindSteps>::differences(after, observed)
                } )*
            }
        }

        /// [`KindSteps::repository_changed`]; a delete wrote no value to compare with.
        pub(crate) fn repository_changed(written: &After, wanted: &After) -> bool {
            match written.kind() {
                None => true,
                $( Some(ResourceKind::$variant) => {
                    <$module::Steps as KindSteps>::repository_changed(written, wanted)
                } )*
            }
        }

        /// [`KindSteps::set_live_id`].
        pub(crate) fn set_live_id(after: &mut After, id: String) {
            match after.kind() {
                None => {}
                $( Some(ResourceKind::$variant) => <$module::Steps as KindSteps>::set_live_id(after, id), )*
            }
        }

        /// [`KindSteps::edges`].
        pub(crate) fn edges(c: &Change) -> Edges<'_> {
            match c.handled_by() {
                $( ResourceKind::$variant => <$module::Steps as KindSteps>::edges(c), )*
            }
        }

        /// [`KindSteps::object_key`]; a deletion's object is the change's own.
        pub(crate) fn object_key(c: &Change) -> Option<FingerprintKey> {
            match c.after.kind() {
                None => own_object_key(c),
                $( Some(ResourceKind::$variant) => <$module::Steps as KindSteps>::object_key(c), )*
            }
        }
    };
}
ppgov_planner::resource_kinds!(kind_steps);

/// What a step's place in the dependency graph depends on, besides the plan's `depends_on`.
#[derive(Default)]
pub(crate) struct Edges<'a> {
    /// The environment the step writes, if it writes one: steps writing the same environment
    /// run one after another.
    pub environment_written: Option<&'a str>,
    /// Addresses of the creates (other than environments') the after-value refers to.
    pub created_refs: Vec<String>,
}

/// `Kind:id` of the change's own kind and live id; `None` for a create.
fn own_object_key(c: &Change) -> Option<FingerprintKey> {
    Some(FingerprintKey::new(c.kind, c.id.as_deref()?))
}

type StepResult = Result<(), String>;

/// A client call's result ([`TenantWrites`]).
type R<T> = Result<T, ClientError>;

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn resolve(r: &Ref, shared: &Shared) -> Result<String, String> {
    match r {
        Ref::Id(id) => Ok(id.clone()),
        Ref::CreatedBy(address) => lock(&shared.created)
            .get(address)
            .cloned()
            .ok_or_else(|| format!("{address} created nothing to refer to")),
    }
}

/// A live environment id, or the id of the environment a placeholder stands for
/// ([`ppgov_planner::plan::created_environment_id`]) once its create has run.
fn live_environment_id(id: &str, shared: &Shared) -> Result<String, String> {
    match ppgov_planner::plan::created_environment_of(id) {
        Some(address) => resolve(&Ref::CreatedBy(address.to_owned()), shared),
        None => Ok(id.to_owned()),
    }
}

/// A data policy with the environments created in this plan by their ids.
fn with_created_environments(
    p: &ObservedDlpPolicy,
    shared: &Shared,
) -> Result<ObservedDlpPolicy, String> {
    let mut p = p.clone();
    p.environment_ids = p
        .environment_ids
        .iter()
        .map(|id| live_environment_id(id, shared))
        .collect::<Result<_, _>>()?;
    Ok(p)
}

/// Whether the step still has to write. Fails when the live object is not the one expected
/// (the plan's fingerprint, or our own last read-back), naming the object and the fields in
/// which it now differs from the plan's result; an object that already is as the plan wants
/// it (a racing apply got there first) needs no write. No expectation recorded: write.
///
/// `differences` are the fields in which `live` differs from the plan's result; `None` for
/// deletes, where any change since the plan refuses the step.
fn check<T: Serialize>(
    c: &Change,
    key: &str,
    live: Option<&T>,
    differences: Option<&[&str]>,
    shared: &Shared,
) -> Result<Write, String> {
    let Some(expected) = lock(&shared.expected).get(key).cloned() else {
        return Ok(Write::Needed);
    };
    let who = format!("{} \"{}\" ({key})", c.address, c.display_name);
    match live {
        None => Err(format!(
            "conflict: {who} no longer exists; it changed since the plan was made: re-plan"
        )),
        Some(v) if fingerprint(v) == expected => Ok(Write::Needed),
        Some(v) if differences.is_some_and(<[&str]>::is_empty) => {
            record(key.to_owned(), v, shared);
            Ok(Write::AlreadyDone)
        }
        Some(_) => match differences {
            Some(fields) => Err(format!(
                "conflict: {who} changed since the plan was made; it now differs from the planned result in {}: re-plan (nothing was written)",
                fields.join(", ")
            )),
            None => Err(format!(
                "conflict: {who} changed since the plan was made: re-plan (nothing was deleted)"
            )),
        },
    }
}

/// What [`check`] found.
#[derive(PartialEq, Eq)]
enum Write {
    Needed,
    /// The object already is as the plan wants it.
    AlreadyDone,
}

fn record<T: Serialize>(key: String, value: &T, shared: &Shared) {
    lock(&shared.expected).insert(key, fingerprint(value));
}

/// A create refused because an object with its natural key appeared after the plan was made
/// (another apply, or someone in the admin center): writing would make a duplicate.
fn created_since(what: &str, name: &str, id: &str) -> String {
    format!(
        "conflict: a {what} named \"{name}\" ({id}) was created since the plan was made: re-plan (nothing was written)"
    )
}

/// A create that raced another apply's and lost: the duplicate it made was removed again.
fn raced(what: &str, name: &str, kept: &str, removed: &str) -> String {
    format!(
        "conflict: another apply created a {what} named \"{name}\" at the same time; the older one ({kept}) was kept and this run's ({removed}) removed: re-plan"
    )
}

/// Another object named `name` created before `mine` (by creation time, then id), if any.
fn older_twin(
    objects: &[ppgov_tenant_client::NamedObject],
    mine: &str,
    name: &str,
) -> Option<String> {
    let me = objects.iter().find(|o| o.id == mine)?;
    objects
        .iter()
        .filter(|o| o.id != mine && o.display_name == name)
        .find(|o| (&o.created, &o.id) < (&me.created, &me.id))
        .map(|o| o.id.clone())
}

fn owned(fields: Vec<&str>) -> Vec<String> {
    fields.into_iter().map(str::to_owned).collect()
}

fn not_converged(what: &str, fields: &[&str]) -> String {
    format!(
        "did not converge: {what} read back differs from the plan in {}",
        fields.join(", ")
    )
}

/// A read of a live object by id: `None` when it is gone.
fn optional<V>(
    r: Result<V, ppgov_tenant_client::ClientError>,
) -> Result<Option<V>, ppgov_tenant_client::ClientError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind == ppgov_tenant_client::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

type ClientResult<V> = Result<V, ppgov_tenant_client::ClientError>;

/// An object the tenant names by display name (a group, a data policy): what the generic
/// create, update and delete steps ([`write_named`], [`delete_named`]) need to know of it.
trait Named: Serialize + Sized {
    /// How errors name the kind, e.g. `data policy`.
    const WHAT: &'static str;
    /// How a read-back that differs names it, e.g. `the policy`.
    const READ_BACK: &'static str;
    fn id(&self) -> &str;
    fn display_name(&self) -> &str;
    /// The governed fields in which `got` differs from `self`.
    fn differences(&self, got: &Self) -> Vec<&'static str>;
    async fn list<T: TenantWrites>(t: &T) -> ClientResult<Vec<ppgov_tenant_client::NamedObject>>;
    async fn get<T: TenantWrites>(t: &T, id: &str) -> ClientResult<Self>;
    async fn create<T: TenantWrites>(t: &T, after: &Self) -> ClientResult<Self>;
    async fn update<T: TenantWrites>(t: &T, after: &Self) -> ClientResult<Self>;
    async fn remove<T: TenantWrites>(t: &T, id: &str) -> ClientResult<()>;
}

/// `impl Named for $type`: its names in messages, its differences and its five requests.
macro_rules! named {
    ($type:ty, $what:literal, $read_back:literal, $differences:path,
     $list:ident, $get:ident, $create:ident, $update:ident, $remove:ident) => {
        impl Named for $type {
            const WHAT: &'static str = $what;
            const READ_BACK: &'static str = $read_back;
            fn id(&self) -> &str {
                &self.id
            }
            fn display_name(&self) -> &str {
                &self.display_name
            }
            fn differences(&self, got: &Self) -> Vec<&'static str> {
                $differences(self, got)
            }
            async fn list<T: TenantWrites>(
                t: &T,
            ) -> ClientResult<Vec<ppgov_tenant_client::NamedObject>> {
                t.$list().await
            }
            async fn get<T: TenantWrites>(t: &T, id: &str) -> ClientResult<Self> {
                t.$get(id).await
            }
            async fn create<T: TenantWrites>(t: &T, after: &Self) -> ClientResult<Self> {
                t.$create(after).await
            }
            async fn update<T: TenantWrites>(t: &T, after: &Self) -> ClientResult<Self> {
                t.$update(after).await
            }
            async fn remove<T: TenantWrites>(t: &T, id: &str) -> ClientResult<()> {
                t.$remove(id).await
            }
        }
    };
}
use named;

/// Creates or updates a [`Named`] object as the plan's `after`. A create (which has no
/// fingerprint to check; the natural key is the display name) is refused when one of that name
/// appeared since the plan. Two applies can pass that check at once; the earliest-created
/// object wins: one that finds an older twin removes its own, so exactly one survives.
async fn write_named<V: Named, T: TenantWrites>(
    c: &Change,
    after: &V,
    t: &T,
    shared: &Shared,
) -> StepResult {
    let err = |e: ppgov_tenant_client::ClientError| e.to_string();
    if c.action != ppgov_planner::Action::Create {
        // An update: checked against the plan first, then written, then read back.
        let key = fingerprint_key(c.kind, after.id());
        let live = optional(V::get(t, after.id()).await).map_err(err)?;
        let live_differences = live
            .as_ref()
            .map(|l| after.differences(l))
            .unwrap_or_default();
        if check(c, &key, live.as_ref(), Some(&live_differences), shared)? == Write::AlreadyDone {
            return Ok(());
        }
        let got = V::update(t, after).await.map_err(err)?;
        return recorded_read_back(key, after, &got, shared);
    }
    let name = after.display_name();
    let names = V::list(t).await.map_err(err)?;
    if let Some(o) = names.iter().find(|o| o.display_name == name) {
        return Err(created_since(V::WHAT, name, &o.id));
    }
    let got = V::create(t, after).await.map_err(err)?;
    let id = got.id();
    let names = V::list(t).await.map_err(err)?;
    if let Some(older) = older_twin(&names, id, name) {
        V::remove(t, id).await.map_err(err)?;
        return Err(raced(V::WHAT, name, &older, id));
    }
    lock(&shared.created).insert(c.address.clone(), id.to_owned());
    recorded_read_back(fingerprint_key(c.kind, id), after, &got, shared)
}

/// Records the written object's fingerprint under `key` (what the next step expects) and
/// compares the read-back `got` with `after`.
fn recorded_read_back<V: Named>(key: String, after: &V, got: &V, shared: &Shared) -> StepResult {
    record(key, got, shared);
    let diff = after.differences(got);
    if !diff.is_empty() {
        return Err(not_converged(V::READ_BACK, &diff));
    }
    Ok(())
}

/// Deletes the [`Named`] object `id` ([`delete_live`]).
async fn delete_named<V: Named, T: TenantWrites>(
    c: &Change,
    id: &str,
    t: &T,
    shared: &Shared,
) -> StepResult {
    delete_live(
        c,
        id,
        V::READ_BACK,
        shared,
        || V::get(t, id),
        || V::remove(t, id),
    )
    .await
}

/// Deletes live object `id` of the change's kind: re-read (already gone, as a racing apply
/// may have made it: what the plan wants), checked against the plan, deleted, and read
/// back to see it gone.
async fn delete_live<V, F, D>(
    c: &Change,
    id: &str,
    what: &str,
    shared: &Shared,
    read: impl Fn() -> F,
    remove: impl FnOnce() -> D,
) -> StepResult
where
    V: Serialize,
    F: std::future::Future<Output = ClientResult<V>>,
    D: std::future::Future<Output = ClientResult<()>>,
{
    let err = |e: ppgov_tenant_client::ClientError| e.to_string();
    let key = fingerprint_key(c.kind, id);
    let Some(live) = optional(read().await).map_err(err)? else {
        return Ok(());
    };
    check(c, &key, Some(&live), None, shared)?;
    remove().await.map_err(err)?;
    gone(optional(read().await), what)
}

/// A live object that must not exist any more after its delete: a step that deleted it reads
/// it back and fails when it is still there.
fn gone<V>(
    read_back: Result<Option<V>, ppgov_tenant_client::ClientError>,
    what: &str,
) -> StepResult {
    match read_back.map_err(|e| e.to_string())? {
        None => Ok(()),
        Some(_) => Err(format!("did not converge: {what} still exists")),
    }
}

/// A delete of a kind ppgov never deletes (its removal carries an after-value, so it never
/// gets here).
fn not_deleted(c: &Change) -> StepResult {
    Err(format!(
        "{}: ppgov does not delete {:?} objects",
        c.address, c.kind
    ))
}

/// The [`Plan::fingerprints`](ppgov_planner::Plan::fingerprints) key of a live object.
fn fingerprint_key(kind: ResourceKind, id: &str) -> String {
    ppgov_planner::FingerprintKey::new(kind, id).to_string()
}
