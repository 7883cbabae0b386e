"""What adult social care (Care First-like) holds: clients, their support plans and keyworkers.

About a quarter of adults are known, more among grandparents; a few 15-17-year-olds in transition too. Data
quality is what one pilot authority found: a keyworker's e-mail is missing on over half of the records, and some
phone numbers have the wrong number of digits.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from dataclasses import dataclass
from typing import Literal

from sandbox.ground_truth import GroundTruthLedger
from sandbox.identity_copies import Identity, IdentityCopier, stale_identity
from sandbox.names import NamePools
from sandbox.people import Person, Role
from sandbox.practitioners import Practitioner, practitioner_pool, with_wrong_digit_count

ASC_ORGANISATION = "Stockport Council Adult Social Care"
ASC_COPY_DISCREPANCY_RATE = 0.15
PlanStatus = Literal["planned", "active", "ended", "cancelled"]

_KNOWN: dict[Role, float] = {
    "grandparent": 0.5,
    "lodger": 0.3,
    "mother": 0.27,
    "father": 0.21,
    "parent": 0.22,
    "step_parent": 0.18,
    "parents_partner": 0.28,
    "adult_sibling": 0.16,
    "child": 0.0,
}
_TEAMS = (
    "Stockport North Locality Team",
    "Stockport South Locality Team",
    "Mental Health Team",
    "Learning Disability Team",
    "Hospital Discharge Team",
    "Reablement",
)
_ROLES = ("Social Worker", "Occupational Therapist", "Care Coordinator", "Community Support Worker")


@dataclass(frozen=True, kw_only=True)
class SupportPlan:
    plan_id: str
    status: PlanStatus
    start_date: datetime.date
    end_date: datetime.date | None
    last_contact_date: datetime.date | None
    keyworker: Practitioner | None  # None: no caseworker assigned


@dataclass(frozen=True, kw_only=True)
class AscClient:
    client_id: str
    identity: Identity
    organisation: str
    support_plans: tuple[SupportPlan, ...]
    email_key_absent: bool  # a missing e-mail is sometimes `null`, sometimes no key at all


def build_asc_records(
    people: tuple[Person, ...],
    copier: IdentityCopier,
    ledger: GroundTruthLedger,
    rng: random.Random,
    pools: NamePools,
    today: datetime.date,
) -> tuple[AscClient, ...]:
    """Decide who adult social care knows and build their client records."""
    workers = practitioner_pool(
        rng,
        pools,
        count=max(6, len(people) // 150),
        roles=_ROLES,
        teams=_TEAMS,
        email_domain="stockport.example.gov.uk",
        phone_prefix="0161 218",
    )
    clients: list[AscClient] = []
    plan_numbers = iter(range(1, 10**9))
    for person in people:
        age = person.age_on(today)
        chance = 0.04 if person.role == "child" and 15 <= age <= 17 else _KNOWN[person.role] if age >= 18 else 0.0
        if rng.random() >= chance:
            continue
        client_id = f"ASC-{len(clients) + 1:06d}"
        identity = copier.copy(
            person, "adult_social_care", client_id, rate=ASC_COPY_DISCREPANCY_RATE, former_names_kept=0.5
        )
        plans = [
            _plan(rng, today, f"SP-{next(plan_numbers)}", rng.choice(workers))
            for _ in range(rng.choices((1, 2, 3), weights=(60, 30, 10))[0])
        ]
        clients.append(
            _with_contact_quality(
                AscClient(
                    client_id=client_id,
                    identity=identity,
                    organisation=ASC_ORGANISATION,
                    support_plans=tuple(plans),
                    email_key_absent=rng.random() < 0.5,
                ),
                person,
                ledger,
                rng,
            )
        )
        if rng.random() < 0.04:
            # An old duplicate record nobody merged: the address of the time, one long-ended plan.
            stale_id = f"ASC-{len(clients) + 1:06d}"
            ledger.record(person.person_id, "adult_social_care", stale_id)
            ledger.plant(person.person_id, "adult_social_care", stale_id, "stale_record", "record")
            old = stale_identity(person)
            start = today - datetime.timedelta(days=rng.randint(6 * 365, 12 * 365))
            ended = SupportPlan(
                plan_id=f"SP-{next(plan_numbers)}",
                status="ended",
                start_date=start,
                end_date=start + datetime.timedelta(days=rng.randint(30, 400)),
                last_contact_date=start + datetime.timedelta(days=20),
                keyworker=rng.choice(workers),
            )
            stale = AscClient(
                client_id=stale_id,
                identity=old,
                organisation=ASC_ORGANISATION,
                support_plans=(ended,),
                email_key_absent=True,
            )
            clients.append(_with_contact_quality(stale, person, ledger, rng))
    return tuple(clients)


def _plan(rng: random.Random, today: datetime.date, plan_id: str, worker: Practitioner) -> SupportPlan:
    def days_ago(low: int, high: int) -> datetime.date:
        return today - datetime.timedelta(days=rng.randint(low, high))

    status: PlanStatus = rng.choices(("active", "ended", "planned", "cancelled"), weights=(40, 35, 15, 10))[0]
    if status == "active":
        start = days_ago(30, 5 * 365)
        return SupportPlan(
            plan_id=plan_id,
            status=status,
            start_date=start,
            end_date=None,
            last_contact_date=max(start, days_ago(0, 90)),
            keyworker=worker if rng.random() < 0.9 else None,
        )
    if status == "ended":
        start = days_ago(400, 9 * 365)
        end = min(start + datetime.timedelta(days=rng.randint(60, 900)), today - datetime.timedelta(days=1))
        return SupportPlan(
            plan_id=plan_id,
            status=status,
            start_date=start,
            end_date=end,
            last_contact_date=end - datetime.timedelta(days=rng.randint(0, 30)),
            keyworker=worker,
        )
    if status == "planned":
        start = today + datetime.timedelta(days=rng.randint(7, 90))
        return SupportPlan(
            plan_id=plan_id,
            status=status,
            start_date=start,
            end_date=None,
            last_contact_date=days_ago(0, 30) if rng.random() < 0.5 else None,
            keyworker=worker if rng.random() < 0.4 else None,
        )
    start = days_ago(30, 3 * 365)
    return SupportPlan(
        plan_id=plan_id,
        status=status,
        start_date=start,
        end_date=start + datetime.timedelta(days=rng.randint(1, 25)),
        last_contact_date=None,
        keyworker=worker if rng.random() < 0.5 else None,
    )


def _with_contact_quality(
    client: AscClient, person: Person, ledger: GroundTruthLedger, rng: random.Random
) -> AscClient:
    """Blank the keyworkers' e-mail on over half of the records; garble a phone number on a few."""
    if not any(plan.keyworker for plan in client.support_plans):
        return client
    drop_email = rng.random() < 0.6
    bad_phone = rng.random() < 0.08
    if not (drop_email or bad_phone):
        return client
    plans = []
    for plan in client.support_plans:
        worker = plan.keyworker
        if worker is not None:
            worker = dataclasses.replace(
                worker,
                email=None if drop_email else worker.email,
                phone=with_wrong_digit_count(worker.phone, rng) if bad_phone and worker.phone else worker.phone,
            )
        plans.append(dataclasses.replace(plan, keyworker=worker))
    if drop_email:
        ledger.plant(person.person_id, "adult_social_care", client.client_id, "missing_email", "keyworker.email")
    if bad_phone:
        ledger.plant(person.person_id, "adult_social_care", client.client_id, "bad_phone", "keyworker.phone")
    return dataclasses.replace(client, support_plans=tuple(plans))
