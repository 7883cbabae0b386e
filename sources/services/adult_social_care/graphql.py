"""`AdultSocialCareInvolvement`: the GraphQL type of an adult social care involvement (field classes declared)."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLResolveInfo

from schema.services import ServiceInvolvement
from sources import model


@strawberry.type
class AdultSocialCareInvolvement(ServiceInvolvement):
    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, model.AdultSocialCareInvolvement)
