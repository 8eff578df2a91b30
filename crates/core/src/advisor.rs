//! Power Platform Advisor recommendations as ppgov reads them: each scenario (its id, name,
//! category when known, refresh time) with the resources it is about. Filled by the client
//! from the Advisor API (`tenant-client`'s `advisor` module); read by `ppgov assess
//! --advisor`. Scenario ids are the service's own and undocumented: they are data, never
//! matched against a list.

use serde::Serialize;

/// Every recommendation of a tenant, by scenario id (sorted: deterministic output).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Advisor {
    pub recommendations: Vec<Recommendation>,
}

/// What Advisor groups recommendations by. The documented shapes carry no category; it is
/// known only when the service sends one, else inferred from the scenario's name
/// ([`Category::infer`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Category {
    Security,
    OperationalEfficiency,
    LicensingAndCapacity,
    Performance,
    Unknown,
}

impl Category {
    /// A category the service names (`Security`, `Operational efficiency`, ..., any case and
    /// spacing), else the one the scenario's name suggests: security words (`security`,
    /// `shar`, `guest`, `anonymous`, `public`, `quarantin`, `credential`, `consent`) mean
    /// Security; `licens`, `capacity`, `storage` mean Licensing and capacity; `slow`,
    /// `performance` mean Performance; `unused`, `inactive`, `idle`, `orphan`, `high-value`,
    /// `high value` mean Operational efficiency; anything else is Unknown.
    pub fn infer(named: Option<&str>, scenario_name: &str) -> Category {
        if let Some(named) = named {
            let key: String = named
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase();
            match key.as_str() {
                "security" => return Category::Security,
                "operationalefficiency" => return Category::OperationalEfficiency,
                "licensingandcapacity" => return Category::LicensingAndCapacity,
                "performance" => return Category::Performance,
                _ => {}
            }
        }
        let name = scenario_name.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
        if has(&[
            "security",
            "shar",
            "guest",
            "anonymous",
            "public",
            "quarantin",
            "credential",
            "consent",
        ]) {
            Category::Security
        } else if has(&["licens", "capacity", "storage"]) {
            Category::LicensingAndCapacity
        } else if has(&["slow", "performance"]) {
            Category::Performance
        } else if has(&[
            "unused",
            "inactive",
            "idle",
            "orphan",
            "high-value",
            "high value",
        ]) {
            Category::OperationalEfficiency
        } else {
            Category::Unknown
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Security => "Security",
            Category::OperationalEfficiency => "Operational efficiency",
            Category::LicensingAndCapacity => "Licensing and capacity",
            Category::Performance => "Performance",
            Category::Unknown => "unknown",
        }
    }
}

/// One scenario's recommendation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    /// The service's scenario id.
    pub scenario: String,
    /// Its display name (the id when `/scenarios` does not name it).
    pub name: String,
    pub category: Category,
    /// How many resources the service says it is about (may exceed `resources` for
    /// environments that are not managed: Advisor details only managed ones).
    pub resource_count: Option<u64>,
    pub last_refreshed: Option<String>,
    pub resources: Vec<AffectedResource>,
}

/// A resource a recommendation is about.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AffectedResource {
    pub id: String,
    pub name: Option<String>,
    /// `PowerApp`, `Flow`, ... as the service names it.
    pub resource_type: Option<String>,
    pub sub_type: Option<String>,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub owner_id: Option<String>,
    pub environment_id: Option<String>,
    pub environment_name: Option<String>,
    pub last_accessed: Option<String>,
    /// Unique users in the last 30 days.
    pub usage: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::Category;

    #[test]
    fn categories() {
        assert_eq!(
            Category::infer(Some("Operational efficiency"), "Apps shared"),
            Category::OperationalEfficiency
        );
        assert_eq!(Category::infer(Some("SECURITY"), "x"), Category::Security);
        assert_eq!(
            Category::infer(None, "Apps shared with many users"),
            Category::Security
        );
        assert_eq!(
            Category::infer(None, "Unused apps"),
            Category::OperationalEfficiency
        );
        assert_eq!(
            Category::infer(Some("new thing"), "Idle Power Pages sites"),
            Category::OperationalEfficiency
        );
        assert_eq!(Category::infer(None, "Something else"), Category::Unknown);
    }
}
