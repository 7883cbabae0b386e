"""Small value types. Each declares the GraphQL shape of a frozen model value, which resolvers return as is.

Their parts are `held()`: a name is basic details where a person's `name` is, a practitioner is a service flag
where an involvement's `practitioner` is (`schema/access.py`).
"""

from __future__ import annotations

import datetime

import strawberry

from schema.access import held
from schema.enums import MatchLevel


# A value type another authority's `neighbour` subgraph also declares (for the demographics it `@requires`).
@strawberry.federation.type(shareable=True)
class Name:
    given: str | None = held()
    family: str | None = held()
    full: str | None = held()


@strawberry.type
class Address:
    line1: str | None = held()
    line2: str | None = held()
    town: str | None = held()
    postcode: str | None = held()
    current: bool | None = held()
    system: str | None = held("Which source system holds it.")


@strawberry.type
class Practitioner:
    name: str | None = held()
    role: str | None = held()
    team: str | None = held()
    phone: str | None = held()
    email: str | None = held()


@strawberry.type
class Coverage:
    start: datetime.date | None = held()
    end: datetime.date | None = held()
    area: str | None = held()
    explanation: str | None = held()


@strawberry.type
class MatchEvidence:
    score: float = held("0..1")
    level: MatchLevel = held()
    reasons: list[str] = held(
        "Which fields agreed or differed, e.g. 'family name exact', 'given name nickname (Bob/Robert)', "
        "'DOB differs by 1 day'."
    )
