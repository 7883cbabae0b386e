"""Adult social care over REST (Care First-like): batch match, at-address and by-id lookups."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import aiohttp

from linkage.blocking import candidate_keys
from linkage.demographics import Demographics
from sources.batching import in_chunks
from sources.http import HttpTransport, probe
from sources.malformed import reading
from sources.mappers.native import answers_by_ref, as_list, as_object
from sources.model import Address, Service, SourceHealth, SourceInfo, SourceRecord
from sources.observe import UpstreamObserver
from sources.services.adult_social_care.mapper import client_record
from sources.settings import SourceSettings


class AdultSocialCareAdapter:
    """`POST /api/clients/match`, `/api/clients/at-addresses`, `/api/clients/batch` (see sandbox/README.md)."""

    def __init__(
        self,
        settings: SourceSettings,
        session: aiohttp.ClientSession,
        *,
        observer: UpstreamObserver | None = None,
    ) -> None:
        if settings.service is not Service.ADULT_SOCIAL_CARE:
            raise ValueError(f"source {settings.system!r}: adult_social_care_rest needs service ADULT_SOCIAL_CARE")
        self._settings = settings
        self._http = HttpTransport(settings, session, observer=observer)

    @property
    def service(self) -> Service:
        return Service.ADULT_SOCIAL_CARE

    @property
    def info(self) -> SourceInfo:
        return self._settings.describe()

    async def find_people(self, people: Sequence[Demographics]) -> list[list[SourceRecord]]:
        return await in_chunks(people, self._settings.max_batch_size, self._match)

    async def residents_at(self, addresses: Sequence[Address]) -> list[list[SourceRecord]]:
        return await in_chunks(addresses, self._settings.max_batch_size, self._at_addresses)

    async def get_records(self, record_ids: Sequence[str]) -> list[SourceRecord | None]:
        return await in_chunks(record_ids, self._settings.max_batch_size, self._by_ids)

    async def check_health(self) -> SourceHealth:
        return await probe(self._http)

    async def close(self) -> None:
        """Nothing to release: the session belongs to the gateway."""

    async def _match(self, people: Sequence[Demographics]) -> list[list[SourceRecord]]:
        queries = [{"ref": str(i), **candidate_keys(person).to_json()} for i, person in enumerate(people)]
        body = await self._http.post_json("clients.match", "/api/clients/match", {"queries": queries}, idempotent=True)
        return self._results(body, len(people))

    async def _at_addresses(self, addresses: Sequence[Address]) -> list[list[SourceRecord]]:
        # An address without a postcode cannot be looked up: it answers no residents.
        asked = [i for i, address in enumerate(addresses) if address.postcode]
        answers: list[list[SourceRecord]] = [[] for _ in addresses]
        if not asked:
            return answers
        wanted = [
            {"ref": str(ref), "postcode": addresses[i].postcode, "line1": addresses[i].line1 or ""}
            for ref, i in enumerate(asked)
        ]
        body = await self._http.post_json(
            "clients.at_addresses", "/api/clients/at-addresses", {"addresses": wanted}, idempotent=True
        )
        for i, found in zip(asked, self._results(body, len(asked)), strict=True):
            answers[i] = found
        return answers

    async def _by_ids(self, record_ids: Sequence[str]) -> list[SourceRecord | None]:
        body = await self._http.post_json(
            "clients.batch", "/api/clients/batch", {"ids": list(record_ids)}, idempotent=True
        )
        as_of = datetime.datetime.now(datetime.UTC)
        with reading(self._settings.system):
            clients = as_list(as_object(body, "response").get("clients"), "clients")
            records = [client_record(client, system=self._settings.system, as_of=as_of) for client in clients]
        by_id = {record.record_id: record for record in records}
        return [by_id.get(record_id) for record_id in record_ids]

    def _results(self, body: object, count: int) -> list[list[SourceRecord]]:
        """`{"results": [{"ref": "0", "clients": [...]}]}` → candidates per position.

        Every ref we sent must be answered: a missing answer would read as "not known" when it is "not checked".
        """
        as_of = datetime.datetime.now(datetime.UTC)
        system = self._settings.system
        with reading(system):
            by_ref = answers_by_ref(body, "results", "clients", count)
            return [[client_record(client, system=system, as_of=as_of) for client in found] for found in by_ref]
