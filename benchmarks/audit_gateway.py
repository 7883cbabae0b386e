"""The gateway process of the audit benchmark: served as `family-context serve` serves it, optionally without a trail.

    python -m benchmarks.audit_gateway --config authority.toml --port 8123 [--drop-audit-events]

Without `--drop-audit-events` this is `family-context serve` on loopback (the app from `create_app(settings)`, the
audit store from the file's `[audit]` table, one uvicorn server). With it, the app gets `DroppingTrail`, which
accepts every request's events and keeps none: the "no trail" baseline of `benchmarks/audit_overhead.py`. That
baseline exists only here, through `create_app(audit_trail=...)`; no authority's TOML can switch auditing off.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Sequence

from gateway.app import create_app
from gateway.logs import configure_logging
from gateway.server import Listener, serve_until_stopped
from gateway.settings import load_authority
from resolvers.audit_trail import AuditEvent, AuditFilter, AuditPage

LOOPBACK = "127.0.0.1"  # development sign-in: loopback only


class DroppingTrail:
    """An `AuditTrail` that accepts events and drops them: the request path with the store taken out."""

    def __init__(self) -> None:
        self.dropped = 0

    async def append(self, events: Sequence[AuditEvent]) -> None:
        self.dropped += len(events)

    async def read(self, audit_filter: AuditFilter, *, first: int, after: str | None) -> AuditPage:
        return AuditPage(total_count=0, events=(), end_cursor=None)


def serve(config: str, port: int, *, drop_audit_events: bool, log_level: str) -> int:
    """Serve until SIGTERM or Ctrl+C; 1 if the gateway did not start."""
    configure_logging(log_level)
    settings = load_authority(config)
    trail = DroppingTrail() if drop_audit_events else None
    app = create_app(settings, audit_trail=trail)
    started = True
    with contextlib.suppress(KeyboardInterrupt):
        started = asyncio.run(serve_until_stopped([Listener(app, LOOPBACK, port)], log_level=log_level))
    return 0 if started else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="the authority's TOML file")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--drop-audit-events", action="store_true", help="the baseline: a trail that keeps nothing")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args()
    return serve(args.config, args.port, drop_audit_events=args.drop_audit_events, log_level=args.log_level)


if __name__ == "__main__":
    raise SystemExit(main())
