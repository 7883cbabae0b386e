"""Source failures met while answering one request, reported once each in the response's `errors`."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from sources.adapter import SourceUnavailable
from sources.model import Service

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceFailure:
    service: Service | None  # None: the children's case-management system
    system: str
    reason: str


@dataclass
class SourceFailures:
    seen: dict[str, SourceFailure] = field(default_factory=dict)

    def add(self, service: Service | None, system: str, reason: str) -> None:
        """Note a failure; the first reason a source gave is the one reported."""
        self.seen.setdefault(system, SourceFailure(service, system, reason))

    def absorb(self, service: Service | None, system: str, error: BaseException) -> SourceUnavailable:
        """Note a source's failure, to be reported once in the response's errors, and return it."""
        failure = as_unavailable(system, error)
        self.add(service, failure.system, failure.reason)
        return failure

    def __iter__(self) -> Iterator[SourceFailure]:
        return iter(self.seen.values())


def as_unavailable(system: str, error: BaseException) -> SourceUnavailable:
    """A source's failure as a `SourceUnavailable`.

    A bug in an adapter must still only null its own part of the answer: it is logged by type, never by message
    (messages can hold personal data), and reported to the client as the source being unavailable.
    """
    if not isinstance(error, Exception):
        raise error
    if isinstance(error, SourceUnavailable):
        return error
    log.error("source %s failed unexpectedly: %s", system, type(error).__name__)
    return SourceUnavailable(system, "internal error")
