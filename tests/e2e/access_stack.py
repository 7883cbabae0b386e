"""A gateway that signs callers in with real tokens: a test issuer (JWKS over HTTP), the simulated systems, and a
gateway configured for OIDC against that issuer, all on loopback port 0.

    async with access_stack(tmp_path, access_mode="case_linked") as stack:
        token = stack.token(Role.SOCIAL_WORKER, email=..., team=...)
        body = await stack.query(token, '{ child(cmsId: "C000001") { name { full } } }')
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from auth.principal import Role
from gateway.app import create_app
from gateway.demo import demo_config
from gateway.server import serve_in_process
from gateway.settings import AuthoritySettings, parse_authority
from sandbox.runner import RunningSandbox, start_sandbox
from tests.auth.issuer import LocalIssuer, running_issuer
from tests.e2e.conftest import TEST_TIMEOUT_S

DETAIL_FIELDS = frozenset(
    {
        "startDate",
        "endDate",
        "lastContact",
        "tenancyStart",
        "antiSocialBehaviour",
        "eviction",
        "noticeSeekingPossession",
        "rentArrears",
        "safeguardingOffences",
        "hasNonSafeguardingRecords",
        "admissionType",
    }
)
LINKAGE_FIELDS = frozenset({"links", "recordId", "match"})  # `match` under an involvement's `source`


@dataclass
class AccessStack:
    sandbox: RunningSandbox
    issuer: LocalIssuer
    url: str
    http: aiohttp.ClientSession
    settings: AuthoritySettings

    def token(self, *roles: Role | str, **claims: Any) -> str:
        """A token for a principal with these roles; claims (sub, name, email, team, azp, ...) as given."""
        return self.issuer.mint(roles=[r.value if isinstance(r, Role) else r for r in roles], **claims)

    async def post(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        token: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, dict[str, Any], Mapping[str, str]]:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        async with self.http.post(
            f"{self.url}/graphql", json={"query": query, "variables": dict(variables or {})}, headers=sent
        ) as response:
            body: dict[str, Any] = await response.json(content_type=None)
            return response.status, body, response.headers

    async def query(
        self,
        token: str,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        purpose: str | None = "ASSESSMENT",
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST a query with a token (and, by default, a purpose); the answer must be a 200."""
        sent = {"X-Purpose": purpose} if purpose else {}
        status, body, _ = await self.post(query, variables, token=token, headers={**sent, **(headers or {})})
        assert status == 200, body
        return body

    async def upstream_total(self) -> int:
        """Requests the simulated HTTP systems have answered so far."""
        total = 0
        for system in ("cms", "adult_social_care", "housing"):
            total += int((await self.sandbox.stats(system))["total"])
        return total


# For property tests, which send one principal's generated queries by the hundred: the per-principal rate limits
# (`[limits]`, 600 requests and 2,000,000 of cost a minute by default) are set out of reach, still checked on every
# request. On a fast machine a test's queries fit in one minute and ran past the cost limit: RATE_LIMITED answers
# to valid queries. The limits themselves are tested in tests/gateway/test_rate_limit.py.
RATE_LIMITS_OUT_OF_REACH = {"limits": {"rate_requests_per_minute": 10**9, "rate_cost_per_minute": 10**12}}


@contextlib.asynccontextmanager
async def access_stack(
    workdir: Path,
    *,
    access_mode: str = "search_any",
    access: Mapping[str, Any] | None = None,
    audit: Mapping[str, Any] | None = None,
    households: int = 40,
    seed: int = 11,
    extra: Mapping[str, Any] | None = None,
) -> AsyncIterator[AccessStack]:
    """`audit` replaces the demo's SQLite trail (in the workdir) with another `[audit]` table; `extra` adds
    top-level tables (e.g. `[persisted_operations]`)."""
    async with (
        running_issuer() as issuer,
        start_sandbox(workdir, seed=seed, households=households) as sandbox,
    ):
        config = dict(demo_config(sandbox, timeout_s=TEST_TIMEOUT_S))
        config["authority"] = {**config["authority"], "access_mode": access_mode}
        config["auth"] = {
            "mode": "oidc",
            "issuer": issuer.issuer,
            "audience": issuer.audience,
            "jwks_url": issuer.jwks_url,
            "claims": {"team": "team"},
            # Keys rotated by a test right after start-up are fetched at once (the gateway's default waits a minute
            # between refreshes; tests/auth/test_jwks.py covers that limit with a clock of its own).
            "jwks_min_refresh_s": 0,
        }
        if access is not None:
            config["access"] = dict(access)
        # A trail that cannot commit fails the request within a second, not the default five.
        config["audit"] = {**(audit if audit is not None else config["audit"]), "timeout_s": 1.0}
        config.update(extra or {})
        settings = parse_authority(config)
        app = create_app(settings)
        async with serve_in_process(app) as served, aiohttp.ClientSession() as http:
            yield AccessStack(sandbox, issuer, served.url, http, settings)


def errors_by_code(body: Mapping[str, Any]) -> dict[str, list[list[str | int]]]:
    """Each error code in the answer with the paths it was reported at."""
    found: dict[str, list[list[str | int]]] = {}
    for error in body.get("errors") or []:
        found.setdefault(error["extensions"]["code"], []).append(error.get("path") or [])
    return found


def values_under(data: object, names: frozenset[str], *, parents: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The response paths of every non-null value whose key (alias or field name) is in `names`."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            if key in names and value is not None:
                yield (*parents, key)
            yield from values_under(value, names, parents=(*parents, key))
    elif isinstance(data, list):
        for item in data:
            yield from values_under(item, names, parents=parents)


HOUSEHOLDS_WITH_DETAILS = """
query($ids: [ID!]!) {
  children(cmsIds: $ids) {
    cmsId
    household { members { individual { serviceChecks(services: [POLICE, HOUSING]) {
      service outcome involvements {
        ... on PoliceInvolvement { safeguardingOffences { date } }
        ... on HousingInvolvement { rentArrears antiSocialBehaviour }
      }
    } } } }
  }
}
"""


async def find_detailed_child(stack: AccessStack) -> str:
    """A child whose household has a police involvement with offences shown and a housing involvement."""
    manager = stack.token(Role.TEAM_MANAGER, sub="fixture-finder")
    ids_ = [c.id for c in stack.sandbox.population.cms.people.values() if c.is_child]
    body = await stack.query(manager, HOUSEHOLDS_WITH_DETAILS, {"ids": ids_}, purpose="CHILD_PROTECTION_ENQUIRY")
    for child in body["data"]["children"]:
        involvements = [
            (check["service"], inv)
            for member in child["household"]["members"]
            for check in member["individual"]["serviceChecks"]
            for inv in check["involvements"] or []
        ]
        police = any(s == "POLICE" and inv.get("safeguardingOffences") for s, inv in involvements)
        housing = any(s == "HOUSING" for s, _ in involvements)
        if police and housing:
            return str(child["cmsId"])
    raise AssertionError("no household with both police and housing involvements in the sandbox")
