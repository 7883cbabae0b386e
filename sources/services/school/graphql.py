"""`SchoolInvolvement`: the GraphQL type of a school registration (field classes declared)."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLResolveInfo

from schema.access import detail, flag
from schema.enums import AdmissionType
from schema.services import ServiceInvolvement
from sources import model


@strawberry.type
class SchoolInvolvement(ServiceInvolvement):
    school_name: str | None = flag()
    admission_type: AdmissionType | None = detail()

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, model.SchoolInvolvement)
