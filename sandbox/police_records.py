"""What the police extract holds: people with offences as offender, suspect or victim, older and recent.

About 15% of adults appear as offender or suspect, a few more as victims; a few 14-17-year-olds too (hidden by
the gateway's age rule, as youth offending is a separate service). Half the offences are safeguarding ones.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Literal

from sandbox.ground_truth import GroundTruthLedger
from sandbox.identity_copies import Identity, IdentityCopier, stale_identity
from sandbox.people import Person

POLICE_AREA = "Greater Manchester Police"
POLICE_COPY_DISCREPANCY_RATE = 0.15
OffenceRole = Literal["offender", "suspect", "victim"]
Outcome = Literal["convicted", "charged", "cautioned", "no further action", "under investigation"]

# Home Office-style descriptions the sandbox uses, by safeguarding category (the README lists the same).
SAFEGUARDING_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "homicide": ("Murder", "Manslaughter"),
    "rape": ("Rape of a female aged 16 or over", "Rape of a male aged 16 or over"),
    "other_sexual_offences": (
        "Sexual assault on a female",
        "Exposure and voyeurism",
        "Sexual activity involving a child under 16",
    ),
    "robbery": ("Robbery of personal property", "Robbery of business property"),
    "possession_of_weapons": ("Possession of article with blade or point", "Possession of firearms with intent"),
    "violence_with_injury": (
        "Assault occasioning actual bodily harm",
        "Wounding with intent to do grievous bodily harm",
    ),
    "violence_without_injury": ("Common assault and battery", "Harassment", "Stalking"),
}
NON_SAFEGUARDING_DESCRIPTIONS = (
    "Shoplifting",
    "Theft from a vehicle",
    "Criminal damage to a dwelling",
    "Possession of cannabis",
    "Drink driving",
    "Burglary - residential",
)
# Serious offences are rare; violence and harassment are most of what a MASH researcher sees.
_CATEGORY_WEIGHTS = {
    "homicide": 1,
    "rape": 3,
    "other_sexual_offences": 6,
    "robbery": 8,
    "possession_of_weapons": 8,
    "violence_with_injury": 30,
    "violence_without_injury": 44,
}
_VICTIM_CATEGORIES = ("violence_with_injury", "violence_without_injury", "other_sexual_offences", "robbery")


@dataclass(frozen=True, kw_only=True)
class OffenceRow:
    offence_date: datetime.date
    description: str
    role: OffenceRole
    outcome: Outcome


@dataclass(frozen=True, kw_only=True)
class PoliceRecord:
    record_id: str
    identity: Identity
    offences: tuple[OffenceRow, ...]


def _description(rng: random.Random, safeguarding: bool, *, victim: bool = False) -> str:
    if not safeguarding:
        return rng.choice(NON_SAFEGUARDING_DESCRIPTIONS)
    categories = list(_VICTIM_CATEGORIES if victim else _CATEGORY_WEIGHTS)
    category = rng.choices(categories, weights=[_CATEGORY_WEIGHTS[c] for c in categories])[0]
    return rng.choice(SAFEGUARDING_DESCRIPTIONS[category])


def _offence(rng: random.Random, person: Person, today: datetime.date, role: OffenceRole) -> OffenceRow:
    # Most within the 5-year window for convictions, some older; suspects often within the last year.
    recent = rng.random() < (0.5 if role == "suspect" else 0.0)
    days = (
        rng.randint(5, 364)
        if recent
        else rng.randint(5, 5 * 365)
        if rng.random() < 0.7
        else rng.randint(5 * 365 + 30, 14 * 365)
    )
    earliest = person.date_of_birth + datetime.timedelta(days=10 * 365)
    offence_date = max(today - datetime.timedelta(days=days), earliest)
    outcome: Outcome
    if role == "offender":
        outcome = rng.choices(("convicted", "cautioned", "charged", "no further action"), weights=(55, 15, 10, 20))[0]
    elif role == "suspect":
        outcome = "under investigation" if recent or rng.random() < 0.2 else "no further action"
    else:
        outcome = rng.choice(("convicted", "charged", "no further action", "under investigation"))
    return OffenceRow(
        offence_date=offence_date,
        role=role,
        outcome=outcome,
        description=_description(rng, role == "victim" or rng.random() < 0.5, victim=role == "victim"),
    )


def build_police_records(
    people: tuple[Person, ...],
    copier: IdentityCopier,
    ledger: GroundTruthLedger,
    rng: random.Random,
    today: datetime.date,
) -> tuple[PoliceRecord, ...]:
    """Decide who has police records and build one record per person (plus a few stale duplicates)."""
    records: list[PoliceRecord] = []
    for person in people:
        age = person.age_on(today)
        # With the victims, about 15% of adults have a police record.
        offending = 0.12 if age >= 18 else 0.03 if age >= 14 else 0.0
        victim = 0.035 if age >= 18 else 0.02 if age >= 10 else 0.0
        rows: list[OffenceRow] = []
        if rng.random() < offending:
            count = rng.choices((1, 2, 3, 4, 5), weights=(45, 28, 14, 8, 5))[0]
            role: OffenceRole = "offender" if rng.random() < 0.75 else "suspect"
            rows += [_offence(rng, person, today, role if rng.random() < 0.8 else "suspect") for _ in range(count)]
        if rng.random() < victim:
            rows.append(_offence(rng, person, today, "victim"))
        if not rows:
            continue
        record_id = f"PN-{len(records) + 1:06d}"
        identity = copier.copy(person, "police", record_id, rate=POLICE_COPY_DISCREPANCY_RATE, former_names_kept=0.0)
        records.append(
            PoliceRecord(
                record_id=record_id, identity=identity, offences=tuple(sorted(rows, key=lambda r: r.offence_date))
            )
        )
        if rng.random() < 0.03 and person.previous_addresses:
            stale_id = f"PN-{len(records) + 1:06d}"
            ledger.record(person.person_id, "police", stale_id)
            ledger.plant(person.person_id, "police", stale_id, "stale_record", "record")
            old = _offence(rng, person, today, "offender")
            records.append(PoliceRecord(record_id=stale_id, identity=stale_identity(person), offences=(old,)))
    return tuple(records)
