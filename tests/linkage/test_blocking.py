"""Finding candidates: the keys sent to a source's search, and the in-memory index."""

import datetime
import random
from typing import Any

import pytest

from linkage import BlockingIndex, CandidateQuery, Demographics, best_links, candidate_keys, score, surname_key
from linkage.sound_keys import soundex

from .people import ROBERT, like
from .population import synthetic_people

D = datetime.date

# Each way a system may record ROBERT that `score` still links.
TOLERATED = {
    "nickname": like(ROBERT, given_name="Bob"),
    "typo in given name": like(ROBERT, given_name="Robret"),
    "transposition in family name": like(ROBERT, family_name="Smtih"),
    "double-barrelled": like(ROBERT, family_name="Smith-Jones"),
    "changed family name": like(ROBERT, family_name="Jones", other_family_names=("Smith",)),
    "DOB one day off": like(ROBERT, date_of_birth=D(2012, 3, 5)),
    "DOB day and month swapped": like(ROBERT, date_of_birth=D(2012, 4, 3)),
    "DOB year off by one": like(ROBERT, date_of_birth=D(2011, 3, 4)),
    "previous postcode": like(ROBERT, postcode="M1 1AA", previous_postcodes=("LS1 4AB",)),
    "accents, case and title": like(ROBERT, given_name="MR RÓBERT", family_name="smith"),
    "no DOB": like(ROBERT, date_of_birth=None),
    "no DOB, previous family name": like(
        ROBERT, date_of_birth=None, family_name="Jones", other_family_names=("Smith",)
    ),
    "no DOB, moved": like(ROBERT, date_of_birth=None, postcode="M1 1AA", previous_postcodes=("LS1 4AB",)),
    "no DOB, sound-alike family name": like(ROBERT, date_of_birth=None, family_name="Smyth"),
    "no DOB, typo in family name": like(ROBERT, date_of_birth=None, family_name="Smiht"),
    "no DOB, nickname, typo in family name": like(ROBERT, given_name="Bob", date_of_birth=None, family_name="Smiht"),
}


def source_search_finds(query: CandidateQuery, record: Demographics) -> bool:
    """The sandbox README's rule for a source's candidate search (for records with a DOB)."""
    dob = record.date_of_birth
    if dob is None:
        return False
    names = [surname_key(name) for name in (record.family_name or "", *record.other_family_names)]
    if dob in query.dates_of_birth or (bool(set(names) & set(query.surnames)) and dob.year in query.birth_years):
        return True
    forenames = {soundex(word) for word in (record.given_name or "").split()}
    return (
        bool({soundex(name) for name in names} & set(query.surname_sounds))
        and (dob.year in query.birth_years or not query.birth_years)
        and (not query.forename_sounds or bool(forenames & set(query.forename_sounds)))
    )


def test_candidate_keys_cover_names_parts_previous_names_and_tolerated_dates() -> None:
    person = Demographics(
        given_name="Peggy",
        family_name="O'Neil-Smith",
        date_of_birth=D(2015, 3, 4),
        other_family_names=("Müller",),
    )
    query = candidate_keys(person)
    assert query.surnames == ("ONEILSMITH", "ONEIL", "SMITH", "MULLER")
    assert query.to_json() == {
        "surnames": ["ONEILSMITH", "ONEIL", "SMITH", "MULLER"],
        "datesOfBirth": ["2015-03-04", "2015-03-03", "2015-03-05", "2015-04-03", "2014-03-04", "2016-03-04"],
        "birthYears": [2014, 2015, 2016],
        "surnameSounds": ["O542", "O540", "S530", "M460"],
        "forenameSounds": ["M626", "P200"],  # Peggy, and Margaret of which it is a diminutive
    }


def test_candidate_keys_without_a_dob_or_family_name() -> None:
    query = candidate_keys(Demographics(given_name="Peggy", family_name=None))
    assert query == CandidateQuery(surnames=(), dates_of_birth=(), birth_years=())
    assert query.to_json() == {
        "surnames": [],
        "datesOfBirth": [],
        "birthYears": [],
        "surnameSounds": [],
        "forenameSounds": [],
    }


def test_candidate_keys_drop_titles_from_the_parts() -> None:
    assert candidate_keys(Demographics(given_name="Ann", family_name="Smith Jnr")).surnames == (
        "SMITHJNR",
        "SMITH",
    )


@pytest.mark.parametrize("tolerance", [name for name, record in TOLERATED.items() if record.date_of_birth])
def test_a_source_search_finds_every_tolerated_record(tolerance: str) -> None:
    record = TOLERATED[tolerance]
    assert score(ROBERT, record).shown
    assert source_search_finds(candidate_keys(ROBERT), record)
    assert source_search_finds(candidate_keys(record), ROBERT)


@pytest.fixture(scope="module")
def population() -> list[Demographics]:
    return synthetic_people(20_000)


@pytest.fixture(scope="module")
def index_of_records(population: list[Demographics]) -> BlockingIndex[str]:
    """The population plus every tolerated record of ROBERT, each labelled with its tolerance."""
    index = BlockingIndex([(person, "someone else") for person in population])
    for tolerance, record in TOLERATED.items():
        index.add(record, tolerance)
    return index


@pytest.fixture(scope="module")
def index_of_subject(population: list[Demographics]) -> BlockingIndex[str]:
    return BlockingIndex([*((person, "someone else") for person in population), (ROBERT, "the subject")])


@pytest.mark.parametrize("tolerance", list(TOLERATED))
def test_the_index_finds_every_tolerated_record_from_either_side(
    tolerance: str, index_of_records: BlockingIndex[str], index_of_subject: BlockingIndex[str]
) -> None:
    record = TOLERATED[tolerance]
    assert score(ROBERT, record).shown
    found = index_of_records.candidates(ROBERT)
    assert (record, tolerance) in found
    assert len(found) < len(index_of_records) / 20
    assert (ROBERT, "the subject") in index_of_subject.candidates(record)


def test_the_index_loses_no_link_a_full_scan_would_find(population: list[Demographics]) -> None:
    rng = random.Random(11)
    sample = population[:3_000]
    # Blur a tenth of the people so that many tolerated near-duplicates exist.
    entries = [*sample, *(_blurred(person, rng) for person in rng.sample(sample, 300))]
    index = BlockingIndex([(person, position) for position, person in enumerate(entries)])
    for subject in rng.sample(entries, 100):
        full_scan = {position for position, person in enumerate(entries) if score(subject, person).shown}
        blocked = {position for position, _ in best_links(subject, index.candidates(subject))}
        assert blocked == full_scan


def test_candidates_are_each_entry_once_in_the_order_added() -> None:
    index: BlockingIndex[str] = BlockingIndex()
    index.add(ROBERT, "first")
    index.add(like(ROBERT, postcode="M1 1AA"), "second")
    index.add(like(ROBERT, family_name="Jones", date_of_birth=D(1950, 1, 1), postcode="B1 1AA"), "unrelated")
    assert len(index) == 3
    assert [item for _, item in index.candidates(ROBERT)] == ["first", "second"]


def _blurred(person: Demographics, rng: random.Random) -> Demographics:
    dob = person.date_of_birth
    assert dob is not None
    changes: list[dict[str, Any]] = [
        {"date_of_birth": dob + datetime.timedelta(days=1)},
        {"date_of_birth": None},
        {"family_name": "Changed", "other_family_names": (person.family_name or "",)},
        {"family_name": (person.family_name or "") + "e"},
        {"postcode": "M1 1AA", "previous_postcodes": (person.postcode or "",)},
        {"given_name": "Bob" if person.given_name == "Robert" else person.given_name, "date_of_birth": None},
    ]
    return like(person, **rng.choice(changes))
