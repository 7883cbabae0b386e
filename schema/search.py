"""`searchPeople` types."""

from __future__ import annotations

import datetime

import strawberry

from schema.access import held
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
    individual: Individual | None = held()
    match: MatchEvidence = held("How the person fits the search terms.")


@strawberry.type
class PersonSearchResult:
    total_count: int = held()
    matches: list[PersonMatch] = held()
    end_cursor: str | None = held("Pass as `after` for the next page; null on the last page.")
