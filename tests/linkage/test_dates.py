import datetime

import pytest

from linkage.dates import DateAgreement, compare_dates, tolerated_variants

D = datetime.date


@pytest.mark.parametrize(
    ("a", "b", "agreement"),
    [
        (D(2012, 3, 4), D(2012, 3, 4), DateAgreement.EXACT),
        (D(2012, 3, 4), D(2012, 3, 5), DateAgreement.ONE_DAY),
        (D(2012, 12, 31), D(2013, 1, 1), DateAgreement.ONE_DAY),
        (D(2012, 3, 4), D(2012, 4, 3), DateAgreement.DAY_MONTH_SWAPPED),
        (D(2012, 3, 4), D(2011, 3, 4), DateAgreement.YEAR_OFF_BY_ONE),
        (D(2012, 3, 4), D(2012, 3, 6), DateAgreement.DIFFERENT),
        (D(2012, 3, 4), D(1982, 3, 4), DateAgreement.DIFFERENT),
        (D(2012, 3, 4), None, DateAgreement.MISSING),
    ],
)
def test_compare_dates_is_symmetric(a: datetime.date, b: datetime.date | None, agreement: DateAgreement) -> None:
    assert compare_dates(a, b) is agreement
    assert compare_dates(b, a) is agreement


def test_variants_are_every_tolerated_date() -> None:
    assert tolerated_variants(D(2015, 3, 4)) == (
        D(2015, 3, 4),
        D(2015, 3, 3),
        D(2015, 3, 5),
        D(2015, 4, 3),
        D(2014, 3, 4),
        D(2016, 3, 4),
    )


def test_variants_skip_impossible_dates() -> None:
    assert tolerated_variants(D(2016, 2, 29)) == (D(2016, 2, 29), D(2016, 2, 28), D(2016, 3, 1))
    # Day 20 cannot be a month, so there is no day/month swap.
    assert tolerated_variants(D(2015, 4, 20)) == (
        D(2015, 4, 20),
        D(2015, 4, 19),
        D(2015, 4, 21),
        D(2014, 4, 20),
        D(2016, 4, 20),
    )


def test_each_variant_compares_as_tolerated() -> None:
    dob = D(2010, 1, 12)
    for variant in tolerated_variants(dob):
        assert compare_dates(dob, variant) is not DateAgreement.DIFFERENT
