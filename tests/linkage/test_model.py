"""The online scorer with a trained model (the demo's, trained on the sandbox): levels, reasons, the authority's
rules, and `linkage.score`/`best_links` through `MatchThresholds(model=...)`. No Splink needed."""

from __future__ import annotations

import dataclasses
import datetime

import pytest

import linkage
from gateway.demo import DEMO_MODEL
from linkage import Demographics, LinkRules, MatchLevel, MatchThresholds

from .people import ROBERT, like


@pytest.fixture(scope="module")
def model() -> linkage.LinkageModel:
    return linkage.load_model(DEMO_MODEL)


@pytest.fixture(scope="module")
def thresholds(model: linkage.LinkageModel) -> MatchThresholds:
    return MatchThresholds(model=model, probable=0.99)


def test_identical_records_are_certain_with_reasons_in_words(thresholds: MatchThresholds) -> None:
    evidence = linkage.score(ROBERT, ROBERT, thresholds)
    assert evidence.level is MatchLevel.CERTAIN
    assert evidence.reasons == ("given name exact", "family name exact", "DOB exact", "postcode exact", "gender agrees")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"given_name": "Bob"}, "given name nickname Robert/Bob"),
        ({"given_name": "Robret"}, "given name typo (1 edit)"),
        ({"given_name": "Robert John"}, "given name matches first name"),
        ({"given_name": "Smith", "family_name": "Robert"}, "given and family names swapped"),
        ({"date_of_birth": datetime.date(2012, 3, 5)}, "DOB differs by 1 day"),
        ({"date_of_birth": datetime.date(2012, 4, 3)}, "DOB day and month swapped"),
        ({"date_of_birth": datetime.date(2011, 3, 4)}, "DOB year differs by 1"),
        ({"postcode": "M1 1AA", "previous_postcodes": ("LS1 4AB",)}, "postcode matches previous address"),
        ({"family_name": "Jones", "other_family_names": ("Smith",)}, "family name matches previous name"),
    ],
)
def test_tolerated_slips_still_link(thresholds: MatchThresholds, changes: dict[str, object], reason: str) -> None:
    evidence = linkage.score(ROBERT, like(ROBERT, **changes), thresholds)
    assert evidence.level in (MatchLevel.CERTAIN, MatchLevel.PROBABLE)
    assert reason in evidence.reasons


@pytest.mark.parametrize(
    ("first", "second", "genders"),
    [
        ("Jack", "Jake", ("MALE", "MALE")),
        ("Olivia", "Amelia", ("FEMALE", "FEMALE")),
        ("Alexander", "Alexandra", ("MALE", "FEMALE")),
        ("Louis", "Louise", ("MALE", "FEMALE")),
        ("Mary Jane", "Mary Ann", ("FEMALE", "FEMALE")),
        ("Harry", "George", ("MALE", "MALE")),
    ],
)
def test_twins_are_never_linked(thresholds: MatchThresholds, first: str, second: str, genders: tuple[str, str]) -> None:
    evidence = linkage.score(
        like(ROBERT, given_name=first, gender=genders[0]),
        like(ROBERT, given_name=second, gender=genders[1]),
        thresholds,
    )
    assert evidence.level is MatchLevel.NO_MATCH


def test_a_parent_and_child_of_the_same_name_are_never_linked(thresholds: MatchThresholds) -> None:
    father = like(ROBERT, date_of_birth=datetime.date(1982, 3, 4))
    evidence = linkage.score(father, ROBERT, thresholds)
    assert evidence.level is MatchLevel.NO_MATCH
    assert "DOB differs" in evidence.reasons
    namesake = like(ROBERT, date_of_birth=datetime.date(2012, 3, 9))  # one digit: same name, same birth year
    assert linkage.score(namesake, ROBERT, thresholds).level is MatchLevel.NO_MATCH


def test_without_a_dob_on_both_sides_a_link_is_only_possible(thresholds: MatchThresholds) -> None:
    undated = like(ROBERT, date_of_birth=None)
    assert linkage.score(undated, ROBERT, thresholds).level is MatchLevel.POSSIBLE
    allowed = dataclasses.replace(thresholds, rules=LinkRules(undated_links="allowed"))
    assert linkage.score(undated, ROBERT, allowed).level is MatchLevel.CERTAIN
    never = dataclasses.replace(thresholds, rules=LinkRules(undated_links="never"))
    assert linkage.score(undated, ROBERT, never).level is MatchLevel.NO_MATCH


def test_the_rules_can_show_or_allow_guarded_links(thresholds: MatchThresholds) -> None:
    twin = like(ROBERT, given_name="Jake")
    possible = dataclasses.replace(thresholds, rules=LinkRules(unrelated_given_names="possible"))
    assert linkage.score(twin, ROBERT, possible).level is MatchLevel.POSSIBLE
    allowed = dataclasses.replace(thresholds, rules=LinkRules(unrelated_given_names="allowed"))
    assert linkage.score(twin, ROBERT, allowed).level is MatchLevel.CERTAIN


def test_best_links_uses_the_model_and_drops_refused_links(thresholds: MatchThresholds) -> None:
    candidates = [
        (like(ROBERT, given_name="Jake"), "twin"),
        (like(ROBERT, given_name="Bob", postcode=None), "nickname, no address"),
        (ROBERT, "same"),
        (like(ROBERT, date_of_birth=datetime.date(1982, 3, 4)), "father"),
        (like(ROBERT, date_of_birth=None), "undated"),
    ]
    links = linkage.best_links(ROBERT, candidates, thresholds)
    assert {item for item, _ in links} == {"same", "nickname, no address", "undated"}
    assert dict((item, e.level) for item, e in links)["undated"] is MatchLevel.POSSIBLE
    assert links[0][0] in ("same", "nickname, no address")


def test_match_weight_is_the_prior_plus_each_comparisons_weight(model: linkage.LinkageModel) -> None:
    other = like(ROBERT, given_name="Bob", date_of_birth=datetime.date(2012, 3, 5))
    outcomes = model.compare(ROBERT, other)
    assert [o.comparison for o in outcomes] == ["given_name", "family_name", "date_of_birth", "postcode", "gender"]
    assert model.match_weight(ROBERT, other) == pytest.approx(model.prior_weight + sum(o.weight for o in outcomes))
    assert model.score(ROBERT, other).score == pytest.approx(1 / (1 + 2 ** -model.match_weight(ROBERT, other)))


def test_scoring_is_symmetric(model: linkage.LinkageModel) -> None:
    other = Demographics(given_name="Bobby", family_name="Smith-Jones", date_of_birth=datetime.date(2012, 4, 3))
    assert model.match_weight(ROBERT, other) == pytest.approx(model.match_weight(other, ROBERT))


def test_the_prior_model_still_scores_without_a_model() -> None:
    assert linkage.score(ROBERT, like(ROBERT, given_name="Jake")).level is MatchLevel.NO_MATCH
    assert linkage.score(ROBERT, ROBERT).level is MatchLevel.CERTAIN
