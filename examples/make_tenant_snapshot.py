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
}

out = pathlib.Path(__file__).with_name("tenant-snapshot.json")
out.write_text(json.dumps(snapshot, indent=2, sort_keys=True) + "\n")
print(f"wrote {out}")
