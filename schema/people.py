"""People and households: shapes over `resolvers.views`, with resolvers only where a source is asked."""

from __future__ import annotations

import datetime
from typing import Any

import strawberry
from graphql import GraphQLResolveInfo
from strawberry.types import Info

from resolvers import people_queries, service_checks
from resolvers.context import RequestContext
from resolvers.views import HouseholdView, IndividualView
from schema.enums import Gender, RelationshipType, Service
from schema.services import ServiceCheck, SourceLink
from schema.values import Address, Name, Practitioner

Ctx = Info[RequestContext, None]


@strawberry.interface(description="Anything with a global id.")
class Node:
    id: strawberry.ID = strawberry.field(description="Opaque global id; holding one grants nothing.")


@strawberry.interface
class Individual:
    id: strawberry.ID
    name: Name | None
    other_names: list[Name] | None
    date_of_birth: datetime.date | None
    age: int | None
    gender: Gender | None
    addresses: list[Address] | None

    @strawberry.field(
        description="One entry per service the authority knows about: involved, not known, or why it was not checked."
    )
    async def service_checks(
        self,
        root: strawberry.Parent[IndividualView],
        info: Ctx,
        services: list[Service] | None = None,
    ) -> list[ServiceCheck] | None:
        return await service_checks.service_checks(info.context, root, services)  # type: ignore[return-value]

    @strawberry.field(description="The source records linked to this individual, with the evidence for each link.")
    async def links(self, root: strawberry.Parent[IndividualView], info: Ctx) -> list[SourceLink] | None:
        return await service_checks.links(info.context, root)  # type: ignore[return-value]


@strawberry.type
class Person(Node, Individual):
    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, IndividualView) and obj.kind == "person"


@strawberry.type
class Child(Node, Individual):
    cms_id: strawberry.ID

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, IndividualView) and obj.kind == "child"

    @strawberry.field
    async def allocated_worker(self, root: strawberry.Parent[IndividualView], info: Ctx) -> Practitioner | None:
        return await people_queries.allocated_worker(info.context, root)  # type: ignore[return-value]

    @strawberry.field(
        description="The people around the child: recorded relationships plus co-residents found in other sources."
    )
    async def household(self, root: strawberry.Parent[IndividualView], info: Ctx) -> Household | None:
        return await people_queries.child_household(info.context, root)  # type: ignore[return-value]


@strawberry.type
class LinkBasis:
    system: str
    kind: str = strawberry.field(description='e.g. "recorded relationship", "same address", "same tenancy"')


@strawberry.type
class HouseholdMember:
    individual: Individual | None
    relationship_to_child: RelationshipType
    lives_with_child: bool | None
    basis: list[LinkBasis] = strawberry.field(description="Which source systems say this person belongs here, and how.")


@strawberry.type
class Household(Node):
    address: Address | None
    members: list[HouseholdMember] | None

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, HouseholdView)
