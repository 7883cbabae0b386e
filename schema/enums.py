"""The contract's enums, exposed from the model's own enums so that there is one definition of each."""

from __future__ import annotations

import strawberry

from auth import principal
from sources import model

Service = strawberry.enum(model.Service, name="Service")
Gender = strawberry.enum(model.Gender, name="Gender")
CheckOutcome = strawberry.enum(model.CheckOutcome, name="CheckOutcome")
InvolvementStatus = strawberry.enum(model.InvolvementStatus, name="InvolvementStatus")
CaseStatus = strawberry.enum(model.CaseStatus, name="CaseStatus")
AdmissionType = strawberry.enum(model.AdmissionType, name="AdmissionType")
SafeguardingOffenceCategory = strawberry.enum(model.SafeguardingOffenceCategory, name="SafeguardingOffenceCategory")
OffenceInvolvement = strawberry.enum(model.OffenceInvolvement, name="OffenceInvolvement")
SourceHealth = strawberry.enum(model.SourceHealth, name="SourceHealth")
RelationshipType = strawberry.enum(model.RelationshipType, name="RelationshipType")
Role = strawberry.enum(principal.Role, name="Role")
Purpose = strawberry.enum(principal.Purpose, name="Purpose")
