"""Term frequencies as Splink counts them, without the rare values, and the weight they add to an exact match."""

from __future__ import annotations

import math

import pytest

from linkage.term_frequencies import TermFrequencies


def test_counted_as_splink_does_over_recorded_values_keeping_only_shared_ones() -> None:
    table = TermFrequencies.count("family_name", ["smith"] * 6 + ["jones"] * 3 + ["rare", None, None], min_count=3)
    assert table.frequencies == {"jones": 3 / 10, "smith": 6 / 10}
    assert table.minimum == pytest.approx(3 / 10)
    assert table.tf("rare") == table.minimum  # below min_count: treated as rare, at the floor


def test_an_exact_match_on_a_rare_value_weighs_more() -> None:
    table = TermFrequencies.count("given_name", ["amy"] * 50 + ["zeb"] * 3 + [f"n{i}" for i in range(47)])
    listed, other = table.adjustments(u_exact=0.05)
    assert listed["amy"] == pytest.approx(math.log2(0.05) - math.log2(0.5))
    assert listed["zeb"] > listed["amy"]
    assert other == pytest.approx(math.log2(0.05) - math.log2(table.minimum))


def test_round_trip_and_validation() -> None:
    table = TermFrequencies.count("postcode", ["SK12AB"] * 4)
    assert TermFrequencies.from_json("postcode", table.to_json()) == table
    with pytest.raises(ValueError, match="term frequencies of postcode"):
        TermFrequencies.from_json("postcode", {"values": {}, "minimum": 0})
