"""The children's case-management system (CMS) over REST: children, people, recorded relationships, search.

Not a service adapter: the CMS is where the child and the household come from. Every method takes a batch,
splits it at `max_batch_size`, runs the pieces concurrently and answers in order.

Two reverse look-ups (a person → the children whose relationships name them; an address → the children living
there) let case-linked access decide whether a person is within a worker's reach.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import aiohttp

from linkage.blocking import candidate_keys
from linkage.demographics import Demographics
from sources.batching import in_chunks
from sources.cms_model import CmsChild, CmsPerson, CmsRelationship, RelationshipType
from sources.http import HttpTransport, probe
from sources.malformed import reading
from sources.mappers import cms as mapper
from sources.mappers.native import MalformedRecord, answers_by_ref, as_list, as_object
from sources.model import Address, SourceHealth
from sources.observe import UpstreamObserver
from sources.settings import SourceSettings

__all__ = ["CmsAdapter", "CmsChild", "CmsPerson", "CmsRelationship", "RelationshipType"]

P = TypeVar("P", bound=CmsPerson)
MAX_ADDRESSES_PER_REQUEST = 50  # the CMS's own limit on `children/at-addresses`, whatever max_batch_size says
AddressQuery = tuple[str, str]  # (postcode, line1), both present


class CmsAdapter:
    """`/api/v1/children/batch`, `/api/v1/relationships/batch`, `/api/v1/people/batch`, `/api/v1/people/search`,
    and the reverse look-ups `/api/v1/relationships/of-people`, `/api/v1/children/at-addresses`."""

    def __init__(
        self,
        settings: SourceSettings,
        session: aiohttp.ClientSession,
        *,
        observer: UpstreamObserver | None = None,
    ) -> None:
        if settings.kind != "cms_rest":
            raise ValueError(f"source {settings.system!r}: the CMS adapter needs kind cms_rest")
        self._settings = settings
        self._system = settings.system
        self._http = HttpTransport(settings, session, observer=observer)

    @property
    def system(self) -> str:
        return self._system

    async def get_children(self, ids: Sequence[str]) -> list[CmsChild | None]:
        """Children by CMS id, in order; None for an id the CMS does not hold."""
        return await in_chunks(ids, self._settings.max_batch_size, self._children)

    async def get_relationships(self, child_ids: Sequence[str]) -> list[list[CmsRelationship]]:
        """Each child's recorded relationships, in order (empty when none)."""
        return await in_chunks(child_ids, self._settings.max_batch_size, self._relationships)

    async def get_people(self, ids: Sequence[str]) -> list[CmsPerson | None]:
        """People (adults or children) by CMS id, in order; a child comes back as a `CmsChild`."""
        return await in_chunks(ids, self._settings.max_batch_size, self._people)

    async def search(self, people: Sequence[Demographics]) -> list[list[CmsPerson]]:
        """Candidate CMS people for each person (a loose search that linkage then scores), in order."""
        return await in_chunks(people, self._settings.max_batch_size, self._search)

    async def get_related_children(self, person_ids: Sequence[str]) -> list[list[str]]:
        """For each person (a `P` id, or a `C` id for a sibling), the CMS ids of the children whose recorded
        relationships name them, in order (empty when none or unknown to the CMS)."""
        return await in_chunks(person_ids, self._settings.max_batch_size, self._related_children)

    async def children_at(self, addresses: Sequence[Address]) -> list[list[CmsChild]]:
        """For each address, the children whose current address it is, in order.

        An address without both line 1 and postcode cannot be compared, so it answers no children without asking.
        """
        queries = [_address_query(address) for address in addresses]
        asked = [query for query in queries if query is not None]
        size = min(self._settings.max_batch_size, MAX_ADDRESSES_PER_REQUEST)
        answers = iter(await in_chunks(asked, size, self._children_at))
        return [[] if query is None else next(answers) for query in queries]

    async def check_health(self) -> SourceHealth:
        return await probe(self._http)

    async def close(self) -> None:
        """Nothing to release: the session belongs to the gateway."""

    async def _children(self, ids: Sequence[str]) -> list[CmsChild | None]:
        body = await self._http.post_json(
            "children.batch", "/api/v1/children/batch", {"ids": list(ids)}, idempotent=True
        )
        return self._by_id(body, "children", ids, lambda item: mapper.child(item, system=self._system))

    async def _people(self, ids: Sequence[str]) -> list[CmsPerson | None]:
        body = await self._http.post_json("people.batch", "/api/v1/people/batch", {"ids": list(ids)}, idempotent=True)
        return self._by_id(body, "people", ids, lambda item: mapper.person(item, system=self._system))

    async def _relationships(self, child_ids: Sequence[str]) -> list[list[CmsRelationship]]:
        body = await self._http.post_json(
            "relationships.batch", "/api/v1/relationships/batch", {"childIds": list(child_ids)}, idempotent=True
        )
        with reading(self._system):
            found = as_object(as_object(body, "response").get("relationships"), "relationships")
            return [
                [
                    mapper.relationship(item, child_id=child_id, system=self._system)
                    for item in as_list(found.get(child_id, []), "relationships")
                ]
                for child_id in child_ids
            ]

    async def _related_children(self, person_ids: Sequence[str]) -> list[list[str]]:
        body = await self._http.post_json(
            "relationships.of_people",
            "/api/v1/relationships/of-people",
            {"personIds": list(person_ids)},
            idempotent=True,
        )
        with reading(self._system):
            found = as_object(as_object(body, "response").get("children"), "children")
            # A person left out is not "linked to no child": an access decision must not rest on a missing answer.
            if any(person_id not in found for person_id in person_ids):
                raise MalformedRecord("children", "unanswered")
            return [mapper.child_ids(found[person_id]) for person_id in person_ids]

    async def _children_at(self, queries: Sequence[AddressQuery]) -> list[list[CmsChild]]:
        wanted = [
            {"ref": str(ref), "postcode": postcode, "line1": line1} for ref, (postcode, line1) in enumerate(queries)
        ]
        body = await self._http.post_json(
            "children.at_addresses", "/api/v1/children/at-addresses", {"addresses": wanted}, idempotent=True
        )
        with reading(self._system):
            answers = answers_by_ref(body, "results", "children", len(queries))
            return [[mapper.child(item, system=self._system) for item in found] for found in answers]

    async def _search(self, people: Sequence[Demographics]) -> list[list[CmsPerson]]:
        queries = [{"ref": str(i), **candidate_keys(person).to_json()} for i, person in enumerate(people)]
        body = await self._http.post_json(
            "people.search", "/api/v1/people/search", {"queries": queries}, idempotent=True
        )
        with reading(self._system):
            answers = answers_by_ref(body, "results", "people", len(people))
            return [[mapper.person(item, system=self._system) for item in found] for found in answers]

    def _by_id(self, body: object, key: str, ids: Sequence[str], read: Callable[[object], P]) -> list[P | None]:
        with reading(self._system):
            items = [read(item) for item in as_list(as_object(body, "response").get(key), key)]
        by_id = {item.person_id: item for item in items}
        return [by_id.get(person_id) for person_id in ids]


def _address_query(address: Address) -> AddressQuery | None:
    """(postcode, line1) for the CMS to compare, or None when either is missing."""
    if not address.postcode or not address.line1:
        return None
    return address.postcode, address.line1
