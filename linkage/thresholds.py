"""Where the score's levels begin: configuration, so that an authority can be stricter than the defaults.

With the defaults (weights in `linkage.weights`): given name, family name, DOB and postcode all agreeing is
CERTAIN (score >= 0.999), also when one of them agrees only through a nickname, a typo, a previous family name
or a previous postcode; all four with the DOB a day or a year out, or names and DOB with no postcode recorded,
are PROBABLE (>= 0.9); names alone are POSSIBLE (>= 0.1), shown only as "possible match, check before relying on it".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from linkage.demographics import MatchLevel
from linkage.rules import DEFAULT_RULES, LinkRules

if TYPE_CHECKING:
    from linkage.model import LinkageModel

INVALID_THRESHOLDS = "thresholds must satisfy 0 < possible <= probable <= certain <= 1"


@dataclass(frozen=True, slots=True)
class MatchThresholds:
    """The lowest score for each level; a score below `possible` is not a link.

    >>> MatchThresholds(certain=0.9999, probable=0.99, possible=0.5).level(0.995)
    <MatchLevel.PROBABLE: 'PROBABLE'>

    Every caller of `linkage.score` and `best_links` passes its authority's thresholds, so they also carry the rest
    of the authority's `[linkage]` table: the trained `model` that scores (None: the built-in prior model) and the
    `rules` that cap guarded links at POSSIBLE (`linkage.rules`).
    """

    certain: float = 0.999
    probable: float = 0.9
    possible: float = 0.1
    model: LinkageModel | None = None
    rules: LinkRules = DEFAULT_RULES

    def __post_init__(self) -> None:
        if not 0.0 < self.possible <= self.probable <= self.certain <= 1.0:
            raise ValueError(INVALID_THRESHOLDS)

    def level(self, score: float) -> MatchLevel:
        if score >= self.certain:
            return MatchLevel.CERTAIN
        if score >= self.probable:
            return MatchLevel.PROBABLE
        if score >= self.possible:
            return MatchLevel.POSSIBLE
        return MatchLevel.NO_MATCH


DEFAULT_THRESHOLDS = MatchThresholds()
