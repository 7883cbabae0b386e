"""The school adapter's pupil index gives each person the same candidates, in the same order, as comparing every
person with every pupil (the adapter's rule before the index), on generated pupils and queries."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from linkage.blocking import CandidateQuery
from sources.school import MAX_CANDIDATES, Row, _fits, _PupilIndex, _sounds_alike


def all_pairs(pupils: Sequence[Row], query: CandidateQuery, *, sounds: bool) -> list[Row]:
    """The rule as it was: every pupil compared with the person, exact fits then sound-alikes up to the cap."""
    exact: list[Row] = []
    alike: list[Row] = []
    for pupil in pupils:
        if _fits(pupil, query):
            exact.append(pupil)
        elif sounds and _sounds_alike(pupil, query):
            alike.append(pupil)
    return exact + alike[: max(0, MAX_CANDIDATES - len(exact))]


DATES = [datetime.date(2010, 1, 1) + datetime.timedelta(days=d) for d in (0, 1, 31, 365, 400)]
NAMES = ["SMITH", "SMYTH", "JONES", "KHAN", "OBRIEN"]
SOUNDS = ["S530", "J520", "K500", "O165"]
FORENAMES = ["Amy", "Amie", "Mohammed", "Jo", "Joanne", None]
FORENAME_SOUNDS = ["A500", "M530", "J000", "J500"]
YEARS = [2009, 2010, 2011]


def pupil_rows() -> st.SearchStrategy[dict[str, object]]:
    return st.builds(
        lambda upn, dob, year, name, former, sound, former_sound, legal, preferred: {
            "upn": upn,
            "dob": dob.isoformat() if dob else None,
            "birth_year": year,
            "surname_key": name,
            "former_surname_key": former,
            "surname_sound": sound,
            "former_surname_sound": former_sound,
            "legal_forename": legal,
            "preferred_forename": preferred,
        },
        st.text("ABC123", min_size=1, max_size=6),
        st.one_of(st.none(), st.sampled_from(DATES)),
        st.one_of(st.none(), st.sampled_from(YEARS)),
        st.one_of(st.none(), st.sampled_from(NAMES)),
        st.one_of(st.none(), st.sampled_from(NAMES)),
        st.one_of(st.none(), st.sampled_from(SOUNDS)),
        st.one_of(st.none(), st.sampled_from(SOUNDS)),
        st.sampled_from(FORENAMES),
        st.sampled_from(FORENAMES),
    )


def queries() -> st.SearchStrategy[CandidateQuery]:
    def unique(values: list[object]) -> tuple[object, ...]:
        return tuple(dict.fromkeys(values))

    return st.builds(
        lambda names, dobs, years, sounds, forename_sounds: CandidateQuery(
            surnames=unique(names),  # type: ignore[arg-type]
            dates_of_birth=unique(dobs),  # type: ignore[arg-type]
            birth_years=unique(years),  # type: ignore[arg-type]
            surname_sounds=unique(sounds),  # type: ignore[arg-type]
            forename_sounds=unique(forename_sounds),  # type: ignore[arg-type]
        ),
        st.lists(st.sampled_from(NAMES), max_size=3),
        st.lists(st.sampled_from(DATES), max_size=3),
        st.lists(st.sampled_from(YEARS), max_size=2),
        st.lists(st.sampled_from(SOUNDS), max_size=2),
        st.lists(st.sampled_from(FORENAME_SOUNDS), max_size=2),
    )


@given(st.lists(pupil_rows(), max_size=80), st.lists(queries(), min_size=1, max_size=6), st.booleans())
def test_the_index_answers_as_comparing_all_pairs(
    pupils: list[Row], people: list[CandidateQuery], sounds: bool
) -> None:
    index = _PupilIndex(pupils)
    for query in people:
        assert [id(p) for p in index.candidates(query, sounds=sounds)] == [
            id(p) for p in all_pairs(pupils, query, sounds=sounds)
        ]


def test_the_cap_on_sound_alikes_is_kept() -> None:
    """More sound-alike pupils than the cap: the first ones in row order, after every exact fit."""
    exact = {"upn": "E", "dob": "2010-01-01", "birth_year": 2010, "surname_key": "SMITH", "surname_sound": "S530"}
    alike: list[Row] = [
        {"upn": f"A{n}", "dob": None, "birth_year": 2010, "surname_key": "SMYTHE", "surname_sound": "S530"}
        for n in range(MAX_CANDIDATES + 5)
    ]
    query = CandidateQuery(
        surnames=("SMITH",),
        dates_of_birth=(datetime.date(2010, 1, 1),),
        birth_years=(2010,),
        surname_sounds=("S530",),
    )
    pupils: list[Row] = [*alike[:3], exact, *alike[3:]]
    found = _PupilIndex(pupils).candidates(query, sounds=True)
    assert found == all_pairs(pupils, query, sounds=True)
    assert [p["upn"] for p in found][:2] == ["E", "A0"] and len(found) == MAX_CANDIDATES
