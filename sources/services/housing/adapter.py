"""Housing over REST (Stockport Homes/Academy-like). No batch endpoint: one request per person or address,
all at once, bounded by the transport's concurrency limit."""

from __future__ import annotations

import datetime
import urllib.parse
from collections.abc import Sequence

import aiohttp

from linkage.blocking import candidate_keys
from linkage.demographics import Demographics
from sources.batching import gather_all
from sources.http import HttpTransport, probe
from sources.malformed import reading
from sources.mappers.native import as_list, as_object
from sources.model import Address, Service, SourceHealth, SourceInfo, SourceRecord
from sources.observe import UpstreamObserver
from sources.services.housing.mapper import tenant_record
from sources.settings import SourceSettings


def uk_date(day: datetime.date) -> str:
    """dd/mm/yyyy. Formatted by hand: `strftime` costs twice as much, and a search sends every tolerated variant
    of the date of birth (a `children` request some thousands of them)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def search_params(person: Demographics) -> list[tuple[str, str]]:
    """The candidate query as repeated query-string parameters, dates as dd/mm/yyyy."""
    query = candidate_keys(person)
    return [
        *(("surname", surname) for surname in query.surnames),
        *(("dob", uk_date(dob)) for dob in query.dates_of_birth),
        *(("birthYear", str(year)) for year in query.birth_years),
        *(("surnameSound", code) for code in query.surname_sounds),
        *(("forenameSound", code) for code in query.forename_sounds),
    ]


class HousingAdapter:
    """`GET /api/tenants/search`, `/api/tenancies/at-address`, `/api/tenants/{PERSON_REF}` (sandbox/README.md)."""

    def __init__(
        self,
        settings: SourceSettings,
        session: aiohttp.ClientSession,
        *,
        observer: UpstreamObserver | None = None,
    ) -> None:
        if settings.service is not Service.HOUSING:
            raise ValueError(f"source {settings.system!r}: housing_rest needs service HOUSING")
        self._settings = settings
        self._http = HttpTransport(settings, session, observer=observer)

    @property
    def service(self) -> Service:
        return Service.HOUSING

    @property
    def info(self) -> SourceInfo:
        return self._settings.describe()

    async def find_people(self, people: Sequence[Demographics]) -> list[list[SourceRecord]]:
        return await gather_all(self._search(person) for person in people)

    async def residents_at(self, addresses: Sequence[Address]) -> list[list[SourceRecord]]:
        return await gather_all(self._at_address(address) for address in addresses)

    async def get_records(self, record_ids: Sequence[str]) -> list[SourceRecord | None]:
        return await gather_all(self._by_id(record_id) for record_id in record_ids)

    async def check_health(self) -> SourceHealth:
        return await probe(self._http)

    async def close(self) -> None:
        """Nothing to release: the session belongs to the gateway."""

    async def _search(self, person: Demographics) -> list[SourceRecord]:
        params = search_params(person)
        if not params:
            return []
        body = await self._http.get_json("tenants.search", "/api/tenants/search", params)
        return self._tenants(body)

    async def _at_address(self, address: Address) -> list[SourceRecord]:
        if not address.postcode:
            return []
        params = [("postcode", address.postcode.upper()), ("line1", (address.line1 or "").upper())]
        body = await self._http.get_json("tenancies.at_address", "/api/tenancies/at-address", params)
        return self._tenants(body)

    async def _by_id(self, record_id: str) -> SourceRecord | None:
        path = "/api/tenants/" + urllib.parse.quote(record_id, safe="")
        body = await self._http.get_json("tenants.get", path, allow_not_found=True)
        if body is None:
            return None
        with reading(self._settings.system):
            return tenant_record(body, system=self._settings.system, as_of=datetime.datetime.now(datetime.UTC))

    def _tenants(self, body: object) -> list[SourceRecord]:
        as_of = datetime.datetime.now(datetime.UTC)
        with reading(self._settings.system):
            tenants = as_list(as_object(body, "response").get("RESULTS"), "RESULTS")
            return [tenant_record(tenant, system=self._settings.system, as_of=as_of) for tenant in tenants]
