"""Errors a client may see, each with its `extensions.code`. Anything else is masked as INTERNAL."""

from __future__ import annotations

from typing import Final

UNAUTHENTICATED: Final = "UNAUTHENTICATED"
FORBIDDEN: Final = "FORBIDDEN"
PURPOSE_REQUIRED: Final = "PURPOSE_REQUIRED"
NOT_FOUND: Final = "NOT_FOUND"
BAD_USER_INPUT: Final = "BAD_USER_INPUT"
QUERY_TOO_COMPLEX: Final = "QUERY_TOO_COMPLEX"
RATE_LIMITED: Final = "RATE_LIMITED"  # the principal's requests or cost per minute are used up (HTTP 429)
DEADLINE_EXCEEDED: Final = "DEADLINE_EXCEEDED"  # the request's deadline passed: what was not resolved is missing
OVERLOADED: Final = "OVERLOADED"  # the process is at its bound of requests in flight and queued (HTTP 503)
SOURCE_UNAVAILABLE: Final = "SOURCE_UNAVAILABLE"
AUDIT_UNAVAILABLE: Final = "AUDIT_UNAVAILABLE"
INTERNAL: Final = "INTERNAL"


class GatewayError(Exception):
    """An error whose message is safe to show a client: it never holds personal data."""

    def __init__(self, message: str, code: str, **extensions: object) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extensions = {"code": code, **extensions}


def bad_input(message: str) -> GatewayError:
    return GatewayError(message, BAD_USER_INPUT)


def not_found(what: str) -> GatewayError:
    return GatewayError(f"No {what} with that id.", NOT_FOUND)


def source_unavailable(system: str, reason: str) -> GatewayError:
    """For a field that cannot be answered at all without the source (its services' checks say UNAVAILABLE)."""
    return GatewayError(f"{system} is unavailable: {reason}.", SOURCE_UNAVAILABLE, system=system)


def cms_unavailable(system: str, reason: str) -> GatewayError:
    return GatewayError(
        f"Children's case management ({system}) is unavailable: {reason}.",
        SOURCE_UNAVAILABLE,
        system=system,
    )
