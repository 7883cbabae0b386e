"""The upstream-call hook: how the gateway counts requests and latency per source (e.g. in Prometheus).

Adapters call the observer once per upstream attempt (an HTTP request, an SQL call, a read of an extract),
after it ends. Arguments are bounded, non-personal
labels: the configured system name, a fixed operation name (never a URL), the seconds taken, and one of the
`Outcome` values.
"""

from __future__ import annotations

import logging
from typing import Literal, Protocol

logger = logging.getLogger(__name__)

Outcome = Literal[
    "ok", "not_found", "http_error", "throttled", "timeout", "connection_error", "malformed", "circuit_open"
]


class UpstreamObserver(Protocol):
    """`observer("Care First", "clients.match", 0.042, "ok")`."""

    def __call__(self, system: str, operation: str, seconds: float, outcome: str) -> None: ...


def notify(observer: UpstreamObserver | None, system: str, operation: str, seconds: float, outcome: Outcome) -> None:
    """Call the observer, if any; a broken metrics hook never breaks a lookup."""
    if observer is None:
        return
    try:
        observer(system, operation, seconds, outcome)
    except Exception:
        logger.exception("upstream observer failed")
