"""Youth offending's display-rule settings (defaults; `[display_rules.youth_offending]`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class YouthOffendingRules:
    min_age: int = 10  # the age of criminal responsibility in England and Wales
    max_age: int = 17  # inclusive: at 18 a young person's case passes to adult services (probation)
    closed_within_years: int = 2  # a closed intervention counts when it ended within this many years
