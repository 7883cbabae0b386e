"""The audit trail on PostgreSQL over real HTTP: what look-ups and searches leave, read back through
`auditEvents`; nothing returned while the events table is locked; and a store whose connections were all
terminated recovers by itself, without ever answering a request it did not record.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from auth.principal import Role
from gateway.audit.keys import write_key_file
from gateway.audit.open_trail import open_audit_trail
from gateway.audit.postgres_trail import APPLICATION_NAME
from gateway.audit.tables import Tables
from tests.e2e.access_stack import AccessStack, access_stack, find_detailed_child
from tests.e2e.audit_reading import by_action, events_of, fresh_actor, people_in
from tests.gateway.audit.support import drop_postgres_tables, postgres_dsn

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.postgres]

FLAGS = """query($cmsId: ID!) { child(cmsId: $cmsId) {
  id serviceChecks { service outcome }
  household { members { individual { id serviceChecks { service outcome } } } }
} }"""

DETAILS = """query($cmsId: ID!) { child(cmsId: $cmsId) {
  id serviceChecks { service outcome }
  household { members { individual { id
    serviceChecks { service outcome involvements {
      ... on HousingInvolvement { rentArrears antiSocialBehaviour }
      ... on PoliceInvolvement { safeguardingOffences { category } }
    } }
  } } }
} }"""

SEARCH = """query($f: String!) { searchPeople(input: {familyName: $f}, first: 10) {
  matches { individual { id name { full } } }
} }"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AccessStack]:
    """The gateway with its trail in PostgreSQL, in tables of this module's own (dropped afterwards)."""
    dsn = postgres_dsn()
    workdir = Path(tmp_path_factory.mktemp("audit-postgres"))
    prefix = f"fc_audit_e2e_{uuid.uuid4().hex[:12]}"
    audit = {
        "backend": "postgres",
        "dsn": dsn,
        "table_prefix": prefix,
        "key_file": str(write_key_file(workdir / "audit.key")),
    }
    try:
        async with access_stack(workdir, audit=audit, households=60) as running:
            yield running
    finally:
        await drop_postgres_tables(dsn, Tables.of(prefix))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def detailed_child(stack: AccessStack) -> str:
    return await find_detailed_child(stack)


def dsn_of(stack: AccessStack) -> str:
    assert stack.settings.audit.dsn is not None
    return stack.settings.audit.dsn


async def look_up(stack: AccessStack, worker: str, cms_id: str) -> tuple[int, dict[str, Any], Mapping[str, str]]:
    token = stack.token(Role.SOCIAL_WORKER, sub=worker)
    return await stack.post(FLAGS, {"cmsId": cms_id}, token=token, headers={"X-Purpose": "ASSESSMENT"})


def failed_closed(body: Mapping[str, Any]) -> bool:
    """The answer holds nothing but one AUDIT_UNAVAILABLE error."""
    return body.get("data") is None and [e["extensions"]["code"] for e in body.get("errors") or []] == [
        "AUDIT_UNAVAILABLE"
    ]


async def assert_recorded(stack: AccessStack, worker: str, body: Mapping[str, Any], request_id: str) -> None:
    """The look-up answered in full, and the trail holds its basic-details event, naming everyone returned."""
    assert "errors" not in body, body
    events = [e for e in await events_of(stack, worker) if e["requestId"] == request_id]
    assert [e["action"] for e in events] == ["VIEWED_BASIC_DETAILS"]
    assert set(events[0]["subjectIds"]) == {p["id"] for p in people_in(body["data"]["child"])}


@contextlib.asynccontextmanager
async def table_locked(dsn: str, table: str) -> AsyncIterator[None]:
    """Another session holding `table` in ACCESS EXCLUSIVE mode (as a long migration would) until the block exits."""
    holder = await asyncpg.connect(dsn)
    try:
        async with holder.transaction():
            await holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await holder.close()


async def test_a_look_up_of_flags_leaves_basic_details_only(stack: AccessStack, detailed_child: str) -> None:
    worker = fresh_actor()
    status, body, headers = await look_up(stack, worker, detailed_child)
    assert status == 200
    await assert_recorded(stack, worker, body, headers["X-Request-Id"])


async def test_a_look_up_of_details_leaves_each_service_s_details(stack: AccessStack, detailed_child: str) -> None:
    worker = fresh_actor()
    token = stack.token(Role.SOCIAL_WORKER, sub=worker, name="Sam Worker", team="Assessment Team 1")
    status, body, headers = await stack.post(
        DETAILS, {"cmsId": detailed_child}, token=token, headers={"X-Purpose": "CHILD_PROTECTION_ENQUIRY"}
    )
    assert status == 200 and "errors" not in body, body
    child = body["data"]["child"]
    events = by_action(await events_of(stack, worker))
    assert set(events) == {"VIEWED_BASIC_DETAILS", "VIEWED_SERVICE_DETAILS"}
    assert all(e["requestId"] == headers["X-Request-Id"] for found in events.values() for e in found)
    [basic] = events["VIEWED_BASIC_DETAILS"]
    assert set(basic["subjectIds"]) == {p["id"] for p in people_in(child)}
    expected: dict[str, set[str]] = {}
    for person in people_in(child):
        for check in person["serviceChecks"]:
            if check.get("involvements"):
                expected.setdefault(check["service"], set()).add(person["id"])
    details = {e["services"][0]: set(e["subjectIds"]) for e in events["VIEWED_SERVICE_DETAILS"]}
    assert details == expected
    assert {"HOUSING", "POLICE"} <= set(details)


async def test_a_search_leaves_its_terms_and_the_people_listed(stack: AccessStack) -> None:
    worker = fresh_actor()
    adult = next(p for p in stack.sandbox.population.cms.people.values() if not p.is_child).identity
    body = await stack.query(stack.token(Role.SOCIAL_WORKER, sub=worker), SEARCH, {"f": adult.family_name})
    assert "errors" not in body, body
    listed = [m["individual"]["id"] for m in body["data"]["searchPeople"]["matches"]]
    assert listed
    events = by_action(await events_of(stack, worker))
    assert set(events) == {"SEARCHED", "VIEWED_RESULTS"}
    assert f"familyName={adult.family_name}" in events["SEARCHED"][0]["searchTerms"]
    assert events["VIEWED_RESULTS"][0]["subjectIds"] == listed


async def test_nothing_is_returned_while_the_events_table_is_locked(stack: AccessStack, detailed_child: str) -> None:
    worker = fresh_actor()
    events_table = Tables.of(stack.settings.audit.table_prefix).events
    async with table_locked(dsn_of(stack), events_table):
        started = time.monotonic()
        status, body, _ = await look_up(stack, worker, detailed_child)
        elapsed = time.monotonic() - started
    assert status == 200
    assert failed_closed(body), body
    assert elapsed < stack.settings.audit.timeout_s + 2.0  # within the store's timeout, not hanging on the lock
    assert await events_of(stack, worker) == []  # the refused look-up was not recorded once the lock went

    status, body, headers = await look_up(stack, worker, detailed_child)
    assert status == 200
    await assert_recorded(stack, worker, body, headers["X-Request-Id"])


async def test_the_store_recovers_when_its_connections_are_terminated(stack: AccessStack, detailed_child: str) -> None:
    worker = fresh_actor()
    status, body, _ = await look_up(stack, worker, detailed_child)  # the store's pool has connections open
    assert status == 200 and "errors" not in body, body

    # The store's own sessions (its application_name names the trail), never another test's.
    application = f"{APPLICATION_NAME}:{stack.settings.audit.table_prefix}"[:63]
    admin = await asyncpg.connect(dsn_of(stack))
    try:
        terminated = await admin.fetch(
            "SELECT pid, pg_terminate_backend(pid) AS done FROM pg_stat_activity "
            "WHERE application_name = $1 AND datname = current_database() AND pid <> pg_backend_pid()",
            application,
        )
    finally:
        await admin.close()
    assert terminated and all(row["done"] for row in terminated)

    after = fresh_actor()
    status, body, headers = await look_up(stack, after, detailed_child)
    assert status == 200
    if failed_closed(body):  # a dead connection may cost one request, never an unrecorded answer
        assert await events_of(stack, after) == []
    else:
        await assert_recorded(stack, after, body, headers["X-Request-Id"])

    status, body, headers = await look_up(stack, after, detailed_child)
    assert status == 200
    await assert_recorded(stack, after, body, headers["X-Request-Id"])


async def test_the_chain_verifies_after_everything_above(stack: AccessStack) -> None:
    async with open_audit_trail(stack.settings.audit) as trail:
        report = await trail.verify()
    assert report.ok, report.describe()
    assert report.checked > 10
