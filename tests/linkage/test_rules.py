"""The authority's rules on guarded links, and the guards the comparison levels name."""

from __future__ import annotations

import pytest

from linkage import LinkRules, MatchLevel
from linkage.comparisons import COMPARISONS
from linkage.rules import GUARDS


def test_defaults_refuse_twins_and_parents_and_show_undated_links_as_possible() -> None:
    rules = LinkRules()
    assert rules.ceiling("undated_links") is MatchLevel.POSSIBLE
    assert rules.ceiling("unrelated_given_names") is MatchLevel.NO_MATCH
    assert rules.ceiling("different_dates_of_birth") is MatchLevel.NO_MATCH


@pytest.mark.parametrize(
    ("rule", "level", "limited"),
    [
        ("never", MatchLevel.CERTAIN, MatchLevel.NO_MATCH),
        ("possible", MatchLevel.CERTAIN, MatchLevel.POSSIBLE),
        ("possible", MatchLevel.POSSIBLE, MatchLevel.POSSIBLE),
        ("possible", MatchLevel.NO_MATCH, MatchLevel.NO_MATCH),
        ("allowed", MatchLevel.PROBABLE, MatchLevel.PROBABLE),
    ],
)
def test_limit_lowers_a_level_to_the_ceiling(rule: str, level: MatchLevel, limited: MatchLevel) -> None:
    rules = LinkRules(undated_links=rule)  # type: ignore[arg-type]
    assert rules.limit(level, "undated_links") is limited


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="undated_links must be one of never, possible, allowed"):
        LinkRules(undated_links="sometimes")  # type: ignore[arg-type]


def test_every_guard_a_level_names_is_a_rule() -> None:
    named = {level.guard for comparison in COMPARISONS for level in comparison.levels if level.guard}
    assert named == set(GUARDS)
