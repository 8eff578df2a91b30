//! Writing environment groups: create (the earliest of racing creates wins), update, delete.

use super::*;
use ppgov_core::observed::ObservedGroup;

/// The client calls this kind's steps make: part of [`TenantWrites`], whose every
/// implementation (the client here, test fakes) implements it. Each write returns the value
/// read back.
pub trait Writes {
    fn get_group(&self, id: &str) -> impl Future<Output = R<ObservedGroup>>;
    /// Every group's id, name and creation time, to keep creates from making duplicates.
    fn list_group_names(&self) -> impl Future<Output = R<Vec<NamedObject>>>;
    fn create_group(&self, g: &ObservedGroup) -> impl Future<Output = R<ObservedGroup>>;
    fn update_group(&self, g: &ObservedGroup) -> impl Future<Output = R<ObservedGroup>>;
    fn delete_group(&self, id: &str) -> impl Future<Output = R<()>>;
}

impl Writes for Client {
    async fn get_group(&self, id: &str) -> R<ObservedGroup> {
        Client::get_group(self, id).await
    }
    async fn list_group_names(&self) -> R<Vec<NamedObject>> {
        Client::list_group_names(self).await
    }
    async fn create_group(&self, g: &ObservedGroup) -> R<ObservedGroup> {
        Client::create_group(self, g).await
    }
    async fn update_group(&self, g: &ObservedGroup) -> R<ObservedGroup> {
        Client::update_group(self, g).await
    }
    async fn delete_group(&self, id: &str) -> R<()> {
        Client::delete_group(self, id).await
    }
}

pub(crate) struct Steps;

impl KindSteps for Steps {
    async fn write<T: TenantWrites>(c: &Change, t: &T, shared: &Shared) -> StepResult {
        let After::EnvironmentGroup(after) = &c.after else {
            return Err(format!("{}: not an environment group", c.address));
        };
        write_named(c, after.as_ref(), t, shared).await
    }

    async fn delete<T: TenantWrites>(c: &Change, id: &str, t: &T, shared: &Shared) -> StepResult {
        delete_named::<ObservedGroup, T>(c, id, t, shared).await
    }

    fn differences(after: &After, observed: &Observed) -> Vec<String> {
        let After::EnvironmentGroup(a) = after else {
            return Vec::new();
        };
        observed
            .environment_groups
            .get(&a.id)
            .map(|l| owned(group_differences(a, l)))
            .unwrap_or_default()
    }

    fn repository_changed(written: &After, wanted: &After) -> bool {
        let (After::EnvironmentGroup(a), After::EnvironmentGroup(b)) = (written, wanted) else {
            return true;
        };
        !group_differences(a, b).is_empty()
    }

    fn set_live_id(after: &mut After, id: String) {
        if let After::EnvironmentGroup(g) = after {
            g.id = id;
        }
    }

    fn edges(_: &Change) -> Edges<'_> {
        Edges::default()
    }

    fn object_key(c: &Change) -> Option<FingerprintKey> {
        own_object_key(c)
    }
}

/// Fields of a group the plan governs that differ.
pub(crate) fn group_differences(after: &ObservedGroup, got: &ObservedGroup) -> Vec<&'static str> {
    let mut out = Vec::new();
    if after.display_name != got.display_name {
        out.push("displayName");
    }
    if after.description != got.description {
        out.push("description");
    }
    if after.rules != got.rules {
        out.push("rules");
    }
    out
}

named!(
    ObservedGroup,
    "group",
    "the group",
    group_differences,
    list_group_names,
    get_group,
    create_group,
    update_group,
    delete_group
);
