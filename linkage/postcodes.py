"""How two people's postcodes agree: the same current postcode, or one side's current or previous address among
the other side's addresses (people move; systems learn of it at different times)."""

from __future__ import annotations

import enum
import re

# A UK postcode without its space: outward code (area letters, district digit, optional letter or digit), then the
# inward code (sector digit and two unit letters). "SK12AB" is district SK1, sector SK1 2.
_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9])[A-Z]{2}$")


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


def postcode_sector(key: str | None) -> str | None:
    """The postcode sector of a normalised postcode (`postcode_key`): a few streets around the address.

    UK: the outward code and the inward code's digit (`"SK12AB"` -> `"SK12"`). An all-digit postcode (as in
    Australia or the US): all but its last digit (`"2480"` -> `"248"`). None for anything else.

    >>> postcode_sector("SK12AB"), postcode_sector("2480"), postcode_sector("X1")
    ('SK12', '248', None)
    """
    if key is None:
        return None
    uk = _UK_POSTCODE.match(key)
    if uk is not None:
        return uk.group(1) + uk.group(2)
    return key[:-1] if key.isdigit() and len(key) >= 3 else None


def postcode_district(key: str | None) -> str | None:
    """The postcode district: the UK outward code (`"SK12AB"` -> `"SK1"`), or an all-digit postcode without its
    last two digits (`"2480"` -> `"24"`). None for anything else.

    >>> postcode_district("SK12AB"), postcode_district("2480")
    ('SK1', '24')
    """
    if key is None:
        return None
    uk = _UK_POSTCODE.match(key)
    if uk is not None:
        return uk.group(1)
    return key[:-2] if key.isdigit() and len(key) >= 4 else None
