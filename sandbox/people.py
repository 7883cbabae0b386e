"""The true people of the synthetic population: who they really are, before any system records them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

TrueGender = Literal["F", "M", "X"]

# A person's place in a household, seen from the children at its centre.
Role = Literal[
    "child",  # under 18: the CMS holds every child with a C id
    "mother",
    "father",
    "parent",  # a second parent of the same sex
    "step_parent",
    "parents_partner",
    "grandparent",
    "adult_sibling",
    "lodger",
]

# The schema's RelationshipType names, as the CMS records them.
RelationshipType = Literal[
    "MOTHER",
    "FATHER",
    "PARENT",
    "STEP_PARENT",
    "PARENTS_PARTNER",
    "SIBLING",
    "HALF_SIBLING",
    "GRANDPARENT",
    "GUARDIAN",
    "OTHER_RELATIVE",
    "OTHER_ADULT_IN_HOUSEHOLD",
    "OTHER",
]


@dataclass(frozen=True, kw_only=True)
class Address:
    line1: str
    line2: str | None
    town: str
    postcode: str

    def to_json(self) -> dict[str, str | None]:
        """The shape the CMS and adult social care share: `{"line1", "line2", "town", "postcode"}`."""
        return {"line1": self.line1, "line2": self.line2, "town": self.town, "postcode": self.postcode}


@dataclass(frozen=True, kw_only=True)
class Person:
    """One real person. `person_id` exists only in the ground truth: no system knows it."""

    person_id: str
    household_id: str
    role: Role
    given_name: str
    middle_names: tuple[str, ...]
    family_name: str
    former_family_names: tuple[str, ...]  # most recent first, e.g. a maiden name
    date_of_birth: datetime.date
    gender: TrueGender
    address: Address
    previous_addresses: tuple[Address, ...]  # most recent first

    def age_on(self, day: datetime.date) -> int:
        """Age in whole years on `day`."""
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


@dataclass(frozen=True, kw_only=True)
class Kinship:
    """How one person stands to one child of the household, as a social worker would record it."""

    child_id: str
    relative_id: str
    relationship: RelationshipType
    lives_with: bool


@dataclass(frozen=True, kw_only=True)
class Household:
    """The children at one address and the adults around them (some of whom live elsewhere)."""

    household_id: str
    address: Address
    previous_addresses: tuple[Address, ...]
    moved_in: datetime.date
    member_ids: tuple[str, ...]  # everyone the household involves, resident or not
    kinships: tuple[Kinship, ...]
