"""Client identification: the `apollographql-client-name` and `-version` headers integrators' clients send.

The client is recorded in the audit trail (each event's `clientId`: `name@version via <the token's client>`, the
name being what the caller declares, the token's client what the identity provider issued the token to) and as a
metrics label. Labels are bounded: the first `[clients] max_metric_labels` distinct names signed-in callers send
get their own label, any later one (or one only refused callers send) is counted as `other`, and a request without
the header as `unknown`. Names and versions are cut to 64 characters of a safe set (letters, digits, `. _ - @ / :
+` and space); they never reach the logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from starlette.datastructures import Headers

NAME_HEADER: Final = "apollographql-client-name"
VERSION_HEADER: Final = "apollographql-client-version"
MAX_LENGTH: Final = 64
UNKNOWN: Final = "unknown"
OTHER: Final = "other"
_UNSAFE = re.compile(r"[^A-Za-z0-9._@/:+ -]")


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = _UNSAFE.sub("", value).strip()[:MAX_LENGTH].strip()
    return cleaned or None


@dataclass(frozen=True)
class ClientIdentity:
    name: str | None
    version: str | None

    @classmethod
    def of(cls, headers: Headers) -> ClientIdentity:
        return cls(name=_clean(headers.get(NAME_HEADER)), version=_clean(headers.get(VERSION_HEADER)))

    def audit_label(self, token_client: str | None) -> str | None:
        """What the audit trail records as the client: the declared client, then the token's client."""
        if self.name is None:
            return token_client
        declared = f"{self.name}@{self.version}" if self.version else self.name
        return f"{declared} via {token_client}" if token_client else declared


class ClientLabels:
    """Bounded metrics labels for client names (per app; the first `limit` distinct names keep their own)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._known: set[str] = set()

    def label(self, client: ClientIdentity, *, register: bool = True) -> str:
        """The name's label; a new name takes a free label only when `register` (a signed-in caller's), so that
        callers who are refused cannot use the labels up."""
        name = client.name
        if name is None:
            return UNKNOWN
        if name in self._known:
            return name
        if register and len(self._known) < self._limit:
            self._known.add(name)
            return name
        return OTHER
