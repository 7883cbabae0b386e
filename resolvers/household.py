"""The people around a child: recorded relationships from the CMS plus co-residents other sources place at the
child's current address, merged by linkage so that one person appears once, with every basis for being there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import linkage
from auth.field_classes import FieldClass
from resolvers import ids, service_checks
from resolvers.context import RequestContext
from resolvers.errors import cms_unavailable
from resolvers.people import from_cms, from_source_record
from resolvers.service_checks import ChecksAhead
from resolvers.views import HouseholdMemberView, HouseholdView, IndividualView, LinkBasisView
from sources.adapter import SourceUnavailable, places_residents
from sources.model import Address, RelationshipType, Service, SourceRecord

RECORDED_RELATIONSHIP = "recorded relationship"
SAME_ADDRESS = "same address"
ADULT_AGE = 18


async def household(ctx: RequestContext, child: IndividualView, ahead: ChecksAhead | None = None) -> HouseholdView:
    """The child's household, shown: every member's basic details are recorded as viewed. `ahead`: what the query
    asks of each member, so that the recorded members' look-ups start as soon as they are known."""
    found = await assemble(ctx, child, ahead)
    for member in found.members:
        ctx.audit.viewed_basic_details(member.individual.id)
    return found


async def assemble(ctx: RequestContext, child: IndividualView, ahead: ChecksAhead | None = None) -> HouseholdView:
    """Who is in the child's household (also used to decide reach, when nothing is shown)."""
    assert child.cms_id is not None
    address = next((a for a in child.addresses if a.current), None)
    # The residents first: when some members are found only at the address, their look-ups are the longer path.
    (residents, unavailable), members = await asyncio.gather(
        _residents(ctx, address), _recorded_members(ctx, child.cms_id, ahead)
    )
    today = ctx.runtime.today()
    record_ids = {id(record): ids.person_id(service.value, record.record_id) for service, record in residents}
    services = ctx.runtime.display_rules.registry
    for service, record in residents:
        # How a source that places people at an address knows they are there: its own words ("same tenancy").
        definition = services.get(service)
        residence = definition.residence_basis if definition is not None else None
        basis = LinkBasisView(system=record.system, kind=residence or SAME_ADDRESS)
        if _is_same(ctx, child, record):
            continue
        known = next((m for m in members if _is_same(ctx, m.individual, record)), None)
        if known is not None:
            known.records.add(record_ids[id(record)])
            if basis not in known.basis:
                known.basis.append(basis)
            if known.lives_with is None:
                known.lives_with = True
            continue
        person = from_source_record(record, today)
        adult = person.age is None or person.age >= ADULT_AGE
        members.append(
            _Member(
                individual=person,
                relationship=RelationshipType.OTHER_ADULT_IN_HOUSEHOLD if adult else RelationshipType.OTHER,
                lives_with=True,
                basis=[basis],
            )
        )
    return HouseholdView(
        id=ids.household_id(child.cms_id),
        address=address,
        members=tuple(m.view() for m in members),
        unavailable_sources=unavailable,
    )


class _Member:
    def __init__(
        self,
        *,
        individual: IndividualView,
        relationship: RelationshipType,
        lives_with: bool | None,
        basis: list[LinkBasisView],
    ) -> None:
        self.individual = individual
        self.relationship = relationship
        self.lives_with = lives_with
        self.basis = basis
        self.records = {individual.id}

    def view(self) -> HouseholdMemberView:
        return HouseholdMemberView(
            individual=self.individual,
            relationship_to_child=self.relationship,
            lives_with_child=self.lives_with,
            basis=tuple(self.basis),
            records=frozenset(self.records),
        )


def _is_same(ctx: RequestContext, person: IndividualView, record: SourceRecord) -> bool:
    return linkage.same_person(person.demographics, record.person, ctx.runtime.thresholds)


async def _recorded_members(ctx: RequestContext, cms_id: str, ahead: ChecksAhead | None) -> list[_Member]:
    """The people the CMS records around the child. With `ahead`, their look-ups start at once, alongside the
    look-ups of residents at the child's address rather than after them; the relationships themselves are asked for
    with the child (`resolvers/people_queries.py`), so a household whose members are all on record is answered one
    round trip sooner."""
    try:
        relationships = await ctx.loaders.relationships.load(cms_id)
    except SourceUnavailable as error:
        raise cms_unavailable(error.system, error.reason) from None
    today = ctx.runtime.today()
    basis = LinkBasisView(system=ctx.runtime.cms_system, kind=RECORDED_RELATIONSHIP)
    members = [
        _Member(
            individual=from_cms(rel, today), relationship=rel.relationship, lives_with=rel.lives_with, basis=[basis]
        )
        for rel in relationships
    ]
    if ahead is not None:
        service_checks.prefetch(ctx, [m.individual for m in members], ahead)
    return members


async def _residents(
    ctx: RequestContext, address: Address | None
) -> tuple[list[tuple[Service, SourceRecord]], tuple[Service, ...]]:
    """Everyone each connected source places at the address, and the sources that could not be asked.

    Only sources whose flags the principal may see are asked: a co-resident found by a service tells that the
    service knows them. A failing source only loses its own residents.
    """
    if address is None or not (address.postcode and address.line1):
        return [], ()
    key = Address(line1=address.line1, postcode=address.postcode)
    services: Sequence[Service] = [
        s
        for s, adapter in ctx.runtime.adapters.items()
        if places_residents(adapter) and ctx.access.allows(FieldClass.FLAG, s)
    ]
    answers = await asyncio.gather(*(ctx.loaders.residents(s).load(key) for s in services), return_exceptions=True)
    found: list[tuple[Service, SourceRecord]] = []
    unavailable: list[Service] = []
    for service, answer in zip(services, answers, strict=True):
        if isinstance(answer, BaseException):
            ctx.failures.absorb(service, ctx.runtime.adapters[service].info.system, answer)
            unavailable.append(service)
        else:
            found.extend((service, record) for record in answer)
    return found, tuple(unavailable)
