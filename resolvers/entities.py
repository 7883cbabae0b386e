"""`_entities`: Apollo Federation's way in, resolved exactly as `node(id:)` and `children` are.

A router sends representations (`{"__typename": "Child", "id": "..."}`) it got from another subgraph or made up;
either way a representation is only an id. Each one goes through the same look-ups as `node` (`people_queries`),
so the access guard, purpose, case-linked reach and the audit trail apply unchanged, and a representation the
principal may not open gets its own error at its index, like an id of `children`. All representations are looked
up concurrently within the request, so the DataLoaders send one batched request per source for the whole list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Final

from auth.access import AccessDenied
from resolvers import ids, people_queries
from resolvers.context import RequestContext
from resolvers.errors import GatewayError, bad_input
from resolvers.views import HouseholdView, IndividualView

TOO_MANY: Final = "_entities: at most {limit} representations per request (got {count}); split the list."
BAD_REPRESENTATION: Final = (
    'Not a representation this subgraph resolves: expected {"__typename": "Child" | "Person" | "Individual" | '
    '"Household", "id": ...} or {"__typename": "Child", "cmsId": ...}.'
)
# Which kinds of global id each entity type accepts (`Individual` is the entity interface of both people).
KINDS: Final[Mapping[str, frozenset[str]]] = {
    "Child": frozenset({"Child"}),
    "Person": frozenset({"Person"}),
    "Individual": frozenset({"Child", "Person"}),
    "Household": frozenset({"Household"}),
}

Entity = IndividualView | HouseholdView
Answer = Entity | GatewayError | AccessDenied


async def entities(ctx: RequestContext, representations: Sequence[object]) -> list[Answer]:
    limit = ctx.runtime.max_children
    if len(representations) > limit:
        raise bad_input(TOO_MANY.format(limit=limit, count=len(representations)))
    return list(await asyncio.gather(*(_one(ctx, r) for r in representations)))


async def _one(ctx: RequestContext, representation: object) -> Answer:
    try:
        return await _resolve(ctx, representation)
    except (GatewayError, AccessDenied) as error:
        return error


async def _resolve(ctx: RequestContext, representation: object) -> Entity:
    if not isinstance(representation, Mapping):
        raise bad_input(BAD_REPRESENTATION)
    typename = representation.get("__typename")
    kinds = KINDS.get(typename) if isinstance(typename, str) else None
    if kinds is None:
        raise bad_input(BAD_REPRESENTATION)
    global_id = representation.get("id")
    cms_id = representation.get("cmsId")
    if typename == "Child" and global_id is None and isinstance(cms_id, str):
        return await people_queries.child(ctx, cms_id)
    if not isinstance(global_id, str):
        raise bad_input(BAD_REPRESENTATION)
    try:
        kind = ids.decode(global_id).kind
    except ids.InvalidId:
        raise bad_input(people_queries.BAD_GLOBAL_ID) from None
    if kind not in kinds:  # a household's id sent as a Child's, say: refused, never reinterpreted
        raise bad_input(people_queries.BAD_GLOBAL_ID)
    return await people_queries.node(ctx, global_id)
