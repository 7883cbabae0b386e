"""What integrators need from a gateway behind (or beside) a router: persisted operations, client identification in
the audit trail and the metrics, and OpenTelemetry traces that continue the caller's and reach HTTP sources."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from auth.principal import Role
from sources.http import HttpTransport
from sources.settings import SourceSettings
from tests.e2e.access_stack import AccessStack, access_stack
from tests.e2e.audit_reading import EVENTS, events_of, fresh_actor

pytestmark = pytest.mark.asyncio(loop_scope="module")

LISTED = "query Listed($c: ID!) { child(cmsId: $c) { cmsId name { full } } }"
LISTED_HASH = hashlib.sha256(LISTED.encode()).hexdigest()


def manifest(path: Path, *bodies: str) -> Path:
    operations = [
        {"id": hashlib.sha256(b.encode()).hexdigest(), "name": f"op{i}", "type": "query", "body": b}
        for i, b in enumerate(bodies)
    ]
    path.write_text(json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}))
    return path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AccessStack]:
    workdir = Path(tmp_path_factory.mktemp("integrators"))
    extra = {
        # The auditor's query is listed too: with `require`, reading the trail back is a persisted operation as well.
        "persisted_operations": {"file": str(manifest(workdir / "operations.json", LISTED, EVENTS)), "require": True},
        "clients": {"max_metric_labels": 1},
        "operations": {"metrics": True},
    }
    async with access_stack(workdir, extra=extra) as s:
        yield s


async def send(stack: AccessStack, body: dict[str, Any], **headers: str) -> tuple[int, dict[str, Any]]:
    token = stack.token(Role.SOCIAL_WORKER, sub=headers.pop("sub", "worker-int"))
    sent = {"Authorization": f"Bearer {token}", "X-Purpose": "ASSESSMENT", **headers}
    async with stack.http.post(f"{stack.url}/graphql", json=body, headers=sent) as response:
        return response.status, await response.json()


def persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_a_listed_operation_runs_by_hash_alone_with_its_text_or_as_its_text(stack: AccessStack) -> None:
    variables = {"c": "C000001"}
    for body in (
        {"extensions": persisted(LISTED_HASH), "variables": variables},
        {"query": LISTED, "extensions": persisted(LISTED_HASH), "variables": variables},
        {"query": LISTED, "variables": variables},
        {"query": LISTED, "extensions": persisted(LISTED_HASH.upper()), "variables": variables},
    ):
        status, answer = await send(stack, body)
        assert status == 200 and answer["data"]["child"]["cmsId"] == "C000001", answer


async def test_with_require_anything_else_is_refused_before_it_runs(stack: AccessStack) -> None:
    other = '{ child(cmsId: "C000001") { cmsId } }'
    status, answer = await send(stack, {"query": other})
    assert status == 400 and answer["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    # Its own hash does not make it listed.
    digest = hashlib.sha256(other.encode()).hexdigest()
    status, answer = await send(stack, {"query": other, "extensions": persisted(digest)})
    assert status == 400 and answer["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"


async def test_unknown_and_mismatched_hashes(stack: AccessStack) -> None:
    status, answer = await send(stack, {"extensions": persisted("0" * 64)})
    assert status == 200
    assert answer["errors"][0] == {
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
    }
    status, answer = await send(stack, {"query": LISTED, "extensions": persisted("0" * 64)})
    assert status == 400 and answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    for bad in (
        {"persistedQuery": {"sha256Hash": "xyz"}},
        {"persistedQuery": "abc"},
        {"persistedQuery": {"version": 2, "sha256Hash": LISTED_HASH}},
    ):
        status, answer = await send(stack, {"extensions": bad})
        assert status == 400 and answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", bad


async def test_the_client_is_recorded_in_the_audit_trail_and_the_metrics(stack: AccessStack) -> None:
    # A caller who is refused cannot take one of the bounded labels.
    intruder = {"apollographql-client-name": "intruder"}
    async with stack.http.post(f"{stack.url}/graphql", json={"query": LISTED}, headers=intruder) as refused:
        assert refused.status == 401
    actor = fresh_actor()
    body = {"extensions": persisted(LISTED_HASH), "variables": {"c": "C000001"}}
    headers = {"apollographql-client-name": "mash-portal", "apollographql-client-version": "2.1<script>"}
    status, _ = await send(stack, body, sub=actor, **headers)
    assert status == 200
    events = await events_of(stack, actor)
    assert events and {e["clientId"] for e in events} == {"mash-portal@2.1script"}
    # A second name is over this gateway's bound of one label: counted as "other".
    await send(stack, body, **{"apollographql-client-name": "someone-else"})
    await send(stack, body)
    async with stack.http.get(f"{stack.url}/metrics") as response:
        metrics = await response.text()
    assert 'family_context_graphql_client_requests_total{client="mash-portal",status="200"} 1.0' in metrics
    assert 'client="other",status="200"' in metrics and 'client="unknown",status="200"' in metrics
    assert "someone-else" not in metrics and "intruder" not in metrics
    assert 'client="other",status="401"' in metrics


# ---------------------------------------------------------------- traces

_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    """The SDK's in-memory exporter behind the process's tracer provider, for this module's tests only."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
    trace.set_tracer_provider(provider)
    yield _EXPORTER
    _EXPORTER.clear()
    provider.shutdown()  # later tests' spans go nowhere


async def test_a_request_continues_the_caller_s_trace_down_to_its_sources(
    stack: AccessStack, spans: InMemorySpanExporter
) -> None:
    spans.clear()
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    parent = f"00-{trace_id}-00f067aa0ba902b7-01"
    body = {"extensions": persisted(LISTED_HASH), "variables": {"c": "C000001"}, "operationName": "Listed"}
    status, answer = await send(stack, body, traceparent=parent, **{"apollographql-client-name": "mash-portal"})
    assert status == 200, answer
    finished = spans.get_finished_spans()
    request = next(s for s in finished if s.name == "graphql.request")
    assert format(request.context.trace_id, "032x") == trace_id
    assert request.parent is not None and format(request.parent.span_id, "016x") == "00f067aa0ba902b7"
    assert request.attributes is not None
    assert request.attributes["graphql.operation.name"] == "Listed"
    assert request.attributes["family_context.client"] == "mash-portal"
    assert request.attributes["http.response.status_code"] == 200
    # The audit trail's commit, which the response waited for, is in the request's trace: how many events, no more.
    audit = next(s for s in finished if s.name == "audit.append")
    assert audit.context.trace_id == request.context.trace_id
    assert audit.attributes is not None
    events = audit.attributes["family_context.audit.events"]
    assert isinstance(events, int) and events >= 1
    upstream = [s for s in finished if s.attributes and "family_context.source" in s.attributes]
    assert upstream, [s.name for s in finished]
    assert all(format(s.context.trace_id, "032x") == trace_id for s in upstream)
    # No personal data: no attribute value holds the child's name, and only these keys are used.
    child_name = stack.sandbox.population.cms.people["C000001"].identity.family_name
    allowed = {
        "family_context.request_id",
        "family_context.client",
        "family_context.persisted",
        "family_context.source",
        "family_context.operation",
        "family_context.batch_size",
        "family_context.audit.events",
        "graphql.operation.type",
        "graphql.operation.name",
        "http.response.status_code",
    }
    for span in finished:
        attributes = dict(span.attributes or {})
        assert set(attributes) <= allowed, (span.name, attributes)
        assert not any(child_name in str(v) for v in attributes.values())
        assert not span.events  # exceptions are not recorded: their messages can hold URLs


async def test_http_sources_receive_traceparent(spans: InMemorySpanExporter) -> None:
    seen: list[str | None] = []

    async def echo(request: web.Request) -> web.Response:
        seen.append(request.headers.get("traceparent"))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/health", echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        settings = SourceSettings(service=None, system="Echo", kind="cms_rest", url=url, timeout_s=2.0)
        async with aiohttp.ClientSession() as session:
            transport = HttpTransport(settings, session)
            with trace.get_tracer("test").start_as_current_span("caller") as caller:
                await transport.get_json("health", "/health")
            trace_id = format(caller.get_span_context().trace_id, "032x")
    finally:
        await runner.cleanup()
    assert seen and seen[0] is not None and seen[0].split("-")[1] == trace_id
    attempt = next(s for s in spans.get_finished_spans() if s.name == "Echo health")
    assert attempt.attributes is not None and attempt.attributes["http.response.status_code"] == 200


async def test_with_an_otlp_endpoint_spans_are_exported_over_otlp_http(tmp_path: Path) -> None:
    """`[tracing] otlp_endpoint` installs the SDK's OTLP/HTTP exporter (in a process of its own: the provider is
    process-wide); a collector stand-in receives the spans as protobuf."""
    received: list[tuple[str, str, bytes]] = []

    async def collect(request: web.Request) -> web.Response:
        received.append((request.path, request.content_type, await request.read()))
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/v1/traces", collect)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    endpoint = f"http://127.0.0.1:{runner.addresses[0][1]}/v1/traces"
    script = (
        "from opentelemetry import trace\n"
        "from gateway.settings import TracingSettings\n"
        "from gateway.tracing import configure, tracer\n"
        f"configure(TracingSettings(otlp_endpoint={endpoint!r}, service_name='fc-test'))\n"
        "with tracer().start_as_current_span('graphql.request'):\n"
        "    pass\n"
        "trace.get_tracer_provider().shutdown()\n"
    )
    try:
        process = await asyncio.create_subprocess_exec(sys.executable, "-c", script)
        assert await asyncio.wait_for(process.wait(), 60) == 0
    finally:
        await runner.cleanup()
    assert received and received[0][0] == "/v1/traces"
    assert received[0][1] == "application/x-protobuf"
    assert b"graphql.request" in received[0][2] and b"fc-test" in received[0][2]
