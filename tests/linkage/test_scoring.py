"""The score, its levels and thresholds, missing fields, reasons, and the batch path."""

import dataclasses
import datetime

import pytest

from linkage import (
    DEFAULT_THRESHOLDS,
    Demographics,
    MatchEvidence,
    MatchLevel,
    MatchThresholds,
    best_links,
    match_weight,
    score,
)

from .people import ROBERT, like


def test_identical_full_demographics_are_certain() -> None:
    evidence = score(ROBERT, ROBERT)
    assert evidence.level is MatchLevel.CERTAIN
    assert evidence.shown
    assert 0.999 < evidence.score <= 1.0


def test_name_and_dob_without_an_address_are_probable() -> None:
    undressed = like(ROBERT, postcode=None, gender=None)
    assert score(undressed, undressed).level is MatchLevel.PROBABLE


def test_names_alone_are_only_possible() -> None:
    name_only = Demographics(given_name="Robert", family_name="Smith")
    evidence = score(name_only, ROBERT)
    assert evidence.level is MatchLevel.POSSIBLE
    assert evidence.reasons == (
        "given name exact",
        "family name exact",
        "DOB not recorded on one side",
        "postcode not recorded on one side",
    )


@pytest.mark.parametrize("field", ["date_of_birth", "postcode", "gender", "given_name", "family_name"])
def test_a_missing_field_neither_agrees_nor_disagrees(field: str) -> None:
    without = like(ROBERT, **{field: None})
    weight_missing = match_weight(ROBERT, without)
    weight_both_missing = match_weight(without, without)
    assert weight_missing == pytest.approx(weight_both_missing)
    assert score(ROBERT, without).score < score(ROBERT, ROBERT).score


def test_a_missing_dob_weighs_far_less_than_a_different_one() -> None:
    missing = score(ROBERT, like(ROBERT, date_of_birth=None))
    different = score(ROBERT, like(ROBERT, date_of_birth=datetime.date(1990, 1, 1)))
    assert missing.score > 0.9 > different.score
    # ...but without a DOB on both sides a link is only ever possible: nothing tells a parent from a child of the
    # same name at the same address.
    assert missing.level is MatchLevel.POSSIBLE
    assert "DOB not recorded on one side" in missing.reasons
    assert different.level is MatchLevel.NO_MATCH


def test_gender_disagreement_is_a_reason_and_lowers_the_score() -> None:
    evidence = score(ROBERT, like(ROBERT, gender="FEMALE"))
    assert "gender differs" in evidence.reasons
    assert evidence.score < score(ROBERT, ROBERT).score
    assert evidence.shown


def test_unknown_gender_is_not_compared() -> None:
    evidence = score(ROBERT, like(ROBERT, gender="UNKNOWN"))
    assert not any("gender" in reason for reason in evidence.reasons)


def test_thresholds_are_honoured() -> None:
    pair = (ROBERT, like(ROBERT, postcode=None))
    default = score(*pair)
    assert default.level is MatchLevel.PROBABLE
    strict = MatchThresholds(certain=0.99999999, probable=0.9999999, possible=0.999999)
    assert score(*pair, thresholds=strict).level is MatchLevel.NO_MATCH
    assert score(*pair, thresholds=strict).score == default.score
    lenient = MatchThresholds(certain=0.5, probable=0.4, possible=0.3)
    assert score(*pair, thresholds=lenient).level is MatchLevel.CERTAIN


def test_each_threshold_is_the_lowest_score_of_its_level() -> None:
    thresholds = MatchThresholds(certain=0.9, probable=0.6, possible=0.3)
    assert thresholds.level(0.9) is MatchLevel.CERTAIN
    assert thresholds.level(0.89) is MatchLevel.PROBABLE
    assert thresholds.level(0.6) is MatchLevel.PROBABLE
    assert thresholds.level(0.3) is MatchLevel.POSSIBLE
    assert thresholds.level(0.29) is MatchLevel.NO_MATCH


@pytest.mark.parametrize(
    ("certain", "probable", "possible"), [(0.5, 0.9, 0.1), (0.9, 0.5, 0.6), (1.1, 0.9, 0.1), (0.9, 0.5, 0.0)]
)
def test_thresholds_must_be_ordered_probabilities(certain: float, probable: float, possible: float) -> None:
    with pytest.raises(ValueError, match="thresholds must satisfy"):
        MatchThresholds(certain=certain, probable=probable, possible=possible)


def test_default_thresholds_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_THRESHOLDS.certain = 0.5  # type: ignore[misc]


def test_best_links_returns_only_links_best_first_with_the_items_untouched() -> None:
    candidates = [
        (like(ROBERT, given_name="Jake"), "twin"),
        (like(ROBERT, given_name="Bob", postcode=None), "nickname, no address"),
        (ROBERT, "same"),
        (like(ROBERT, date_of_birth=datetime.date(1982, 3, 4)), "father"),
        (Demographics(given_name="Robert", family_name="Smith"), "name only"),
    ]
    links = best_links(ROBERT, candidates)
    assert [item for item, _ in links] == ["same", "nickname, no address", "name only"]
    assert [evidence.level for _, evidence in links] == [
        MatchLevel.CERTAIN,
        MatchLevel.PROBABLE,
        MatchLevel.POSSIBLE,
    ]
    assert all(isinstance(evidence, MatchEvidence) for _, evidence in links)


def test_best_links_honours_thresholds() -> None:
    candidates = [(Demographics(given_name="Robert", family_name="Smith"), "name only")]
    assert best_links(ROBERT, candidates, MatchThresholds(certain=0.99, probable=0.9, possible=0.5)) == []
    assert best_links(ROBERT, []) == []
