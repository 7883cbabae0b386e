"""Whole numbers written in text the gateway does not control: a request's header or cursor, a source's answer, a
configuration file."""

from __future__ import annotations


def whole_number(text: str, *, max_digits: int) -> int | None:
    """`text` as a whole number when it is 1 to `max_digits` ASCII digits, else None.

    `str.isdigit` alone is not enough: it accepts '²', which `int` refuses, and '٣', which `int` reads as 3; and
    `int` refuses a string of more than 4,300 digits."""
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None
