"""The practitioner sheet's rows: every contact on the family page, one row each, for one printed page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def contact_rows(child: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every contact on the family page, one row each: who to call, for whom, from which service."""
    rows: list[dict[str, Any]] = []

    def add(person: Mapping[str, Any], relationship: str) -> None:
        for check in person.get("serviceChecks") or ():
            if check.get("outcome") != "INVOLVED":
                continue
            for involvement in check.get("involvements") or ():
                practitioner = involvement.get("practitioner") or {}
                rows.append(
                    {
                        "person": (person.get("name") or {}).get("full") or "Name not known",
                        "relationship": relationship,
                        "service": check.get("service"),
                        "status": involvement.get("status"),
                        "organisation": involvement.get("organisation"),
                        "practitioner": practitioner,
                    }
                )

    add(child, "Child")
    for member in (child.get("household") or {}).get("members") or ():
        individual = member.get("individual")
        if isinstance(individual, dict):
            add(individual, str(member.get("relationshipToChild") or "OTHER"))
    return rows
