"""Different people who share most details are not linked."""

import datetime

import pytest

from linkage import MatchLevel, score

from .people import ROBERT, like


@pytest.mark.parametrize(
    ("first", "second", "genders"),
    [
        ("Jack", "Jake", ("MALE", "MALE")),
        ("Olivia", "Amelia", ("FEMALE", "FEMALE")),
        ("Amelia", "Emily", ("FEMALE", "FEMALE")),
        ("Harry", "George", ("MALE", "MALE")),
        ("Jack", "Jake", (None, None)),
        ("Alexander", "Alexandra", ("MALE", "FEMALE")),
        ("Louis", "Louise", ("MALE", "FEMALE")),
        ("Mary Jane", "Mary Ann", ("FEMALE", "FEMALE")),
    ],
)
def test_twins_at_the_same_address_are_not_linked(first: str, second: str, genders: tuple[str, str]) -> None:
    twin_a = like(ROBERT, given_name=first, gender=genders[0])
    twin_b = like(ROBERT, given_name=second, gender=genders[1])
    evidence = score(twin_a, twin_b)
    assert evidence.level is MatchLevel.NO_MATCH
    assert "given name differs" in evidence.reasons


def test_siblings_sharing_a_dob_and_previous_addresses_are_not_linked() -> None:
    jack = like(ROBERT, given_name="Jack", previous_postcodes=("M1 1AA",))
    jake = like(ROBERT, given_name="Jake", previous_postcodes=("M1 1AA",))
    assert score(jack, jake).level is MatchLevel.NO_MATCH


def test_a_parent_and_child_of_the_same_name_at_one_address_are_not_linked() -> None:
    father = like(ROBERT, date_of_birth=datetime.date(1982, 3, 4))
    evidence = score(father, ROBERT)
    assert evidence.level is MatchLevel.NO_MATCH
    assert "DOB differs" in evidence.reasons


def test_parent_and_child_born_on_the_same_day_and_month_are_not_linked() -> None:
    father = like(ROBERT, date_of_birth=datetime.date(1982, 4, 3))
    assert score(father, ROBERT).level is MatchLevel.NO_MATCH


def test_same_name_and_birth_year_with_different_dob_and_postcode_is_possible_at_most() -> None:
    namesake = like(ROBERT, date_of_birth=datetime.date(2012, 7, 19), postcode="M1 1AA")
    assert score(ROBERT, namesake).level in (MatchLevel.NO_MATCH, MatchLevel.POSSIBLE)


def test_a_different_family_name_at_a_different_address_is_not_linked() -> None:
    other = like(ROBERT, family_name="Jones", postcode="M1 1AA")
    assert score(ROBERT, other).level is MatchLevel.NO_MATCH
