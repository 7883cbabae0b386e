"""The people around a child: recorded relationships from the CMS plus co-residents other sources place at the
child's current address, merged by linkage so that one person appears once, with every basis for being there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import linkage
from auth.field_classes import FieldClass
from resolvers import ids
from resolvers.context import RequestContext
from resolvers.errors import cms_unavailable
from resolvers.people import from_cms, from_source_record
from resolvers.views import HouseholdMemberView, HouseholdView, IndividualView, LinkBasisView
from sources.adapter import SourceUnavailable
from sources.cms_model import CmsRelationship
from sources.model import Address, RelationshipType, Service, SourceRecord

RECORDED_RELATIONSHIP = "recorded relationship"
SAME_ADDRESS = "same address"
ADULT_AGE = 18


async def household(ctx: RequestContext, child: IndividualView) -> HouseholdView:
    """The child's household, shown: every member's basic details are recorded as viewed."""
    found = await assemble(ctx, child)
    for member in found.members:
        ctx.audit.viewed_basic_details(member.individual.id)
    return found


async def assemble(ctx: RequestContext, child: IndividualView) -> HouseholdView:
    """Who is in the child's household (also used to decide reach, when nothing is shown)."""
    assert child.cms_id is not None
    address = next((a for a in child.addresses if a.current), None)
    relationships, (residents, unavailable) = await asyncio.gather(
        _relationships(ctx, child.cms_id), _residents(ctx, address)
    )
    today = ctx.runtime.today()
    cms_system = ctx.runtime.cms_system
    members: list[_Member] = [
        _Member(
            individual=from_cms(rel, today),
            relationship=rel.relationship,
            lives_with=rel.lives_with,
            basis=[LinkBasisView(system=cms_system, kind=RECORDED_RELATIONSHIP)],
        )
        for rel in relationships
    ]
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
    return linkage.score(person.demographics, record.person, ctx.runtime.thresholds).counts


async def _relationships(ctx: RequestContext, cms_id: str) -> list[CmsRelationship]:
    try:
        return await ctx.loaders.relationships.load(cms_id)
    except SourceUnavailable as error:
        raise cms_unavailable(error.system, error.reason) from None


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
    services: Sequence[Service] = [s for s in ctx.runtime.adapters if ctx.access.allows(FieldClass.FLAG, s)]
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
