"""The contract's enums are the model's own enums, registered with strawberry: one definition of each.

Annotate schema fields with the classes re-exported here.
"""

from __future__ import annotations

import strawberry

from auth.principal import Purpose, Role
from linkage.demographics import MatchLevel
from resolvers.audit_trail import AuditAction
from sources.model import (
    AdmissionType,
    CaseStatus,
    CheckOutcome,
    Gender,
    InvolvementStatus,
    OffenceInvolvement,
    PoliceOutcome,
    RelationshipType,
    SafeguardingOffenceCategory,
    Service,
    SourceHealth,
)

for _enum in (
    AdmissionType,
    AuditAction,
    CaseStatus,
    CheckOutcome,
    Gender,
    InvolvementStatus,
    MatchLevel,
    OffenceInvolvement,
    PoliceOutcome,
    Purpose,
    RelationshipType,
    Role,
    SafeguardingOffenceCategory,
    Service,
    SourceHealth,
):
    strawberry.enum(_enum)

__all__ = [
    "AdmissionType",
    "AuditAction",
    "CaseStatus",
    "CheckOutcome",
    "Gender",
    "InvolvementStatus",
    "MatchLevel",
    "OffenceInvolvement",
    "PoliceOutcome",
    "Purpose",
    "RelationshipType",
    "Role",
    "SafeguardingOffenceCategory",
    "Service",
    "SourceHealth",
]
