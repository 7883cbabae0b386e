"""One system's copy of who a person is, sometimes with a planted discrepancy recorded in the ground truth.

Each system keys in a person on its own, so copies drift: a nickname instead of the formal given name, a typo, a
surname from before a marriage, a date of birth one day off or with day and month swapped, an address the person
has left. `IdentityCopier` makes one copy per (person, system) and plants at most one such discrepancy, at a rate
that keeps most copies clean.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass

from sandbox.ground_truth import DiscrepancyKind, GroundTruthLedger, System
from sandbox.names import DIMINUTIVES
from sandbox.people import Address, Person, TrueGender


@dataclass(frozen=True, kw_only=True)
class Identity:
    """What one system holds about who a person is. None means the system did not record that field."""

    given_name: str
    middle_names: tuple[str, ...]
    family_name: str
    former_family_names: tuple[str, ...]  # what the system lists, which is not always what is true
    date_of_birth: datetime.date | None
    gender: TrueGender | None
    address: Address | None
    previous_addresses: tuple[Address, ...]


# Identity discrepancies and how often each is chosen when one is planted (among those that apply to the person).
_KIND_WEIGHTS: dict[DiscrepancyKind, int] = {
    # Nicknames, name changes and old addresses apply to fewer people, so they weigh more when they do apply.
    "nickname": 45,
    "typo": 12,
    "transposition": 8,
    "family_name_changed": 40,
    "dob_one_day": 10,
    "dob_day_month_swapped": 10,
    "dob_year_off": 6,
    "old_address": 25,
    "missing_field": 8,
}
IDENTITY_DISCREPANCY_KINDS: tuple[DiscrepancyKind, ...] = tuple(_KIND_WEIGHTS)

# Neighbouring keys on a UK keyboard: the typos people actually make.
_NEIGHBOURS = {
    "a": "sqz",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "bm",
    "o": "ip",
    "p": "o",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "y": "tu",
}


def faithful_identity(person: Person, *, lists_former_names: bool) -> Identity:
    """The person exactly as they are; former names listed only if the system keeps them."""
    return Identity(
        given_name=person.given_name,
        middle_names=person.middle_names,
        family_name=person.family_name,
        former_family_names=person.former_family_names if lists_former_names else (),
        date_of_birth=person.date_of_birth,
        gender=person.gender,
        address=person.address,
        previous_addresses=person.previous_addresses,
    )


class IdentityCopier:
    """Makes systems' copies of people, planting discrepancies at `rate` and recording each one."""

    def __init__(self, rng: random.Random, ledger: GroundTruthLedger) -> None:
        self._rng = rng
        self._ledger = ledger

    def copy(
        self,
        person: Person,
        system: System,
        record_id: str,
        *,
        rate: float,
        excluded: Collection[DiscrepancyKind] = (),
        former_names_kept: float = 0.6,
    ) -> Identity:
        """The system's copy of `person` under `record_id`: faithful, or with one planted discrepancy."""
        rng = self._rng
        self._ledger.record(person.person_id, system, record_id)
        identity = faithful_identity(person, lists_former_names=rng.random() < former_names_kept)
        if rng.random() >= rate:
            return identity
        kinds = [k for k in _KIND_WEIGHTS if k not in excluded and _applies(k, person)]
        kind = rng.choices(kinds, weights=[_KIND_WEIGHTS[k] for k in kinds])[0]
        distorted, field = _DISTORTIONS[kind](identity, person, rng)
        self._ledger.plant(person.person_id, system, record_id, kind, field)
        return distorted


def _applies(kind: DiscrepancyKind, person: Person) -> bool:
    dob = person.date_of_birth
    if kind == "nickname":
        return person.given_name in DIMINUTIVES
    if kind == "family_name_changed":
        return bool(person.former_family_names)
    if kind == "dob_day_month_swapped":
        return dob.day <= 12 and dob.day != dob.month
    if kind == "old_address":
        return bool(person.previous_addresses)
    if kind == "typo":
        return len(person.family_name) >= 4 or len(person.given_name) >= 4
    if kind == "transposition":
        return bool(_swappable(person.family_name) or _swappable(person.given_name))
    return True


Distortion = Callable[[Identity, Person, random.Random], tuple[Identity, str]]


def _nickname(identity: Identity, person: Person, rng: random.Random) -> tuple[Identity, str]:
    return dataclasses.replace(identity, given_name=rng.choice(DIMINUTIVES[person.given_name])), "given_name"


def _renamed(identity: Identity, field: str, name: str) -> Identity:
    if field == "family_name":
        return dataclasses.replace(identity, family_name=name)
    return dataclasses.replace(identity, given_name=name)


def _name_field(identity: Identity, rng: random.Random) -> tuple[str, str]:
    if len(identity.family_name) >= 4 and (len(identity.given_name) < 4 or rng.random() < 0.5):
        return "family_name", identity.family_name
    return "given_name", identity.given_name


def _typo(identity: Identity, person: Person, rng: random.Random) -> tuple[Identity, str]:
    field, name = _name_field(identity, rng)
    at = rng.randrange(1, len(name))  # keep the initial: people rarely mistype the first letter
    letter = name[at].lower()
    how = rng.random()
    if how < 0.5 and letter in _NEIGHBOURS:
        wrong = rng.choice(_NEIGHBOURS[letter])
        typed = name[:at] + (wrong.upper() if name[at].isupper() else wrong) + name[at + 1 :]
    elif how < 0.8:
        typed = name[:at] + name[at + 1 :]  # a dropped letter
    else:
        typed = name[:at] + name[at] + name[at:]  # a doubled letter
    if typed == name:
        typed = name[:at] + name[at + 1 :]
    return _renamed(identity, field, typed), field


def _swappable(name: str) -> list[int]:
    """Where two adjacent, different letters could be swapped (never the initial)."""
    return [
        i for i in range(1, len(name) - 1) if name[i] != name[i + 1] and name[i].isalpha() and name[i + 1].isalpha()
    ]


def _transposition(identity: Identity, person: Person, rng: random.Random) -> tuple[Identity, str]:
    field, name = _name_field(identity, rng)
    if not _swappable(name):
        field, name = (
            ("given_name", identity.given_name) if field == "family_name" else ("family_name", identity.family_name)
        )
    at = rng.choice(_swappable(name))
    swapped = name[:at] + name[at + 1] + name[at] + name[at + 2 :]
    return _renamed(identity, field, swapped), field


def _family_name_changed(identity: Identity, person: Person, rng: random.Random) -> tuple[Identity, str]:
    # The system never heard of the change: it has the name from before and no former names.
    return dataclasses.replace(
        identity, family_name=person.former_family_names[0], former_family_names=person.former_family_names[1:]
    ), "family_name"


def _dob_one_day(identity: Identity, person: Person, rng: random.Random) -> tuple[Identity, str]:
    shift = datetime.timedelta(days=rng.choice((-1, 1)))
    return dataclasses.replace(identity, date_of_birth=person.date_of_birth + shift), "date_of_birth"


def _dob_day_month_swapped(identity: Identity, person: Person, rng: random.Random) -> tuple[Identity, str]:
    dob = person.date_of_birth
    return dataclasses.replace(identity, date_of_birth=dob.replace(day=dob.month, month=dob.day)), "date_of_birth"


def _dob_year_off(identity: Identity, person: Person, rng: random.Random) -> tuple[Identity, str]:
    dob = person.date_of_birth
    year = dob.year + rng.choice((-1, 1))
    day = min(dob.day, 28) if dob.month == 2 else dob.day
    return dataclasses.replace(identity, date_of_birth=dob.replace(year=year, day=day)), "date_of_birth"


def _old_address(identity: Identity, person: Person, rng: random.Random) -> tuple[Identity, str]:
    old = person.previous_addresses
    return dataclasses.replace(identity, address=old[0], previous_addresses=old[1:]), "address"


def _missing_field(identity: Identity, person: Person, rng: random.Random) -> tuple[Identity, str]:
    field = rng.choices(("date_of_birth", "gender", "address"), weights=(2, 4, 4))[0]
    if field == "date_of_birth":
        return dataclasses.replace(identity, date_of_birth=None), field
    if field == "gender":
        return dataclasses.replace(identity, gender=None), field
    return dataclasses.replace(identity, address=None), field


_DISTORTIONS: dict[DiscrepancyKind, Distortion] = {
    "nickname": _nickname,
    "typo": _typo,
    "transposition": _transposition,
    "family_name_changed": _family_name_changed,
    "dob_one_day": _dob_one_day,
    "dob_day_month_swapped": _dob_day_month_swapped,
    "dob_year_off": _dob_year_off,
    "old_address": _old_address,
    "missing_field": _missing_field,
}


def stale_identity(person: Person) -> Identity:
    """A copy last updated years ago: the address of the time and no knowledge of any later name."""
    old = person.previous_addresses
    return Identity(
        given_name=person.given_name,
        middle_names=person.middle_names,
        family_name=person.former_family_names[0] if person.former_family_names else person.family_name,
        former_family_names=(),
        date_of_birth=person.date_of_birth,
        gender=person.gender,
        address=old[0] if old else person.address,
        previous_addresses=old[1:],
    )
