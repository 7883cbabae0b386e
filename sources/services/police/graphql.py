"""`PoliceInvolvement` and its `Offence`: the GraphQL types of a police involvement (field classes declared)."""

from __future__ import annotations

import datetime
from typing import Any

import strawberry
from graphql import GraphQLResolveInfo

from schema.access import detail, flag, held
from schema.enums import OffenceInvolvement, PoliceOutcome, SafeguardingOffenceCategory
from schema.services import ServiceInvolvement
from sources import model


@strawberry.type
class Offence:
    date: datetime.date | None = held()
    category: SafeguardingOffenceCategory = held()
    involvement: OffenceInvolvement = held()
    outcome: PoliceOutcome | None = held(
        "What came of it: convicted, cautioned, charged (awaiting court), under investigation, no further action."
    )


@strawberry.type
class PoliceInvolvement(ServiceInvolvement):
    police_area: str | None = flag()
    safeguarding_offences: list[Offence] | None = detail("At most three, most recent first.")
    has_non_safeguarding_records: bool | None = detail()

    @classmethod
    def is_type_of(cls, obj: Any, info: GraphQLResolveInfo) -> bool:
        return isinstance(obj, model.PoliceInvolvement)
