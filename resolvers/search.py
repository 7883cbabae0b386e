"""`searchPeople`: find anyone by demographics, in the CMS and in every connected source.

Surname-first friendly ("SMITH, John" or "Smith John" in the family-name box both work), wildcard characters
ignored, ranked by how well each person fits the terms, and the same person found in several systems shown once.
Every result carries its `MatchEvidence`. Audited with its search terms (see `AuditRecorder.searched`).
"""

from __future__ import annotations

import asyncio
import datetime
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

import linkage
from auth.field_classes import FieldClass
from linkage.dates import tolerated_variants
from resolvers.context import RequestContext
from resolvers.errors import bad_input
from resolvers.people import from_cms, from_source_record
from resolvers.views import IndividualView
from sources.digits import whole_number

T = TypeVar("T")

MAX_TERM_LENGTH = 100
DEFAULT_FIRST = 20  # the page when `first` is left out or null
MAX_FIRST = 100
EARLIEST_BIRTH = datetime.date(1900, 1, 1)
WILDCARDS = re.compile(r"[*%?_]")
POSTCODE = re.compile(r"^[A-Z0-9 ]{2,10}$")

FAMILY_NAME_REQUIRED = "familyName must contain at least one letter."
TERM_TOO_LONG = "{field} is too long: at most {limit} characters."
BAD_POSTCODE = "postcode must be letters, digits and spaces, e.g. SK1 3XE."
BAD_DATE = "dateOfBirth must be a real date between 1900-01-01 and today."
BAD_FIRST = "first must be between 1 and {limit}."
BAD_CURSOR = "after is not a cursor this search returned."


@dataclass(frozen=True, kw_only=True)
class SearchTerms:
    family_name: str
    given_name: str | None = None
    date_of_birth: datetime.date | None = None
    postcode: str | None = None

    def describe(self) -> str:
        """The terms as the audit trail records them (and nothing else does: they never reach a log)."""
        given = {
            "familyName": self.family_name,
            "givenName": self.given_name,
            "dateOfBirth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "postcode": self.postcode,
        }
        return "; ".join(f"{name}={value}" for name, value in given.items() if value)


@dataclass(frozen=True, kw_only=True)
class SearchMatchView:
    individual: IndividualView
    match: linkage.MatchEvidence


@dataclass(frozen=True, kw_only=True)
class SearchResultView:
    total_count: int
    matches: tuple[SearchMatchView, ...]
    end_cursor: str | None


def interpretations(terms: SearchTerms, today: datetime.date) -> list[linkage.Demographics]:
    """The ways the terms can be read: as given, and surname-first when the family-name box holds a whole name."""
    family = _clean(terms.family_name, "familyName")
    given = _clean(terms.given_name, "givenName") if terms.given_name else None
    if not family or not re.search(r"[^\W\d_]", family):
        raise bad_input(FAMILY_NAME_REQUIRED)
    dob = terms.date_of_birth
    if dob is not None and not (EARLIEST_BIRTH <= dob <= today):
        raise bad_input(BAD_DATE)
    postcode = None
    if terms.postcode:
        postcode = _clean(terms.postcode, "postcode").upper()
        if not POSTCODE.match(postcode):
            raise bad_input(BAD_POSTCODE)
    readings = [(family, given)]
    if not given:
        if "," in family:  # "SMITH, John"
            surname, _, rest = family.partition(",")
            readings = [(surname.strip(), rest.strip() or None)]
        elif " " in family:  # "Smith John" (surname first), "John Smith", or a two-word family name
            first, rest = family.split(" ", 1)
            head, last = family.rsplit(" ", 1)
            readings += [(first, rest), (last, head)]
    return [
        linkage.Demographics(given_name=g, family_name=f, date_of_birth=dob, postcode=postcode)
        for f, g in dict.fromkeys(readings)
        if f
    ]


def _clean(value: str | None, field: str) -> str:
    if value is None:
        return ""
    if len(value) > MAX_TERM_LENGTH:
        raise bad_input(TERM_TOO_LONG.format(field=field, limit=MAX_TERM_LENGTH))
    return " ".join(WILDCARDS.sub("", value).split())


async def search_people(
    ctx: RequestContext, terms: SearchTerms, first: int | None, after: str | None
) -> SearchResultView:
    runtime = ctx.runtime
    ctx.access.require_search()
    first = DEFAULT_FIRST if first is None else first
    if not 1 <= first <= MAX_FIRST:
        raise bad_input(BAD_FIRST.format(limit=MAX_FIRST))
    offset = _offset(after)
    today = runtime.today()
    readings = interpretations(terms, today)
    ctx.audit.searched(terms.describe())

    found = await _candidates(ctx, readings, today)
    scored: list[tuple[IndividualView, linkage.MatchEvidence]] = []
    for person in found:
        best = max(
            (e for e in (linkage.search_match(r, person.demographics, runtime.thresholds) for r in readings) if e),
            key=lambda e: e.score,
            default=None,
        )
        if best is not None:
            scored.append((person, best))
    people = _one_per_person(ctx, scored)
    page = people[offset : offset + first]
    for match in page:
        ctx.audit.listed_in_results(match.individual.id)
    more = offset + first < len(people)
    return SearchResultView(
        total_count=len(people), matches=tuple(page), end_cursor=str(offset + first) if more else None
    )


def _offset(after: str | None) -> int:
    if after is None:
        return 0
    offset = whole_number(after, max_digits=6)
    if offset is None:
        raise bad_input(BAD_CURSOR)
    return offset


async def _candidates(
    ctx: RequestContext, readings: list[linkage.Demographics], today: datetime.date
) -> list[IndividualView]:
    """Everyone any system offers for any reading: the CMS's people and each source's records, in one call each."""
    # A person found only by a service tells that the service knows them: only services whose flags the
    # principal may see are searched, so nothing withheld shows through the results or their count.
    services = [s for s in ctx.runtime.adapters if ctx.access.allows(FieldClass.FLAG, s)]
    cms_answer, answers = await asyncio.gather(
        _settled(ctx.loaders.cms_search.load_many(readings)),
        asyncio.gather(*(ctx.loaders.candidates(s).load_many(readings) for s in services), return_exceptions=True),
    )
    people: dict[str, IndividualView] = {}
    if isinstance(cms_answer, BaseException):
        ctx.failures.absorb(None, ctx.runtime.cms_system, cms_answer)
    else:
        for cms_batch in cms_answer:
            for cms_person in cms_batch:
                view = from_cms(cms_person, today)
                people.setdefault(view.id, view)
    for service, answer in zip(services, answers, strict=True):
        if isinstance(answer, BaseException):
            ctx.failures.absorb(service, ctx.runtime.adapters[service].info.system, answer)
            continue
        for batch in answer:
            for record in batch:
                view = from_source_record(record, today)
                people.setdefault(view.id, view)
    return list(people.values())


async def _settled(awaitable: Awaitable[T]) -> T | BaseException:
    try:
        return await awaitable
    except Exception as error:
        return error


def _one_per_person(
    ctx: RequestContext, scored: list[tuple[IndividualView, linkage.MatchEvidence]]
) -> list[SearchMatchView]:
    """Best first; a record that links (PROBABLE or better) to one already listed is the same person, shown once.

    The CMS's record stands for the person when there is one: it is where the case and relationships are. Only
    records whose dates of birth are within linkage's tolerance of each other can link that strongly (without a
    DOB on both sides a link is at most POSSIBLE), so each record is compared with those alone, not with every
    result: a common surname can bring hundreds.
    """
    scored.sort(key=lambda pair: (-pair[1].score, pair[0].kind != "child", pair[0].cms_id is None, pair[0].id))
    listed: list[tuple[IndividualView, linkage.MatchEvidence]] = []
    by_dob: dict[datetime.date, list[int]] = {}
    for person, evidence in scored:
        dob = person.date_of_birth
        nearby = sorted(i for d in tolerated_variants(dob) for i in by_dob.get(d, ())) if dob else []
        same = next(
            (
                i
                for i in nearby
                if linkage.same_person(person.demographics, listed[i][0].demographics, ctx.runtime.thresholds)
            ),
            None,
        )
        if same is None:
            if dob is not None:
                by_dob.setdefault(dob, []).append(len(listed))
            listed.append((person, evidence))
        elif _from_cms(person) and not _from_cms(listed[same][0]):
            listed[same] = (person, listed[same][1])
    return [SearchMatchView(individual=p, match=e) for p, e in listed]


def _from_cms(person: IndividualView) -> bool:
    return person.home == "CMS"
