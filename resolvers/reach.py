"""Case-linked reach: whether the principal may open a child, or a person through a child's household.

In a `case_linked` authority a social worker or team manager may open only the children allocated to them or their
team (`AccessPolicy.reaches_child`), and the people in those children's households. A global id proves nothing:
a person is in reach only when the CMS or the household assembly links them to such a child —

* a person the CMS holds: a child whose recorded relationships name them (the CMS's reverse look-up);
* a person only a service holds: a member of the household of such a child at one of the person's addresses
  (found by the CMS's children-at-address look-up, then the same household assembly `household` shows).

Outside reach the look-up is refused, unless the request gives a break-glass reason: then it is allowed and the
subject is recorded for the audit trail (`RequestAccess.open_outside_reach`). Decisions are remembered for the
request, so a household's members are not re-checked one by one.
"""

from __future__ import annotations

import asyncio

from resolvers import ids
from resolvers.context import RequestContext
from resolvers.errors import cms_unavailable
from resolvers.household import assemble
from resolvers.people import from_cms
from resolvers.views import IndividualView
from sources.adapter import SourceUnavailable
from sources.cms_model import CmsChild
from sources.model import Address, Practitioner


def is_reached(ctx: RequestContext, subject_id: str) -> bool:
    return ("reach", subject_id) in ctx.access.memo


def _reached(ctx: RequestContext, subject_id: str) -> None:
    ctx.access.memo[("reach", subject_id)] = True


def require_child(ctx: RequestContext, child_id: str, allocated_worker: Practitioner | None) -> None:
    """Refuse (or break the glass for) a child outside the principal's reach."""
    if not ctx.access.held_to_caseload or is_reached(ctx, child_id):
        return
    if not ctx.access.reaches_child(allocated_worker):
        ctx.access.open_outside_reach(child_id)
    _reached(ctx, child_id)


async def refuse_unknown(ctx: RequestContext, subject_id: str) -> None:
    """An unknown id is refused like one out of reach, so that refusals do not tell which ids exist."""
    if ctx.access.held_to_caseload:
        ctx.access.open_outside_reach(subject_id)


async def require_person(ctx: RequestContext, person: IndividualView) -> None:
    if not ctx.access.held_to_caseload or is_reached(ctx, person.id):
        return
    if person.kind == "child":
        require_child(ctx, person.id, person.allocated_worker)
        return
    if not await _in_a_reached_household(ctx, person):
        ctx.access.open_outside_reach(person.id)
    _reached(ctx, person.id)


async def _in_a_reached_household(ctx: RequestContext, person: IndividualView) -> bool:
    try:
        if person.home == "CMS":
            related = await ctx.loaders.related_children.load(ids.decode(person.id).key)
            children = [c for c in await ctx.loaders.children.load_many(related) if c is not None]
            return any(ctx.access.reaches_child(c.allocated_worker) for c in children)
        return await _lives_with_a_reached_child(ctx, person)
    except SourceUnavailable as error:
        raise cms_unavailable(error.system, error.reason) from None


async def _lives_with_a_reached_child(ctx: RequestContext, person: IndividualView) -> bool:
    keys = list({Address(line1=a.line1, postcode=a.postcode) for a in person.addresses if a.line1 and a.postcode})
    found: dict[str, CmsChild] = {}
    for at_address in await ctx.loaders.children_at.load_many(keys):
        for record in at_address:
            if ctx.access.reaches_child(record.allocated_worker):
                found.setdefault(record.person_id, record)
    today = ctx.runtime.today()
    households = await asyncio.gather(*(assemble(ctx, from_cms(c, today)) for c in found.values()))
    return any(person.id in member.records for h in households for member in h.members)
