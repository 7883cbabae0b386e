"""How two people's postcodes agree: the same current postcode, or one side's current or previous address among
the other side's addresses (people move; systems learn of it at different times)."""

from __future__ import annotations

import enum


class PostcodeAgreement(enum.Enum):
    EXACT = "postcode exact"
    PREVIOUS = "postcode matches previous address"
    DIFFERENT = "postcode differs"
    MISSING = "postcode not recorded on one side"


def compare_postcodes(
    a: str | None, a_previous: frozenset[str], b: str | None, b_previous: frozenset[str]
) -> PostcodeAgreement:
    """Compare normalised postcodes (`postcode_key`); symmetric."""
    if (a is None and not a_previous) or (b is None and not b_previous):
        return PostcodeAgreement.MISSING
    if a is not None and a == b:
        return PostcodeAgreement.EXACT
    all_a = a_previous | {a} if a else a_previous
    all_b = b_previous | {b} if b else b_previous
    if all_a & all_b:
        return PostcodeAgreement.PREVIOUS
    return PostcodeAgreement.DIFFERENT
