"""Opaque global ids for `node(id:)`.

An id names what it points at and where it lives (`Child:C000001`, `Person:HOUSING:H0001234`), encoded so that
clients treat it as opaque. It never holds personal data, and holding one grants nothing: every look-up through
an id goes through the same path, access policy and audit as any other.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Literal

NodeKind = Literal["Child", "Person", "Household"]
_KINDS: tuple[NodeKind, ...] = ("Child", "Person", "Household")


class InvalidId(ValueError):
    """Not an id this gateway issued."""


@dataclass(frozen=True)
class NodeRef:
    kind: NodeKind
    home: str  # "CMS" or a Service name: the system that holds the record
    key: str  # that system's own id

    def encode(self) -> str:
        raw = f"{self.kind}:{self.home}:{self.key}".encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(global_id: str) -> NodeRef:
    if not global_id or len(global_id) > 200:
        raise InvalidId(global_id)
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        kind, home, key = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8").split(":", 2)
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise InvalidId(global_id) from exc
    for known in _KINDS:
        if kind == known and home and key:
            return NodeRef(known, home, key)
    raise InvalidId(global_id)


def child_id(cms_id: str) -> str:
    return NodeRef("Child", "CMS", cms_id).encode()


def household_id(cms_id: str) -> str:
    return NodeRef("Household", "CMS", cms_id).encode()


def person_id(home: str, record_id: str) -> str:
    return NodeRef("Person", home, record_id).encode()


def audit_event_id(position: int) -> str:
    """An audit event's id. Not a `Node`: `node(id:)` refuses it, the trail is read only through `auditEvents`."""
    return base64.urlsafe_b64encode(f"AuditEvent:{position}".encode()).decode("ascii").rstrip("=")
