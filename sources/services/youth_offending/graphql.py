"""`YouthOffendingInvolvement` and its `YouthIntervention`: the GraphQL types, with their field classes.

As for every service (`schema/access.py`): who holds the record and who to call are flags (the interface's
`organisation`, `practitioner`); the interventions, their kinds and dates are details, which a role or a purpose
may be refused per service (`[access.services.YOUTH_OFFENDING] detail = ...`).
"""

from __future__ import annotations

import datetime
from typing import Any

import strawberry
from graphql import GraphQLResolveInfo

from schema.access import detail, held
from schema.enums import CaseStatus
from schema.services import ServiceInvolvement
from sources.services.youth_offending import model

YouthInterventionType = strawberry.enum(model.YouthInterventionType)


@strawberry.type
class YouthIntervention:
    kind: YouthInterventionType = held()  # type: ignore[valid-type]
    status: CaseStatus = held()
    start_date: datetime.date | None = held()
    end_date: datetime.date | None = held()


@strawberry.type
class YouthOffendingInvolvement(ServiceInvolvement):
    interventions: list[YouthIntervention] | None = detail(
        "Open interventions first, then those closed within the display rule's window, latest first."
    )

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, model.YouthOffendingInvolvement)
