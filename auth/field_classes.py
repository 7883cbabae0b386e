"""The classes of data the schema's fields belong to: the unit in which access is granted or withheld.

Every field of the schema declares its class next to its definition in `schema/` (see `schema/access.py`); the
access policy (`auth/policy.py`) grants classes to roles, and may narrow a class per service.
"""

from __future__ import annotations

import enum


class FieldClass(enum.Enum):
    BASIC = "basic"  # name, date of birth, age, gender, addresses, household membership
    FLAG = "flag"  # check outcome, involvement status, organisation, practitioner contact, coverage
    DETAIL = "detail"  # service-specific facts: offences, housing statuses, ASC dates, school details
    LINKAGE = "linkage"  # source record ids, match evidence, links
    AUDIT = "audit"  # the audit trail
    OPERATIONS = "operations"  # `sources`, health
    SELF = "self"  # the caller's own identity (`me`): every signed-in principal sees it
    # Members are singletons compared by identity: hashed by identity too, in C (enum's own hash is a Python
    # call, and these key the dicts of every service check of every person).
    __hash__ = object.__hash__

    @property
    def label(self) -> str:
        """The class as a message says it: 'service details'."""
        return _LABELS[self]


_LABELS = {
    FieldClass.BASIC: "basic details",
    FieldClass.FLAG: "service flags",
    FieldClass.DETAIL: "service details",
    FieldClass.LINKAGE: "record links and match evidence",
    FieldClass.AUDIT: "the audit trail",
    FieldClass.OPERATIONS: "operational information",
    FieldClass.SELF: "your own identity",
}

# Classes that may be narrowed per service: the ones whose values come from a service's records.
PER_SERVICE = frozenset({FieldClass.FLAG, FieldClass.DETAIL, FieldClass.LINKAGE})
