"""Nothing personal in any log: with every logger at DEBUG, a day of social work leaves no name, date of birth,
postcode, search term or bearer token in any log record, whoever wrote it (the gateway, uvicorn, aiohttp,
aiosqlite, strawberry, graphql-core).

The day: a social worker, stating a purpose, asks for several children's family context, searches for known people
by every term, opens people and households by id, makes mistakes (an over-long name, a bad postcode, a malformed
date, a bad token, a break-glass reason naming the child), works through sources that fail, and, in a case-linked
authority, tries a child outside their reach and breaks the glass. Every record is captured as the operator's log
handler would format it (message, exception text, stack), at DEBUG, from the root logger and from every logger that
does not pass its records up to it (uvicorn's).
"""

from __future__ import annotations

import datetime
import logging
import re
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from auth.principal import Role
from resolvers import ids
from sandbox.identity_copies import Identity
from sandbox.people import Address, Person
from sandbox.population import Population
from tests.auth.issuer import new_key
from tests.e2e.access_stack import AccessStack, access_stack, errors_by_code
from tests.e2e.test_case_linked import pick

PERSON = """fragment Person on Individual {
  id name { given family full } otherNames { given family } dateOfBirth age gender
  addresses { line1 line2 town postcode system }
  links { service system recordId match { score reasons } }
  serviceChecks { service outcome explanation involvements {
    status organisation practitioner { name phone email } startDate endDate lastContact
    source { system recordId match { reasons } }
    ... on HousingInvolvement { tenancyStart rentArrears antiSocialBehaviour }
    ... on PoliceInvolvement { safeguardingOffences { date category } }
    ... on SchoolInvolvement { schoolName admissionType }
  } }
}"""
FAMILY_CONTEXT = f"""query($ids: [ID!]!) {{ children(cmsIds: $ids) {{ ...Person cmsId
  allocatedWorker {{ name team }}
  household {{ id address {{ line1 postcode }}
    members {{ relationshipToChild basis {{ kind }} individual {{ ...Person }} }} }}
}} }}
{PERSON}"""
CHILD = f"""query($c: ID!) {{ child(cmsId: $c) {{
  ...Person household {{ members {{ individual {{ ...Person }} }} }}
}} }}
{PERSON}"""
SEARCH = f"""query($family: String!, $given: String, $dob: Date, $postcode: String) {{
  searchPeople(input: {{familyName: $family, givenName: $given, dateOfBirth: $dob, postcode: $postcode}}) {{
    totalCount matches {{ match {{ score reasons }} individual {{ ...Person }} }}
  }}
}}
{PERSON}"""
NODE = f"""query($id: ID!) {{ node(id: $id) {{ id ...Person
  ... on Household {{ address {{ postcode }} members {{ individual {{ name {{ full }} dateOfBirth }} }} }}
}} }}
{PERSON}"""
REQUEST_LOG = re.compile(r"POST /graphql \d{3} ")
SWITCHED_OFF = ("uvicorn.access",)


# ---------------------------------------------------------------- capturing every record


class EveryRecord(logging.Handler):
    """Keeps every record it is given, formatted as an operator's handler would write it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[tuple[str, str]] = []  # (logger name, formatted record with exception and stack)
        self._attached: list[logging.Logger] = []
        self._levels: dict[logging.Logger, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.name, self.format(record)))

    def attach(self, *, also: tuple[str, ...] = ()) -> None:
        """To the root logger, and to every logger that does not propagate to it (uvicorn configures its own),
        with uvicorn at DEBUG as `family-context serve --log-level debug` runs it.

        Not to uvicorn's access log, which the gateway switches off (`access_log=False` leaves it no handler, and
        uvicorn writes it only to a logger that has one), unless named in `also`.
        """
        loggers = [logging.getLogger()] + [
            logger
            for name, logger in logging.Logger.manager.loggerDict.items()
            if isinstance(logger, logging.Logger)
            and not logger.propagate
            and (name not in SWITCHED_OFF or name in also)
        ]
        for logger in loggers:
            if self not in logger.handlers:
                logger.addHandler(self)
                self._attached.append(logger)
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
            logger = logging.getLogger(name)
            self._levels.setdefault(logger, logger.level)
            logger.setLevel(logging.DEBUG)

    def detach(self) -> None:
        for logger in self._attached:
            logger.removeHandler(self)
        for logger, level in self._levels.items():
            logger.setLevel(level)
        self._attached.clear()
        self._levels.clear()


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[EveryRecord]:
    caplog.set_level(logging.DEBUG)  # the root logger, and caplog's own handler
    handler = EveryRecord()
    handler.attach()
    try:
        yield handler
    finally:
        handler.detach()


# ---------------------------------------------------------------- what must never be logged


@dataclass
class Forbidden:
    """Strings no log may hold, each with what it is (shown when one is found)."""

    terms: dict[str, str] = field(default_factory=dict)

    def add(self, value: object, what: str) -> None:
        text = str(value).strip() if value is not None else ""
        if sum(c.isalpha() for c in text) >= 4 or any(c.isdigit() for c in text):
            self.terms.setdefault(text, what)

    def name(self, value: str | None, what: str) -> None:
        """A name, and each of its parts of four letters or more (shorter ones, like 'Li', hit ordinary words)."""
        if not value:
            return
        for part in re.split(r"[\s,]+", value):
            if len(re.sub(r"[^A-Za-z]", "", part)) >= 4:
                self.add(part, what)

    def date(self, value: datetime.date | str | None, what: str) -> None:
        if value is None:
            return
        day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
        self.add(day.isoformat(), what)
        self.add(day.strftime("%d/%m/%Y"), what)

    def postcode(self, value: str | None, what: str) -> None:
        if value:
            self.add(value, what)
            self.add(value.replace(" ", ""), what)

    def identity(self, identity: Identity | Person, what: str) -> None:
        self.name(identity.given_name, f"given name of {what}")
        for given in identity.middle_names:
            self.name(given, f"middle name of {what}")
        for family in (identity.family_name, *identity.former_family_names):
            self.name(family, f"family name of {what}")
        self.date(identity.date_of_birth, f"date of birth of {what}")
        addresses: Iterable[Address | None] = (identity.address, *identity.previous_addresses)
        for address in addresses:
            if address is not None:
                self.postcode(address.postcode, f"postcode of {what}")
                self.add(address.line1, f"address of {what}")

    def household_of(self, population: Population, cms_id: str) -> None:
        """Everyone in the child's true household, as every system records them."""
        child = population.children[int(cms_id[1:]) - 1]
        household = next(h for h in population.households if h.household_id == child.household_id)
        for person_id in household.member_ids:
            records = population.records_of(person_id)
            self.identity(records.person, person_id)
            copies = (records.cms, *records.adult_social_care, *records.housing, *records.police, *records.school)
            for copy in copies:
                if copy is not None:
                    self.identity(copy.identity, f"{person_id} (a system's copy)")

    def answer(self, body: Mapping[str, Any]) -> None:
        """Every name, date of birth, postcode and address line the gateway answered with."""
        for key, value in _leaves(body.get("data")):
            if key in ("given", "family", "full"):
                self.name(value, f"a name answered ({key})")
            elif key == "dateOfBirth":
                self.date(value, "a date of birth answered")
            elif key == "postcode":
                self.postcode(value, "a postcode answered")
            elif key == "line1":
                self.add(value, "an address answered")

    def found_in(self, lines: Iterable[tuple[str, str]]) -> list[str]:
        patterns = [
            (re.compile(rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])", re.IGNORECASE), term, what)
            for term, what in self.terms.items()
        ]
        return [
            f"{what} {term!r} in a record of {logger!r}: {text[:300]!r}"
            for logger, text in lines
            for pattern, term, what in patterns
            if pattern.search(text) or pattern.search(urllib.parse.unquote_plus(text))  # a URL's query string
        ]


def _leaves(data: object, key: str = "") -> Iterator[tuple[str, str]]:
    """(key, text) of every string in an answer."""
    if isinstance(data, Mapping):
        for name, value in data.items():
            yield from _leaves(value, name)
    elif isinstance(data, list):
        for item in data:
            yield from _leaves(item, key)
    elif isinstance(data, str):
        yield key, data


# ---------------------------------------------------------------- a day of work


async def a_day_in_a_search_any_authority(stack: AccessStack, forbidden: Forbidden) -> None:
    population = stack.sandbox.population
    worker = stack.token(Role.SOCIAL_WORKER, sub="worker-7", name="Sam Worker")
    forbidden.add(worker, "the bearer token")
    children = [p.id for p in population.cms.people.values() if p.is_child][:6]
    for cms_id in children:
        forbidden.household_of(population, cms_id)

    # The family context of several children, then of each one.
    body = await stack.query(worker, FAMILY_CONTEXT, {"ids": children})
    assert body["data"]["children"][0]["name"]["full"], body
    forbidden.answer(body)
    for cms_id in children[:2]:
        forbidden.answer(await stack.query(worker, CHILD, {"c": cms_id}))

    # Searches for known people by every term, and surname first.
    known = [population.cms.people[c].identity for c in children[:3]]
    for person in known:
        address = person.address
        terms = {
            "family": person.family_name,
            "given": person.given_name,
            "dob": person.date_of_birth.isoformat() if person.date_of_birth else None,
            "postcode": address.postcode if address else None,
        }
        found = await stack.query(worker, SEARCH, terms)
        assert found["data"]["searchPeople"]["totalCount"] >= 1, (terms, found)
        forbidden.answer(found)
    surname_first = f"{known[0].family_name.upper()}, {known[0].given_name}"
    forbidden.add(surname_first, "a search term")
    forbidden.answer(await stack.query(worker, SEARCH, {"family": surname_first}))

    # People and households by id.
    first = body["data"]["children"][0]
    node_ids = [first["id"], first["household"]["id"], *(m["individual"]["id"] for m in first["household"]["members"])]
    for node_id in node_ids:
        forbidden.answer(await stack.query(worker, NODE, {"id": node_id}))
    await stack.query(worker, NODE, {"id": ids.person_id("POLICE", "PN-000001")})

    # Mistakes, each holding personal data in what was sent.
    surname, given = known[0].family_name, known[0].given_name
    dob = known[0].date_of_birth or datetime.date(2014, 3, 9)
    too_long = f"{surname} {given} " * 20
    bad_postcode = f"{surname}'s, SK1!"
    forbidden.add(too_long.strip(), "an over-long search term")
    forbidden.add(bad_postcode, "a bad postcode")
    bad_input, not_found = {"BAD_USER_INPUT"}, {"NOT_FOUND", "BAD_USER_INPUT"}
    mistakes: list[tuple[str, dict[str, Any], set[str]]] = [
        (SEARCH, {"family": too_long}, bad_input),
        (SEARCH, {"family": surname, "postcode": bad_postcode}, bad_input),
        (SEARCH, {"family": surname, "dob": dob.strftime("%d/%m/%Y")}, bad_input),
        (SEARCH, {"family": surname, "dob": f"{dob.year}-13-45"}, bad_input),
        (
            f'{{ searchPeople(input: {{familyName: "{surname}", dateOfBirth: "{dob:%d/%m/%Y}"}}) {{ totalCount }} }}',
            {},
            bad_input,
        ),
        (f'{{ searchPeople(input: {{familyName: "{surname}"}}) {{ totalCount ', {}, bad_input),
        (f'{{ child(cmsId: "{surname}") {{ id }} }}', {}, not_found),
        (CHILD, {"c": "C999999"}, not_found),
    ]
    for query, variables, codes in mistakes:
        status, refused, _ = await stack.post(query, variables, token=worker, headers={"X-Purpose": "ASSESSMENT"})
        assert codes & set(errors_by_code(refused)), (query, status, refused)

    # Headers naming the child: a break-glass reason (accepted, and audited), one too short, a bad purpose.
    reason = f"Police called about {given} {surname} ({dob:%d/%m/%Y}) tonight"
    forbidden.add(reason, "a break-glass reason")
    await stack.query(worker, CHILD, {"c": children[0]}, headers={"X-Break-Glass-Reason": reason})
    for headers in (
        {"X-Break-Glass-Reason": surname[:12]},  # too short to be a reason
        {"X-Purpose": f"checking on {given} {surname}"},
        {"X-Case-Reference": f"<{surname}>"},
    ):
        status, refused, _ = await stack.post(CHILD, {"c": children[0]}, token=worker, headers=headers)
        assert status == 400, refused

    # Bad tokens: garbage holding a name, a stranger's key, an expired one.
    for token in (
        f"{surname}.{dob.isoformat()}.{given}",
        stack.issuer.mint(roles=["SOCIAL_WORKER"], key=new_key("RSA")),
        stack.issuer.mint(roles=["SOCIAL_WORKER"], issued_at=time.time() - 7200, expires_in=60),
    ):
        forbidden.add(token, "a bad bearer token")
        status, refused, _ = await stack.post(CHILD, {"c": children[0]}, token=token)
        assert status == 401, refused

    # Bodies that are not GraphQL requests, and a GET with the search in its query string.
    raw = f'{{"query": "{{ searchPeople(input: {{familyName: \\"{surname}\\"'
    async with stack.http.post(
        f"{stack.url}/graphql",
        data=raw,
        headers={"Authorization": f"Bearer {worker}", "Content-Type": "application/json"},
    ) as response:
        assert response.status == 400
    async with stack.http.get(
        f"{stack.url}/graphql",
        params={"query": f'{{ searchPeople(input: {{familyName: "{surname}"}}) {{ totalCount }} }}', "dob": str(dob)},
        headers={"Authorization": f"Bearer {worker}"},
    ) as response:
        assert response.status == 405

    # Sources that fail, one at a time, while the family context is asked for (a police extract that breaks
    # keeps the last good one; a source that was down may stay unavailable a while).
    unavailable = 0
    for system, mode in (
        ("housing", "garbage"),
        ("adult_social_care", "down"),
        ("police", "garbage"),
        ("school", "garbage"),
        ("cms", "garbage"),
    ):
        await stack.sandbox.set_fault(system, mode)
        try:
            failed = await stack.query(worker, FAMILY_CONTEXT, {"ids": children})
            found = await stack.query(worker, SEARCH, {"family": surname, "given": given})
        finally:
            stack.sandbox.clear_fault(system)
        unavailable += "SOURCE_UNAVAILABLE" in errors_by_code(failed) | errors_by_code(found)
        forbidden.answer(failed)
        forbidden.answer(found)
    assert unavailable >= 4, "the faults did not show"


async def a_day_in_a_case_linked_authority(stack: AccessStack, forbidden: Forbidden) -> None:
    population = stack.sandbox.population
    caseload = pick(population.cms)
    worker = stack.token(Role.SOCIAL_WORKER, email=caseload.worker_email, team="Nobody Else's Team")
    forbidden.add(worker, "the bearer token")
    for cms_id in (caseload.own_child, caseload.other_child):
        forbidden.household_of(population, cms_id)
    forbidden.identity(population.cms.people[caseload.other_relative].identity, "a relative out of reach")

    forbidden.answer(await stack.query(worker, CHILD, {"c": caseload.own_child}))
    refused = await stack.query(worker, CHILD, {"c": caseload.other_child})
    assert errors_by_code(refused) == {"FORBIDDEN": [["child"]]}, refused
    refused = await stack.query(worker, NODE, {"id": ids.person_id("CMS", caseload.other_relative)})
    assert errors_by_code(refused) == {"FORBIDDEN": [["node"]]}, refused
    other = population.cms.people[caseload.other_child].identity
    searched = await stack.query(worker, SEARCH, {"family": other.family_name, "given": other.given_name})
    assert errors_by_code(searched) == {"FORBIDDEN": [["searchPeople"]]}, searched

    reason = f"Worried about {other.given_name} {other.family_name} after a call from school"
    forbidden.add(reason, "a break-glass reason")
    opened = await stack.query(worker, CHILD, {"c": caseload.other_child}, headers={"X-Break-Glass-Reason": reason})
    assert opened["data"]["child"]["name"]["full"], opened
    forbidden.answer(opened)


# ---------------------------------------------------------------- the tests


async def test_no_log_record_holds_personal_data_a_search_term_or_a_token(
    tmp_path: Path, logged: EveryRecord, caplog: pytest.LogCaptureFixture
) -> None:
    forbidden = Forbidden()
    async with access_stack(tmp_path / "search-any", households=30) as stack:
        logged.attach()  # uvicorn configures its loggers when it starts
        await a_day_in_a_search_any_authority(stack, forbidden)
    async with access_stack(tmp_path / "case-linked", access_mode="case_linked", households=30) as stack:
        logged.attach()
        await a_day_in_a_case_linked_authority(stack, forbidden)

    # The capture works: the gateway's own request log is in it, and caplog saw the same records from the root.
    assert sum(bool(REQUEST_LOG.search(text)) for _, text in logged.lines) >= 40
    assert any(REQUEST_LOG.search(r.getMessage()) for r in caplog.records)
    assert any(name.startswith("sources") for name, _ in logged.lines), "the faulted sources logged nothing"
    assert len(forbidden.terms) > 50
    found = forbidden.found_in(logged.lines)
    assert not found, "\n".join(found)


async def test_a_query_string_reaches_no_log_even_when_uvicorn_s_access_log_has_a_handler(
    tmp_path: Path, logged: EveryRecord
) -> None:
    async with access_stack(tmp_path, households=5) as stack:
        logged.attach(also=SWITCHED_OFF)
        child = next(
            p.identity for p in stack.sandbox.population.cms.people.values() if len(p.identity.family_name) > 4
        )
        search = {"query": f'{{ searchPeople(input: {{familyName: "{child.family_name}"}}) {{ totalCount }} }}'}
        async with stack.http.get(f"{stack.url}/graphql", params=search) as response:
            assert response.status == 405
    forbidden = Forbidden()
    forbidden.name(child.family_name, "the family name searched for")
    found = forbidden.found_in(logged.lines)
    assert not found, "\n".join(found)


def test_the_scan_finds_a_name_logged_at_debug_by_a_library(logged: EveryRecord) -> None:
    forbidden = Forbidden()
    forbidden.name("Amelia Smith-Jones", "a name")
    forbidden.date(datetime.date(2014, 3, 9), "a date of birth")
    forbidden.postcode("SK1 2AB", "a postcode")
    library = logging.getLogger("some.library")
    library.debug("query for %s", "SMITH-JONES")
    library.debug("params %r", ("09/03/2014", "sk12ab"))
    library.debug("GET /search?name=%22Amelia%22")
    library.debug("nothing here: Smithson, 2014-03-10, SK1 2AC")
    found = forbidden.found_in(logged.lines)
    assert [what.split(" '")[0] for what in found] == ["a name", "a date of birth", "a postcode", "a name"], found
