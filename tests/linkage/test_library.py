"""The linkage library as an integrator uses it on its own: checked input, one rule for what counts, structured
per-field results, and deduplication of a list."""

from __future__ import annotations

import datetime
import math
from pathlib import Path

import pytest

import linkage
from linkage import Demographics, FieldOutcome, MatchLevel

ROOT = Path(__file__).resolve().parents[2]
BORN = datetime.date(2012, 3, 4)
ROBERT = Demographics(given_name="Robert", family_name="Smith", date_of_birth=BORN, postcode="LS1 4AB")


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"date_of_birth": "2012-03-04"}, TypeError, "not a string"),
        ({"date_of_birth": datetime.datetime(2012, 3, 4, 10, 0)}, TypeError, "not a datetime"),
        ({"date_of_birth": 20120304}, TypeError, "not int"),
        ({"given_name": math.nan}, ValueError, "given_name is NaN"),
        ({"family_name": float("nan")}, ValueError, "family_name is NaN"),
        ({"given_name": 42}, TypeError, "given_name must be a str or None, not int"),
        ({"postcode": b"LS1 4AB"}, TypeError, "postcode must be a str or None, not bytes"),
        ({"other_family_names": "Jones"}, TypeError, "other_family_names must be a tuple of strings"),
        ({"previous_postcodes": ("LS1 4AB", None)}, TypeError, "previous_postcodes must be a str, not NoneType"),
    ],
)
def test_bad_input_is_refused_at_construction(fields: dict[str, object], error: type[Exception], message: str) -> None:
    values: dict[str, object] = {"given_name": "Bob", "family_name": "Smith"} | fields
    with pytest.raises(error, match=message):
        Demographics(**values)  # type: ignore[arg-type]


def test_lists_are_kept_as_tuples_so_records_stay_hashable() -> None:
    person = Demographics(given_name="Ann", family_name="Lee", other_family_names=["Jones"])  # type: ignore[arg-type]
    assert person.other_family_names == ("Jones",)
    assert hash(person) == hash(Demographics(given_name="Ann", family_name="Lee", other_family_names=("Jones",)))


def test_one_property_says_whether_a_link_counts() -> None:
    assert [level.counts for level in MatchLevel] == [True, True, False, False]
    assert [level.shown for level in MatchLevel] == [True, True, True, False]
    nickname = linkage.score(ROBERT, Demographics(given_name="Bob", family_name="SMITH", date_of_birth=BORN))
    assert nickname.counts and nickname.shown
    undated = linkage.score(ROBERT, Demographics(given_name="Robert", family_name="Smith", postcode="LS1 4AB"))
    assert undated.level is MatchLevel.POSSIBLE and undated.shown and not undated.counts
    twin = linkage.score(ROBERT, Demographics(given_name="Jake", family_name="Smith", date_of_birth=BORN))
    assert twin.level is MatchLevel.NO_MATCH and not twin.shown


def test_every_field_result_is_structured_as_well_as_in_words() -> None:
    other = Demographics(given_name="Bob", family_name="SMITH", date_of_birth=datetime.date(2012, 4, 3))
    evidence = linkage.score(ROBERT, other)
    assert [(f.comparison, f.level) for f in evidence.fields] == [
        ("given_name", "DIMINUTIVE"),
        ("family_name", "EXACT"),
        ("date_of_birth", "DAY_MONTH_SWAPPED"),
        ("postcode", "MISSING"),
        ("gender", "MISSING"),
    ]
    assert all(isinstance(f, FieldOutcome) for f in evidence.fields)
    assert evidence.reasons == tuple(f.reason for f in evidence.fields if f.reason is not None)
    assert sum(f.weight for f in evidence.fields) == pytest.approx(linkage.match_weight(ROBERT, other))
    undated = linkage.score(ROBERT, Demographics(given_name="Robert", family_name="Smith"))
    assert undated.fields[2] == FieldOutcome(
        "date_of_birth", "MISSING", undated.fields[2].weight, "DOB not recorded on one side", "undated_links"
    )


def test_a_trained_model_gives_the_same_structure() -> None:
    model = linkage.load_model(ROOT / "linkage" / "data" / "sandbox_model.json")
    other = Demographics(given_name="Bob", family_name="SMITH", date_of_birth=datetime.date(2012, 4, 3))
    evidence = model.score(ROBERT, other)
    assert [f.comparison for f in evidence.fields][:3] == ["given_name", "family_name", "date_of_birth"]
    assert evidence.fields == model.compare(ROBERT, other)
    assert model.prior_weight + sum(f.weight for f in evidence.fields) == pytest.approx(
        model.match_weight(ROBERT, other)
    )


def test_cluster_joins_one_persons_records_and_keeps_relatives_apart() -> None:
    records = [
        ROBERT,
        Demographics(given_name="Jake", family_name="Smith", date_of_birth=BORN, postcode="LS1 4AB"),  # twin
        Demographics(given_name="Bob", family_name="SMITH", date_of_birth=BORN),  # Robert, by his nickname
        Demographics(
            given_name="Robert", family_name="Smith", date_of_birth=datetime.date(1984, 3, 4), postcode="LS1 4AB"
        ),  # father of the same name
        Demographics(given_name="Robert", family_name="Smith", postcode="LS1 4AB"),  # no DOB: at most POSSIBLE
        Demographics(  # Robert: a nickname and a day out
            given_name="Rob", family_name="Smith", date_of_birth=datetime.date(2012, 3, 5), postcode="LS1 4AB"
        ),
        Demographics(given_name="Ann", family_name="Lee", date_of_birth=datetime.date(1990, 1, 1)),
    ]
    assert linkage.cluster(records) == [[0, 2, 5], [1], [3], [4], [6]]


def test_cluster_of_nothing_and_of_one() -> None:
    assert linkage.cluster([]) == []
    assert linkage.cluster([ROBERT]) == [[0]]


def test_cluster_applies_the_thresholds_and_rules_given() -> None:
    records = [ROBERT, Demographics(given_name="Robert", family_name="Smith", postcode="LS1 4AB")]
    assert linkage.cluster(records) == [[0], [1]]
    allowed = linkage.MatchThresholds(rules=linkage.LinkRules(undated_links="allowed"))
    assert linkage.cluster(records, allowed) == [[0, 1]]
