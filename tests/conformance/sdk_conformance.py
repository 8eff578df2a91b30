#!/usr/bin/env python3
"""Conformance run of Microsoft's Power Platform SDK against a Power Platform API endpoint.

The client is `powerplatform-management` (PyPI, import name `mspp_management`), the
Kiota-generated Python SDK for api.powerplatform.com. Pointed at the ppgov emulator it is an
independent check that the emulator speaks the wire format Microsoft's own client expects.
Every call goes through the SDK's request builders and every answer is parsed into SDK
models; nothing here sends raw HTTP. SDK-WIRE.md (next to this file) describes the requests.

    python sdk_conformance.py --base-url http://127.0.0.1:PORT --token TOKEN \
        --environment-id ENV_ID --tenant-id TENANT_ID

One line per check (`ok  <name>` or `FAIL <name>: <reason>`), then `N passed, M failed`;
the exit status is 1 if any check failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
import uuid
from typing import Any, Awaitable, Callable, Optional
from urllib.parse import urlparse

import httpx
from kiota_abstractions.api_error import APIError
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_http.httpx_request_adapter import HttpxRequestAdapter
from kiota_http.kiota_client_factory import KiotaClientFactory

from mspp_management.service_client_base import ServiceClientBase
from mspp_management.models.environment_group import EnvironmentGroup
from mspp_management.models.mg_gov_environment_values import MgGovEnvironmentValues
from mspp_management.models.mg_gov_error_response import MgGovErrorResponse
from mspp_management.models.mg_gov_filter_type import MgGovFilterType
from mspp_management.models.mg_gov_policy_environment_filter import MgGovPolicyEnvironmentFilter
from mspp_management.models.mg_gov_resource_type import MgGovResourceType
from mspp_management.models.mg_gov_rule import MgGovRule
from mspp_management.models.mg_gov_rule_set_type import MgGovRuleSetType
from mspp_management.models.problem_details import ProblemDetails
from mspp_management.models.role_assignment_request import RoleAssignmentRequest
from mspp_management.models.rule_set_dto import RuleSetDto
from mspp_management.models.rule_set_parameters import RuleSetParameters

DEFAULT_API_VERSION = "2024-10-01"  # ppgov's versions::POWER_PLATFORM
MAX_PAGES = 50  # @odata.nextLink pages followed before giving up


# ---- client construction ------------------------------------------------------------------


class StaticTokenProvider(AccessTokenProvider):
    """Hands out one fixed bearer token, and only to the host under test.

    The SDK's Azure provider (kiota_authentication_azure) needs Azure Identity credentials;
    this one needs nothing, so any token the emulator accepts works.
    """

    def __init__(self, token: str, base_url: str) -> None:
        self._token = token
        host = urlparse(base_url).hostname or ""
        self._validator = AllowedHostsValidator([host])

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] = {}
    ) -> str:
        # An absolute @odata.nextLink to some other host gets no token.
        return self._token if self._validator.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._validator


def make_client(base_url: str, token: str, timeout: float) -> tuple[ServiceClientBase, httpx.AsyncClient]:
    """An SDK client whose every request goes to `base_url` with `Authorization: Bearer <token>`."""
    auth = BaseBearerTokenAuthenticationProvider(StaticTokenProvider(token, base_url))
    # Kiota's default httpx client with its default middleware (retry on 429/503/504,
    # redirects, User-Agent), only with a shorter timeout than the default 100 s.
    http_client = KiotaClientFactory.create_with_default_middleware(
        httpx.AsyncClient(timeout=httpx.Timeout(timeout), http2=True)
    )
    adapter = HttpxRequestAdapter(auth, http_client=http_client)
    # ServiceClientBase falls back to https://api.powerplatform.com only when this is empty.
    # The URL templates are "{+baseurl}/environmentmanagement/...", so no trailing slash.
    adapter.base_url = base_url.rstrip("/")
    return ServiceClientBase(adapter), http_client


class Versioned:
    """Builds the per-request configuration that sets `?api-version=`.

    Every URL template in the SDK is `...?api-version={api%2Dversion}`: with no value the SDK
    still sends the key, as `api-version=` (empty). Each builder has its own generated
    `<Builder><Verb>QueryParameters` dataclass; this finds it by name.
    """

    def __init__(self, api_version: Optional[str]) -> None:
        self.api_version = api_version

    def __call__(self, builder: Any, verb: str) -> Optional[RequestConfiguration]:
        if self.api_version is None:
            return None
        cls_name = f"{type(builder).__name__}{verb}QueryParameters"
        params_cls = getattr(type(builder), cls_name)
        return RequestConfiguration(query_parameters=params_cls(api_version=self.api_version))


# ---- check runner ---------------------------------------------------------------------------


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def expect_eq(what: str, actual: Any, expected: Any) -> None:
    if actual != expected:
        raise CheckFailed(f"{what}: expected {expected!r}, got {actual!r}")


def describe_error(exc: BaseException) -> str:
    """One line for an SDK exception, including the service's error body when it parsed."""
    if isinstance(exc, CheckFailed):
        return str(exc)
    if isinstance(exc, APIError):
        status = exc.response_status_code
        detail = ""
        if isinstance(exc, ProblemDetails):
            detail = " ".join(p for p in (exc.title, exc.detail) if p)
        elif isinstance(exc, MgGovErrorResponse) and exc.error is not None:
            detail = ": ".join(p for p in (exc.error.code, exc.error.message) if p)
        if not detail:
            detail = exc.message or type(exc).__name__
        return f"HTTP {status}: {detail}"
    if isinstance(exc, httpx.HTTPError):
        return f"transport error: {type(exc).__name__}: {exc}"
    return f"{type(exc).__name__}: {exc}"


class Runner:
    def __init__(self, verbose: bool) -> None:
        self.passed = 0
        self.failed = 0
        self.verbose = verbose
        self.failed_names: set[str] = set()

    async def check(
        self,
        name: str,
        body: Callable[[], Awaitable[Any]],
        needs: tuple[Optional[Any], ...] = (),
        needs_names: tuple[str, ...] = (),
    ) -> Any:
        """Runs one check; returns its result, or None if it failed or could not run."""
        if any(n is None for n in needs):
            missing = ", ".join(needs_names) or "an earlier check"
            return self._fail(name, f"not run: needs {missing}")
        try:
            result = await body()
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none is fatal
            if self.verbose and not isinstance(exc, CheckFailed):
                traceback.print_exc(file=sys.stderr)
            return self._fail(name, describe_error(exc))
        self.passed += 1
        print(f"ok  {name}", flush=True)
        return result if result is not None else True

    def _fail(self, name: str, reason: str) -> None:
        self.failed += 1
        self.failed_names.add(name)
        print(f"FAIL {name}: {reason}", flush=True)
        return None


# ---- helpers over SDK models ----------------------------------------------------------------


async def list_all_groups(client: ServiceClientBase, v: Versioned) -> list[EnvironmentGroup]:
    """All environment groups, following `@odata.nextLink`."""
    builder = client.environmentmanagement.environment_groups
    page = await builder.get(v(builder, "Get"))
    expect(page is not None, "list answered with no body")
    groups: list[EnvironmentGroup] = []
    for _ in range(MAX_PAGES):
        expect(page.value is not None, "list body has no `value` array")
        groups.extend(page.value)
        if not page.odata_next_link:
            return groups
        page = await builder.with_url(page.odata_next_link).get()
        expect(page is not None, "nextLink page answered with no body")
    raise CheckFailed(f"more than {MAX_PAGES} pages of @odata.nextLink")


async def list_group_rule_sets(client: ServiceClientBase, v: Versioned, group_id: uuid.UUID) -> list[RuleSetDto]:
    """The group's rule sets; a 204 / empty body (no rule set yet) is an empty list."""
    builder = client.governance.environment_groups.by_group_id(group_id).rule_sets
    page = await builder.get(v(builder, "Get"))
    rule_sets: list[RuleSetDto] = []
    for _ in range(MAX_PAGES):
        if page is None:
            return rule_sets
        expect(page.value is not None, "rule set list body has no `value` array")
        rule_sets.extend(page.value)
        if not page.odata_next_link:
            return rule_sets
        page = await builder.with_url(page.odata_next_link).get()
    raise CheckFailed(f"more than {MAX_PAGES} pages of @odata.nextLink")


def rule_values(rule_set: RuleSetDto) -> dict[tuple[MgGovRuleSetType, str], str]:
    """(parameter type, rule id) -> value, insisting every parameter parsed fully."""
    expect(rule_set.parameters is not None, "rule set has no `parameters`")
    out: dict[tuple[MgGovRuleSetType, str], str] = {}
    for p in rule_set.parameters:
        extra = f" (additional data: {sorted(p.additional_data)})" if p.additional_data else ""
        expect(p.type is not None, f"a parameter's `type` is missing or not an MgGovRuleSetType{extra}")
        expect(p.value is not None, f"parameter {p.type.value} has no `value` array")
        for rule in p.value:
            expect(rule.id is not None, f"a rule of {p.type.value} has no string `id`")
            expect(rule.value is not None, f"rule {p.type.value}/{rule.id} has no string `value`")
            out[(p.type, rule.id)] = rule.value
    return out


def expect_rule_values(rule_set: RuleSetDto, wanted: dict[tuple[MgGovRuleSetType, str], str]) -> None:
    got = rule_values(rule_set)
    for key, value in wanted.items():
        kind, rule_id = key
        expect(key in got, f"rule {kind.value}/{rule_id} missing (got {sorted(f'{k.value}/{r}' for k, r in got)})")
        expect_eq(f"rule {kind.value}/{rule_id}", got[key], value)


def expect_resource_type(rule_set: RuleSetDto, kind: MgGovRuleSetType, resource_type: MgGovResourceType) -> None:
    params = [p for p in rule_set.parameters or [] if p.type == kind]
    expect(len(params) == 1, f"expected one {kind.value} parameter, got {len(params)}")
    expect_eq(f"{kind.value} resourceType", params[0].resource_type, resource_type)


def build_rule_set(group_id: uuid.UUID, share_limit: str, retention: str) -> RuleSetDto:
    """A rule set with one Sharing (canvas apps) and one Lifecycle (backup retention) parameter."""
    return RuleSetDto(
        environment_filter=MgGovPolicyEnvironmentFilter(
            type=MgGovFilterType.Include,
            values=[MgGovEnvironmentValues(id=str(group_id), type="EnvironmentGroup")],
        ),
        parameters=[
            RuleSetParameters(
                type=MgGovRuleSetType.Sharing,
                resource_type=MgGovResourceType.App,
                value=[
                    MgGovRule(id="CanShareWithSecurityGroups", value="excludeSharingToSecurityGroups"),
                    MgGovRule(id="IsGroupSharingDisabled", value="true"),
                    MgGovRule(id="MaximumShareLimit", value=share_limit),
                ],
            ),
            RuleSetParameters(
                type=MgGovRuleSetType.Lifecycle,
                resource_type=MgGovResourceType.NotSpecified,
                value=[MgGovRule(id="RetentionPeriod", value=retention)],
            ),
        ],
    )


def expected_rules(share_limit: str, retention: str) -> dict[tuple[MgGovRuleSetType, str], str]:
    return {
        (MgGovRuleSetType.Sharing, "CanShareWithSecurityGroups"): "excludeSharingToSecurityGroups",
        (MgGovRuleSetType.Sharing, "IsGroupSharingDisabled"): "true",
        (MgGovRuleSetType.Sharing, "MaximumShareLimit"): share_limit,
        (MgGovRuleSetType.Lifecycle, "RetentionPeriod"): retention,
    }


def parse_uuid(what: str, value: Optional[str]) -> uuid.UUID:
    expect(value is not None, f"{what} is missing")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CheckFailed(f"{what} is not a GUID: {value!r}") from None


# ---- the run --------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> int:
    client, http_client = make_client(args.base_url, args.token, args.timeout)
    v = Versioned(args.api_version)
    r = Runner(args.verbose)
    suffix = uuid.uuid4().hex[:8]
    group_name = f"ppgov-conformance-{suffix}"
    group_description = f"Created by tests/conformance/sdk_conformance.py ({suffix})"
    tenant_scope = f"/tenants/{args.tenant_id}"
    principal_id = args.principal_id or str(uuid.uuid4())

    try:
        # -- environment groups --------------------------------------------------------------
        async def list_groups_initial() -> list[EnvironmentGroup]:
            groups = await list_all_groups(client, v)
            for g in groups:
                expect(isinstance(g.id, uuid.UUID), f"a listed group has no GUID `id`: {g.display_name!r}")
                expect(g.display_name is not None, f"group {g.id} has no `displayName`")
            return groups

        initial = await r.check("environment_groups.list", list_groups_initial)

        async def create_group() -> EnvironmentGroup:
            builder = client.environmentmanagement.environment_groups
            body = EnvironmentGroup(display_name=group_name, description=group_description)
            created = await builder.post(body, v(builder, "Post"))
            expect(created is not None, "create answered with no body")
            expect(isinstance(created.id, uuid.UUID), f"created group `id` is not a GUID: {created.id!r}")
            expect_eq("displayName", created.display_name, group_name)
            expect_eq("description", created.description, group_description)
            if isinstance(initial, list):
                expect(all(g.id != created.id for g in initial), f"new id {created.id} was already listed")
            return created

        group = await r.check("environment_groups.create", create_group)
        group_id: Optional[uuid.UUID] = group.id if group else None

        async def get_group() -> None:
            builder = client.environmentmanagement.environment_groups.by_group_id(str(group_id))
            got = await builder.get(v(builder, "Get"))
            expect(got is not None, "get answered with no body")
            expect_eq("id", got.id, group_id)
            expect_eq("displayName", got.display_name, group_name)
            expect_eq("description", got.description, group_description)

        await r.check("environment_groups.get", get_group, (group_id,), ("environment_groups.create",))

        async def list_groups_again() -> None:
            groups = await list_all_groups(client, v)
            mine = [g for g in groups if g.id == group_id]
            expect(len(mine) == 1, f"group {group_id} listed {len(mine)} times")
            expect_eq("listed displayName", mine[0].display_name, group_name)
            expect_eq("listed description", mine[0].description, group_description)

        await r.check("environment_groups.list_contains_new", list_groups_again, (group_id,),
                      ("environment_groups.create",))

        async def add_environment() -> None:
            builder = (client.environmentmanagement.environment_groups.by_group_id(str(group_id))
                       .add_environment.by_environment_id(args.environment_id))
            await builder.post(v(builder, "Post"))  # any 2xx; the body is ignored

        added = await r.check("environment_groups.add_environment", add_environment, (group_id,),
                              ("environment_groups.create",))

        # -- rule sets ------------------------------------------------------------------------
        async def rule_sets_before() -> None:
            rule_sets = await list_group_rule_sets(client, v, group_id)
            expect(rule_sets == [], f"a new group already has {len(rule_sets)} rule set(s)")

        await r.check("rule_sets.list_new_group_empty", rule_sets_before, (group_id,),
                      ("environment_groups.create",))

        async def create_rule_set() -> uuid.UUID:
            builder = client.governance.environment_groups.by_group_id(group_id).rule_sets
            created = await builder.post(build_rule_set(group_id, "20", "28.00:00:00"), v(builder, "Post"))
            expect(created is not None, "create answered with no body")
            rule_set_id = parse_uuid("rule set `id`", created.id)
            expect_rule_values(created, expected_rules("20", "28.00:00:00"))
            expect_resource_type(created, MgGovRuleSetType.Sharing, MgGovResourceType.App)
            expect_resource_type(created, MgGovRuleSetType.Lifecycle, MgGovResourceType.NotSpecified)
            return rule_set_id

        rule_set_id = await r.check("rule_sets.create", create_rule_set, (group_id,), ("environment_groups.create",))
        rule_set_id = rule_set_id if isinstance(rule_set_id, uuid.UUID) else None

        async def update_rule_set() -> None:
            builder = client.governance.rule_sets.by_rule_set_id(rule_set_id)
            updated = await builder.put(build_rule_set(group_id, "10", "14.00:00:00"), v(builder, "Put"))
            expect(updated is not None, "update answered with no body")
            expect_eq("rule set id", parse_uuid("rule set `id`", updated.id), rule_set_id)
            expect_rule_values(updated, expected_rules("10", "14.00:00:00"))

        await r.check("rule_sets.update", update_rule_set, (rule_set_id,), ("rule_sets.create",))

        async def read_rule_set_back() -> None:
            rule_sets = await list_group_rule_sets(client, v, group_id)
            expect(len(rule_sets) == 1, f"expected the group's one rule set, got {len(rule_sets)}")
            rs = rule_sets[0]
            expect_eq("rule set id", parse_uuid("rule set `id`", rs.id), rule_set_id)
            expect(rs.last_modified is not None, "`lastModified` missing or not an ISO 8601 date-time")
            expect_rule_values(rs, expected_rules("10", "14.00:00:00"))
            expect_resource_type(rs, MgGovRuleSetType.Sharing, MgGovResourceType.App)
            f = rs.environment_filter
            expect(f is not None, "`environmentFilter` missing")
            expect_eq("environmentFilter.type", f.type, MgGovFilterType.Include)
            ids = [(x.id or "").lower() for x in f.values or [] if x.type == "EnvironmentGroup"]
            expect(str(group_id) in ids, f"environmentFilter.values has no EnvironmentGroup {group_id}")

        await r.check("rule_sets.read_back", read_rule_set_back, (rule_set_id,), ("rule_sets.create",))

        # -- RBAC -----------------------------------------------------------------------------
        async def list_role_definitions() -> str:
            builder = client.authorization.role_definitions
            defs = await builder.get(v(builder, "Get"))
            expect(defs is not None, "list answered with no body")
            expect(defs.value, "no role definitions (`value` missing or empty)")
            for d in defs.value:
                expect(d.role_definition_id, "a role definition has no `roleDefinitionId`")
                expect(d.role_definition_name, f"role definition {d.role_definition_id} has no `roleDefinitionName`")
                expect(d.permissions is not None, f"role definition {d.role_definition_name} has no `permissions` array")
            if args.role_definition_id:
                ids = [d.role_definition_id for d in defs.value]
                expect(args.role_definition_id in ids, f"--role-definition-id {args.role_definition_id} not listed")
                return args.role_definition_id
            readers = [d for d in defs.value if "reader" in d.role_definition_name.lower()]
            return (readers or defs.value)[0].role_definition_id

        role_definition_id = await r.check("role_definitions.list", list_role_definitions)
        role_definition_id = role_definition_id if isinstance(role_definition_id, str) else None

        async def create_role_assignment() -> str:
            builder = client.authorization.role_assignments
            body = RoleAssignmentRequest(
                principal_object_id=principal_id,
                principal_type=args.principal_type,
                role_definition_id=role_definition_id,
                scope=tenant_scope,
            )
            answer = await builder.post(body, v(builder, "Post"))
            expect(answer is not None, "create answered with no body")
            expect(answer.value, "create answer has no `value` array with the new assignment"
                   + (f" (top-level keys: {sorted(answer.additional_data)})" if answer.additional_data else ""))
            a = answer.value[0]
            expect(a.role_assignment_id, "new assignment has no `roleAssignmentId`")
            expect_eq("principalObjectId", a.principal_object_id, principal_id)
            expect_eq("principalType", a.principal_type, args.principal_type)
            expect_eq("roleDefinitionId", a.role_definition_id, role_definition_id)
            expect_eq("scope", a.scope, tenant_scope)
            return a.role_assignment_id

        role_assignment_id = await r.check("role_assignments.create_tenant_scope", create_role_assignment,
                                           (role_definition_id,), ("role_definitions.list",))
        role_assignment_id = role_assignment_id if isinstance(role_assignment_id, str) else None

        async def list_role_assignments() -> None:
            builder = client.authorization.role_assignments
            answer = await builder.get(v(builder, "Get"))
            expect(answer is not None, "list answered with no body")
            expect(answer.value is not None, "list body has no `value` array")
            mine = [a for a in answer.value if a.role_assignment_id == role_assignment_id]
            expect(len(mine) == 1, f"assignment {role_assignment_id} listed {len(mine)} times")
            a = mine[0]
            expect_eq("principalObjectId", a.principal_object_id, principal_id)
            expect_eq("principalType", a.principal_type, args.principal_type)
            expect_eq("roleDefinitionId", a.role_definition_id, role_definition_id)
            expect_eq("scope", a.scope, tenant_scope)

        await r.check("role_assignments.list_contains_new", list_role_assignments, (role_assignment_id,),
                      ("role_assignments.create_tenant_scope",))

        # -- Power Platform Advisor (read-only; scenario ids discovered, never assumed) --------
        async def advisor_scenarios() -> dict[str, str]:
            builder = client.analytics.advisor_recommendations.scenarios
            scenarios = await builder.get(v(builder, "Get"))
            expect(scenarios is not None and len(scenarios) > 0, "no scenarios listed")
            for s in scenarios:
                expect(bool(s.scenario) and bool(s.scenario_name), f"scenario without id or name: {s!r}")
            return {s.scenario: s.scenario_name for s in scenarios}

        scenario_names = await r.check("advisor.scenarios", advisor_scenarios)

        async def advisor_recommendations() -> dict[str, int]:
            builder = client.analytics.advisor_recommendations
            page = await builder.get(v(builder, "Get"))
            counts: dict[str, int] = {}
            for _ in range(MAX_PAGES):
                expect(page is not None and page.value is not None, "list body has no `value` array")
                for rec in page.value:
                    expect(rec.scenario in scenario_names, f"recommendation {rec.scenario!r} has no scenario name")
                    expect(rec.details is not None and rec.details.resource_count is not None,
                           f"recommendation {rec.scenario!r} has no resourceCount")
                    expect(rec.details.last_refreshed_timestamp is not None,
                           f"recommendation {rec.scenario!r} has no lastRefreshedTimestamp")
                    counts[rec.scenario] = rec.details.resource_count
                if not page.next_link:
                    expect_eq("recommended scenarios", set(counts), set(scenario_names))
                    return counts
                page = await builder.with_url(page.next_link).get()
            raise CheckFailed(f"more than {MAX_PAGES} pages of nextLink")

        counts = await r.check("advisor.recommendations.list", advisor_recommendations, (scenario_names,),
                               ("advisor.scenarios",))

        async def advisor_resources() -> None:
            for scenario, count in counts.items():
                builder = client.analytics.advisor_recommendations.by_scenario(scenario).resources
                page = await builder.get(v(builder, "Get"))
                seen: list[str] = []
                for _ in range(MAX_PAGES):
                    expect(page is not None and page.value is not None, "list body has no `value` array")
                    for res in page.value:
                        expect(bool(res.resource_id) and bool(res.environment_id),
                               f"resource without id or environment in {scenario!r}")
                        seen.append(res.resource_id)
                    if not page.next_link:
                        break
                    page = await builder.with_url(page.next_link).get()
                expect_eq(f"resources of {scenario!r}", len(seen), count)
                expect(len(set(seen)) == len(seen), f"a resource of {scenario!r} is listed twice")

        await r.check("advisor.resources.list", advisor_resources, (counts,), ("advisor.recommendations.list",))

        # -- cleanup (also checks the delete routes) -------------------------------------------
        if not args.no_cleanup:
            async def delete_role_assignment() -> None:
                builder = client.authorization.role_assignments.by_role_assignment_id(role_assignment_id)
                await builder.delete(v(builder, "Delete"))

            await r.check("cleanup.role_assignments.delete", delete_role_assignment, (role_assignment_id,),
                          ("role_assignments.create_tenant_scope",))

            async def delete_rule_set() -> None:
                builder = client.governance.rule_sets.by_rule_set_id(rule_set_id)
                await builder.delete(v(builder, "Delete"))

            await r.check("cleanup.rule_sets.delete", delete_rule_set, (rule_set_id,), ("rule_sets.create",))

            async def remove_environment() -> None:
                builder = (client.environmentmanagement.environment_groups.by_group_id(str(group_id))
                           .remove_environment.by_environment_id(args.environment_id))
                await builder.post(v(builder, "Post"))

            await r.check("cleanup.environment_groups.remove_environment", remove_environment,
                          (group_id, added), ("environment_groups.create", "environment_groups.add_environment"))

            async def delete_group() -> None:
                builder = client.environmentmanagement.environment_groups.by_group_id(str(group_id))
                await builder.delete(v(builder, "Delete"))
                remaining = await list_all_groups(client, v)
                expect(all(g.id != group_id for g in remaining), f"group {group_id} still listed after delete")

            await r.check("cleanup.environment_groups.delete", delete_group, (group_id,),
                          ("environment_groups.create",))
    finally:
        await http_client.aclose()

    print(f"{r.passed} passed, {r.failed} failed", flush=True)
    return 1 if r.failed else 0


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Drive the powerplatform-management SDK against a Power Platform API endpoint "
                    "(normally the ppgov emulator) and check every answer parses into SDK models.")
    p.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8080 (no trailing path)")
    p.add_argument("--token", default=os.environ.get("PPGOV_CONFORMANCE_TOKEN"),
                   help="bearer token to send (default: $PPGOV_CONFORMANCE_TOKEN)")
    p.add_argument("--environment-id", default=os.environ.get("PPGOV_CONFORMANCE_ENV"),
                   help="environment to add to the new group (default: $PPGOV_CONFORMANCE_ENV)")
    p.add_argument("--tenant-id", default=os.environ.get("PPGOV_CONFORMANCE_TENANT"),
                   help="tenant id for the RBAC scope /tenants/{id} (default: $PPGOV_CONFORMANCE_TENANT)")
    p.add_argument("--api-version", default=DEFAULT_API_VERSION,
                   help=f"value of ?api-version= on every request (default: {DEFAULT_API_VERSION}); "
                        "--api-version '' sends what the SDK sends when none is set: 'api-version='")
    p.add_argument("--principal-id", help="principal object id for the role assignment (default: a new GUID)")
    p.add_argument("--principal-type", default="User", help="principalType of the role assignment (default: User)")
    p.add_argument("--role-definition-id", help="role to assign (default: the first listed role named *Reader*)")
    p.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds (default: 30)")
    p.add_argument("--no-cleanup", action="store_true",
                   help="leave the group, rule set and role assignment in place")
    p.add_argument("-v", "--verbose", action="store_true", help="print tracebacks of unexpected errors to stderr")
    args = p.parse_args(argv)
    for flag, value in (("--token", args.token), ("--environment-id", args.environment_id),
                        ("--tenant-id", args.tenant_id)):
        if not value:
            p.error(f"{flag} is required (or set its environment variable)")
    if urlparse(args.base_url).scheme not in ("http", "https"):
        p.error("--base-url must start with http:// or https://")
    return args


def main() -> int:
    args = parse_args()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
