"""Adult social care's display-rule settings (Stockport's defaults; `[display_rules.adult_social_care]`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class AdultSocialCareRules:
    min_age: int = 15
    excluded_plan_statuses: frozenset[str] = frozenset({"planned", "cancelled"})
