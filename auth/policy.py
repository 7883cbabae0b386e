"""The access policy: the one place that decides what a principal may see.

Built once per authority from its `[access]` table (`auth/settings.py`) and access mode. It answers three kinds of
question, and nothing else in the gateway answers them:

* may this principal see this class of field (`FieldClass`), for this service? (`decide`)
* may this principal search for people at all? (`may_search`)
* is this child within this principal's reach in a case-linked authority? (`reaches_child`)

Resolvers never ask it directly: they ask the request's `RequestAccess` (`auth/access.py`), which caches each
answer for the request and records break-glass use and denials for the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from auth.field_classes import FieldClass
from auth.principal import Principal
from auth.settings import AccessSettings
from sources.model import Practitioner, Service

FORBIDDEN: Final = "FORBIDDEN"
PURPOSE_REQUIRED: Final = "PURPOSE_REQUIRED"

ROLE_LACKS = "Withheld: your role does not include {what}."
PURPOSE_NEEDED = "Withheld: state your purpose in the X-Purpose header to see {what}."
PURPOSE_NEEDED_FOR_SERVICE = "Withheld: {what} are shown only for these purposes (X-Purpose): {purposes}."
PURPOSE_NOT_ENOUGH = "Withheld: {what} are shown only for these purposes: {purposes}."
CASE_LINKED_SEARCH = (
    "This authority uses case-linked access: find people through a child's household, not by searching."
)
OUT_OF_REACH = (
    "Not opened: this record is not linked to a child allocated to you or your team. If you must open it, give "
    "your reason in the X-Break-Glass-Reason header; the access is recorded."
)


@dataclass(frozen=True)
class Allowed:
    pass


@dataclass(frozen=True)
class Denied:
    """Why something is withheld. `message` is safe to show: it names the class and service, never data."""

    code: Literal["FORBIDDEN", "PURPOSE_REQUIRED"]
    message: str
    field_class: FieldClass | None = None
    service: Service | None = None


Decision = Allowed | Denied
ALLOWED = Allowed()


class AccessPolicy:
    def __init__(self, settings: AccessSettings, *, access_mode: str = "search_any") -> None:
        if access_mode not in ("search_any", "case_linked"):
            raise ValueError(f"unknown access mode {access_mode!r}")
        self._settings = settings
        self.case_linked = access_mode == "case_linked"

    def classes_of(self, principal: Principal) -> frozenset[FieldClass]:
        """Every class the principal's roles grant (before per-service narrowing and purposes)."""
        granted: set[FieldClass] = {FieldClass.SELF}
        for role in principal.roles:
            granted |= self._settings.role_classes.get(role, frozenset())
        return frozenset(granted)

    def decide(self, principal: Principal, field_class: FieldClass, service: Service | None = None) -> Decision:
        if field_class is FieldClass.SELF:
            return ALLOWED
        what = _what(field_class, service)
        if field_class not in self.classes_of(principal):
            return Denied(FORBIDDEN, ROLE_LACKS.format(what=what), field_class, service)
        narrowing = self._settings.narrowing.get((service, field_class)) if service is not None else None
        if narrowing is not None and narrowing.roles is not None and not principal.roles & narrowing.roles:
            return Denied(FORBIDDEN, ROLE_LACKS.format(what=what), field_class, service)
        if narrowing is not None and narrowing.purposes is not None:
            purposes = ", ".join(p.value for p in sorted(narrowing.purposes, key=lambda p: p.value))
            if principal.purpose is None:
                message = PURPOSE_NEEDED_FOR_SERVICE.format(what=what, purposes=purposes)
                return Denied(PURPOSE_REQUIRED, message, field_class, service)
            if principal.purpose not in narrowing.purposes:
                return Denied(FORBIDDEN, PURPOSE_NOT_ENOUGH.format(what=what, purposes=purposes), field_class, service)
        if field_class in self._settings.purpose_required_for and principal.purpose is None:
            return Denied(PURPOSE_REQUIRED, PURPOSE_NEEDED.format(what=what), field_class, service)
        return ALLOWED

    def may_search(self, principal: Principal) -> Decision:
        """Searching lists people from every source: basic details, and only in a search-any authority."""
        basic = self.decide(principal, FieldClass.BASIC)
        if isinstance(basic, Denied):
            return basic
        if self.case_linked:
            return Denied(FORBIDDEN, CASE_LINKED_SEARCH, FieldClass.BASIC)
        return ALLOWED

    def held_to_caseload(self, principal: Principal) -> bool:
        """In a case-linked authority, whether this principal sees only the children in their reach."""
        return self.case_linked and not principal.roles & self._settings.case_link_exempt_roles

    def reaches_child(self, principal: Principal, allocated_worker: Practitioner | None) -> bool:
        """A child allocated to the principal (matched by e-mail) or to the principal's team.

        Social workers and team managers alike see their team's children; a principal with no team and no e-mail
        in their token reaches no child without breaking the glass.
        """
        if not self.held_to_caseload(principal):
            return True
        if allocated_worker is None:
            return False
        return _same(principal.email, allocated_worker.email) or _same(principal.team, allocated_worker.team)

    @property
    def break_glass_min_chars(self) -> int:
        return self._settings.break_glass_min_chars


def _same(mine: str | None, theirs: str | None) -> bool:
    return bool(mine and theirs) and mine.strip().casefold() == theirs.strip().casefold()  # type: ignore[union-attr]


def _what(field_class: FieldClass, service: Service | None) -> str:
    return f"{service.label} {field_class.label}" if service is not None else field_class.label
