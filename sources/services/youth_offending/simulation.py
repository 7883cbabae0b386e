"""The simulated youth offending case system (ChildView-like): REST JSON over aiohttp, seeded from the sandbox's
population, with the same fault knobs as every simulated HTTP system (`sandbox/faults.py`: down, slow, garbage,
error_rate, throttle, latency).

Who is known: about one in nine of the population's 10-17-year-olds, and a few 18-19-year-olds whose (closed)
record the team keeps. Each young person has one to three interventions, the latest often open, each with an
allocated YOT case worker. Records are the system's own copies of who a person is: one in ten carries a planted
discrepancy (a nickname, a typo, a date of birth one day off ...), as the other systems' do. README.md beside this
file is the wire contract.

Routes (counter names in brackets): `POST /api/young-people/match` [young_people_match],
`POST /api/young-people/at-addresses` [young_people_at_addresses], `POST /api/young-people/batch`
[young_people_batch], `GET /health` [health]. At most 50 items per request (more: HTTP 413).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web

from sandbox.case_rest import case_system_app
from sandbox.faults import FaultSettings
from sandbox.ground_truth import GroundTruthLedger, System
from sandbox.identity_copies import Identity, IdentityCopier
from sandbox.names import build_name_pools
from sandbox.population import Population
from sandbox.practitioners import Practitioner, practitioner_pool

YOT_NAME = "Demo Borough Youth Justice Service"
SYSTEM = cast(System, "youth_offending")  # the ledger's name for this system (not one of the population's own)
COPY_DISCREPANCY_RATE = 0.1
KNOWN_AGED_10_TO_17 = 0.11
KNOWN_AGED_18_TO_19 = 0.08
_TYPES = (
    ("Prevention", 30),
    ("Triage", 15),
    ("Youth Conditional Caution", 12),
    ("Referral Order", 25),
    ("Youth Rehabilitation Order", 14),
    ("Detention and Training Order", 4),
)
_ROLES = ("YOT Case Manager", "YOT Officer", "Youth Justice Practitioner", "Prevention Worker")
_TEAMS = ("Youth Justice Service North", "Youth Justice Service South", "Prevention and Early Help")


@dataclass(frozen=True, kw_only=True)
class Intervention:
    intervention_id: str
    type: str  # the case system's words, e.g. "Referral Order"
    status: str  # "Open" | "Closed"
    start_date: datetime.date
    end_date: datetime.date | None
    case_worker: Practitioner | None


@dataclass(frozen=True, kw_only=True)
class YoungPerson:
    yp_id: str
    person_id: str  # the true person (ground truth only: never served)
    identity: Identity
    interventions: tuple[Intervention, ...]
    last_contact: datetime.date | None


def young_people(population: Population) -> tuple[YoungPerson, ...]:
    """The case system's records of `population`: the same for the same population (seeded from its seed)."""
    rng = random.Random(f"{population.seed}:youth_offending")
    today = population.reference_date
    workers = practitioner_pool(
        rng,
        build_name_pools(population.seed),
        count=max(4, len(population.people) // 400),
        roles=_ROLES,
        teams=_TEAMS,
        email_domain="yjs.demo-borough.example.gov.uk",
        phone_prefix="0161 474",
    )
    copier = IdentityCopier(rng, GroundTruthLedger())
    found: list[YoungPerson] = []
    numbers = iter(range(1, 10**9))
    for person in population.people:
        age = person.age_on(today)
        if 10 <= age <= 17:
            chance, may_be_open = KNOWN_AGED_10_TO_17, True
        elif 18 <= age <= 19:
            chance, may_be_open = KNOWN_AGED_18_TO_19, False
        else:
            continue
        if rng.random() >= chance:
            continue
        yp_id = f"YP{len(found) + 1:06d}"
        identity = copier.copy(person, SYSTEM, yp_id, rate=COPY_DISCREPANCY_RATE, former_names_kept=0.3)
        count = rng.choices((1, 2, 3), weights=(55, 30, 15))[0]
        interventions = []
        end = today - datetime.timedelta(days=rng.randint(30, 4 * 365))
        for index in range(count):
            is_open = index == 0 and may_be_open and rng.random() < 0.55
            worker = rng.choice(workers) if rng.random() < 0.92 else None
            if is_open:
                start = today - datetime.timedelta(days=rng.randint(14, 540))
                interventions.append(_intervention(next(numbers), rng, "Open", start, None, worker))
            else:
                start = end - datetime.timedelta(days=rng.randint(60, 400))
                interventions.append(_intervention(next(numbers), rng, "Closed", start, end, worker))
                end = start - datetime.timedelta(days=rng.randint(30, 500))
        latest = max((i.end_date or today) for i in interventions)
        found.append(
            YoungPerson(
                yp_id=yp_id,
                person_id=person.person_id,
                identity=identity,
                interventions=tuple(interventions),
                last_contact=latest - datetime.timedelta(days=rng.randint(0, 45)),
            )
        )
    return tuple(found)


def _intervention(
    number: int,
    rng: random.Random,
    status: str,
    start: datetime.date,
    end: datetime.date | None,
    worker: Practitioner | None,
) -> Intervention:
    kinds = [kind for kind, _ in _TYPES]
    kind = rng.choices(kinds, weights=[weight for _, weight in _TYPES])[0]
    return Intervention(
        intervention_id=f"INT-{number}", type=kind, status=status, start_date=start, end_date=end, case_worker=worker
    )


def young_person_json(young: YoungPerson) -> dict[str, Any]:
    identity = young.identity
    return {
        "ypId": young.yp_id,
        "forename": identity.given_name,
        "surname": identity.family_name,
        "formerSurnames": list(identity.former_family_names),
        "dateOfBirth": identity.date_of_birth.isoformat() if identity.date_of_birth else None,
        "sex": identity.gender or "U",
        "address": identity.address.to_json() if identity.address else None,
        "yotName": YOT_NAME,
        "lastContactDate": young.last_contact.isoformat() if young.last_contact else None,
        "interventions": [
            {
                "interventionId": i.intervention_id,
                "type": i.type,
                "status": i.status,
                "startDate": i.start_date.isoformat(),
                "endDate": i.end_date.isoformat() if i.end_date else None,
                "caseWorker": None
                if i.case_worker is None
                else {
                    "name": i.case_worker.name,
                    "role": i.case_worker.role,
                    "team": i.case_worker.team,
                    "phone": i.case_worker.phone,
                    "email": i.case_worker.email,
                },
            }
            for i in young.interventions
        ],
    }


def create_app(population: Population, faults: FaultSettings | None = None, seed: int = 0) -> web.Application:
    """The youth offending case system as an aiohttp application serving `population`'s young people."""
    return case_system_app(
        young_people(population),
        identity=lambda young: young.identity,
        record_id=lambda young: young.yp_id,
        to_json=young_person_json,
        path="/api/young-people",
        records_key="youngPeople",
        route_prefix="young_people",
        faults=faults,
        seed=seed,
    )
