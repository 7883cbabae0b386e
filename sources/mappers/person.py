"""Building a person's common-model identity (gender, addresses, `Demographics`) from mapped native values."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from linkage.demographics import Demographics
from sources.mappers.native import text
from sources.model import Address, Gender, Practitioner


def gender_from(code: str | None, codes: Mapping[str, Gender]) -> Gender | None:
    """A system's gender code through its table (keys in upper case); None when absent.

    A code the table does not know reads as UNKNOWN: a new code is not a garbled record.
    """
    if code is None:
        return None
    return codes.get(code.strip().upper(), Gender.UNKNOWN)


def address_from(
    native: Mapping[str, object] | None,
    *,
    keys: tuple[str, str, str, str],
    current: bool,
    system: str,
    upper_case: bool = False,
) -> Address | None:
    """An address from a native object with the given (line1, line2, town, postcode) keys; None when empty."""
    if native is None:
        return None
    line1, line2, town, postcode = (text(native, key) for key in keys)
    if not any((line1, line2, town, postcode)):
        return None
    if upper_case:
        line1, line2, town = (v.title() if v and v.isupper() else v for v in (line1, line2, town))
    return Address(
        line1=line1,
        line2=line2,
        town=town,
        postcode=postcode.upper() if postcode else None,
        current=current,
        system=system,
    )


def demographics_of(
    *,
    given_name: str | None,
    family_name: str | None,
    date_of_birth: datetime.date | None,
    gender: Gender | None,
    addresses: Sequence[Address] = (),
    other_family_names: Sequence[str] = (),
) -> Demographics:
    """What linkage compares: the current address's postcode and every previous postcode."""
    current = next((a.postcode for a in addresses if a.current and a.postcode), None)
    previous = tuple(
        dict.fromkeys(a.postcode for a in addresses if not a.current and a.postcode and a.postcode != current)
    )
    return Demographics(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        gender=gender.value if gender is not None else None,
        postcode=current,
        other_family_names=tuple(other_family_names),
        previous_postcodes=previous,
    )


CONTACT_KEYS = ("name", "role", "team", "phone", "email")


def practitioner_from(
    native: Mapping[str, object] | None,
    *,
    keys: tuple[str | None, str | None, str | None, str | None, str | None] = CONTACT_KEYS,
    role: str | None = None,
) -> Practitioner | None:
    """A contact from the given (name, role, team, phone, email) keys; None when absent or empty.

    Phone numbers are kept exactly as given, even with the wrong number of digits: a social worker can still
    read them, and correcting them would be guessing.
    """
    if native is None:
        return None
    name, native_role, team, phone, email = (text(native, key) if key else None for key in keys)
    if not any((name, native_role, team, phone, email)):
        return None
    return Practitioner(name=name, role=native_role or role, team=team, phone=phone, email=email)
