"""Calendar arithmetic for ages and time windows (whole months, clipped to the month's last day)."""

from __future__ import annotations

import calendar
import datetime


def age_on(date_of_birth: datetime.date, today: datetime.date) -> int:
    """Completed years: 18 on the 18th birthday (a 29 February birthday counts from 1 March)."""
    had_birthday = (today.month, today.day) >= (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - (0 if had_birthday else 1)


def months_before(today: datetime.date, months: int) -> datetime.date:
    """The same day `months` months earlier: 31 May - 3 months = 28/29 February."""
    index = today.year * 12 + (today.month - 1) - months
    year, month = divmod(index, 12)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return datetime.date(year, month + 1, day)


def years_before(today: datetime.date, years: int) -> datetime.date:
    return months_before(today, 12 * years)
