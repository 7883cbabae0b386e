"""A third subgraph standing for another council system: an early-help case system that contributes
`Child.earlyHelp` to the supergraph, by the case-management id both systems share (`@key(fields: "cmsId")`).

It is a simulation, like the rest of `sandbox/`: a strawberry federation schema served by aiohttp on loopback,
with a seeded episode for about one child in three of the authority's population (and any child it is told to
include). It counts its `_entities` requests (`GET /_sandbox/stats`) so tests can see the router batch them.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import strawberry
from aiohttp import web
from strawberry.aiohttp.views import GraphQLView

from sandbox.population import Population

TEAMS = ("Early Help Hub North", "Early Help Hub South", "Family Support Team")
PRACTITIONERS = ("Sam Okafor", "Priya Shah", "Tom Evans", "Rachel Byrne")


@strawberry.type(description="An early-help episode: support offered before (or instead of) statutory services.")
class EarlyHelpEpisode:
    status: str
    started: datetime.date
    team: str
    lead_practitioner: str
    phone: str


@dataclass(frozen=True)
class _Episodes:
    by_cms_id: dict[str, EarlyHelpEpisode]


def episodes_for(population: Population, seed: int, include: Iterable[str] = ()) -> dict[str, EarlyHelpEpisode]:
    rng = random.Random(seed)
    wanted = set(include)
    found: dict[str, EarlyHelpEpisode] = {}
    for cms_id in sorted(i for i in population.cms.people if i.startswith("C")):
        if rng.random() < 1 / 3 or cms_id in wanted:
            found[cms_id] = EarlyHelpEpisode(
                status=rng.choice(("OPEN", "OPEN", "CLOSED")),
                started=population.reference_date - datetime.timedelta(days=rng.randint(20, 700)),
                team=rng.choice(TEAMS),
                lead_practitioner=rng.choice(PRACTITIONERS),
                phone=f"0161 555 {rng.randint(1000, 9999)}",
            )
    return found


@strawberry.federation.type(keys=["cmsId"])
class Child:
    cms_id: strawberry.ID

    @classmethod
    def resolve_reference(cls, info: strawberry.Info, cmsId: strawberry.ID) -> Child:
        return cls(cms_id=cmsId)

    @strawberry.field(description="The child's early-help episode, if the early-help system holds one.")
    def early_help(self, info: strawberry.Info) -> EarlyHelpEpisode | None:
        episodes: _Episodes = info.context["episodes"]
        return episodes.by_cms_id.get(str(self.cms_id))


SCHEMA = strawberry.federation.Schema(types=[Child])


class _View(GraphQLView):
    def __init__(self, episodes: _Episodes, counts: dict[str, int]) -> None:
        super().__init__(schema=SCHEMA, graphql_ide=None)
        self._episodes = episodes
        self._counts = counts

    async def get_context(self, request: web.Request, response: Any) -> dict[str, Any]:  # type: ignore[override]
        self._counts["total"] = self._counts.get("total", 0) + 1
        return {"episodes": self._episodes, "request": request, "response": response}


def early_help_app(population: Population, *, seed: int, include: Iterable[str] = ()) -> web.Application:
    episodes = _Episodes(episodes_for(population, seed, include))
    counts: dict[str, int] = {}
    app = web.Application()

    async def stats(request: web.Request) -> web.Response:
        return web.json_response({"total": counts.get("total", 0)})

    app.router.add_route("*", "/graphql", _View(episodes, counts))
    app.router.add_get("/_sandbox/stats", stats)
    return app
