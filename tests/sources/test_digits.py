"""sources/digits.py: whole numbers from text the gateway does not control."""

from __future__ import annotations

import pytest

from sources.digits import whole_number


@pytest.mark.parametrize(("text", "number"), [("0", 0), ("42", 42), ("000123", 123), ("999999", 999999)])
def test_ascii_digits_within_the_bound_are_a_number(text: str, number: int) -> None:
    assert whole_number(text, max_digits=6) == number


@pytest.mark.parametrize(
    "text", ["", "-1", "+1", " 1", "1.0", "1e3", "\u00b2", "\u0663", "\uff11", "1234567", "9" * 5000]
)
def test_anything_else_is_none(text: str) -> None:
    assert whole_number(text, max_digits=6) is None
