"""OpenTelemetry spans that cost nothing when nobody records them.

Starting a span through the OpenTelemetry API costs about 6 us even when no SDK is installed (a non-recording
span is still made current, in a new context, and detached again), and a family-context query starts about 45 of
them. When no tracer provider has been installed (`gateway/tracing.py` installs one with `[tracing]
otlp_endpoint`; an operator may install their own) and no caller's trace is current (an incoming `traceparent`),
every such span would be the invalid, non-recording one and `traceparent` injection would write nothing, so
`span(...)` skips the work and hands back that invalid span: the behaviour is the same, without the cost.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar

from opentelemetry import propagate, trace
from opentelemetry.trace import INVALID_SPAN, Span, SpanKind
from opentelemetry.util.types import AttributeValue

NO_SPAN: contextlib.AbstractContextManager[Span] = contextlib.nullcontext(INVALID_SPAN)


# Decided once per request, when the request's span is started (`decided`): a provider installed, or the caller
# sent a trace. Tasks started by the request copy the context and with it the decision; None outside a request.
_DECIDED: ContextVar[bool | None] = ContextVar("family_context_spans_wanted", default=None)


def provider_installed() -> bool:
    """Whether a tracer provider has been installed (the API's default is a proxy that records nothing). About
    1 us (it looks at the environment), which is why a request decides once."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def wanted() -> bool:
    """Whether a span started now could be recorded or carry a trace on: a provider has been installed, or a
    trace (the caller's) is current."""
    decided = _DECIDED.get()
    if decided is not None:
        return decided
    return provider_installed() or trace.get_current_span().get_span_context().is_valid


@contextlib.contextmanager
def decided(wanted: bool) -> Iterator[None]:
    """Within: `wanted()` answers `wanted` without looking again (a request's span decides it for the request)."""
    token = _DECIDED.set(wanted)
    try:
        yield
    finally:
        _DECIDED.reset(token)


def span(
    tracer: trace.Tracer,
    name: str,
    *,
    attributes: Mapping[str, AttributeValue],
    kind: SpanKind = SpanKind.INTERNAL,
) -> contextlib.AbstractContextManager[Span]:
    """`tracer.start_as_current_span(name, ...)` when a span is wanted, else the invalid span at no cost.
    Exceptions are never recorded on spans (an exception's message can hold a URL with names in it)."""
    if not wanted():
        return NO_SPAN
    return tracer.start_as_current_span(
        name, kind=kind, attributes=attributes, record_exception=False, set_status_on_exception=False
    )


def trace_headers() -> dict[str, str]:
    """The current trace as W3C `traceparent`/`tracestate` headers for a call to a source; none without one."""
    headers: dict[str, str] = {}
    if wanted():
        propagate.inject(headers)
    return headers
