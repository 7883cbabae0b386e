"""Early help in one module: a tiny REST case system (simulated here too), its adapter, facts, display rule, GraphQL
type and sandbox wiring, registered by `DEFINITION`. Nothing outside this folder names it: configuration loads it.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import strawberry
from aiohttp import web
from graphql import GraphQLResolveInfo

from linkage.demographics import Demographics
from sandbox.faults import FaultSettings, install_faults
from sandbox.population import Population
from schema.access import detail
from schema.services import ServiceInvolvement
from sources.definition import DisplayPolicy, RulesSpec, SandboxSystem, ServiceDefinition, SourceKind
from sources.display_rules.config import count
from sources.http import HttpTransport, probe
from sources.malformed import reading
from sources.mappers.native import as_list, as_object, iso_date, required_text, text
from sources.mappers.person import demographics_of
from sources.model import (
    Address,
    Involvement,
    InvolvementStatus,
    Practitioner,
    Service,
    SourceHealth,
    SourceInfo,
    SourceRecord,
    SourceRef,
)
from sources.observe import UpstreamObserver
from sources.settings import SourceSettings

KIND = "early_help_rest"
TEAM = "Early Help Hub (test)"


@dataclass(frozen=True, kw_only=True)
class EarlyHelpFacts:
    plan_start: datetime.date | None
    key_worker: str | None


@dataclass(frozen=True, kw_only=True)
class EarlyHelpInvolvementValue(Involvement):
    plan_start: datetime.date | None = None


@dataclass(frozen=True, kw_only=True)
class EarlyHelpRules:
    min_age: int = 0
    max_age: int = 17


def _record(native: object, system: str) -> SourceRecord:
    family = as_object(native, "family member")
    return SourceRecord(
        service=Service.EARLY_HELP,
        system=system,
        record_id=required_text(family, "id"),
        person=demographics_of(
            given_name=text(family, "given"),
            family_name=text(family, "family"),
            date_of_birth=iso_date(family, "dob"),
            gender=None,
        ),
        facts=EarlyHelpFacts(plan_start=iso_date(family, "planStart"), key_worker=text(family, "keyWorker")),
    )


class EarlyHelpAdapter:
    def __init__(
        self, settings: SourceSettings, session: aiohttp.ClientSession, observer: UpstreamObserver | None
    ) -> None:
        self._settings = settings
        self._http = HttpTransport(settings, session, observer=observer)

    @property
    def service(self) -> Service:
        return Service.EARLY_HELP

    @property
    def info(self) -> SourceInfo:
        return self._settings.describe()

    async def find_people(self, people: Sequence[Demographics]) -> list[list[SourceRecord]]:
        dobs = [p.date_of_birth.isoformat() if p.date_of_birth else None for p in people]
        body = await self._http.post_json("families.match", "/match", {"dobs": dobs}, idempotent=True)
        with reading(self._settings.system):
            answers = as_list(as_object(body, "response").get("results"), "results")
            return [[_record(r, self._settings.system) for r in as_list(a, "result")] for a in answers]

    async def residents_at(self, addresses: Sequence[Address]) -> list[list[SourceRecord]]:
        return [[] for _ in addresses]

    async def get_records(self, record_ids: Sequence[str]) -> list[SourceRecord | None]:
        return [None for _ in record_ids]

    async def check_health(self) -> SourceHealth:
        return await probe(self._http)

    async def close(self) -> None:
        """The session belongs to the gateway."""


def _involvements(
    rules: EarlyHelpRules, facts: EarlyHelpFacts, source: SourceRef, today: datetime.date
) -> tuple[Involvement, ...]:
    return (
        EarlyHelpInvolvementValue(
            service=Service.EARLY_HELP,
            status=InvolvementStatus.CURRENT,
            organisation=TEAM,
            practitioner=Practitioner(name=facts.key_worker, role="Early Help Key Worker"),
            source=source,
            plan_start=facts.plan_start,
        ),
    )


@strawberry.type
class EarlyHelpInvolvement(ServiceInvolvement):
    plan_start: datetime.date | None = detail()

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, EarlyHelpInvolvementValue)


# ---------------------------------------------------------------- the simulated system: every child under 12


def create_app(population: Population, faults: FaultSettings | None = None, seed: int = 0) -> web.Application:
    today = population.reference_date
    by_dob: dict[str, list[dict[str, Any]]] = {}
    for person in population.children:
        if person.age_on(today) < 12:
            by_dob.setdefault(person.date_of_birth.isoformat(), []).append(
                {
                    "id": f"EH-{person.person_id}",
                    "given": person.given_name,
                    "family": person.family_name,
                    "dob": person.date_of_birth.isoformat(),
                    "planStart": (today - datetime.timedelta(days=90)).isoformat(),
                    "keyWorker": "Robin Keyworker",
                }
            )

    async def match(request: web.Request) -> web.Response:
        dobs = (await request.json())["dobs"]
        return web.json_response({"results": [by_dob.get(dob, []) if dob else [] for dob in dobs]})

    app = web.Application()
    install_faults(app, faults, seed=seed)
    app.router.add_post("/match", match, name="match")
    return app


def _demo_source(url: str, timeout_s: float) -> dict[str, Any]:
    return {"service": "EARLY_HELP", "system": "Early Help (test)", "kind": KIND, "url": url, "timeout_s": timeout_s}


DEFINITION = ServiceDefinition(
    service=Service.EARLY_HELP,
    key="early_help",
    kinds=(
        SourceKind(
            name=KIND, needs="url", build=lambda settings, session, obs: EarlyHelpAdapter(settings, session, obs)
        ),
    ),
    rules=RulesSpec(defaults=EarlyHelpRules(), parsers={"min_age": count, "max_age": count}),
    policy=DisplayPolicy(
        facts_type=EarlyHelpFacts,
        ages=lambda rules: (rules.min_age, rules.max_age),
        involvements=_involvements,
        messages=lambda rules: (lambda found: "Known to early help", "Not known to early help"),
    ),
    involvement_type=lambda: EarlyHelpInvolvement,
    sandbox=lambda: SandboxSystem(create_app=create_app, demo_source=_demo_source),
)
