"""A case system over REST: batch match by demographics, residents at addresses, records by id.

Adult social care and youth offending systems answer the same three batch calls, differing only in the resource's
path, the key their records are listed under and how one record maps (`sandbox/README.md` and
`sources/services/youth_offending/README.md` give the wire contracts):

    POST {path}/match         {"queries": [{"ref", ...candidate keys}]}   -> {"results": [{"ref", KEY: [...]}]}
    POST {path}/at-addresses  {"addresses": [{"ref", "postcode", "line1"}]} -> {"results": [{"ref", KEY: [...]}]}
    POST {path}/batch         {"ids": [...]}                                -> {KEY: [...], "notFound": [...]}

Each call takes a batch of at most the source's `max_batch_size`, so a DataLoader's whole level of a query is one
request per batch.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from linkage.blocking import candidate_keys
from linkage.demographics import Demographics
from sources.batching import in_chunks
from sources.http import HttpTransport, probe
from sources.malformed import reading
from sources.mappers.native import answers_by_ref, as_list, as_object
from sources.model import Address, Service, SourceHealth, SourceInfo, SourceRecord
from sources.observe import UpstreamObserver
from sources.settings import SourceSettings


class RecordMapper(Protocol):
    """One record of the source's JSON -> a `SourceRecord`; raises `MalformedRecord`."""

    def __call__(self, native: object, *, system: str, as_of: datetime.datetime | None) -> SourceRecord: ...


@dataclass(frozen=True)
class CaseApi:
    """What differs between case systems over REST: the service, the adapter kind (for errors), the resource
    (`path`, e.g. "/api/clients"; `operation`, e.g. "clients", which names the calls in metrics and traces), the key
    the records are listed under, and the mapper of one record."""

    service: Service
    kind: str
    path: str
    operation: str
    records_key: str
    record: RecordMapper


class CaseRestAdapter:
    """A `SourceAdapter` for a case system that answers `CaseApi`'s three batch calls."""

    def __init__(
        self,
        api: CaseApi,
        settings: SourceSettings,
        session: aiohttp.ClientSession,
        *,
        observer: UpstreamObserver | None = None,
    ) -> None:
        if settings.service is not api.service:
            raise ValueError(f"source {settings.system!r}: {api.kind} needs service {api.service.value}")
        self._api = api
        self._settings = settings
        self._http = HttpTransport(settings, session, observer=observer)

    @property
    def service(self) -> Service:
        return self._api.service

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

    async def _post(self, call: str, body: dict[str, Any]) -> object:
        # The call's name in metrics and traces: e.g. "clients.at_addresses" for POST /api/clients/at-addresses.
        operation = f"{self._api.operation}.{call.replace('-', '_')}"
        return await self._http.post_json(operation, f"{self._api.path}/{call}", body, idempotent=True)

    async def _match(self, people: Sequence[Demographics]) -> list[list[SourceRecord]]:
        queries = [{"ref": str(i), **candidate_keys(person).to_json()} for i, person in enumerate(people)]
        return self._results(await self._post("match", {"queries": queries}), len(people))

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
        body = await self._post("at-addresses", {"addresses": wanted})
        for i, found in zip(asked, self._results(body, len(asked)), strict=True):
            answers[i] = found
        return answers

    async def _by_ids(self, record_ids: Sequence[str]) -> list[SourceRecord | None]:
        body = await self._post("batch", {"ids": list(record_ids)})
        as_of = datetime.datetime.now(datetime.UTC)
        key, system = self._api.records_key, self._settings.system
        with reading(system):
            found = as_list(as_object(body, "response").get(key), key)
            records = [self._api.record(item, system=system, as_of=as_of) for item in found]
        by_id = {record.record_id: record for record in records}
        return [by_id.get(record_id) for record_id in record_ids]

    def _results(self, body: object, count: int) -> list[list[SourceRecord]]:
        """`{"results": [{"ref": "0", KEY: [...]}]}` → candidates per position.

        Every ref we sent must be answered: a missing answer would read as "not known" when it is "not checked".
        """
        as_of = datetime.datetime.now(datetime.UTC)
        system = self._settings.system
        with reading(system):
            by_ref = answers_by_ref(body, "results", self._api.records_key, count)
            return [[self._api.record(item, system=system, as_of=as_of) for item in found] for found in by_ref]
