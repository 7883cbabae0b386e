"""sources/spans.py: with no tracer provider, spans are skipped, and a caller's trace still goes on to sources.

Run in a fresh interpreter: a tracer provider, once installed, stays for the life of a process (other tests here
install one)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    from opentelemetry import trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
    from sources import spans

    tracer = trace.get_tracer("test")
    # No provider, no caller's trace: nothing is started and nothing is sent on.
    assert not spans.wanted()
    assert spans.span(tracer, "x", attributes={}) is spans.NO_SPAN
    assert spans.trace_headers() == {}

    # A caller's trace is current (as the request span makes it, from `traceparent`): it is carried on to sources.
    caller = SpanContext(0x0AF7651916CD43DD8448EB211C80319C, 0xB7AD6B7169203331, True, TraceFlags(1))
    with trace.use_span(NonRecordingSpan(caller)):
        assert spans.wanted()
        with spans.span(tracer, "x", attributes={}) as span:
            assert span.get_span_context().trace_id == caller.trace_id
            headers = spans.trace_headers()
    assert headers["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-"), headers

    # A request decides once (its span does, from the provider and its own `traceparent`); its calls follow that.
    with spans.decided(False):
        assert spans.span(tracer, "x", attributes={}) is spans.NO_SPAN and spans.trace_headers() == {}
    with spans.decided(True), trace.use_span(NonRecordingSpan(caller)):
        assert "traceparent" in spans.trace_headers()
    assert not spans.wanted()  # the decision ends with the request

    # Once a provider is installed, spans are recorded whether or not a caller sent a trace.
    from opentelemetry.sdk.trace import TracerProvider

    trace.set_tracer_provider(TracerProvider())
    assert spans.wanted()
    with spans.span(trace.get_tracer("test"), "x", attributes={}) as span:
        assert span.is_recording()
        assert "traceparent" in spans.trace_headers()
    print("ok")
    """
)


def test_spans_are_skipped_only_when_nothing_could_record_or_carry_them() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
