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
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web

from sandbox.candidates import AddressKey, CandidateIndex, address_key
from sandbox.faults import FaultSettings, install_faults
from sandbox.ground_truth import GroundTruthLedger, System
from sandbox.identity_copies import Identity, IdentityCopier
from sandbox.names import build_name_pools
from sandbox.population import Population
from sandbox.practitioners import Practitioner, practitioner_pool
from sandbox.request_bodies import TooManyItems, candidate_query, json_object, list_of, reject

MAX_BATCH = 50
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


PEOPLE_KEY = web.AppKey("yot_people", dict[str, YoungPerson])
INDEX_KEY = web.AppKey("yot_index", CandidateIndex[YoungPerson])
AT_ADDRESS_KEY = web.AppKey("yot_at_address", dict[AddressKey, list[YoungPerson]])


async def match(request: web.Request) -> web.Response:
    index = request.app[INDEX_KEY]
    queries = list_of(await json_object(request), "queries", dict, limit=MAX_BATCH, too_many=TooManyItems)
    results = []
    for query in queries:
        ref, candidate = candidate_query(query)
        results.append({"ref": ref, "youngPeople": [young_person_json(p) for p in index.search(candidate)]})
    return web.json_response({"results": results})


async def at_addresses(request: web.Request) -> web.Response:
    at_address = request.app[AT_ADDRESS_KEY]
    addresses = list_of(await json_object(request), "addresses", dict, limit=MAX_BATCH, too_many=TooManyItems)
    results = []
    for address in addresses:
        ref, postcode, line1 = address.get("ref"), address.get("postcode"), address.get("line1")
        if not (isinstance(ref, str) and isinstance(postcode, str) and isinstance(line1, str)):
            reject("each address must have string 'ref', 'postcode' and 'line1'")
        found = at_address.get(address_key(postcode, line1), [])
        results.append({"ref": ref, "youngPeople": [young_person_json(p) for p in found]})
    return web.json_response({"results": results})


async def batch(request: web.Request) -> web.Response:
    people = request.app[PEOPLE_KEY]
    ids = list_of(await json_object(request), "ids", str, limit=MAX_BATCH, too_many=TooManyItems)
    asked = list(dict.fromkeys(ids))
    return web.json_response(
        {
            "youngPeople": [young_person_json(people[i]) for i in asked if i in people],
            "notFound": [i for i in asked if i not in people],
        }
    )


def create_app(population: Population, faults: FaultSettings | None = None, seed: int = 0) -> web.Application:
    """The youth offending case system as an aiohttp application serving `population`'s young people."""
    app = web.Application()
    install_faults(app, faults, seed=seed)
    people = young_people(population)
    at_address: dict[AddressKey, list[YoungPerson]] = defaultdict(list)
    for young in people:
        if young.identity.address is not None:
            address = young.identity.address
            at_address[address_key(address.postcode, address.line1)].append(young)
    app[PEOPLE_KEY] = {p.yp_id: p for p in people}
    app[INDEX_KEY] = CandidateIndex((p, p.identity) for p in people)
    app[AT_ADDRESS_KEY] = dict(at_address)
    app.router.add_post("/api/young-people/match", match, name="young_people_match")
    app.router.add_post("/api/young-people/at-addresses", at_addresses, name="young_people_at_addresses")
    app.router.add_post("/api/young-people/batch", batch, name="young_people_batch")
    return app
