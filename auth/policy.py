"""The access policy: the one place that decides what a principal may see.

Field classes (basic details, service flags, service details) are checked once per object by the resolvers, not
per leaf field, so aliases and fragments cannot route around them. The full role-by-field-class table, purposes
and break-glass arrive with the access issue; this module is where they go.
"""

from __future__ import annotations

from typing import Protocol

from auth.principal import Principal, Role
from sources.model import Service

CASEWORK_ROLES = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.INTEGRATION})


class AccessPolicy(Protocol):
    def may_view_people(self, principal: Principal) -> bool: ...

    def may_check_service(self, principal: Principal, service: Service) -> bool: ...


class CaseworkPolicy:
    """Only casework roles see people and service checks; everyone else is denied."""

    def may_view_people(self, principal: Principal) -> bool:
        return bool(principal.roles & CASEWORK_ROLES)

    def may_check_service(self, principal: Principal, service: Service) -> bool:
        return bool(principal.roles & CASEWORK_ROLES)
