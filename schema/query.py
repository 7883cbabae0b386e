"""The root query."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.federation.schema import FederationAny

from auth.field_classes import FieldClass
from resolvers import audit_read, entities, people_queries, search, source_status
from schema import lookahead
from schema.access import ACCESS_KEY, guarded, own
from schema.audit import AuditEvent, AuditEventConnection, AuditFilter
from schema.enums import Purpose, Role
from schema.federation import ServiceDefinition, subgraph_sdl
from schema.people import Child, Ctx, Household, Node, Person
from schema.search import PersonSearchInput, PersonSearchResult
from schema.services import Source


@strawberry.type
class Principal:
    id: strawberry.ID = own()
    name: str | None = own()
    roles: list[Role] = own()
    team: str | None = own()
    purpose: Purpose | None = own("The purpose this request gave (X-Purpose).")
    case_reference: str | None = own("The case reference this request gave (X-Case-Reference).")
    client_id: str | None = own("The application the token was issued to.")
    break_glass: bool = own("True when this request gave a break-glass reason (X-Break-Glass-Reason).")


# Federation's union of this subgraph's entities (`_entities` returns them).
Entity = Annotated[Child | Person | Household, strawberry.union("_Entity")]


@strawberry.type
class Query:
    @guarded(FieldClass.SELF)
    def me(self, info: Ctx) -> Principal:
        principal = info.context.principal
        return Principal(
            id=strawberry.ID(principal.id),
            name=principal.name,
            roles=sorted(principal.roles, key=lambda r: r.value),
            team=principal.team,
            purpose=principal.purpose,
            case_reference=principal.case_reference,
            client_id=principal.client_id,
            break_glass=principal.break_glass_reason is not None,
        )

    @guarded(FieldClass.BASIC, description="A child known to children's social care, by case-management id.")
    async def child(self, info: Ctx, cms_id: strawberry.ID) -> Child | None:
        ahead = lookahead.household_ahead(info)
        return await people_queries.child(info.context, cms_id, with_household=ahead is not None, ahead=ahead)  # type: ignore[return-value]

    @guarded(
        FieldClass.BASIC,
        description=(
            "Several children at once, for integrators (e.g. a MASH daily list). "
            "Bounded in size; one batched call per source."
        ),
    )
    async def children(self, info: Ctx, cms_ids: list[strawberry.ID]) -> list[Child | None] | None:
        with_household = lookahead.asks_household(info)
        return await people_queries.children(info.context, cms_ids, with_household=with_household)  # type: ignore[return-value]

    @guarded(FieldClass.BASIC, description="Any individual or household by global id.")
    async def node(self, info: Ctx, id: strawberry.ID) -> Node | None:
        with_household, members_ahead = lookahead.asks_household(info), lookahead.member_checks(info)
        return await people_queries.node(  # type: ignore[return-value]
            info.context, id, with_household=with_household, members_ahead=members_ahead
        )

    @strawberry.field(
        name="_service",
        # Schema text, not data: seen by every signed-in caller, as introspection is (and refused with it).
        metadata={ACCESS_KEY: FieldClass.SELF},
        description="Apollo Federation: this subgraph's SDL, for composition.",
    )
    def service(self, info: Ctx) -> ServiceDefinition:
        return ServiceDefinition(sdl=subgraph_sdl(info.schema))

    @guarded(
        FieldClass.BASIC,
        name="_entities",
        description=(
            "Apollo Federation: entities by representation, for a router. Each is looked up as node(id:) is, "
            "with the same access rules and audit; an entity reference grants nothing."
        ),
    )
    async def entities(self, info: Ctx, representations: list[FederationAny]) -> list[Entity | None]:
        return await entities.entities(info.context, representations)  # type: ignore[return-value]

    @guarded(FieldClass.BASIC, description="Find people by demographics. Audited with its search terms.")
    async def search_people(
        self, info: Ctx, input: PersonSearchInput, first: int | None = search.DEFAULT_FIRST, after: str | None = None
    ) -> PersonSearchResult | None:
        terms = search.SearchTerms(
            family_name=input.family_name,
            given_name=input.given_name,
            date_of_birth=input.date_of_birth,
            postcode=input.postcode,
        )
        return await search.search_people(info.context, terms, first, after)  # type: ignore[return-value]

    @guarded(
        FieldClass.OPERATIONS,
        description=(
            "Every service this authority knows about, connected or not, with coverage, freshness and health. "
            "Operational information: null, with an error, for a role without it."
        ),
    )
    async def sources(self, info: Ctx) -> list[Source] | None:
        return await source_status.sources(info.context)  # type: ignore[return-value]

    @guarded(
        FieldClass.AUDIT,
        description=(
            "Who looked at what, newest first. Auditors read every event, team managers their own team's; reading "
            "the trail is itself recorded."
        ),
    )
    async def audit_events(
        self,
        info: Ctx,
        filter: AuditFilter | None = None,
        first: int | None = audit_read.DEFAULT_FIRST,
        after: str | None = None,
    ) -> AuditEventConnection | None:
        given = filter or AuditFilter()
        query = audit_read.AuditQuery(
            actor_id=given.actor_id,
            subject_id=given.subject_id,
            action=given.action,
            since=given.from_,
            until=given.to,
            case_reference=given.case_reference,
        )
        page = await audit_read.audit_events(info.context, query, first, after)
        return AuditEventConnection(
            total_count=page.total_count,
            edges=[AuditEvent.of(stored) for stored in page.events],
            end_cursor=page.end_cursor,
        )
