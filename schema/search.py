"""`searchPeople` types."""

from __future__ import annotations

import datetime

import strawberry

from schema.people import Individual
from schema.values import MatchEvidence


@strawberry.input
class PersonSearchInput:
    family_name: str = strawberry.field(description="Required. A whole name surname-first also works: 'SMITH, John'.")
    given_name: str | None = None
    date_of_birth: datetime.date | None = None
    postcode: str | None = None


@strawberry.type
class PersonMatch:
    individual: Individual | None
    match: MatchEvidence


@strawberry.type
class PersonSearchResult:
    total_count: int
    matches: list[PersonMatch]
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page; null on the last page.")
