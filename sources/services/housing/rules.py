"""Housing's display-rule settings (Stockport's defaults; `[display_rules.housing]`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class HousingRules:
    min_age: int = 16
    notice_window_months: int = 12  # notices seeking possession and evictions
    arrears_over_weeks: float = 6.0  # rent arrears shown only when strictly over this
    asb_perpetrator_since: datetime.date = datetime.date(2014, 1, 1)
