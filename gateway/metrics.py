"""Prometheus metrics: upstream requests and latency per source, GraphQL requests and latency, the audit trail's
appends.

Labels are bounded and never personal: the configured system name, a fixed operation name, an outcome.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from gateway.gc_tuning import PAUSES
from resolvers.audit_trail import AppendOutcome

# An append waits for its commit's fsync, shared with the appends of the same group commit: a millisecond or so on a
# local disk, more on a network one; seconds only when the store is struggling (its timeout fails the request).
AUDIT_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """One registry per app, so that several apps in one process (tests) never share counts."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.upstream_requests = Counter(
            "family_context_upstream_requests",
            "Requests the gateway made to each source system.",
            ["source", "operation", "outcome"],
            registry=self.registry,
        )
        self.upstream_latency = Histogram(
            "family_context_upstream_request_seconds",
            "Time taken by each request to a source system.",
            ["source"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.graphql_requests = Counter(
            "family_context_graphql_requests",
            "GraphQL requests answered, by HTTP status.",
            ["status"],
            registry=self.registry,
        )
        # The client's bounded label (`gateway/clients.py`), so that integrators' traffic can be told apart.
        self.client_requests = Counter(
            "family_context_graphql_client_requests",
            "GraphQL requests answered, by client (apollographql-client-name) and HTTP status.",
            ["client", "status"],
            registry=self.registry,
        )
        self.graphql_latency = Histogram(
            "family_context_graphql_request_seconds",
            "Time taken to answer each GraphQL request.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        # Every response that carries personal data waits for this: a slow or failing store slows or fails them all.
        self.audit_append = Histogram(
            "family_context_audit_append_seconds",
            "Time taken to commit each request's audit events before its response left, by outcome.",
            ["outcome"],
            buckets=AUDIT_BUCKETS,
            registry=self.registry,
        )
        self._audit_children = {outcome: self.audit_append.labels(outcome=outcome) for outcome in ("ok", "failed")}
        self._upstream_children: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        # The process's garbage-collection pauses (`gateway/gc_tuning.py`), timed once `serve` installs the timer.
        self.registry.register(PAUSES)

    def observe_upstream(self, system: str, operation: str, seconds: float, outcome: str) -> None:
        """The `sources.observe.UpstreamObserver` the adapters call after each upstream attempt."""
        # The labelled children, looked up once per label set (labels() validates and locks on every call; this
        # runs for every upstream call, about ten per family query). Label sets are few and fixed.
        key = (system, operation, outcome)
        children = self._upstream_children.get(key)
        if children is None:
            children = self._upstream_children[key] = (
                self.upstream_requests.labels(source=system, operation=operation, outcome=outcome),
                self.upstream_latency.labels(source=system),
            )
        children[0].inc()
        children[1].observe(seconds)

    def observe_audit_append(self, seconds: float, outcome: AppendOutcome) -> None:
        """The `resolvers.audit_trail.AppendObserver` the schema's audit hook calls after each request's append."""
        self._audit_children[outcome].observe(seconds)

    def observe_request(self, status: int, seconds: float) -> None:
        self.graphql_requests.labels(status=str(status)).inc()
        self.graphql_latency.observe(seconds)

    def observe_client(self, client: str, status: int) -> None:
        self.client_requests.labels(client=client, status=str(status)).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
