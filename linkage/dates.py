"""How two dates of birth agree, allowing for the usual keying errors.

A DOB typed one day off, with day and month swapped (US order, 03/04 for 04/03), or with the year off by one is
still evidence for the same person; any other difference is strong evidence against (a parent and a child of
the same name, or two people who share a name and a birth year).
"""

from __future__ import annotations

import datetime
import enum


class DateAgreement(enum.Enum):
    EXACT = "DOB exact"
    ONE_DAY = "DOB differs by 1 day"
    DAY_MONTH_SWAPPED = "DOB day and month swapped"
    YEAR_OFF_BY_ONE = "DOB year differs by 1"
    DIFFERENT = "DOB differs"
    MISSING = "DOB not recorded on one side"


def compare_dates(a: datetime.date | None, b: datetime.date | None) -> DateAgreement:
    """The closest tolerated relation between two dates of birth; symmetric."""
    if a is None or b is None:
        return DateAgreement.MISSING
    if a == b:
        return DateAgreement.EXACT
    if abs((a - b).days) == 1:
        return DateAgreement.ONE_DAY
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return DateAgreement.DAY_MONTH_SWAPPED
    if abs(a.year - b.year) == 1 and a.month == b.month and a.day == b.day:
        return DateAgreement.YEAR_OFF_BY_ONE
    return DateAgreement.DIFFERENT


def tolerated_variants(dob: datetime.date) -> tuple[datetime.date, ...]:
    """The date itself and every date `compare_dates` would accept as a keying error of it, without repeats.

    >>> [d.isoformat() for d in tolerated_variants(datetime.date(2015, 3, 4))]
    ['2015-03-04', '2015-03-03', '2015-03-05', '2015-04-03', '2014-03-04', '2016-03-04']
    """
    variants = [dob, *(d for days in (-1, 1) if (d := _shifted(dob, days)))]
    swapped = _valid_date(dob.year, dob.day, dob.month)
    if swapped is not None:
        variants.append(swapped)
    variants.extend(d for year in (dob.year - 1, dob.year + 1) if (d := _valid_date(year, dob.month, dob.day)))
    return tuple(dict.fromkeys(variants))


def _shifted(dob: datetime.date, days: int) -> datetime.date | None:
    try:
        return dob + datetime.timedelta(days=days)
    except OverflowError:
        return None


def _valid_date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None
