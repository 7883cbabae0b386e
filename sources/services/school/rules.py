"""School's display-rule settings (Stockport's defaults; `[display_rules.school]`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class SchoolRules:
    min_age: int = 4
    max_age: int = 20  # inclusive
