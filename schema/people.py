"""People and households: shapes over `resolvers.views`, with resolvers only where a source is asked."""

from __future__ import annotations

import datetime
from typing import Any

import strawberry
from graphql import GraphQLResolveInfo
from strawberry.types import Info

from auth.field_classes import FieldClass
from resolvers import people_queries, service_checks
from resolvers.context import RequestContext
from resolvers.views import HouseholdView, IndividualView
from schema import lookahead
from schema.access import basic, guarded, held, selected_classes
from schema.enums import Gender, RelationshipType, Service
from schema.services import ServiceCheck, SourceLink
from schema.values import Address, Name, Practitioner

Ctx = Info[RequestContext, None]


@strawberry.interface(description="Anything with a global id.")
class Node:
    id: strawberry.ID = basic("Opaque global id; holding one grants nothing.")


# Federation entities (`@key`): another subgraph may extend them by `id` (and a child by `cmsId`); the router's
# `_entities` representations are resolved as `node(id:)` is (`resolvers/entities.py`).
@strawberry.federation.interface(keys=["id"])
class Individual:
    id: strawberry.ID = basic()
    name: Name | None = basic()
    other_names: list[Name] | None = basic()
    date_of_birth: datetime.date | None = basic()
    age: int | None = basic()
    gender: Gender | None = basic()
    addresses: list[Address] | None = basic()

    @guarded(
        FieldClass.FLAG,
        description="One entry per service the authority knows about: involved, not known, or why it was not checked.",
    )
    async def service_checks(
        self,
        root: strawberry.Parent[IndividualView],
        info: Ctx,
        services: list[Service] | None = None,
    ) -> list[ServiceCheck] | None:
        detail_types = frozenset(t for t, c in selected_classes(info) if c is FieldClass.DETAIL)
        return await service_checks.service_checks(info.context, root, services, detail_types)  # type: ignore[return-value]

    @guarded(
        FieldClass.LINKAGE, description="The source records linked to this individual, with the evidence for each link."
    )
    async def links(self, root: strawberry.Parent[IndividualView], info: Ctx) -> list[SourceLink] | None:
        return await service_checks.links(info.context, root)  # type: ignore[return-value]


@strawberry.federation.type(keys=["id"])
class Person(Node, Individual):
    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, IndividualView) and obj.kind == "person"


@strawberry.federation.type(keys=["id", "cmsId"])
class Child(Node, Individual):
    cms_id: strawberry.ID = basic()

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, IndividualView) and obj.kind == "child"

    @guarded(FieldClass.FLAG)
    async def allocated_worker(self, root: strawberry.Parent[IndividualView], info: Ctx) -> Practitioner | None:
        return await people_queries.allocated_worker(info.context, root)  # type: ignore[return-value]

    @guarded(
        FieldClass.BASIC,
        description="The people around the child: recorded relationships plus co-residents found in other sources.",
    )
    async def household(self, root: strawberry.Parent[IndividualView], info: Ctx) -> Household | None:
        ahead = lookahead.member_checks(info)
        return await people_queries.child_household(info.context, root, ahead)  # type: ignore[return-value]


@strawberry.type
class LinkBasis:
    system: str = held()
    kind: str = held('e.g. "recorded relationship", "same address", "same tenancy"')


@strawberry.type
class HouseholdMember:
    individual: Individual | None = basic()
    relationship_to_child: RelationshipType = basic()
    lives_with_child: bool | None = basic()
    basis: list[LinkBasis] = basic("Which source systems say this person belongs here, and how.")


@strawberry.federation.type(keys=["id"])
class Household(Node):
    address: Address | None = basic()
    members: list[HouseholdMember] | None = basic()
    incomplete: bool = basic("True when a source that contributes members could not be asked: the list may be short.")
    unavailable_sources: list[Service] = basic("The services that could not be asked for members, when incomplete.")

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, HouseholdView)
