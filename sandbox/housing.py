"""The simulated housing provider (Stockport Homes/Academy-like): REST JSON with no batch endpoint.

Quirks: UPPER CASE names and keys, `dd/mm/yyyy` dates, `"Y"`/`"N"` flags, empty string for no date.
Routes (counter names in brackets): `GET /api/tenants/search` [tenants_search], `GET /api/tenancies/at-address`
[tenancies_at_address], `GET /api/tenants/{PERSON_REF}` [tenant], `GET /health` [health].
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from aiohttp import web

from sandbox.candidates import AddressKey, CandidateIndex, CandidateQuery, address_key, surname_key
from sandbox.faults import FaultSettings, install_faults
from sandbox.housing_records import AsbCase, DatedCase, Tenant
from sandbox.population import Population
from sandbox.request_bodies import parse_each, reject, sound_codes

_GENDERS = {"F": "F", "M": "M", "X": "U", None: "U"}  # the provider has no code for "other"

TENANTS_KEY = web.AppKey("housing_tenants", dict[str, Tenant])
INDEX_KEY = web.AppKey("housing_index", CandidateIndex[Tenant])
AT_ADDRESS_KEY = web.AppKey("housing_at_address", dict[AddressKey, list[Tenant]])


def native_date(day: datetime.date | None) -> str:
    """`dd/mm/yyyy`, or the empty string for no date."""
    return day.strftime("%d/%m/%Y") if day else ""


def parse_native_date(text: str) -> datetime.date:
    return datetime.datetime.strptime(text, "%d/%m/%Y").date()


def _asb_json(case: AsbCase) -> dict[str, str]:
    return {
        "CASE_REF": case.case_ref,
        "ROLE": case.role,
        "OPENED": native_date(case.opened),
        "CLOSED": native_date(case.closed),
    }


def _dated_json(case: DatedCase, opened_key: str) -> dict[str, str]:
    return {"CASE_REF": case.case_ref, opened_key: native_date(case.opened), "CLOSED": native_date(case.closed)}


def tenant_json(tenant: Tenant) -> dict[str, Any]:
    identity = tenant.identity
    address = identity.address
    tenancy = tenant.tenancy
    return {
        "PERSON_REF": tenant.person_ref,
        "FORENAME": identity.given_name.upper(),
        "SURNAME": identity.family_name.upper(),
        "PREVIOUS_SURNAMES": [name.upper() for name in identity.former_family_names],
        "DOB": native_date(identity.date_of_birth),
        "GENDER": _GENDERS[identity.gender],
        "ADDRESS": {
            "LINE_1": address.line1.upper() if address else "",
            "LINE_2": (address.line2 or "").upper() if address else "",
            "TOWN": address.town.upper() if address else "",
            "POSTCODE": address.postcode if address else "",
        },
        "PROVIDER": tenant.provider,
        "TENANCY": None
        if tenancy is None
        else {
            "TENANCY_REF": tenancy.tenancy_ref,
            "ROLE": tenancy.role,
            "START_DATE": native_date(tenancy.start_date),
            "END_DATE": native_date(tenancy.end_date),
            "CURRENT": "N" if tenancy.end_date else "Y",
            "ARREARS_WEEKS": f"{tenancy.arrears_weeks:.1f}",
            "OFFICER": {"NAME": tenancy.officer.name, "PHONE": tenancy.officer.phone, "EMAIL": tenancy.officer.email},
        },
        "ASB_CASES": [_asb_json(case) for case in tenant.asb_cases],
        "NSP": [_dated_json(case, "SERVED") for case in tenant.notices_seeking_possession],
        "EVICTIONS": [_dated_json(case, "STARTED") for case in tenant.evictions],
    }


async def tenants_search(request: web.Request) -> web.Response:
    params = request.query
    try:
        years = frozenset(int(year) for year in params.getall("birthYear", []))
    except ValueError:
        reject("birthYear must be a year, e.g. 1970")
    query = CandidateQuery(
        surnames=frozenset(surname_key(s) for s in params.getall("surname", [])),
        dates_of_birth=frozenset(parse_each(params.getall("dob", []), parse_native_date)),
        birth_years=years,
        surname_sounds=sound_codes(params.getall("surnameSound", [])),
        forename_sounds=sound_codes(params.getall("forenameSound", [])),
    )
    return web.json_response({"RESULTS": [tenant_json(t) for t in request.app[INDEX_KEY].search(query)]})


async def tenancies_at_address(request: web.Request) -> web.Response:
    postcode, line1 = request.query.get("postcode"), request.query.get("line1")
    if not postcode or not line1:
        reject("postcode and line1 are both required")
    tenants = request.app[AT_ADDRESS_KEY].get(address_key(postcode, line1), [])
    return web.json_response({"RESULTS": [tenant_json(t) for t in tenants]})


async def tenant(request: web.Request) -> web.Response:
    found = request.app[TENANTS_KEY].get(request.match_info["person_ref"])
    if found is None:
        return web.json_response({"ERROR": "PERSON NOT FOUND"}, status=404)
    return web.json_response(tenant_json(found))


def create_app(population: Population, faults: FaultSettings | None = None, *, seed: int = 0) -> web.Application:
    """The housing provider as an aiohttp application serving `population`'s tenant records."""
    app = web.Application()
    install_faults(app, faults, seed=seed)
    tenants = population.housing
    at_address: dict[AddressKey, list[Tenant]] = defaultdict(list)
    for record in tenants:
        address = record.identity.address
        # Everyone on a tenancy at the address; ASB-only records are not on any tenancy.
        if record.tenancy is not None and address is not None:
            at_address[address_key(address.postcode, address.line1)].append(record)
    app[TENANTS_KEY] = {t.person_ref: t for t in tenants}
    app[INDEX_KEY] = CandidateIndex((t, t.identity) for t in tenants)
    app[AT_ADDRESS_KEY] = dict(at_address)
    app.router.add_get("/api/tenants/search", tenants_search, name="tenants_search")
    app.router.add_get("/api/tenancies/at-address", tenancies_at_address, name="tenancies_at_address")
    app.router.add_get("/api/tenants/{person_ref}", tenant, name="tenant")
    return app
