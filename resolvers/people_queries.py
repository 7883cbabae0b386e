"""Root look-ups: `child`, `children`, `node`, and the lazy parts of a child."""

from __future__ import annotations

import re
from collections.abc import Sequence

from resolvers import ids
from resolvers.context import RequestContext
from resolvers.errors import bad_input, cms_unavailable, forbidden, not_found, source_unavailable
from resolvers.failures import as_unavailable
from resolvers.household import household
from resolvers.people import from_cms, from_source_record
from resolvers.views import HouseholdView, IndividualView
from sources.adapter import SourceUnavailable
from sources.cms_model import CmsChild
from sources.model import Practitioner, Service

# Case-management ids are short codes; anything else is refused before it reaches the CMS.
CMS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
TOO_MANY_CHILDREN = "children: at most {limit} ids per request (got {count}); split the list."
BAD_CMS_ID = "Not a case-management id: expected letters and digits, e.g. C000001."
BAD_GLOBAL_ID = "Not an id this service issued."


def _check_people_access(ctx: RequestContext) -> None:
    if not ctx.runtime.policy.may_view_people(ctx.principal):
        raise forbidden()


async def child(ctx: RequestContext, cms_id: str) -> IndividualView:
    _check_people_access(ctx)
    if not CMS_ID.match(cms_id):
        raise bad_input(BAD_CMS_ID)
    record = await _load_children(ctx, [cms_id])
    if record[0] is None:
        raise not_found("child")
    return _child_view(ctx, record[0])


async def children(ctx: RequestContext, cms_ids: Sequence[str]) -> list[IndividualView | None]:
    _check_people_access(ctx)
    limit = ctx.runtime.max_children
    if len(cms_ids) > limit:
        raise bad_input(TOO_MANY_CHILDREN.format(limit=limit, count=len(cms_ids)))
    if not all(CMS_ID.match(i) for i in cms_ids):
        raise bad_input(BAD_CMS_ID)
    records = await _load_children(ctx, cms_ids)
    return [None if r is None else _child_view(ctx, r) for r in records]


async def node(ctx: RequestContext, global_id: str) -> IndividualView | HouseholdView:
    _check_people_access(ctx)
    try:
        ref = ids.decode(global_id)
    except ids.InvalidId:
        raise bad_input(BAD_GLOBAL_ID) from None
    if ref.kind == "Child":
        return await child(ctx, ref.key)
    if ref.kind == "Household":
        return await household(ctx, await child(ctx, ref.key))
    if ref.home == "CMS":
        return await _cms_person(ctx, ref.key)
    return await _source_person(ctx, ref.home, ref.key)


async def child_household(ctx: RequestContext, person: IndividualView) -> HouseholdView:
    _check_people_access(ctx)
    return await household(ctx, person)


async def allocated_worker(ctx: RequestContext, person: IndividualView) -> Practitioner | None:
    """The child's allocated worker; for a sibling met through a relationship, looked up (batched) in the CMS."""
    if person.allocated_worker_known or person.cms_id is None:
        return person.allocated_worker
    record = (await _load_children(ctx, [person.cms_id]))[0]
    return record.allocated_worker if record is not None else None


async def _load_children(ctx: RequestContext, cms_ids: Sequence[str]) -> list[CmsChild | None]:
    try:
        return list(await ctx.loaders.children.load_many(cms_ids))
    except SourceUnavailable as error:
        raise cms_unavailable(error.system, error.reason) from None


def _child_view(ctx: RequestContext, record: CmsChild) -> IndividualView:
    view = from_cms(record, ctx.runtime.today())
    ctx.audit.viewed_basic_details(view.id)
    return view


async def _cms_person(ctx: RequestContext, person_id: str) -> IndividualView:
    if not CMS_ID.match(person_id):
        raise bad_input(BAD_GLOBAL_ID)
    try:
        record = await ctx.loaders.cms_people.load(person_id)
    except SourceUnavailable as error:
        raise cms_unavailable(error.system, error.reason) from None
    if record is None:
        raise not_found("person")
    view = from_cms(record, ctx.runtime.today())
    ctx.audit.viewed_basic_details(view.id)
    return view


async def _source_person(ctx: RequestContext, home: str, record_id: str) -> IndividualView:
    service = Service.__members__.get(home)
    adapter = ctx.runtime.adapters.get(service) if service else None
    if service is None or adapter is None:
        raise not_found("person")
    try:
        record = await ctx.loaders.records(service).load(record_id)
    except Exception as error:  # the field's own error reports it; no second, request-level one
        failure = as_unavailable(adapter.info.system, error)
        raise source_unavailable(failure.system, failure.reason) from None
    if record is None:
        raise not_found("person")
    view = from_source_record(record, ctx.runtime.today())
    ctx.audit.viewed_basic_details(view.id)
    return view
