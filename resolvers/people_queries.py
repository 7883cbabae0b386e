"""Root look-ups: `child`, `children`, `node`, and the lazy parts of a child.

Every look-up that opens a record asks the request's access (`auth/access.py`): the schema's guard has already
required basic details; here, in a case-linked authority, each child must be within the principal's reach and
each person must belong to the household of a child that is (`resolvers/reach.py`), whatever the path: `child`,
`children`, `node(id:)` with any kind of id, or a sibling's household.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

from auth.access import AccessDenied
from auth.field_classes import FieldClass
from resolvers import ids, loaders, reach
from resolvers.context import RequestContext
from resolvers.errors import GatewayError, bad_input, cms_unavailable, not_found, source_unavailable
from resolvers.failures import as_unavailable
from resolvers.household import HouseholdAhead, household
from resolvers.household import start as start_household
from resolvers.people import from_cms, from_source_record
from resolvers.service_checks import ChecksAhead
from resolvers.views import HouseholdView, IndividualView
from sources.adapter import SourceUnavailable
from sources.cms_model import CmsChild
from sources.model import Practitioner, Service

# Case-management ids are short codes; anything else is refused before it reaches the CMS.
CMS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
TOO_MANY_CHILDREN = (
    "children: at most {limit} ids per request, all `children` fields together (got {count}); split the list."
)
BAD_CMS_ID = "Not a case-management id: expected letters and digits, e.g. C000001."
BAD_GLOBAL_ID = "Not an id this service issued."


async def child(
    ctx: RequestContext, cms_id: str, *, with_household: bool = False, ahead: HouseholdAhead | None = None
) -> IndividualView:
    """The child; `with_household`: the query asks for the child's household too (see `_load_children`). With
    `ahead` (what the query asks of the child and its household's members), the household's look-ups start as
    soon as the child is opened (`resolvers/household.py` `start`), and leave before the child is handed on to the
    GraphQL walk; except for a principal held to a caseload, for whom a household is looked up only once it is
    reached (`child_household`)."""
    if not CMS_ID.match(cms_id):
        raise bad_input(BAD_CMS_ID)
    record = (await _load_children(ctx, [cms_id], with_relationships=with_household))[0]
    view = _opened_child(ctx, cms_id, record)
    if ahead is not None and with_household and not ctx.access.held_to_caseload:
        start_household(ctx, view, ahead)
        await loaders.until_sent()
    return view


async def children(
    ctx: RequestContext, cms_ids: Sequence[str], *, with_household: bool = False
) -> list[IndividualView | GatewayError | AccessDenied]:
    """Each child in order; an id that is malformed, unknown or out of reach gets its own error at its index."""
    limit = ctx.runtime.max_children
    if len(cms_ids) > limit:
        raise bad_input(TOO_MANY_CHILDREN.format(limit=limit, count=len(cms_ids)))
    well_formed = [i for i in dict.fromkeys(cms_ids) if CMS_ID.match(i)]
    loaded = await _load_children(ctx, well_formed, with_relationships=with_household)
    records = dict(zip(well_formed, loaded, strict=True))
    answers: list[IndividualView | GatewayError | AccessDenied] = []
    for cms_id in cms_ids:
        if cms_id not in records:
            answers.append(bad_input(BAD_CMS_ID))
            continue
        try:
            answers.append(_opened_child(ctx, cms_id, records[cms_id]))
        except (GatewayError, AccessDenied) as error:
            answers.append(error)
    return answers


async def node(
    ctx: RequestContext, global_id: str, *, with_household: bool = False, members_ahead: ChecksAhead | None = None
) -> IndividualView | HouseholdView:
    """Any individual or household by global id. `with_household`: a child's household is asked for beneath it;
    `members_ahead`: what a household's members are asked (`resolvers/household.py`)."""
    try:
        ref = ids.decode(global_id)
    except ids.InvalidId:
        raise bad_input(BAD_GLOBAL_ID) from None
    if ref.kind == "Child":
        return await child(ctx, ref.key, with_household=with_household)
    if ref.kind == "Household":
        return await household(ctx, await child(ctx, ref.key, with_household=True), members_ahead)
    if ref.home == "CMS":
        person = await _cms_person(ctx, ref.key)
    else:
        person = await _source_person(ctx, ref.home, ref.key)
    await reach.require_person(ctx, person)
    ctx.audit.viewed_basic_details(person.id)
    return person


async def child_household(
    ctx: RequestContext, person: IndividualView, ahead: ChecksAhead | None = None
) -> HouseholdView:
    """A child's household; a sibling met in another child's household must be within reach too. `ahead`: what
    the query asks of each member (`resolvers/household.py`)."""
    assert person.cms_id is not None
    if ctx.access.held_to_caseload and not reach.is_reached(ctx, person.id):
        worker = person.allocated_worker
        if not person.allocated_worker_known:
            record = (await _load_children(ctx, [person.cms_id]))[0]
            worker = record.allocated_worker if record is not None else None
        reach.require_child(ctx, person.id, worker)
    return await household(ctx, person, ahead)


async def allocated_worker(ctx: RequestContext, person: IndividualView) -> Practitioner | None:
    """The child's allocated worker; for a sibling met through a relationship, looked up (batched) in the CMS."""
    if person.allocated_worker_known or person.cms_id is None:
        return person.allocated_worker
    record = (await _load_children(ctx, [person.cms_id]))[0]
    return record.allocated_worker if record is not None else None


def _opened_child(ctx: RequestContext, cms_id: str, record: CmsChild | None) -> IndividualView:
    """The child, if the principal may open it. In a case-linked authority an unknown id is refused like one out
    of reach (unless the glass is broken), so that refusals do not tell which case ids exist."""
    if record is None:
        if ctx.access.held_to_caseload:
            ctx.access.open_outside_reach(ids.child_id(cms_id))
        raise not_found("child")
    view = from_cms(record, ctx.runtime.today())
    reach.require_child(ctx, view.id, record.allocated_worker)
    ctx.audit.viewed_basic_details(view.id)
    return view


async def _load_children(
    ctx: RequestContext, cms_ids: Sequence[str], *, with_relationships: bool = False
) -> list[CmsChild | None]:
    """The children's CMS records. `with_relationships` (the query asks for their households): their relationships
    are asked for in the same round trip, since they need only the ids, and waited for (answered or failed) before
    the children are handed on. The household resolvers then find them answered, and start the recorded members'
    checks (`resolvers/household.py`) in the same batches as the children's own checks: a household whose members
    are all on record is answered one round trip sooner. The cost: where a household also has members found only
    at the address, a batching source gets their checks in a batch of their own, one round trip later.

    Not for a principal held to a caseload: there a child must first be found within reach (`resolvers/reach.py`),
    and nothing about a child out of reach is asked for, not even into the gateway's memory."""
    if not cms_ids:
        return []
    asked = with_relationships and not ctx.access.held_to_caseload
    relationships = loaders.start(ctx.loaders.relationships, cms_ids) if asked else ()
    try:
        records = list(await ctx.loaders.children.load_many(cms_ids))
    except SourceUnavailable as error:
        raise cms_unavailable(error.system, error.reason) from None
    if relationships:
        await asyncio.wait(relationships)  # a failure stays with the look-up, for the household resolver
    return records


async def _cms_person(ctx: RequestContext, person_id: str) -> IndividualView:
    if not CMS_ID.match(person_id):
        raise bad_input(BAD_GLOBAL_ID)
    try:
        record = await ctx.loaders.cms_people.load(person_id)
    except SourceUnavailable as error:
        raise cms_unavailable(error.system, error.reason) from None
    if record is None:
        await reach.refuse_unknown(ctx, ids.person_id("CMS", person_id))
        raise not_found("person")
    return from_cms(record, ctx.runtime.today())


async def _source_person(ctx: RequestContext, home: str, record_id: str) -> IndividualView:
    """A person held by a service's source. Seeing them at all tells that the service knows them: the principal
    must be allowed that service's flags, decided before the source is asked."""
    service = Service.__members__.get(home)
    adapter = ctx.runtime.adapters.get(service) if service else None
    if service is None or adapter is None:
        raise not_found("person")
    ctx.access.require(FieldClass.FLAG, service)
    try:
        record = await ctx.loaders.records(service).load(record_id)
    except Exception as error:  # the field's own error reports it; no second, request-level one
        failure = as_unavailable(adapter.info.system, error)
        raise source_unavailable(failure.system, failure.reason) from None
    if record is None:
        await reach.refuse_unknown(ctx, ids.person_id(service.value, record_id))
        raise not_found("person")
    return from_source_record(record, ctx.runtime.today())
