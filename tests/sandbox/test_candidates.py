"""The candidate search shared by the CMS, adult social care and housing (README: "Candidate queries")."""

from __future__ import annotations

import datetime

from sandbox.candidates import (
    MAX_CANDIDATES,
    CandidateIndex,
    CandidateQuery,
    address_key,
    forename_sounds,
    soundex,
    surname_key,
)
from sandbox.identity_copies import Identity
from sandbox.people import Address

HOME = Address(line1="12 Mill Lane", line2=None, town="Stockport", postcode="SK1 2AB")


def identity(family: str, dob: datetime.date | None, former: tuple[str, ...] = (), given: str = "Sam") -> Identity:
    return Identity(
        given_name=given,
        middle_names=(),
        family_name=family,
        former_family_names=former,
        date_of_birth=dob,
        gender="F",
        address=HOME,
        previous_addresses=(),
    )


def query(
    surnames: tuple[str, ...] = (),
    dobs: tuple[datetime.date, ...] = (),
    years: tuple[int, ...] = (),
    sounds: tuple[str, ...] = (),
    forenames: tuple[str, ...] = (),
) -> CandidateQuery:
    return CandidateQuery(
        surnames=frozenset(surnames),
        dates_of_birth=frozenset(dobs),
        birth_years=frozenset(years),
        surname_sounds=frozenset(sounds),
        forename_sounds=frozenset(forenames),
    )


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


def test_soundex_codes_as_a_database_computes_them() -> None:
    assert {soundex(name) for name in ("Rice", "Rise", "RYCE", "Rees")} == {"R200"}
    assert soundex("O'Neil-Smith") == "O542"
    assert soundex("--") == ""
    assert forename_sounds("Mary-Jane") == {"M600", "J500"}


def test_a_family_name_typed_wrong_finds_the_record_by_its_sound() -> None:
    dob = datetime.date(1987, 4, 6)
    index = CandidateIndex(
        [
            ("donald rice", identity("Rice", dob, given="Donald")),
            ("ann ross", identity("Ross", dob.replace(year=1990), given="Ann")),
            ("donald rice, no dob", identity("Rice", None, given="Donald")),
        ]
    )
    rise = query(surnames=("RISE",), sounds=("R200",), forenames=("D543",))

    assert index.search(query(surnames=("RISE",))) == []
    assert index.search(rise) == ["donald rice", "donald rice, no dob"]
    # Without forename sounds (a search by family name alone) any forename will do.
    assert index.search(query(surnames=("RISE",), sounds=("R200",))) == [
        "donald rice",
        "ann ross",
        "donald rice, no dob",
    ]
    # The year rule applies as to surname keys; a record without a DOB has no year to compare.
    assert index.search(query(surnames=("RISE",), years=(1990,), sounds=("R200",), forenames=("D543",))) == [
        "donald rice, no dob"
    ]
    assert index.search(query(surnames=("RISE",), years=(1987,), sounds=("R200",), forenames=("D543",))) == [
        "donald rice",
        "donald rice, no dob",
    ]


def test_former_family_names_sound_too() -> None:
    index = CandidateIndex([("r", identity("Taylor", datetime.date(1975, 1, 2), former=("O'Brien",)))])

    assert index.search(query(surnames=("OBRIAN",), years=(1975,), sounds=(soundex("OBrian"),))) == ["r"]


def test_sound_alike_records_only_fill_what_the_exact_rules_leave() -> None:
    dob = datetime.date(2000, 1, 1)
    sound_alikes = [(f"rose {n}", identity("Rose", dob)) for n in range(10)]
    exact = [(f"rice {n}", identity("Rice", dob)) for n in range(MAX_CANDIDATES - 3)]
    index = CandidateIndex([*sound_alikes, *exact])

    found = index.search(query(surnames=("RICE",), sounds=("R200",)))

    assert found == [name for name, _ in exact] + ["rose 0", "rose 1", "rose 2"]
    assert len(index.search(query(surnames=("RICE", "ROSE"), sounds=("R200",)))) == MAX_CANDIDATES


def test_records_whose_forename_sounds_alike_come_before_the_cut() -> None:
    """A common surname alone finds more than 50: those with the forename searched for are not the ones cut."""
    dob = datetime.date(2000, 1, 1)
    others = [(n, identity("Smith", dob, given="Sam")) for n in range(80)]
    index = CandidateIndex([*others, ("robert", identity("Smith", dob, given="Robert"))])
    bob = query(surnames=("SMITH",), sounds=("S530",), forenames=(soundex("Bob"), soundex("Robert")))

    assert "robert" not in index.search(query(surnames=("SMITH",), sounds=("S530",)))
    found = index.search(bob)
    assert found[0] == "robert"
    assert found[1:] == list(range(MAX_CANDIDATES - 1))  # then the others, in record order, up to the 50
