"""OpenTelemetry traces: one span per GraphQL request, one per batched call to a source, one per HTTP attempt.

Off by default: the OpenTelemetry API without an SDK provider records nothing and costs next to nothing. With
`[tracing] otlp_endpoint`, `configure` installs the SDK's provider once per process, exporting in batches over
OTLP/HTTP to the collector (`service.name` from `[tracing] service_name`); an operator may equally install a
provider of their own (e.g. `opentelemetry-instrument`), which the gateway's spans then join.

A request's span continues the caller's trace (W3C `traceparent`, as a federation router sends it), and HTTP
sources receive `traceparent` in turn (`sources/http.py`), so a trace runs from the router through the gateway to
each source system. Attributes are fixed names and bounded values only, never personal data: the operation's type
and name, the client's metrics label, the request id, the HTTP status; for a source, its configured system name,
the operation (`clients.match`, never a URL: housing's URLs hold names), the batch size and the outcome. Span
events for exceptions are not recorded (an exception's message can hold a URL).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from typing import Final

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import INVALID_SPAN

from gateway.settings import TracingSettings
from sources import spans

TRACER_NAME: Final = "family_context"
OPERATION_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")

_configured = False


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def configure(settings: TracingSettings) -> None:
    """Install the OTLP exporter, once per process, when `[tracing] otlp_endpoint` is set."""
    global _configured
    if settings.otlp_endpoint is None or _configured:
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint)))
    trace.set_tracer_provider(provider)
    _configured = True


@contextlib.contextmanager
def request_span(headers: Mapping[str, str], request_id: str) -> Iterator[trace.Span]:
    """The request's server span, continuing the caller's trace; the invalid span, at no cost, when there is
    neither a provider to record it nor a caller's trace to continue. Either way the request's calls to sources
    take the same decision (`sources/spans.py`)."""
    wanted = spans.provider_installed() or "traceparent" in headers
    with spans.decided(wanted):
        if not wanted:
            yield INVALID_SPAN
            return
        with tracer().start_as_current_span(
            "graphql.request",
            context=incoming(headers),
            kind=trace.SpanKind.SERVER,
            attributes={"family_context.request_id": request_id},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            yield span


def incoming(headers: Mapping[str, str]) -> otel_context.Context:
    """The caller's trace context (W3C `traceparent`/`tracestate`), to continue it."""
    return propagate.extract({k.lower(): v for k, v in headers.items() if k.lower() in ("traceparent", "tracestate")})


def operation_name(name: str | None) -> str | None:
    """The operation's name as an attribute, when it is a GraphQL name (it always is once parsed)."""
    return name if name is not None and OPERATION_NAME.match(name) else None
