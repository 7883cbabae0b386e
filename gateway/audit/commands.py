"""`family-context audit verify | export | prune`: the operator's commands on the configured trail.

Exit codes: 0 done (verify: the chain is intact); 1 the chain is broken or the store cannot be reached;
2 a bad configuration, key or argument. Dates are whole UTC days, `YYYY-MM-DD`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from gateway.audit.export import FORMATS
from gateway.audit.settings import AuditSettings

BAD_DATE = "expected a date as YYYY-MM-DD; got {text!r}"
FROM_AFTER_TO = "family-context: --from {start} is after --to {end}"
PRUNE_FUTURE = "family-context: refusing to prune before {date}: that is in the future"
UNAVAILABLE = "family-context: {error}"
EXPORTED = "family-context: exported {count} audit events ({start} to {end} inclusive)"
PRUNED = (
    "family-context: removed {removed} audit events from before {date}; the chain now starts after position {position}"
)


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(BAD_DATE.format(text=text)) from None


def add_commands(audit: argparse.ArgumentParser) -> None:
    sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = sub.add_parser("verify", help="recompute the hash chain and its MACs; exit 1 if anything was altered")
    verify.add_argument("--config", required=True, help="the authority's TOML file")
    export = sub.add_parser("export", help="write the events of a date range as CSV or JSON lines")
    export.add_argument("--config", required=True, help="the authority's TOML file")
    export.add_argument("--from", dest="start", type=iso_date, required=True, metavar="DATE", help="first day (UTC)")
    export.add_argument("--to", dest="end", type=iso_date, required=True, metavar="DATE", help="last day, inclusive")
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--out", help="the file to write (created readable by its owner only); default stdout")
    prune = sub.add_parser("prune", help="delete the events older than a date, keeping the rest verifiable")
    prune.add_argument("--config", required=True, help="the authority's TOML file")
    prune.add_argument("--before", type=iso_date, required=True, metavar="DATE", help="delete events before this day")


def run(args: argparse.Namespace) -> int:
    from gateway.settings import BAD_CONFIGURATION, ConfigError, load_authority
    from resolvers.audit_trail import AuditUnavailable

    try:
        settings = load_authority(args.config).audit
    except ConfigError as exc:
        print(BAD_CONFIGURATION.format(error=exc), file=sys.stderr)
        return 2
    if args.audit_command == "export" and args.start > args.end:
        print(FROM_AFTER_TO.format(start=args.start, end=args.end), file=sys.stderr)
        return 2
    if args.audit_command == "prune" and _midnight(args.before) > datetime.datetime.now(datetime.UTC):
        print(PRUNE_FUTURE.format(date=args.before), file=sys.stderr)
        return 2
    try:
        if args.audit_command == "verify":
            return asyncio.run(_verify(settings))
        if args.audit_command == "export":
            return asyncio.run(_export(settings, args.start, args.end, args.format, args.out))
        return asyncio.run(_prune(settings, args.before))
    except ConfigError as exc:  # the MAC key is missing or unusable
        print(BAD_CONFIGURATION.format(error=exc), file=sys.stderr)
        return 2
    except AuditUnavailable as exc:
        print(UNAVAILABLE.format(error=exc), file=sys.stderr)
        return 1


async def _verify(settings: AuditSettings) -> int:
    from gateway.audit.open_trail import open_audit_trail

    async with open_audit_trail(settings) as trail:
        report = await trail.verify()
    print(report.describe())
    return 0 if report.ok else 1


async def _export(settings: AuditSettings, start: datetime.date, end: datetime.date, fmt: str, out: str | None) -> int:
    from gateway.audit.export import write_csv, write_jsonl
    from gateway.audit.open_trail import open_audit_trail

    write = write_csv if fmt == "csv" else write_jsonl
    async with open_audit_trail(settings) as trail:
        events = trail.export(_midnight(start), _midnight(end + datetime.timedelta(days=1)))
        with _output(out) as stream:
            count = await write(events, stream)
    print(EXPORTED.format(count=count, start=start, end=end), file=sys.stderr)
    return 0


async def _prune(settings: AuditSettings, before: datetime.date) -> int:
    from gateway.audit.open_trail import open_audit_trail
    from gateway.audit.store import AuditChainBroken

    async with open_audit_trail(settings) as trail:
        try:
            report = await trail.prune(_midnight(before))
        except AuditChainBroken as exc:
            print(f"family-context: {exc}", file=sys.stderr)
            return 1
    print(PRUNED.format(removed=report.removed, date=before, position=report.checkpoint_position))
    return 0


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    """stdout, or a new file readable by its owner only: an export holds who looked at whom."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    descriptor = os.open(Path(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8", newline="") as stream:
        yield stream
