"""benchmarks/timeline.py: levels from a query's spans, and spans received from the SDK's own OTLP exporter."""

from __future__ import annotations

import argparse
import asyncio

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from benchmarks.timeline import REQUEST_SPAN, Collector, SpanTimes, report, timeline

MS = 1_000_000
TRACE = b"\x01" * 16


def span(name: str, start_ms: float, end_ms: float, *, client: bool = True) -> SpanTimes:
    return SpanTimes(TRACE, name, client, int(start_ms * MS), int(end_ms * MS))


def test_calls_that_overlap_share_a_level_and_the_gaps_between_are_the_gateways() -> None:
    found = timeline(
        [
            span(REQUEST_SPAN, 0, 112, client=False),
            span("cms get_children", 0.5, 51.5, client=False),  # a batch span: not an HTTP call
            span("cms children.batch", 0.7, 51.0),
            span("cms relationships.batch", 0.9, 51.4),
            span("asc clients.match", 53.0, 104.0),
            span("housing tenants.search", 54.0, 106.5),
            span("housing tenancies.at_address", 54.5, 105.0),
            span("audit.append", 107.5, 108.5, client=False),
        ]
    )
    assert found is not None
    assert [level.calls for level in found.levels] == [2, 3]
    assert found.before_first_ms == pytest.approx(0.7)
    assert found.levels[0].spread_ms == pytest.approx(0.2)
    assert found.levels[0].longest_ms == pytest.approx(50.5)
    assert found.between_ms == pytest.approx((1.6,))
    assert found.levels[1].spread_ms == pytest.approx(1.5)
    assert found.levels[1].longest_ms == pytest.approx(52.5)
    assert found.after_last_ms == pytest.approx(5.5)
    assert found.critical_ms == pytest.approx(103.0)
    assert found.audit_ms == pytest.approx(1.0)
    assert found.before_audit_ms == pytest.approx(1.0)


def test_a_trace_without_a_request_or_without_calls_has_no_timeline() -> None:
    assert timeline([span("cms children.batch", 0, 50)]) is None
    assert timeline([span(REQUEST_SPAN, 0, 1, client=False)]) is None


def test_the_report_gives_each_part_its_median() -> None:
    one = timeline(
        [span(REQUEST_SPAN, 0, 110, client=False), span("a", 1, 51), span("b", 52, 103), span("c", 52.5, 104)]
    )
    assert one is not None
    text = report(argparse.Namespace(latency_ms=50, households=300), [one, one, one])
    assert "| level 2: spread of the 2 calls' starts | 0.50 ms |" in text
    assert "| level 1 answered to level 2's first call | 1.00 ms |" in text
    assert "| last answer to the end of the request | 6.00 ms |" in text
    assert "| of which: the audit record's commit (`audit.append`) | — |" in text  # no audit span in these


def test_the_report_splits_off_the_audit_record_s_commit() -> None:
    one = timeline(
        [
            span(REQUEST_SPAN, 0, 110, client=False),
            span("a", 1, 51),
            span("b", 52, 104),
            span("audit.append", 106.5, 108.0, client=False),
        ]
    )
    assert one is not None
    text = report(argparse.Namespace(latency_ms=50, households=300), [one])
    assert "| of which: last answer to the audit record's commit (resolving) | 2.50 ms |" in text
    assert "| of which: the audit record's commit (`audit.append`) | 1.50 ms |" in text


async def test_the_collector_keeps_what_the_sdks_otlp_exporter_sends() -> None:
    collector = Collector()
    async with collector.serving() as endpoint:
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        tracer = provider.get_tracer("test")

        def record() -> None:  # the exporter posts synchronously: off the event loop
            with (
                tracer.start_as_current_span(REQUEST_SPAN, kind=SpanKind.SERVER),
                tracer.start_as_current_span("source call", kind=SpanKind.CLIENT),
            ):
                pass
            provider.shutdown()

        await asyncio.to_thread(record)
    assert collector.requests() == 1
    [spans] = collector.traces.values()
    assert sorted((s.name, s.client) for s in spans) == [(REQUEST_SPAN, False), ("source call", True)]
    assert all(s.end_ns >= s.start_ns > 0 for s in spans)
