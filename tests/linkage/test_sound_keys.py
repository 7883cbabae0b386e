"""Sound-alike keys: a family name typed wrong, or a nickname, still meets the record in a candidate search."""

from __future__ import annotations

import datetime
import doctest

import linkage.sound_keys
from linkage import BlockingIndex, Demographics, candidate_keys, search_match
from linkage.diminutives import are_diminutives
from linkage.sound_keys import forename_sounds, soundex, surname_sounds

DONALD_RICE = Demographics(given_name="Donald", family_name="Rice", date_of_birth=datetime.date(1987, 4, 6))
ANN_ROSS = Demographics(given_name="Ann", family_name="Ross", date_of_birth=datetime.date(1990, 1, 2))


def test_docstring_examples() -> None:
    result = doctest.testmod(linkage.sound_keys, report=True)
    assert result.attempted > 0
    assert result.failed == 0


def test_typos_of_rice_keep_its_soundex_code() -> None:
    assert {soundex(name) for name in ("Rice", "Rise", "RYCE", "rice")} == {"R200"}
    assert soundex("") == soundex("O'Neil") == soundex("Zoë") == ""  # letters A-Z only, as `surname_key` gives
    assert surname_sounds(["RICE", "RISE", "SMITH"]) == ("R200", "S530")


def test_forename_sounds_cover_diminutives_and_spelling_variants() -> None:
    assert soundex("robert") in forename_sounds(("bob",))
    assert soundex("bob") in forename_sounds(("robert",))
    assert soundex("millie") in forename_sounds(("milly",))
    assert set(forename_sounds(("mary", "jane"))) >= {soundex("mary"), soundex("jane")}
    assert forename_sounds(("d",)) == ()  # an initial says nothing about the sound
    assert forename_sounds(()) == ()


def test_candidate_keys_of_a_typo_share_the_sound_of_the_real_name() -> None:
    for typed in ("Rise", "Ryce"):
        query = candidate_keys(Demographics(given_name="Donald", family_name=typed))
        assert "RICE" not in query.surnames
        assert query.surname_sounds == candidate_keys(DONALD_RICE).surname_sounds == ("R200",)
        assert soundex("donald") in query.forename_sounds
        assert query.dates_of_birth == query.birth_years == ()
    assert candidate_keys(Demographics(given_name="Donald", family_name=None)).forename_sounds == ()


def test_the_index_finds_a_typo_without_a_dob_by_sound_and_forename() -> None:
    undated_rice = Demographics(given_name="Donald", family_name="Rice")
    index = BlockingIndex([(DONALD_RICE, "donald"), (ANN_ROSS, "ann"), (undated_rice, "donald, no dob")])

    def found(given_name: str | None, family_name: str, date_of_birth: datetime.date | None = None) -> list[str]:
        terms = Demographics(given_name=given_name, family_name=family_name, date_of_birth=date_of_birth)
        return [item for _, item in index.candidates(terms)]

    assert found(given_name="Donald", family_name="Rise") == ["donald", "donald, no dob"]
    assert found(given_name="Don", family_name="Ryce") == ["donald", "donald, no dob"]  # a diminutive too
    assert found(given_name="Peter", family_name="Rise") == []  # the forename must sound alike as well
    assert found(given_name=None, family_name="Ryce") == ["donald", "ann", "donald, no dob"]
    # With a DOB: the sound with the birth years around it, and entries without a DOB.
    assert found(given_name="Donald", family_name="Rise", date_of_birth=datetime.date(1988, 1, 1)) == [
        "donald",
        "donald, no dob",
    ]
    assert found(given_name="Donald", family_name="Rise", date_of_birth=datetime.date(1970, 1, 1)) == ["donald, no dob"]


def test_a_search_accepts_a_spelling_variant_of_the_given_name() -> None:
    millie = Demographics(given_name="Millie", family_name="Curtis", date_of_birth=datetime.date(2015, 10, 24))
    milly = Demographics(given_name="Milly", family_name="Curtis", date_of_birth=datetime.date(2015, 10, 24))
    assert are_diminutives("milly", "millie")
    match = search_match(milly, millie)
    assert match is not None
    assert any("Milly/Millie" in reason for reason in match.reasons)
    for variant, name in (("molly", "mollie"), ("abby", "abbie"), ("lizzy", "lizzie"), ("olly", "ollie")):
        assert are_diminutives(variant, name)
