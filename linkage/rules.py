"""The authority's rules on top of any model's weights: which links are never made, or shown only as POSSIBLE.

A trained model weighs evidence as the data taught it, and unlabelled data cannot teach what it never shows apart:
twins, siblings born on one day, and a parent and child of the same name look like one person recorded with a
slip, so expectation maximisation learns that a different given name or DOB is only mild evidence against a link
(on the sandbox about -5 bits, where the prior model's veto is -15). So some comparison levels name a guard
(`linkage.comparisons`), and a link resting on a guarded level is limited, whatever its score:

- `undated_links`: no date of birth on one side. Nothing then tells a parent from a child of the same name at one
  address; by default such a link is shown at most as POSSIBLE ("possible match, check before relying on it");
- `unrelated_given_names`: given names related only loosely (two edits, the same sound) or not at all: twins and
  siblings, who share everything else. By default no link;
- `different_dates_of_birth`: dates of birth that differ beyond a day, a swapped day and month or a year (a parent
  and a child of the same name; two people of one name born in the same year). By default no link.

Each is "never" (no link), "possible" (at most POSSIBLE) or "allowed" (the score alone decides), set in the
authority's `[linkage]` table. Data whose errors replace whole values (FEBRL) needs them allowed; data with
families in it needs them. The prior model (`linkage.score` without a trained model) vetoes the last two through
its weights and applies `undated_links`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

from linkage.demographics import MatchLevel

Rule = Literal["never", "possible", "allowed"]
RULE_VALUES: tuple[Rule, ...] = ("never", "possible", "allowed")

_CEILING: dict[Rule, MatchLevel] = {
    "never": MatchLevel.NO_MATCH,
    "possible": MatchLevel.POSSIBLE,
    "allowed": MatchLevel.CERTAIN,
}


@dataclass(frozen=True, slots=True)
class LinkRules:
    """For each guard, what a link resting on it may be: "never", "possible" or "allowed"."""

    undated_links: Rule = "possible"
    unrelated_given_names: Rule = "never"
    different_dates_of_birth: Rule = "never"

    def __post_init__(self) -> None:
        for field in fields(self):
            if getattr(self, field.name) not in RULE_VALUES:
                raise ValueError(f"{field.name} must be one of {', '.join(RULE_VALUES)}")

    def ceiling(self, guard: str) -> MatchLevel:
        """The highest level a link resting on a level with this guard may have (NO_MATCH: no link)."""
        rule: Rule = getattr(self, guard)
        return _CEILING[rule]

    def limit(self, level: MatchLevel, guard: str) -> MatchLevel:
        """`level`, lowered to the guard's ceiling where it is higher."""
        ceiling = self.ceiling(guard)
        return level if level.rank <= ceiling.rank else ceiling


DEFAULT_RULES = LinkRules()
NO_GUARDS = LinkRules(undated_links="allowed", unrelated_given_names="allowed", different_dates_of_birth="allowed")
"""Every guard lifted: the model's score alone decides (benchmarks on data without families in it)."""

GUARDS: tuple[str, ...] = tuple(field.name for field in fields(LinkRules))
