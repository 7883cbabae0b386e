"""Youth offending over REST (a YOT case management system): batch match, at-address and by-id look-ups.

`POST /api/young-people/match`, `/api/young-people/at-addresses`, `/api/young-people/batch` (README.md beside this
file): each takes a batch (at most the source's `max_batch_size`, 50 in the simulation), so a DataLoader's whole
level of a query is one request per 50 people.
"""

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
from sources.services.youth_offending.mapper import young_person_record
from sources.settings import SourceSettings

KIND = "youth_offending_rest"


class YouthOffendingAdapter:
    def __init__(
        self,
        settings: SourceSettings,
        session: aiohttp.ClientSession,
        *,
        observer: UpstreamObserver | None = None,
    ) -> None:
        if settings.service is not Service.YOUTH_OFFENDING:
            raise ValueError(f"source {settings.system!r}: {KIND} needs service YOUTH_OFFENDING")
        self._settings = settings
        self._http = HttpTransport(settings, session, observer=observer)

    @property
    def service(self) -> Service:
        return Service.YOUTH_OFFENDING

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
        body = await self._http.post_json(
            "young_people.match", "/api/young-people/match", {"queries": queries}, idempotent=True
        )
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
            "young_people.at_addresses", "/api/young-people/at-addresses", {"addresses": wanted}, idempotent=True
        )
        for i, found in zip(asked, self._results(body, len(asked)), strict=True):
            answers[i] = found
        return answers

    async def _by_ids(self, record_ids: Sequence[str]) -> list[SourceRecord | None]:
        body = await self._http.post_json(
            "young_people.batch", "/api/young-people/batch", {"ids": list(record_ids)}, idempotent=True
        )
        as_of = datetime.datetime.now(datetime.UTC)
        with reading(self._settings.system):
            found = as_list(as_object(body, "response").get("youngPeople"), "youngPeople")
            records = [young_person_record(p, system=self._settings.system, as_of=as_of) for p in found]
        by_id = {record.record_id: record for record in records}
        return [by_id.get(record_id) for record_id in record_ids]

    def _results(self, body: object, count: int) -> list[list[SourceRecord]]:
        """`{"results": [{"ref": "0", "youngPeople": [...]}]}` → candidates per position; every ref answered."""
        as_of = datetime.datetime.now(datetime.UTC)
        system = self._settings.system
        with reading(system):
            by_ref = answers_by_ref(body, "results", "youngPeople", count)
            return [[young_person_record(p, system=system, as_of=as_of) for p in found] for found in by_ref]
