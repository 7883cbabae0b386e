"""`make timeline`: where a family query's time goes at 50 ms upstream latency, from the gateway's own spans.

    python -m benchmarks.timeline [--queries 40] [--latency-ms 50]

The p50 target (`docs/benchmarks.md`) compares a query's latency with its critical path: the upstream calls that
must wait for each other. What separates the two is the gateway's own work between the calls, and this says where
it falls. The simulated systems run in their own process (`benchmarks/sandbox_process.py`); one gateway runs as
`family-context serve` with `[tracing] otlp_endpoint` pointing at a collector this benchmark serves, so the spans
are the ones an operator's collector would receive (`gateway/tracing.py`), exported over OTLP/HTTP. The children
are queried one at a time, after a warm-up.

Each query's HTTP calls to sources (the CLIENT spans) fall into levels: a call that starts before every call of
the current level has answered joins it, otherwise it starts the next. Per query, and then the median over the
queries:

* before the first call: sign-in, parsing, validation, cost, the resolvers up to the first look-up;
* per level: the calls, how long after the first the last one was sent (the spread), the longest call;
* between levels: from the last answer of one level to the first call of the next;
* after the last answer: the rest of the resolving, the audit record's commit, the response's encoding (up to
  the end of the request's span); of that, the audit record's commit (its `audit.append` span, the time the
  response waited for the trail), and what came before it (the resolving);
* the request's span, and the sum of each level's longest call: the critical path as the gateway saw it.

Recording and exporting the spans costs the gateway some CPU of its own (the exporter's thread), so the request
takes a little longer here than untraced (`make bench`); the parts are what to compare. Spans of local sources
(the police extract, the school database) have no HTTP call beneath them and are not counted as calls. Nothing
here is personal data: spans carry fixed names and bounded values only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import itertools
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span as SpanMessage

from benchmarks.gateway_cpu import FAMILY_QUERY, ROOT, WORKDIR, Code, gateway, must_answer, sandbox_process
from benchmarks.gateway_cpu import write_config_for as write_demo_config
from benchmarks.report_file import publish
from benchmarks.stats import in_levels
from schema.audit_hook import AUDIT_SPAN

REQUEST_SPAN = "graphql.request"
WARM_UP = 20


@dataclass(frozen=True)
class SpanTimes:
    trace_id: bytes
    name: str
    client: bool  # an HTTP call to a source (SpanKind.CLIENT)
    start_ns: int
    end_ns: int


@dataclass(frozen=True)
class Level:
    calls: int
    spread_ms: float  # from the first call's start to the last call's start
    longest_ms: float


@dataclass(frozen=True)
class QueryTimeline:
    total_ms: float
    before_first_ms: float
    levels: tuple[Level, ...]
    between_ms: tuple[float, ...]  # last answer of level k to the first call of level k + 1
    after_last_ms: float
    audit_ms: float | None = None  # the audit record's commit (`audit.append`), when the request wrote one
    before_audit_ms: float | None = None  # from the last answer to the commit's start: the rest of the resolving

    @property
    def critical_ms(self) -> float:
        return sum(level.longest_ms for level in self.levels)


def timeline(spans: Sequence[SpanTimes]) -> QueryTimeline | None:
    """One query's timeline from its trace's spans; None without a request span or without any HTTP call."""
    requests = [s for s in spans if s.name == REQUEST_SPAN]
    calls = [s for s in spans if s.client]
    if not requests or not calls:
        return None
    request = requests[0]
    audits = [s for s in spans if s.name == AUDIT_SPAN]
    groups = in_levels(calls, lambda s: s.start_ns, lambda s: s.end_ns)
    ms = 1e-6
    levels = tuple(
        Level(
            calls=len(group),
            spread_ms=(group[-1].start_ns - group[0].start_ns) * ms,
            longest_ms=max(c.end_ns - c.start_ns for c in group) * ms,
        )
        for group in groups
    )
    between = tuple(
        (later[0].start_ns - max(c.end_ns for c in earlier)) * ms for earlier, later in itertools.pairwise(groups)
    )
    last_answer_ns = max(c.end_ns for c in groups[-1])
    audit = audits[0] if audits else None
    return QueryTimeline(
        total_ms=(request.end_ns - request.start_ns) * ms,
        before_first_ms=(groups[0][0].start_ns - request.start_ns) * ms,
        levels=levels,
        between_ms=between,
        after_last_ms=(request.end_ns - last_answer_ns) * ms,
        audit_ms=None if audit is None else (audit.end_ns - audit.start_ns) * ms,
        before_audit_ms=None if audit is None else (audit.start_ns - last_answer_ns) * ms,
    )


def spans_of(body: bytes) -> list[SpanTimes]:
    """The spans of one OTLP/HTTP export (protobuf)."""
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    return [
        SpanTimes(
            trace_id=span.trace_id,
            name=span.name,
            client=span.kind == SpanMessage.SPAN_KIND_CLIENT,
            start_ns=span.start_time_unix_nano,
            end_ns=span.end_time_unix_nano,
        )
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]


class Collector:
    """An OTLP/HTTP trace receiver on loopback: keeps every span it is sent, by trace."""

    def __init__(self) -> None:
        self.traces: dict[bytes, list[SpanTimes]] = defaultdict(list)

    async def receive(self, request: web.Request) -> web.Response:
        for span in spans_of(await request.read()):
            self.traces[span.trace_id].append(span)
        return web.Response(
            body=ExportTraceServiceResponse().SerializeToString(), content_type="application/x-protobuf"
        )

    def requests(self) -> int:
        return sum(1 for spans in self.traces.values() for s in spans if s.name == REQUEST_SPAN)

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/traces", self.receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            yield f"http://127.0.0.1:{port}/v1/traces"
        finally:
            await runner.cleanup()


async def _exported(collector: Collector, requests: int) -> None:
    """Wait (up to 30 s) until the spans of `requests` requests have arrived: the gateway exports in batches,
    every few seconds."""
    deadline = time.monotonic() + 30
    while collector.requests() < requests and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def write_config(code: Code, where: dict[str, object], path: Path, endpoint: str) -> Path:
    """The demo's configuration (as the CPU benchmark writes it), exporting spans to `endpoint`."""
    await write_demo_config(code, where, path)
    text = path.read_text()
    if "[tracing]" in text:
        raise RuntimeError(f"{path} already has a [tracing] section")
    path.write_text(text + f'\n[tracing]\notlp_endpoint = "{endpoint}"\n')
    return path


async def measure(args: argparse.Namespace) -> list[QueryTimeline]:
    code = Code("this", ROOT, sys.executable)
    collector = Collector()
    async with (
        collector.serving() as endpoint,
        sandbox_process(WORKDIR / "sandbox", args.households, args.latency_ms) as where,
    ):
        config = await write_config(code, where, WORKDIR / "timeline.toml", endpoint)
        async with gateway(code, config) as gw, aiohttp.ClientSession() as session:
            for i in range(WARM_UP):
                await must_answer(session, gw.url, FAMILY_QUERY, {"cmsId": f"C{i % 200 + 1:06d}"})
            await _exported(collector, WARM_UP)
            seen = set(collector.traces)
            for i in range(args.queries):
                await must_answer(session, gw.url, FAMILY_QUERY, {"cmsId": f"C{i % 200 + 1:06d}"})
            await _exported(collector, WARM_UP + args.queries)
    found = [timeline(spans) for trace_id, spans in collector.traces.items() if trace_id not in seen]
    measured = [t for t in found if t is not None]
    if len(measured) < args.queries // 2:
        raise RuntimeError(f"only {len(measured)} of {args.queries} queries' spans arrived")
    return measured


def report(args: argparse.Namespace, measured: Sequence[QueryTimeline]) -> str:
    def median(values: Sequence[float]) -> str:
        return f"{statistics.median(values):.2f} ms" if values else "—"

    depth = statistics.median_high(len(t.levels) for t in measured)
    same = [t for t in measured if len(t.levels) == depth]
    rows = [("request (the gateway's span)", median([t.total_ms for t in measured]))]
    rows.append(
        ("critical path seen in-process (sum of each level's longest call)", median([t.critical_ms for t in same]))
    )
    rows.append(("before the first call", median([t.before_first_ms for t in measured])))
    for k in range(depth):
        calls = statistics.median_low(t.levels[k].calls for t in same)
        rows.append(
            (f"level {k + 1}: spread of the {calls} calls' starts", median([t.levels[k].spread_ms for t in same]))
        )
        rows.append((f"level {k + 1}: longest call", median([t.levels[k].longest_ms for t in same])))
        if k + 1 < depth:
            rows.append(
                (f"level {k + 1} answered to level {k + 2}'s first call", median([t.between_ms[k] for t in same]))
            )
    rows.append(("last answer to the end of the request", median([t.after_last_ms for t in measured])))
    rows.append(
        (
            "of which: last answer to the audit record's commit (resolving)",
            median([t.before_audit_ms for t in measured if t.before_audit_ms is not None]),
        )
    )
    rows.append(
        (
            "of which: the audit record's commit (`audit.append`)",
            median([t.audit_ms for t in measured if t.audit_ms is not None]),
        )
    )
    lines = [
        "## Where a family query's time goes (spans)",
        "",
        f"Run on {datetime.date.today().isoformat()} by `make timeline` (`python -m benchmarks.timeline`): "
        f"{len(measured)} family queries one at a time "
        f"at {args.latency_ms} ms upstream latency, after {WARM_UP} warm-up queries; {args.households} households. "
        "The gateway's own OpenTelemetry spans, exported over OTLP/HTTP to a collector the benchmark serves; the "
        f"HTTP calls to sources grouped into levels ({len(same)} of the queries have the usual {depth}). Medians "
        "per query.",
        "",
        "| part | median |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in rows),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--no-write", action="store_true", help="print the report without writing docs/")
    args = parser.parse_args()
    publish(ROOT / "docs" / "benchmarks.md", report(args, asyncio.run(measure(args))), write=not args.no_write)


if __name__ == "__main__":
    main()
