//! `ppgov request environment NAME`: a new `Environment` document (`lifecycle: owned`) beside
//! the repository's other environments, and its admins as a `RoleAssignment`.

use super::layout::{file_of, home_of, path_in};
use super::{Common, Edits, quoted};
use clap::{Args, ValueEnum};
use ppgov_core::observed::Observed;
use ppgov_core::{Kind, Loaded};
use std::collections::BTreeSet;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CreatableType {
    Sandbox,
    Production,
    Developer,
    Trial,
}

impl CreatableType {
    fn name(self) -> &'static str {
        match self {
            CreatableType::Sandbox => "Sandbox",
            CreatableType::Production => "Production",
            CreatableType::Developer => "Developer",
            CreatableType::Trial => "Trial",
        }
    }
}

#[derive(Args)]
pub struct EnvironmentRequest {
    /// The new document's `metadata.name` (lower-case letters, digits, `-`).
    pub name: String,
    /// The environment type to create.
    #[arg(long = "type", value_enum)]
    pub environment_type: CreatableType,
    /// The region to create it in; one the tenant already uses (e.g. `europe`).
    #[arg(long)]
    pub region: String,
    /// The environment group it joins (its `metadata.name`); it is then created managed.
    #[arg(long)]
    pub group: Option<String>,
    /// Who administers it: `TYPE:OBJECT-ID[:NAME]` with TYPE `user`, `group` or
    /// `servicePrincipal` (Environment Admin role; repeatable).
    #[arg(long, value_name = "PRINCIPAL")]
    pub owner: Vec<String>,
    /// The display name (default: NAME).
    #[arg(long)]
    pub display_name: Option<String>,
    /// The last day it is needed, `YYYY-MM-DD` (`spec.expires`).
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

struct Owner {
    principal_type: &'static str,
    id: String,
    name: Option<String>,
}

fn parse_owner(text: &str) -> Result<Owner, String> {
    let mut parts = text.splitn(3, ':');
    let kind = parts.next().unwrap_or_default();
    let principal_type = match kind {
        "user" => "user",
        "group" => "group",
        "servicePrincipal" => "servicePrincipal",
        _ => {
            return Err(format!(
                "--owner `{text}`: the principal type must be `user`, `group` or `servicePrincipal`, as in `group:5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716:HR makers`; nothing was changed"
            ));
        }
    };
    let id = parts.next().unwrap_or_default().to_ascii_lowercase();
    let is_guid = id.len() == 36
        && id.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if !is_guid {
        return Err(format!(
            "--owner `{text}`: `{id}` is not an Entra object id (a GUID); nothing was changed"
        ));
    }
    Ok(Owner {
        principal_type,
        id,
        name: parts.next().filter(|n| !n.is_empty()).map(str::to_owned),
    })
}

impl EnvironmentRequest {
    fn display_name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.name)
    }

    pub fn edits(&self, loaded: &Loaded) -> Result<Edits, String> {
        let desired = &loaded.desired;
        let name = &self.name;
        let valid_name = !name.is_empty()
            && name.len() <= 63
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !name.starts_with('-')
            && !name.ends_with('-');
        if !valid_name {
            return Err(format!(
                "`{name}` is not a document name: use lower-case letters, digits and `-` (e.g. `hr-sandbox`); nothing was changed"
            ));
        }
        if let Some(file) = file_of(loaded, Kind::Environment, name) {
            return Err(format!(
                "an environment named `{name}` is already declared in `{file}`; choose another name. Nothing was changed"
            ));
        }
        if let Some((other, _)) = desired
            .environments
            .iter()
            .find(|(_, e)| e.display_name.eq_ignore_ascii_case(self.display_name()))
        {
            return Err(format!(
                "environment `{other}` already has the display name \"{}\"; give this one another with --display-name. Nothing was changed",
                self.display_name()
            ));
        }
        if let Some(group) = &self.group
            && !desired.environment_groups.contains_key(group)
        {
            let known: Vec<&String> = desired.environment_groups.keys().collect();
            let hint = ppgov_core::suggest::closest(group, &known)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "no environment group `{group}` is declared{hint}; declared groups: {}. Nothing was changed",
                join(known)
            ));
        }
        let owners = self
            .owner
            .iter()
            .map(|o| parse_owner(o))
            .collect::<Result<Vec<_>, _>>()?;
        let (folder, extension) = home_of(
            loaded,
            Kind::Environment,
            desired.environments.keys(),
            "environments",
        );
        let mut yaml = format!(
            "# Requested with `ppgov request environment {name}`.\napiVersion: ppgov.dev/v1\nkind: Environment\nmetadata:\n  name: {name}\nspec:\n  displayName: {}\n  lifecycle: owned\n  type: {}\n  region: {}\n",
            quoted(self.display_name()),
            self.environment_type.name(),
            self.region
        );
        if let Some(group) = &self.group {
            yaml.push_str(&format!("  managed: true\n  group: {group}\n"));
        }
        if let Some(expires) = &self.expires {
            yaml.push_str(&format!("  expires: {}\n", quoted(expires)));
        }
        let mut edits = Edits::new();
        let file = path_in(&folder, name, &extension);
        if !owners.is_empty() {
            yaml.push_str("---\n");
            yaml.push_str(&self.admins(&owners));
        }
        if loaded.sources.iter().any(|(_, f)| f.name == file) {
            return Err(format!(
                "`{file}` exists already; choose another name. Nothing was changed"
            ));
        }
        edits.insert(file, yaml);
        Ok(edits)
    }

    fn admins(&self, owners: &[Owner]) -> String {
        let mut yaml = format!(
            "apiVersion: ppgov.dev/v1\nkind: RoleAssignment\nmetadata:\n  name: {}-admins\nspec:\n  role: environmentAdmin\n  scope:\n    environment: {}\n  principals:\n",
            self.name, self.name
        );
        for o in owners {
            yaml.push_str(&format!(
                "    - type: {}\n      id: {}\n",
                o.principal_type, o.id
            ));
            if let Some(name) = &o.name {
                yaml.push_str(&format!("      name: {}\n", quoted(name)));
            }
        }
        yaml
    }

    /// What only the tenant can tell: the region is one the tenant uses, and no live
    /// environment has the display name (the plan would adopt it instead of creating one).
    pub fn check_tenant(&self, observed: &Observed) -> Result<(), String> {
        let regions: BTreeSet<String> = observed
            .environments
            .values()
            .map(|e| e.region.to_lowercase())
            .filter(|r| !r.is_empty())
            .collect();
        if !regions.contains(&self.region.to_lowercase()) {
            let hint = ppgov_core::suggest::closest(&self.region, &regions)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "the tenant has no environment in region `{}`{hint}, so ppgov will not open it by request; regions the tenant uses: {}. A new region is the platform team's decision (declare the environment by hand). Nothing was changed",
                self.region,
                join(regions.iter())
            ));
        }
        if let Some(live) = observed
            .environments
            .values()
            .find(|e| e.display_name.eq_ignore_ascii_case(self.display_name()))
        {
            return Err(format!(
                "the tenant already has an environment named \"{}\" ({}); the request would adopt it rather than create one. Choose another name or --display-name. Nothing was changed",
                live.display_name, live.id
            ));
        }
        Ok(())
    }
}

pub(super) fn join<S: std::fmt::Display>(items: impl IntoIterator<Item = S>) -> String {
    let all: Vec<String> = items.into_iter().map(|s| format!("`{s}`")).collect();
    if all.is_empty() {
        "none".to_owned()
    } else {
        all.join(", ")
    }
}
