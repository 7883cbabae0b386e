"""The people around a child: recorded relationships from the CMS plus co-residents other sources place at the
child's current address, merged by linkage so that one person appears once, with every basis for being there.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import linkage
from auth.field_classes import FieldClass
from resolvers import ids, loaders, service_checks
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


@dataclass(frozen=True)
class HouseholdAhead:
    """What a query asks beneath one `child` (`schema/lookahead.py`): of the child itself, and of each member of
    its household (None: nothing that needs a source)."""

    own: ChecksAhead | None
    members: ChecksAhead | None


def start(ctx: RequestContext, child: IndividualView, ahead: HouseholdAhead) -> None:
    """Start, without waiting, every look-up the child's household and checks will make once the query reaches
    them: the residents at the child's address, the checks of every member the CMS records (their relationships
    are answered: `resolvers/people_queries.py`), and the child's own checks, with the same keys in the request's
    DataLoaders, so that they go out together in one round as soon as the CMS has answered for the child. The
    resolvers later find them under way; the GraphQL walk down to them (the child's fields, the household's
    resolvers) runs meanwhile instead of before. Nothing is shown or recorded here."""
    assert child.cms_id is not None
    address = next((a for a in child.addresses if a.current), None)
    for service, key in _resident_look_ups(ctx, address):
        loaders.start(ctx.loaders.residents(service), [key])
    if ahead.own is not None:
        service_checks.prefetch(ctx, [child], ahead.own)
    if ahead.members is not None:
        answered = asyncio.ensure_future(ctx.loaders.relationships.load(child.cms_id))
        if answered.done() and not answered.cancelled() and answered.exception() is None:
            today = ctx.runtime.today()
            members = ctx.recorded_members[child.cms_id] = [from_cms(rel, today) for rel in answered.result()]
            service_checks.prefetch(ctx, members, ahead.members)


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
    started = ctx.recorded_members.pop(cms_id, None)  # mapped, and their look-ups under way (`start`)
    today = ctx.runtime.today()
    individuals = started if started is not None else [from_cms(rel, today) for rel in relationships]
    basis = LinkBasisView(system=ctx.runtime.cms_system, kind=RECORDED_RELATIONSHIP)
    members = [
        _Member(individual=individual, relationship=rel.relationship, lives_with=rel.lives_with, basis=[basis])
        for individual, rel in zip(individuals, relationships, strict=True)
    ]
    if ahead is not None and started is None:
        service_checks.prefetch(ctx, individuals, ahead)
    return members


async def _residents(
    ctx: RequestContext, address: Address | None
) -> tuple[list[tuple[Service, SourceRecord]], tuple[Service, ...]]:
    """Everyone each connected source places at the address, and the sources that could not be asked.

    Only sources whose flags the principal may see are asked: a co-resident found by a service tells that the
    service knows them. A failing source only loses its own residents.
    """
    look_ups = _resident_look_ups(ctx, address)
    services = [service for service, _ in look_ups]
    answers = await loaders.settled([ctx.loaders.residents(service).load(key) for service, key in look_ups])
    found: list[tuple[Service, SourceRecord]] = []
    unavailable: list[Service] = []
    for service, answer in zip(services, answers, strict=True):
        if isinstance(answer, BaseException):
            ctx.failures.absorb(service, ctx.runtime.adapters[service].info.system, answer)
            unavailable.append(service)
        else:
            found.extend((service, record) for record in answer)
    return found, tuple(unavailable)


def _resident_look_ups(ctx: RequestContext, address: Address | None) -> list[tuple[Service, Address]]:
    """Which sources are asked who lives at the address, and by what key: those that can place people at an
    address and whose flags the principal may see (a co-resident found by a service tells that the service knows
    them). None without a postcode and a first line."""
    if address is None or not (address.postcode and address.line1):
        return []
    key = Address(line1=address.line1, postcode=address.postcode)
    return [
        (service, key)
        for service, adapter in ctx.runtime.adapters.items()
        if places_residents(adapter) and ctx.access.allows(FieldClass.FLAG, service)
    ]
