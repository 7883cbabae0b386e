"""Reading the audit trail back over HTTP, as an auditor does, in the end-to-end tests.

worker = fresh_actor()
await stack.query(stack.token(Role.SOCIAL_WORKER, sub=worker), LOOK_UP, {"cmsId": "C000001"})
events = by_action(await events_of(stack, worker))
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from auth.principal import Role
from tests.e2e.access_stack import AccessStack

EVENTS = """query($filter: AuditFilter, $first: Int) {
  auditEvents(filter: $filter, first: $first) {
    totalCount
    endCursor
    edges {
      id at actorId actorName roles team clientId purpose caseReference action subjectIds services
      searchTerms reason requestId
    }
  }
}"""


def fresh_actor() -> str:
    """A new actor id, so that a test reads back only the events it caused."""
    return f"worker-{uuid.uuid4().hex[:8]}"


async def events_of(stack: AccessStack, actor_id: str) -> list[dict[str, Any]]:
    """The actor's events, oldest first, as an auditor reads them through `auditEvents`."""
    auditor = stack.token(Role.AUDITOR, sub="auditor-e2e", name="Ann Auditor")
    body = await stack.query(auditor, EVENTS, {"filter": {"actorId": actor_id}, "first": 500}, purpose="AUDIT")
    assert "errors" not in body, body
    return list(reversed(body["data"]["auditEvents"]["edges"]))


def by_action(events: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    found: dict[str, list[Mapping[str, Any]]] = {}
    for event in events:
        found.setdefault(event["action"], []).append(event)
    return found


def people_in(child: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The child of a family-context answer, then every member of its household."""
    yield child
    for member in child["household"]["members"]:
        yield member["individual"]
