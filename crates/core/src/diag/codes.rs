//! The diagnostic code registry.
//!
//! **Append-only.** A code, once released, keeps its number and meaning forever: users
//! grep for codes, suppress them, and link to them. Add new codes at the end of a range;
//! never renumber, never reuse. The `registry_is_append_only` test snapshots this table.
//!
//! Ranges: `PPG1xx` reading YAML, `PPG2xx` document structure and schema,
//! `PPG3xx` references and semantic rules, `PPG4xx` project file.

use super::Severity;

macro_rules! registry {
    ($( $code:literal $variant:ident $severity:ident $title:literal $explanation:expr; )*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable identifier, e.g. `PPG305`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// The severity every diagnostic with this code has.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// A short title for listings.
            pub fn title(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }

            /// What the check is, why it exists and how to fix it (for `docs/diagnostics.md`).
            pub fn explanation(self) -> &'static str {
                match self { $( Code::$variant => $explanation, )* }
            }
        }
    };
}

registry! {
    // ---- PPG1xx: reading files and YAML -------------------------------------------------
    "PPG100" YamlSyntax Error "YAML syntax error"
        "The file is not well-formed YAML. Documents before the error are still checked; the rest of the file is not.";
    "PPG101" AnchorOrAlias Error "anchors and aliases are not allowed"
        "YAML anchors (`&name`) and aliases (`*name`) make a reviewer chase values across the file and hide what a change affects in a pull request. Write the value out; repeat it if needed.";
    "PPG102" MergeKey Error "merge keys are not allowed"
        "The `<<` merge key is a YAML 1.1 extension that YAML 1.2 dropped; parsers disagree on it. Write the keys out.";
    "PPG103" Yaml11Boolean Error "ambiguous YAML 1.1 boolean"
        "`yes`, `no`, `on`, `off` (any case) are booleans in YAML 1.1 and strings in YAML 1.2, so tools disagree on them (the 'Norway problem'). Write `true`/`false` for a boolean, or quote the word for a string.";
    "PPG104" UnsupportedTag Error "YAML tags are not supported"
        "Only the `!!str` tag is accepted. Other tags (`!!binary`, custom `!Ref` tags) have no meaning in a policy document.";
    "PPG105" DuplicateKey Error "duplicate mapping key"
        "A key appears twice in one mapping. YAML says this is an error; some parsers silently keep the last value. The first occurrence is used for further checks.";
    "PPG106" NotAMapping Error "document is not a mapping"
        "Every document must be a mapping with `apiVersion`, `kind`, `metadata` and `spec`.";
    "PPG107" ComplexKey Error "mapping key is not a scalar"
        "Mapping keys must be plain strings. Sequences or mappings as keys are not supported.";
    "PPG108" UnreadableFile Error "file cannot be read"
        "The file could not be read or is not valid UTF-8.";
    "PPG109" NoDocuments Warning "no policy documents found"
        "The directory has no `*.yaml`/`*.yml` files with policy documents, so there is nothing to manage.";
    "PPG110" InternalParserError Error "internal parser error"
        "The YAML parser failed unexpectedly on this file. This is a bug in ppgov or its parser; please report it with the file.";
    "PPG111" SkippedFile Warning "file skipped"
        "A file in the policy directory looks like YAML but is not read: only names ending in `.yaml` or `.yml`, in lower case, are policy files (so `Env.YAML` is skipped on every system alike). Rename the file if it holds policy documents.";

    // ---- PPG2xx: document structure and JSON Schema --------------------------------------
    "PPG200" ApiVersion Error "missing or unsupported apiVersion"
        "Every document needs `apiVersion: ppgov.dev/v1`.";
    "PPG201" UnknownKind Error "missing or unknown kind"
        concat!("`kind` must be one of ", crate::kind::kind_names!(), ".");
    "PPG202" MissingField Error "required field missing"
        "A field the schema requires is absent.";
    "PPG203" UnknownField Error "unknown field"
        "The field is not part of the schema, usually a typo. Unknown fields are rejected rather than ignored so that a misspelt setting never silently does nothing.";
    "PPG204" WrongType Error "value has the wrong type"
        "The value is of a different type than the schema expects (for example a string where a boolean is needed).";
    "PPG205" InvalidValue Error "value not allowed"
        "The value is not one of the allowed values.";
    "PPG206" OutOfRange Error "value out of range"
        "A number, string length or list length is outside the allowed range.";
    "PPG207" BadFormat Error "value has the wrong format"
        "A string does not match the required format (for example a GUID, a URL or a resource name).";
    "PPG208" SchemaViolation Error "schema violation"
        "The value breaks a schema rule not covered by a more specific code.";

    // ---- PPG3xx: references and semantic rules -------------------------------------------
    "PPG300" DuplicateName Error "duplicate resource name"
        "Two documents of the same kind have the same `metadata.name`. Names are the addresses of resources and must be unique per kind.";
    "PPG301" DuplicateDisplayName Error "duplicate display name"
        "Two resources of the same kind have the same display name, and at least one is not pinned by `metadata.id`. ppgov finds unpinned resources by display name, so the two would claim the same live object.";
    "PPG302" UnknownGroup Error "unknown environment group"
        "The reference names no `EnvironmentGroup` document.";
    "PPG303" UnknownEnvironment Error "unknown environment"
        "The reference names no `Environment` document. Reference an environment that is not declared by its id (`id: <guid>`) or display name (`displayName: ...`); those are resolved against the tenant when planning.";
    "PPG304" UnknownConnector Error "unknown connector"
        "The connector is not in the connector catalog (the bundled catalog, or the project's `connectors.additional` list).";
    "PPG305" ConnectorInTwoGroups Error "connector classified twice"
        "A connector can be in only one of business, nonBusiness and blocked.";
    "PPG306" UnblockableBlocked Error "connector cannot be blocked"
        "The platform refuses to block core Microsoft 365 and platform connectors (SharePoint, Teams, Dataverse, Approvals, ...). Classify them as business or non-business.";
    "PPG307" EndpointRulesOrder Error "endpoint rules must end with `*`"
        "A connector's endpoint rules are evaluated in order and must end with exactly one catch-all `*` rule, which decides every endpoint not listed before it.";
    "PPG308" DuplicateEndpointRule Error "duplicate endpoint rule"
        "The same endpoint appears twice in one connector's rules; the second can never match.";
    "PPG309" EndpointFilteringUnsupported Error "connector does not support endpoint filtering"
        "Endpoint filtering is only available for HTTP, HTTP with Microsoft Entra ID, HTTP Webhook, SQL Server, Azure Blob Storage, SMTP, Dataverse and desktop-flow automation connectors.";
    "PPG310" UrlPatternsOrder Error "custom connector patterns must end with `*`"
        "Custom connector URL patterns are evaluated in order; the platform requires the last one to be the catch-all `*`, and `*` may appear only there.";
    "PPG311" IgnoreOnlyOnCatchAll Error "`ignore` is only allowed on `*`"
        "The `ignore` group (leave custom connectors matching the pattern to the connector classification) is only allowed on the final `*` pattern.";
    "PPG312" DuplicateUrlPattern Error "duplicate custom connector pattern"
        "The same URL pattern appears twice; the second can never match.";
    "PPG313" DuplicateActionRule Error "duplicate action rule"
        "The same connector, or the same action of one connector, has two action rules.";
    "PPG314" DuplicateRoleAssignment Error "duplicate role assignment"
        "The same principal has the same role at the same scope twice.";
    "PPG315" RoleScopeMismatch Error "role not valid at this scope"
        "Environment Admin and Environment Maker are environment roles: they apply to an environment or, expanded to its members, an environment group; never the tenant.";
    "PPG316" PrincipalTypeConflict Error "principal declared with two types"
        "The same principal object id is declared as two different principal types.";
    "PPG317" PrincipalTypeNotAllowed Error "principal type not allowed for this role"
        "Environment Admin and Environment Maker can be granted to users and groups only; service principals need a Power Platform role (owner, contributor, reader).";
    "PPG318" DuplicateTenantSettings Error "more than one TenantSettings document"
        "Tenant settings are a singleton: declare them in one `TenantSettings` document.";
    "PPG319" EnvironmentInTwoGroups Error "environment in two groups"
        "An environment can belong to at most one environment group.";
    "PPG320" UnmanagedEnvironmentInGroup Error "unmanaged environment in a group"
        "Only managed environments can join an environment group. Set `managed: true` on the environment.";
    "PPG321" SharingLimitConflict Error "sharing limit contradicts sharing mode"
        "`maxUsers` only applies when sharing with security groups is excluded (`mode: excludeSecurityGroups`).";
    "PPG322" EmptyDlpScope Error "DLP scope is inconsistent"
        "`mode: all` takes no lists; `mode: only` needs at least one environment or group; `mode: allExcept` with no exceptions is `mode: all`.";
    "PPG323" RedundantClassification Warning "connector listed in the default group"
        "The connector is listed in the group that is already the policy's default, so the entry has no effect.";
    "PPG324" ConnectorNotInCatalog Warning "connector id not in the catalog"
        "A full connector id that the catalog does not know, probably a custom connector. It is used as written; check the spelling.";
    "PPG325" InvalidPattern Error "invalid name pattern"
        "A display-name pattern is not a valid glob (`*` any text, `?` one character, `[abc]` a class).";
    "PPG326" RedundantRoleAssignment Warning "role assignment already inherited"
        "A Power Platform role granted at the tenant applies to every group and environment, so granting it again below is redundant.";
    "PPG327" ActionRulesOnBlockedConnector Warning "action rules on a blocked connector"
        "The connector is blocked, so its action rules never apply.";
    "PPG328" DuplicateMember Warning "environment listed twice"
        "The same environment appears twice in one list.";
    "PPG329" InvalidEndpoint Error "invalid endpoint for this connector"
        "Endpoint rules have a per-connector format: SQL Server `server,database`, SMTP `host,port`, Azure Blob Storage an account name, HTTP a URL pattern.";
    "PPG330" CatchAllNotLast Error "catch-all rule not last"
        "A rule after the catch-all `*` can never match.";
    "PPG331" EmptySelector Error "selector has no conditions"
        "A membership selector with no conditions would match every environment in the tenant. List environments explicitly, or add a condition.";
    "PPG332" IdNotAllowed Error "`metadata.id` not allowed for this kind"
        "`metadata.id` pins a document to one live object. A RoleAssignment document can declare several assignments, and Project and TenantSettings are not live objects, so none of them takes an id.";
    "PPG333" DuplicatePinnedId Error "two documents pinned to one live object"
        "Two documents of the same kind have the same `metadata.id`, so both would manage (and rename, or reconfigure) the one live object. Each live object is declared once: remove one document or fix the id.";
    "PPG334" UnknownReservedAnnotation Error "unknown `ppgov.dev/` annotation"
        "Annotation keys under `ppgov.dev/` are reserved for ppgov, which reads `ppgov.dev/renamed-from`, `ppgov.dev/allow-destroy`, `ppgov.dev/allow-loosening`, `ppgov.dev/allow-managed-environments` and `ppgov.dev/allow-breaking`. Any other key there is a typo that would silently do nothing (a misspelt `renamed-from` turns a rename into a delete and a create). Use your own prefix for your own annotations.";
    "PPG335" UnmatchableRegion Error "region can never match"
        "Power Platform regions (locations) are single lower-case words such as `europe`, `unitedstates` or `switzerland`. An Azure region (`West Europe`, `westeurope`, `eastus`) or any value with spaces, digits or punctuation never equals an environment's region (compared lower-case), so the selector or expectation could never hold.";
    "PPG336" RatingConstraintViolated Error "connector classified where its rating forbids"
        "The `ConnectorRating` puts the connector at a level whose constraints do not allow this group in this policy (for example a critical connector must be `blocked` in every policy that covers the default environment). The diagnostic points at where the policy classifies the connector (its list entry, or the policy's `default` group for connectors it does not list) and notes the constraint. Classify the connector as the level allows, or change its rating (an override records who decided and why).";
    "PPG337" UnknownRatingLevel Error "no such level on the rating scale"
        "A criterion or an override names a level that `spec.levels` of the `ConnectorRating` does not declare.";
    "PPG338" InvalidReviewDate Error "invalid review date"
        "Review dates are calendar dates written `YYYY-MM-DD`, and the next review comes after the review.";
    "PPG339" DuplicateConnectorRating Error "connector rating declared twice"
        "A repository has one connector rating scale: one `ConnectorRating` document, each level declared once, each connector overridden at most once.";

    "PPG340" InvalidLifecycle Error "environment lifecycle settings do not fit"
        "An environment with `lifecycle: owned` is created by ppgov when it is missing, so it needs a `type` the platform can create (Production, Sandbox, Trial or Developer) and a `region`. `dataverse` describes what ppgov provisions at creation, so it is only allowed with `lifecycle: owned`.";
    "PPG345" DuplicateAppCriticality Error "app criticality declared twice"
        "A repository has one app criticality scale: one `AppCriticality` document, each level and each criterion declared once.";
    "PPG346" UnknownCriticalityLevel Error "no such level on the app criticality scale"
        "A criterion or a review names a level that `spec.levels` of the `AppCriticality` does not declare.";
    "PPG347" InvalidControlProcess Error "control process does not fit"
        "`control: periodicReview` needs `reviewEveryDays` (at least 1), the days between reviews; `automated` and `reviewBeforeGoLive` have no period, so `reviewEveryDays` there would silently do nothing.";
    "PPG348" UnknownCriticalityRatingLevel Error "no such level on the connector rating scale"
        "`connectorRatingAtLeast` in an `AppCriticality` criterion names a level of the repository's `ConnectorRating`: the repository must declare one, with that level.";
    "PPG349" InvalidAppReview Error "app reference or review record is invalid"
        "An app in `spec.tags` or `spec.reviews` of the `AppCriticality` is named by `id` alone, or by `name` and `environment`; and each app has at most one review per day.";

    "PPG350" DuplicateAllowedTenant Error "tenant allowed twice"
        "A tenant isolation policy lists each allowed tenant once, with one `direction` (`inbound`, `outbound` or `both`). Tenant ids are compared without regard to case. Merge the entries: two would leave it unclear which direction is meant.";
    "PPG351" OwnTenantAllowed Error "own tenant in the isolation allow-list"
        "Tenant isolation restricts connections to and from other tenants; connections within your own tenant are never blocked. Listing the project's own tenant (`spec.tenant.id` in `ppgov.yaml`) is a mistake, usually a copied id: remove it, or fix the id of the partner tenant meant.";
    "PPG352" InvalidAllowedTenant Error "allowed tenant is not a tenant id"
        "An allowed tenant is written as its Entra tenant id (a GUID) or `*` (every tenant, in the given direction). The platform stores tenant ids, and ppgov resolves nothing over the network while validating, so a domain name such as `contoso.com` is not accepted: look the id up (the `tenant_id` in `https://login.microsoftonline.com/<domain>/v2.0/.well-known/openid-configuration`, or the partner's admin) and keep the domain in `name` for readers.";
    "PPG353" DuplicateTenantIsolationPolicy Error "more than one TenantIsolationPolicy document"
        "The tenant isolation policy is a singleton: declare it in one `TenantIsolationPolicy` document.";

    "PPG341" InvalidExpiry Error "invalid environment expiry"
        "`spec.expires` is the last day an environment is needed, a calendar date written `YYYY-MM-DD`; `spec.expiryGraceDays` (days kept after that day) only means something with `expires`.";
    "PPG342" ExpiryNeedsOwnership Error "expiry on an environment ppgov does not own"
        "An expired environment is deleted, and ppgov deletes only environments it owns (`lifecycle: owned`). On an adopted environment `expires` would never take effect, so it is refused rather than silently ignored. Add `lifecycle: owned` when ppgov may delete the environment (its `type` and `region` are then required), or remove `expires` and decommission the environment by hand.";

    // ---- PPG4xx: project file -----------------------------------------------------------
    "PPG400" MissingProjectFile Warning "no ppgov.yaml"
        "The directory has no `ppgov.yaml` project file, or the file holds no `kind: Project` document (for example because it is empty). Defaults apply: public cloud, bundled connector catalog, and `shared` ownership for every kind (unmanaged live objects are only reported).";
    "PPG401" DuplicateAdditionalConnector Error "connector declared twice in the project file"
        "An additional connector in `ppgov.yaml` has the same id as another one, or as a catalog entry.";
    "PPG402" UnknownCheck Error "unknown check id"
        "`spec.checks` in `ppgov.yaml` names a check id (under `rules` or in a suppression) that no check has. Check ids are `PPG-Cnnn`; `docs/checks.md` lists them. A typo would otherwise silently leave the intended check on or a finding unsuppressed.";
    "PPG403" InvalidSuppressionExpiry Error "suppression expiry is not a date"
        "Every suppression in `spec.checks.suppressions` needs `expires`, the last day it holds, written `YYYY-MM-DD`. A suppression that cannot expire is not accepted: findings come back for review.";

    // ---- PPG5xx: planning against the tenant --------------------------------------------
    "PPG500" CannotPlan Error "the plan cannot be made"
        "A declared resource cannot be matched to the tenant: a referenced live environment does not exist, a display name matches several live objects, a pinned id is gone, or the tenant contradicts an expectation (an environment's type or region). Nothing is planned until it is fixed; pin ambiguous objects with `metadata.id`.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} used twice");
            assert!(s.starts_with("PPG") && s.len() == 6, "{s}");
            assert!(s[3..].chars().all(|c| c.is_ascii_digit()), "{s}");
            assert!(!code.title().is_empty() && !code.explanation().is_empty());
        }
    }

    /// Changing this snapshot means renumbering or removing a released code: don't.
    /// Appending a code adds a line at the end of its range, which is fine.
    #[test]
    fn registry_is_append_only() {
        let table: String = Code::ALL
            .iter()
            .map(|c| format!("{} {:?} {:?} {}\n", c.as_str(), c, c.severity(), c.title()))
            .collect();
        insta::assert_snapshot!(table);
    }
}
