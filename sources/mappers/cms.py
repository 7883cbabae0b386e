"""CMS (LCS/Mosaic-like) JSON → `CmsChild`, `CmsPerson`, `CmsRelationship`.

Quirks: gender `"F"`/`"M"`/`"X"`/`"U"`; an unknown relationship name reads as OTHER rather than failing.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TypedDict

from sources.cms_model import CmsChild, CmsPerson, CmsRelationship, RelationshipType
from sources.mappers.native import (
    MalformedRecord,
    as_list,
    as_object,
    boolean,
    iso_date,
    object_list,
    optional_object,
    required_text,
    text,
)
from sources.mappers.person import address_from, gender_from, practitioner_from
from sources.model import Address, Gender, Name

GENDER_CODES = {"F": Gender.FEMALE, "M": Gender.MALE, "X": Gender.OTHER, "U": Gender.UNKNOWN}
ADDRESS_KEYS = ("line1", "line2", "town", "postcode")


def person(native: object, *, system: str) -> CmsPerson:
    """A `Person` (or a `Child`: one with `caseReference` or `allocatedWorker` becomes a `CmsChild`)."""
    record = as_object(native, "person")
    common = _basics(record, system)
    if "caseReference" in record or "allocatedWorker" in record:
        return CmsChild(
            **common,
            case_reference=text(record, "caseReference"),
            allocated_worker=practitioner_from(optional_object(record, "allocatedWorker")),
        )
    return CmsPerson(**common)


def child(native: object, *, system: str) -> CmsChild:
    record = as_object(native, "child")
    return CmsChild(
        **_basics(record, system),
        case_reference=text(record, "caseReference"),
        allocated_worker=practitioner_from(optional_object(record, "allocatedWorker")),
    )


def relationship(native: object, *, child_id: str, system: str) -> CmsRelationship:
    record = as_object(native, "relationship")
    name = required_text(record, "relationship").upper()
    kind = RelationshipType(name) if name in RelationshipType.__members__ else RelationshipType.OTHER
    return CmsRelationship(
        child_id=child_id,
        person_id=required_text(record, "personId"),
        system=system,
        relationship=kind,
        lives_with=boolean(record, "livesWith"),
        name=Name(given=text(record, "forename"), family=text(record, "surname")),
        date_of_birth=iso_date(record, "dateOfBirth"),
        gender=gender_from(text(record, "gender"), GENDER_CODES),
        address=_address(optional_object(record, "address"), current=True, system=system),
    )


def child_ids(native: object) -> list[str]:
    """A list of children's CMS ids (a reverse relationship look-up); anything but non-empty strings is malformed.

    Stricter than `text_list`, which drops blanks: these ids decide whether a worker may open a record, so an
    answer we cannot read in full is not read at all.
    """
    ids = as_list(native, "children")
    if not all(isinstance(item, str) and item.strip() for item in ids):
        raise MalformedRecord("children", "not a list of ids")
    return [item.strip() for item in ids if isinstance(item, str)]


class _Basics(TypedDict):
    person_id: str
    system: str
    name: Name
    date_of_birth: datetime.date | None
    gender: Gender | None
    address: Address | None
    previous_addresses: tuple[Address, ...]


def _basics(record: Mapping[str, object], system: str) -> _Basics:
    return {
        "person_id": required_text(record, "id"),
        "system": system,
        "name": Name(given=text(record, "forename"), family=text(record, "surname")),
        "date_of_birth": iso_date(record, "dateOfBirth"),
        "gender": gender_from(text(record, "gender"), GENDER_CODES),
        "address": _address(optional_object(record, "address"), current=True, system=system),
        "previous_addresses": tuple(
            address
            for item in object_list(record, "previousAddresses")
            if (address := _address(item, current=False, system=system)) is not None
        ),
    }


def _address(native: Mapping[str, object] | None, *, current: bool, system: str) -> Address | None:
    return address_from(native, keys=ADDRESS_KEYS, current=current, system=system)
