"""Another authority's children or adults, checked here: the `neighbour` subgraph's one look-up.

A federation router sends this authority a person another authority's gateway holds: only the demographics that
gateway returned to the same caller, and only those the search needs (name and date of birth; `@requires` in
`schema/neighbour.py`: no addresses cross, since a family that moved has another postcode anyway). Here
they are a search, exactly as `searchPeople` is one: the principal must be allowed to search, the terms are
audited, and each person found with a strong match (CERTAIN or PROBABLE) gets this authority's service checks,
with this authority's access rules and audit. A representation grants nothing: what it holds is only search terms.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from linkage.demographics import MatchEvidence, MatchLevel
from resolvers import search, service_checks
from resolvers.context import RequestContext
from resolvers.views import IndividualView, ServiceCheckView

STRONG: Final = frozenset({MatchLevel.CERTAIN, MatchLevel.PROBABLE})
# More than this many strong matches for one person means the demographics do not single anyone out.
MAX_MATCHES: Final = 3


@dataclass(frozen=True, kw_only=True)
class Demographics:
    """What the router passed on from the other authority's gateway, as search terms."""

    given: str | None
    family: str | None
    date_of_birth: datetime.date | None

    @classmethod
    def of(cls, name: object, date_of_birth: object) -> Demographics:
        given = family = None
        if isinstance(name, Mapping):
            given = _text(name.get("given"))
            family = _text(name.get("family"))
        dob = None
        if isinstance(date_of_birth, str):
            try:
                dob = datetime.date.fromisoformat(date_of_birth)
            except ValueError:
                dob = None
        return cls(given=given, family=family, date_of_birth=dob)


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


@dataclass(frozen=True, kw_only=True)
class CrossAuthorityMatch:
    authority: str
    individual: IndividualView
    match: MatchEvidence
    checks: tuple[ServiceCheckView, ...]


async def checks_here(ctx: RequestContext, person: Demographics) -> list[CrossAuthorityMatch]:
    """The people this authority holds who strongly match, each with this authority's service checks.

    Without a family name and a date of birth nothing is searched (too little to single anyone out): an empty
    list, and nothing audited but what was refused."""
    ctx.access.require_search()
    if not person.family or person.date_of_birth is None:
        return []
    # By name and date of birth only: someone known in two authorities has, as often as not, moved between them,
    # so the home authority's postcode would count against the very match this look-up is for.
    terms = search.SearchTerms(family_name=person.family, given_name=person.given, date_of_birth=person.date_of_birth)
    found = await search.search_people(ctx, terms, first=MAX_MATCHES + 1, after=None)
    strong = [m for m in found.matches if m.match.level in STRONG]
    if len(strong) > MAX_MATCHES:
        return []
    answers: list[CrossAuthorityMatch] = []
    for match in strong:
        checks = await service_checks.service_checks(ctx, match.individual, None)
        answers.append(
            CrossAuthorityMatch(
                authority=ctx.runtime.authority_name,
                individual=match.individual,
                match=match.match,
                checks=tuple(checks),
            )
        )
    return answers
