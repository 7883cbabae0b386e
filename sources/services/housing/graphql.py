"""`HousingInvolvement`: the GraphQL type of a housing involvement (field classes declared)."""

from __future__ import annotations

import datetime
from typing import Any

import strawberry
from graphql import GraphQLResolveInfo

from schema.access import detail
from schema.enums import CaseStatus
from schema.services import ServiceInvolvement
from sources import model


@strawberry.type
class HousingInvolvement(ServiceInvolvement):
    tenancy_start: datetime.date | None = detail()
    anti_social_behaviour: CaseStatus | None = detail()
    eviction: CaseStatus | None = detail()
    notice_seeking_possession: CaseStatus | None = detail()
    rent_arrears: CaseStatus | None = detail()

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, model.HousingInvolvement)
