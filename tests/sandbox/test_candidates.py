"""The candidate search shared by the CMS, adult social care and housing (README: "Candidate queries")."""

from __future__ import annotations

import datetime

from sandbox.candidates import MAX_CANDIDATES, CandidateIndex, CandidateQuery, address_key, surname_key
from sandbox.identity_copies import Identity
from sandbox.people import Address

HOME = Address(line1="12 Mill Lane", line2=None, town="Stockport", postcode="SK1 2AB")


def identity(family: str, dob: datetime.date | None, former: tuple[str, ...] = ()) -> Identity:
    return Identity(
        given_name="Sam",
        middle_names=(),
        family_name=family,
        former_family_names=former,
        date_of_birth=dob,
        gender="F",
        address=HOME,
        previous_addresses=(),
    )


def query(
    surnames: tuple[str, ...] = (), dobs: tuple[datetime.date, ...] = (), years: tuple[int, ...] = ()
) -> CandidateQuery:
    return CandidateQuery(surnames=frozenset(surnames), dates_of_birth=frozenset(dobs), birth_years=frozenset(years))


def test_surname_key_keeps_only_letters_a_to_z() -> None:
    assert surname_key("O'Neil-Smith") == "ONEILSMITH"
    assert surname_key("bowes lyon") == "BOWESLYON"


def test_address_key_ignores_case_and_postcode_spaces() -> None:
    assert address_key("sk1 2ab", "12  mill lane") == address_key("SK12AB", "12 Mill Lane")


def test_a_record_matches_by_date_of_birth_or_by_surname_and_year() -> None:
    dob = datetime.date(1980, 5, 6)
    index = CandidateIndex([("smith", identity("Smith", dob)), ("jones", identity("Jones", dob.replace(day=7)))])

    assert index.search(query(dobs=(dob,))) == ["smith"]
    assert index.search(query(surnames=("JONES",), years=(1980,))) == ["jones"]
    assert index.search(query(surnames=("JONES",), years=(1981,))) == []


def test_without_birth_years_a_surname_alone_is_enough() -> None:
    index = CandidateIndex(
        [
            ("dated", identity("Jones", datetime.date(1980, 5, 6))),
            ("undated", identity("Jones", None)),
            ("other", identity("Smith", datetime.date(1980, 5, 6))),
        ]
    )

    assert index.search(query(surnames=("JONES",))) == ["dated", "undated"]
    assert index.search(query(surnames=("JONES",), years=(1980,))) == ["dated", "undated"]
    assert index.search(query(surnames=("JONES",), years=(1990,))) == ["undated"]


def test_former_family_names_match_too() -> None:
    index = CandidateIndex([("r", identity("Taylor", datetime.date(1975, 1, 2), former=("O'Brien",)))])

    assert index.search(query(surnames=("OBRIEN",), years=(1975,))) == ["r"]


def test_a_record_without_a_date_of_birth_is_found_by_its_surname_whatever_the_year() -> None:
    index = CandidateIndex([("r", identity("Smith", None))])

    assert index.search(query(surnames=("SMITH",), years=(1980,))) == ["r"]
    assert index.search(query(surnames=("SMITH",))) == ["r"]
    assert index.search(query(surnames=("JONES",), years=(1980,))) == []


def test_at_most_fifty_candidates_in_record_order() -> None:
    dob = datetime.date(2000, 1, 1)
    index = CandidateIndex([(n, identity("Smith", dob)) for n in range(80)])

    assert index.search(query(dobs=(dob,))) == list(range(MAX_CANDIDATES))
