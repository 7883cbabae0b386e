"""The simulated adult social care system (Care First-like): REST JSON, batch match by demographics.

Routes (counter names in brackets): `POST /api/clients/match` [clients_match], `POST /api/clients/at-addresses`
[clients_at_addresses], `POST /api/clients/batch` [clients_batch], `GET /health` [health]. Every endpoint takes
at most 50 items per request (more: HTTP 413). See sandbox/README.md for the shapes.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.asc_records import AscClient, SupportPlan
from sandbox.case_rest import case_system_app
from sandbox.faults import FaultSettings
from sandbox.population import Population

_GENDERS = {"F": "Female", "M": "Male", "X": "Other", None: "Not known"}


def _plan_json(plan: SupportPlan, *, email_key_absent: bool) -> dict[str, Any]:
    worker = plan.keyworker
    keyworker: dict[str, Any] | None = None
    if worker is not None:
        keyworker = {"name": worker.name, "role": worker.role, "team": worker.team, "phone": worker.phone}
        if worker.email is not None or not email_key_absent:
            keyworker["email"] = worker.email
    return {
        "planId": plan.plan_id,
        "status": plan.status,
        "startDate": plan.start_date.isoformat(),
        "endDate": plan.end_date.isoformat() if plan.end_date else None,
        "lastContactDate": plan.last_contact_date.isoformat() if plan.last_contact_date else None,
        "keyworker": keyworker,
    }


def client_json(client: AscClient) -> dict[str, Any]:
    identity = client.identity
    return {
        "clientId": client.client_id,
        "firstName": identity.given_name,
        "lastName": identity.family_name,
        "formerLastNames": list(identity.former_family_names),
        "dob": identity.date_of_birth.isoformat() if identity.date_of_birth else None,
        "gender": _GENDERS[identity.gender],
        "address": identity.address.to_json() if identity.address else None,
        "organisation": client.organisation,
        "supportPlans": [_plan_json(p, email_key_absent=client.email_key_absent) for p in client.support_plans],
    }


def create_app(population: Population, faults: FaultSettings | None = None, *, seed: int = 0) -> web.Application:
    """Adult social care as an aiohttp application serving `population`'s client records."""
    return case_system_app(
        population.adult_social_care,
        identity=lambda client: client.identity,
        record_id=lambda client: client.client_id,
        to_json=client_json,
        path="/api/clients",
        records_key="clients",
        route_prefix="clients",
        faults=faults,
        seed=seed,
    )
