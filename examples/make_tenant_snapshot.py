#!/usr/bin/env python3
"""Writes examples/tenant-snapshot.json: Northwind Traders' tenant as found, before
`policies/` is applied. A ppgov tenant snapshot (format ppgov-tenant-snapshot/1: the
emulator's state, in the Power Platform APIs' own JSON shapes).

It is deliberately partly governed, so a plan shows every kind of change: environments that
are not managed yet, a renamed group, drifted rules, a DLP policy someone loosened by hand,
and objects nobody declared (deleted or only reported, depending on ppgov.yaml's ownership).

Run: python3 examples/make_tenant_snapshot.py  (deterministic; no dependencies)
"""
import json
import pathlib

TENANT = "3f6a9c2e-7b41-4d8a-9e15-c2b07d4f8a61"
API = "/providers/Microsoft.PowerApps/apis/"


def guid(n):
    return f"5a1e{n:04x}-0000-4000-8000-{n:012x}"


def env(n, name, sku, location, managed=False, group=None, default=False, env_id=None):
    env_id = env_id or guid(n)
    props = {
        "displayName": name,
        "description": "",
        "azureRegion": {"europe": "westeurope", "unitedstates": "eastus"}[location],
        "environmentSku": sku,
        "isDefault": default,
        "tenantId": TENANT,
        "createdTime": "2025-03-0%dT08:00:00.0000000Z" % (n % 9 + 1),
        "provisioningState": "Succeeded",
        "states": {"management": {"id": "Ready"}, "runtime": {"id": "Enabled"}},
        "governanceConfiguration": {"protectionLevel": "Standard" if managed else "Basic"},
    }
    if group:
        props["parentEnvironmentGroup"] = {"id": group}
    return env_id, {
        "id": f"/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{env_id}",
        "name": env_id,
        "location": location,
        "type": "Microsoft.BusinessAppPlatform/scopes/environments",
        "properties": props,
    }


FINANCE, SALES, SANDBOXES, MARKETING = guid(901), guid(902), "c5e81f3a-94d2-4b7e-a063-7f1d2e9b5c84", guid(904)

environments = dict([
    env(1, "Northwind Traders (default)", "Default", "europe", default=True),
    env(2, "DEV-Finance-Reporting", "Developer", "europe", managed=True, group=SANDBOXES),
    env(3, "DEV-Sales-Quotes", "Developer", "unitedstates"),
    env(4, "DEV-Integration-Lab", "Developer", "europe", managed=True, group=SANDBOXES),
    env(5, "Finance Prod", "Production", "europe", managed=True, group=FINANCE),
    env(6, "Finance Test", "Sandbox", "europe", managed=True, group=FINANCE),
    env(7, "People Prod", "Production", "europe", env_id="8d2f4b61-3c7e-4a90-b5d8-1e6c9a0f2b47"),
    env(8, "People Test", "Sandbox", "europe", env_id="2a7c9e13-6f48-4b25-8d0a-5c3e7b1f9d62"),
    env(9, "CoE Prod", "Production", "europe", managed=True),
    env(10, "CoE Test", "Sandbox", "europe", managed=True),
    env(11, "Sales Prod EU", "Production", "europe", managed=True, group=SALES),
    env(12, "Sales Prod US", "Production", "unitedstates", managed=True, group=SALES),
    env(13, "Sales Test", "Sandbox", "unitedstates", managed=True, group=SALES),
    env(14, "Supply Chain Prod", "Production", "europe", managed=True),
    env(15, "Warehouse Operations Prod US", "Production", "unitedstates", managed=True),
    env(16, "Supply Chain Test", "Sandbox", "europe"),
    env(17, "Store Replenishment Prod", "Production", "europe", managed=True),
    # Nobody declared these: reported or left alone, never adopted.
    env(18, "Marketing Campaigns", "Sandbox", "europe", managed=True, group=MARKETING),
    env(19, "Alex Kim's Environment", "Developer", "europe"),
])


def group(gid, name, description):
    return gid, {"id": gid, "displayName": name, "description": description,
                 "createdTime": "2025-04-01T09:00:00.0000000Z"}


environment_groups = dict([
    group(FINANCE, "Finance", "Finance business unit"),
    group(SALES, "Sales", "Managed environments of the Sales business unit (EU and US production, test)."),
    # Renamed in the repository: matched by its pinned id, so it is updated, not replaced.
    group(SANDBOXES, "Dev sandboxes", "Developer environments"),
    # Not declared; DLP and group ownership are exclusive in policies/ppgov.yaml.
    group(MARKETING, "Marketing", "Campaign apps"),
])


def values(**pairs):
    return [{"id": k, "value": v} for k, v in pairs.items()]


rule_sets = {
    guid(951): {
        "id": guid(951),
        "lastModified": "2025-05-01T10:00:00.0000000Z",
        "environmentFilter": {"type": "Include", "values": [{"id": FINANCE, "type": "EnvironmentGroup"}]},
        "parameters": [
            {"type": "Sharing", "resourceType": "App", "value": values(
                CanShareWithSecurityGroups="excludeSharingToSecurityGroups", IsGroupSharingDisabled="true", MaximumShareLimit="20")},
            # Drift: the repository wants block and 28 days.
            {"type": "SolutionChecker", "resourceType": "NotSpecified", "value": values(
                solutionCheckerMode="warn", suppressValidationEmails="false", solutionCheckerRuleOverrides="")},
            {"type": "Lifecycle", "resourceType": "NotSpecified", "value": values(RetentionPeriod="14.00:00:00")},
        ],
    }
}


def connectors(*names):
    return [{"id": API + "shared_" + n, "name": "shared_" + n, "type": "Microsoft.PowerApps/apis"} for n in names]


def policy(pid, name, default, env_type, envs, business, non_business, blocked, etag):
    return pid, {
        "policyDefinition": {
            "name": pid,
            "displayName": name,
            "defaultConnectorsClassification": default,
            "connectorGroups": [
                {"classification": "Confidential", "connectors": connectors(*business)},
                {"classification": "General", "connectors": connectors(*non_business)},
                {"classification": "Blocked", "connectors": connectors(*blocked)},
            ],
            "environmentType": env_type,
            "environments": [
                {"id": f"/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/{e}", "name": e,
                 "type": "Microsoft.BusinessAppPlatform/scopes/environments"} for e in envs],
            "createdBy": {"displayName": "Power Platform CoE"},
            "createdTime": "2025-02-01T08:00:00.0000000Z",
            "lastModifiedBy": {"displayName": "Power Platform CoE"},
            "lastModifiedTime": "2025-06-01T08:00:00.0000000Z",
            "etag": etag,
            "isLegacySchemaVersion": False,
        },
        "customConnectorUrlPatternsDefinition": {"rules": [
            {"order": 1, "customConnectorRuleClassification": "Ignore", "pattern": "*"}]},
    }


dlp_policies = dict([
    # Someone moved Dropbox to business by hand: the plan moves it back, as a tightening.
    policy(guid(971), "Default environment - personal productivity", "Blocked", "OnlyEnvironments", [guid(1)],
           ["sharepointonline", "office365", "teams", "dropbox"], [], [], "0b6f1c2e-0000-4000-8000-000000000971"),
    # Not declared and DLP ownership is exclusive: planned for deletion, flagged as risky.
    policy(guid(972), "Legacy - allow everything", "General", "AllEnvironments", [],
           [], [], [], "0b6f1c2e-0000-4000-8000-000000000972"),
])

READER = "c886ad2e-27f7-4874-8381-5849b8d8a090"
rbac_role_assignments = {
    guid(981): {"roleAssignmentId": guid(981), "principalObjectId": "2d6f8a14-9c3b-4e75-a2d1-6b8e0f3c7a29",
                "roleDefinitionId": READER, "scope": f"/tenants/{TENANT}", "principalType": "Group",
                "createdOn": "2025-05-05T00:00:00Z"},
    # Granted by hand during an audit; role assignments are shared, so only reported.
    guid(982): {"roleAssignmentId": guid(982), "principalObjectId": "7f3e2d1c-0b9a-4876-8543-210fedcba987",
                "roleDefinitionId": READER, "scope": f"/tenants/{TENANT}", "principalType": "User",
                "createdOn": "2025-08-15T00:00:00Z"},
}

tenant_settings = {
    "walkMeOptOut": False,
    "disableNPSCommentsReachout": False,
    "disableNewsletterSendout": False,
    "disableEnvironmentCreationByNonAdminUsers": False,
    "disablePortalsCreationByNonAdminUsers": False,
    "disableSurveyFeedback": False,
    "disableTrialEnvironmentCreationByNonAdminUsers": False,
    "disableCapacityAllocationByEnvironmentAdmins": False,
    "disableSupportTicketsVisibleByAllUsers": False,
    "powerPlatform": {
        "search": {"disableDocsSearch": False, "disableCommunitySearch": False, "disableBingVideoSearch": False},
        "teamsIntegration": {"shareWithColleaguesUserLimit": 10000},
        "powerApps": {"disableShareWithEveryone": False, "enableGuestsToMake": False, "disableMakerMatch": False,
                      "disableUnusedLicenseAssignment": False, "disableCreateFromImage": False,
                      "disableCreateFromFigma": False, "disableConnectionSharingWithEveryone": False},
        "powerAutomate": {"disableCopilot": False, "disableCopilotWithBing": False},
        "environments": {"disablePreferredDataLocationForTeamsEnvironment": False},
        "governance": {"disableAdminDigest": False, "disableDeveloperEnvironmentCreationByNonAdminUsers": False,
                       "enableDefaultEnvironmentRouting": False, "environmentRoutingAllMakers": False,
                       "policy": {"enableDesktopFlowDataPolicyManagement": False}},
        "licensing": {"disableBillingPolicyCreationByNonAdminUsers": False,
                      "enableTenantCapacityReportForEnvironmentAdmins": False,
                      "storageCapacityConsumptionWarningThreshold": 85,
                      "enableTenantLicensingReportForEnvironmentAdmins": False,
                      "disableUseOfUnassignedAIBuilderCredits": False,
                      "applyAutoClaimToOnlyManagedEnvironments": False},
        "powerPages": {},
        "champions": {"disableChampionsInvitationReachout": False, "disableSkillsMatchInvitationReachout": False},
        "intelligence": {"disableCopilot": False, "enableOpenAiBotPublishing": False,
                         "disableCopilotFeedback": False, "disableCopilotFeedbackMetadata": False},
        "modelExperimentation": {"enableModelDataSharing": False, "disableDataLogging": False},
        "catalogSettings": {"powerCatalogAudienceSetting": "All"},
        "userManagementSettings": {"enableDeleteDisabledUserinAllEnvironments": False},
    },
}


# ---- inventory: what runs in three environments (served by the emulator; plan does not read it
# yet). Some of it the repository's DLP policies would break: Dropbox in the default
# environment, Slack and Salesforce once the production policy blocks unlisted connectors.
DEFAULT_ENV, FINANCE_PROD, SALES_PROD_EU = guid(1), guid(5), guid(11)
PEOPLE = {
    "megan": ("6e2b4c8d-1f3a-4b5c-9d7e-0a1b2c3d4e5f", "Megan Bowen"),
    "diego": ("9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "Diego Siciliani"),
    "lidia": ("3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d", "Lidia Holloway"),
}
ORDERS = "shared_northwind-5forders-5f1a2b3c4d5e6f7a8b"


def principal(who):
    oid, name = PEOPLE[who]
    mail = name.lower().replace(" ", ".") + "@northwindtraders.com"
    return {"id": oid, "displayName": name, "email": mail, "type": "User", "tenantId": TENANT,
            "userPrincipalName": mail}


def app(n, env_id, name, who, shared, apis, dataverse=False):
    app_id = guid(1000 + n)
    refs = {guid(1100 + n * 10 + i): {"id": (API + a).lower(), "displayName": a, "apiTier": "Standard",
                                       "isCustomApiConnection": a == ORDERS, "isOnPremiseConnection": False}
            for i, a in enumerate(apis)}
    props = {
        "displayName": name, "lifeCycleId": "Published", "status": "Ready",
        "owner": principal(who), "createdBy": principal(who), "lastModifiedBy": principal(who),
        "createdTime": "2025-04-%02dT09:00:00.0000000Z" % (n + 1),
        "lastModifiedTime": "2025-09-%02dT16:30:00.0000000Z" % (n + 1),
        "sharedUsersCount": shared, "sharedGroupsCount": 1,
        "environment": {"id": f"/providers/Microsoft.PowerApps/environments/{env_id}", "name": env_id,
                        "location": "europe"},
        "connectionReferences": refs,
        "appPlanClassification": "Standard", "usesPremiumApi": False,
        "usesCustomApi": ORDERS in apis, "usesOnPremiseGateway": False,
    }
    if dataverse:
        props["databaseReferences"] = {"default.cds": {"databaseDetails": {"environmentName": env_id}}}
    return app_id, {"name": app_id, "type": "Microsoft.PowerApps/scopes/admin/apps", "appType": "ClassicCanvasApp",
                    "id": f"/providers/Microsoft.PowerApps/scopes/admin/environments/{env_id}/apps/{app_id}",
                    "properties": props}


connections = {}


def connection(env_id, api, name, who, server=None, database=None):
    params = {"name": "oauth2-auth", "values": {}}
    if server:
        params = {"name": "sqlAuthentication",
                  "values": {"server": {"value": server}, "database": {"value": database}}}
    connections.setdefault(env_id, {})[name] = {
        "name": name, "id": f"{API}{api}/connections/{name}", "type": "Microsoft.PowerApps/apis/connections",
        "properties": {"apiId": API + api, "displayName": api, "statuses": [{"status": "Connected"}],
                       "connectionParametersSet": params, "createdBy": principal(who),
                       "createdTime": "2025-04-10T09:00:00.0000000Z",
                       "lastModifiedTime": "2025-04-10T09:00:00.0000000Z",
                       "environment": {"id": f"/providers/Microsoft.PowerApps/environments/{env_id}",
                                       "name": env_id}}}
    return name


def flow(n, env_id, name, who, uses, state="Started"):
    """`uses`: (connector, [actions], connection or None)."""
    flow_id = guid(2000 + n)
    refs, actions = {}, []
    for api, ops, conn in uses:
        refs[api] = {"connectionName": conn, "id": API + api, "displayName": api, "source": "Embedded",
                     "tier": "Standard",
                     "apiDefinition": {"name": api, "id": API + api, "properties": {"isCustomApi": False}}}
        actions += [{"type": "OpenApiConnection", "swaggerOperationId": op,
                     "api": {"name": api, "id": API + api, "type": "Microsoft.PowerApps/apis"}} for op in ops]
    oid = PEOPLE[who][0]
    return flow_id, {
        "name": flow_id, "type": "Microsoft.ProcessSimple/environments/flows",
        "id": f"/providers/Microsoft.ProcessSimple/environments/{env_id}/flows/{flow_id}",
        "properties": {
            "apiId": "/providers/Microsoft.PowerApps/apis/shared_logicflows", "displayName": name,
            "state": state, "createdTime": "2025-05-%02dT07:00:00.0000000Z" % (n + 1),
            "lastModifiedTime": "2025-10-%02dT12:00:00.0000000Z" % (n + 1), "flowSuspensionReason": "None",
            "environment": {"name": env_id, "type": "Microsoft.ProcessSimple/environments",
                            "id": f"/providers/Microsoft.ProcessSimple/environments/{env_id}"},
            "definitionSummary": {"triggers": [{"type": "Recurrence"}], "actions": actions},
            "creator": {"tenantId": TENANT, "objectId": oid, "userId": oid, "userType": "ActiveDirectory"},
            "isManaged": False, "connectionReferences": refs,
        },
    }


apps = {
    DEFAULT_ENV: dict([
        app(1, DEFAULT_ENV, "Expense Receipts", "megan", 240, ["shared_sharepointonline", "shared_office365"]),
        # Compliant only while Dropbox stays business (the hand edit the plan reverts).
        app(2, DEFAULT_ENV, "Team Lunch Poll", "diego", 35, ["shared_sharepointonline", "shared_dropbox"]),
    ]),
    FINANCE_PROD: dict([
        app(3, FINANCE_PROD, "Invoice Approvals", "lidia", 88, ["shared_sql", "shared_approvals", "shared_office365"]),
    ]),
    SALES_PROD_EU: dict([
        app(4, SALES_PROD_EU, "Quote Builder", "diego", 410, ["shared_sharepointonline", ORDERS], dataverse=True),
    ]),
}
flows = {
    DEFAULT_ENV: dict([
        flow(1, DEFAULT_ENV, "Save attachments to Dropbox", "diego", [
            ("shared_office365", ["GetEmails_V3"], connection(DEFAULT_ENV, "shared_office365", "office365-d1e90f", "diego")),
            ("shared_dropbox", ["CreateFile"], connection(DEFAULT_ENV, "shared_dropbox", "dropbox-d1e90f", "diego"))]),
        # Violates the live default-environment policy already (both connectors unlisted: blocked).
        flow(2, DEFAULT_ENV, "Tweet new blog posts", "megan", [
            ("shared_rss", ["ListFeedItems"], connection(DEFAULT_ENV, "shared_rss", "rss-6b2c11", "megan")),
            ("shared_twitter", ["Tweet"], connection(DEFAULT_ENV, "shared_twitter", "twitter-6b2c11", "megan"))],
            state="Suspended"),
    ]),
    FINANCE_PROD: dict([
        flow(3, FINANCE_PROD, "Nightly ledger export", "lidia", [
            ("shared_sql", ["GetItems_V2"], connection(FINANCE_PROD, "shared_sql", "sql-ledger-4f0a",
                                                       "lidia", "nwt-sql-finance.database.windows.net", "ledger")),
            ("shared_azureblob", ["CreateFile_V2"], connection(FINANCE_PROD, "shared_azureblob", "blob-4f0a", "lidia"))]),
        # Slack is not in the production policy, whose default group is Blocked.
        flow(4, FINANCE_PROD, "Post FX rates to Slack", "lidia", [
            ("shared_sql", ["GetItems_V2"], connection(FINANCE_PROD, "shared_sql", "sql-fx-77e2",
                                                       "lidia", "nwt-sql-finance.database.windows.net", "ledger")),
            ("shared_slack", ["PostMessage"], connection(FINANCE_PROD, "shared_slack", "slack-77e2", "lidia"))]),
    ]),
    SALES_PROD_EU: dict([
        flow(5, SALES_PROD_EU, "Sync leads from Salesforce", "diego", [
            ("shared_salesforce", ["GetItems"], connection(SALES_PROD_EU, "shared_salesforce", "salesforce-0c3d", "diego")),
            ("shared_commondataserviceforapps", ["CreateRecord"],
             connection(SALES_PROD_EU, "shared_commondataserviceforapps", "dataverse-0c3d", "diego"))]),
    ]),
}
custom_connectors = {
    SALES_PROD_EU: {ORDERS: {
        "name": ORDERS, "id": API + ORDERS, "type": "Microsoft.PowerApps/apis",
        "properties": {"displayName": "Northwind Orders", "isCustomApi": True, "tier": "Premium",
                       "createdTime": "2025-03-20T10:00:00.0000000Z",
                       "environment": {"id": f"/providers/Microsoft.PowerApps/environments/{SALES_PROD_EU}",
                                       "name": SALES_PROD_EU},
                       "swagger": {"swagger": "2.0", "host": "orders.api.northwindtraders.com", "basePath": "/",
                                   "schemes": ["https"]}}}},
}

snapshot = {
    "format": "ppgov-tenant-snapshot/1",
    "tenantId": TENANT,
    "tenantInfo": {"state": "Enabled", "location": "europe", "aadCountryGeo": "europe", "dataStorageGeo": "europe"},
    "environments": environments,
    "environmentGroups": environment_groups,
    "ruleSets": rule_sets,
    "ruleBasedPolicies": {},
    "ruleAssignments": {},
    "dlpPolicies": dlp_policies,
    "bapRoleAssignments": {},
    "rbacRoleAssignments": rbac_role_assignments,
    "tenantSettings": tenant_settings,
    "apps": apps,
    "flows": flows,
    "customConnectors": custom_connectors,
    "connections": connections,
}

out = pathlib.Path(__file__).with_name("tenant-snapshot.json")
out.write_text(json.dumps(snapshot, indent=2, sort_keys=True) + "\n")
print(f"wrote {out}")
