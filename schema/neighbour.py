"""The `neighbour` subgraph: what this authority adds, through a federation router, to another authority's people.

Two authorities' gateways are the same code, so they cannot both be composed with their whole schema (their
`child`, `Child` and `Household` would merge into one). Each serves its own schema as the home subgraph, and a
second, small one at `/graphql/neighbour` (with `[federation] neighbour_field`) that extends the home authority's
`Child` and `Person` entities by one field, e.g. `Child.inStockport`, whose answer is computed here from the
demographics the router fetches from the home gateway first (`@requires`). See docs/federation.md for the plan.
"""

from __future__ import annotations

import datetime
from typing import Any

import strawberry
from strawberry.federation.schema_directives import Requires

from auth.field_classes import FieldClass
from resolvers import cross_authority
from schema.access import ACCESS_KEY, guarded, held
from schema.enums import CheckOutcome, MatchLevel, Service
from schema.people import Ctx
from schema.values import Name

BASIC = {ACCESS_KEY: FieldClass.BASIC}

# What the search here needs from the home authority, and no more (data minimisation: no addresses cross).
REQUIRES = "name { given family } dateOfBirth"


@strawberry.federation.type(shareable=True, description="A practitioner another authority records: who to call.")
class NeighbourContact:
    name: str | None = held()
    role: str | None = held()
    team: str | None = held()
    phone: str | None = held()
    email: str | None = held()


@strawberry.federation.type(shareable=True, description="One service's check in another authority.")
class NeighbourServiceCheck:
    service: Service = held()
    outcome: CheckOutcome = held()
    organisations: list[str] = held()
    contacts: list[NeighbourContact] = held()
    explanation: str = held()


@strawberry.federation.type(shareable=True, description="A person another authority holds who matches this one.")
class NeighbourMatch:
    authority: str = held()
    score: float = held("How well the demographics matched, 0..1.")
    level: MatchLevel | None = held()
    service_checks: list[NeighbourServiceCheck] = held()


def _answer(found: cross_authority.CrossAuthorityMatch) -> NeighbourMatch:
    checks = []
    for check in found.checks:
        involvements = check.involvements or ()
        checks.append(
            NeighbourServiceCheck(
                service=check.service,
                outcome=check.outcome,
                organisations=sorted({i.organisation for i in involvements if i.organisation}),
                contacts=[
                    NeighbourContact(
                        name=i.practitioner.name,
                        role=i.practitioner.role,
                        team=i.practitioner.team,
                        phone=i.practitioner.phone,
                        email=i.practitioner.email,
                    )
                    for i in involvements
                    if i.practitioner is not None
                ],
                explanation=check.explanation,
            )
        )
    return NeighbourMatch(
        authority=found.authority, score=found.match.score, level=found.match.level, service_checks=checks
    )


class _Reference:
    """A person of the home authority as the router sends them: an id this authority never looks up, and the
    demographics the search needs."""

    id: strawberry.ID
    name: Name | None
    date_of_birth: datetime.date | None
    demographics: cross_authority.Demographics

    @classmethod
    def resolve_reference(cls, **representation: Any) -> Any:
        # The externals are not served back (the router has them): only the search terms are kept.
        found = cls(id=strawberry.ID(str(representation.get("id"))), name=None, date_of_birth=None)  # type: ignore[call-arg]
        found.demographics = cross_authority.Demographics.of(
            representation.get("name"), representation.get("dateOfBirth")
        )
        return found


def build_neighbour_types(field_name: str) -> list[type]:
    """`Child` and `Person` as the neighbour extends them, with the configured field name."""

    async def checks_here(root: Any, info: Ctx) -> list[NeighbourMatch] | None:
        demographics = getattr(root, "demographics", None)
        if not isinstance(demographics, cross_authority.Demographics):
            return None
        return [_answer(m) for m in await cross_authority.checks_here(info.context, demographics)]

    description = (
        "This authority's service checks for the people it holds who strongly match this one (by the name and date "
        "of birth the home authority returned): a search here, with this authority's access rules."
    )
    made = []
    for type_name in ("Child", "Person"):
        namespace = {
            "__annotations__": {"id": strawberry.ID, "name": Name | None, "date_of_birth": datetime.date | None},
            "id": strawberry.federation.field(metadata=BASIC),
            "name": strawberry.federation.field(external=True, metadata=BASIC),
            "date_of_birth": strawberry.federation.field(external=True, metadata=BASIC),
            "checks_here": _requiring(guarded(FieldClass.FLAG, description=description, name=field_name))(checks_here),
        }
        cls = type(type_name, (_Reference,), namespace)
        made.append(strawberry.federation.type(cls, keys=["id"], name=type_name))
    return made


def _requiring(field: Any) -> Any:
    """The guarded field, with `@requires` for the demographics it searches by."""
    field.directives = [*field.directives, Requires(fields=REQUIRES)]  # type: ignore[arg-type]
    return field
