"""Police's display-rule settings (Stockport's defaults; `[display_rules.police]`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class PoliceRules:
    min_age: int = 18
    conviction_window_years: int = 5
    suspect_window_years: int = 1
    max_safeguarding_offences: int = 3
