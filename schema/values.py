"""Small value types. Each declares the GraphQL shape of a frozen model value, which resolvers return as is."""

from __future__ import annotations

import datetime

import strawberry

from schema.enums import MatchLevel


@strawberry.type
class Name:
    given: str | None
    family: str | None
    full: str | None


@strawberry.type
class Address:
    line1: str | None
    line2: str | None
    town: str | None
    postcode: str | None
    current: bool | None
    system: str | None = strawberry.field(description="Which source system holds it.")


@strawberry.type
class Practitioner:
    name: str | None
    role: str | None
    team: str | None
    phone: str | None
    email: str | None


@strawberry.type
class Coverage:
    start: datetime.date | None
    end: datetime.date | None
    area: str | None
    explanation: str | None


@strawberry.type
class MatchEvidence:
    score: float = strawberry.field(description="0..1")
    level: MatchLevel
    reasons: list[str] = strawberry.field(
        description=(
            "Which fields agreed or differed, e.g. 'family name exact', 'given name nickname (Bob/Robert)', "
            "'DOB differs by 1 day'."
        )
    )
