"""How search terms are read: surname first or not, wildcards ignored, bad input refused."""

from __future__ import annotations

import datetime

import pytest

from resolvers.errors import GatewayError
from resolvers.search import SearchTerms, interpretations

TODAY = datetime.date(2026, 11, 27)


def readings(**terms: object) -> list[tuple[str | None, str | None]]:
    return [(d.family_name, d.given_name) for d in interpretations(SearchTerms(**terms), TODAY)]  # type: ignore[arg-type]


def test_a_plain_search_is_read_as_given() -> None:
    assert readings(family_name="Smith", given_name="Bob") == [("Smith", "Bob")]


def test_surname_first_with_a_comma() -> None:
    assert readings(family_name="SMITH, Bob") == [("SMITH", "Bob")]


def test_a_whole_name_in_the_family_name_box_is_read_every_way() -> None:
    assert readings(family_name="Smith Jones") == [("Smith Jones", None), ("Smith", "Jones"), ("Jones", "Smith")]


def test_wildcards_and_extra_spaces_are_ignored() -> None:
    assert readings(family_name="  Smi*th% ", given_name="B?ob") == [("Smith", "Bob")]
    assert readings(family_name="Smith*") == [("Smith", None)]


def test_the_other_terms_carry_into_every_reading() -> None:
    [reading] = interpretations(
        SearchTerms(family_name="Smith", date_of_birth=datetime.date(1980, 2, 1), postcode="sk1 3xe"), TODAY
    )
    assert reading.date_of_birth == datetime.date(1980, 2, 1)
    assert reading.postcode == "SK1 3XE"


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"family_name": " *% "}, "familyName must contain at least one letter"),
        ({"family_name": "1234"}, "familyName must contain at least one letter"),
        ({"family_name": "x" * 101}, "familyName is too long"),
        ({"family_name": "Smith", "given_name": "y" * 101}, "givenName is too long"),
        ({"family_name": "Smith", "postcode": "SK1 <b>"}, "postcode must be letters, digits and spaces"),
        ({"family_name": "Smith", "date_of_birth": datetime.date(2027, 1, 1)}, "dateOfBirth must be a real date"),
        ({"family_name": "Smith", "date_of_birth": datetime.date(1850, 1, 1)}, "dateOfBirth must be a real date"),
    ],
)
def test_bad_terms_are_refused_with_a_message(terms: dict[str, object], message: str) -> None:
    with pytest.raises(GatewayError) as raised:
        interpretations(SearchTerms(**terms), TODAY)  # type: ignore[arg-type]
    assert raised.value.code == "BAD_USER_INPUT"
    assert message in raised.value.message
