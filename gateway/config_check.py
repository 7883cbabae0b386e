"""`family-context check-config FILE [--probe]`: is this configuration one the gateway would start with, and (with
`--probe`) does each source answer?

Validation is start-up's own, without starting: the file is parsed (`load_authority`), then the parts other layers
own are checked as `create_app` checks them (display rules, the linkage model, the audit key, each source's adapter
and the schema with every registered service's type). The first error is printed naming its key, exit status 1.

The probe asks each source once, as the gateway's readiness check does (`check_health`: a request to an HTTP
system's health endpoint, a read of an extract, a query of a database), within that source's `timeout_s`, all at
once; it prints one line per source (system names and statuses only, never personal data) and exits 1 if any did
not answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from dataclasses import dataclass
from typing import TextIO

from gateway.audit.keys import load_key
from gateway.runtime_factory import check_rules, open_http_session
from gateway.settings import BAD_CONFIGURATION, AuthoritySettings, ConfigError, load_authority
from resolvers.source_status import probe
from schema.build import build_schema
from sources.adapter import SourceAdapter
from sources.model import SourceHealth
from sources.registry import build_adapter, build_cms_adapter
from sources.settings import SourceSettings

CONFIG_OK = "family-context: {path} is a valid configuration for {name}: {sources}."
PROBE_FAILED = "family-context: {failed} of {total} sources did not answer."
PROBE_OK = "family-context: every source answered."
# The probe's own bound beyond a source's timeout: a source that ignores its timeout still fails, not hangs.
PROBE_GRACE_S = 1.0
ANSWERING = frozenset({SourceHealth.UP, SourceHealth.DEGRADED})


@dataclass(frozen=True)
class ProbeResult:
    label: str  # "CMS" or the service
    system: str
    health: SourceHealth
    elapsed_ms: float


def validate(path: str) -> AuthoritySettings:
    """The settings, checked as start-up checks them; `ConfigError` naming the key otherwise."""
    settings = load_authority(path)
    check_rules(settings)
    load_key(settings.audit)
    try:
        build_schema(services=settings.services)
    except Exception as exc:  # a service module's GraphQL type that does not build: name the modules
        raise ConfigError(f"services: the schema does not build with these services ({type(exc).__name__})") from exc
    return settings


def run(path: str, *, probe_sources: bool, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        settings = validate(path)
    except ConfigError as exc:
        print(BAD_CONFIGURATION.format(error=exc), file=err)
        return 1
    connected = ", ".join(s.service.value for s in settings.sources if s.service is not None) or "no services"
    print(CONFIG_OK.format(path=path, name=settings.name, sources=f"CMS and {connected}"), file=out)
    if not probe_sources:
        return 0
    try:
        results = asyncio.run(probe_all(settings))
    except ValueError as exc:  # an adapter refused its settings
        print(BAD_CONFIGURATION.format(error=exc), file=err)
        return 1
    width = max(len(r.label) for r in results)
    system_width = max(len(r.system) for r in results)
    for result in results:
        print(
            f"{result.label:<{width}}  {result.system:<{system_width}}  {result.health.value:<8}  "
            f"{result.elapsed_ms:.0f} ms",
            file=out,
        )
    failed = [r for r in results if r.health not in ANSWERING]
    if failed:
        print(PROBE_FAILED.format(failed=len(failed), total=len(results)), file=err)
        return 1
    print(PROBE_OK, file=out)
    return 0


async def probe_all(settings: AuthoritySettings) -> list[ProbeResult]:
    """Each source's health, the CMS first, all asked at once on one session."""
    async with open_http_session(settings) as session:
        adapters: list[tuple[str, SourceSettings, SourceAdapter | object]] = [
            ("CMS", settings.cms, build_cms_adapter(settings.cms, session))
        ]
        for source in settings.sources:
            assert source.service is not None
            built = build_adapter(source, session, registry=settings.services)
            adapters.append((source.service.value, source, built))
        try:
            return list(await asyncio.gather(*(_probe_one(*entry) for entry in adapters)))
        finally:
            for _, _, adapter in adapters:
                close = getattr(adapter, "close", None)
                if close is not None:
                    with contextlib.suppress(Exception):
                        await close()


async def _probe_one(label: str, source: SourceSettings, adapter: SourceAdapter | object) -> ProbeResult:
    started = time.perf_counter()
    health = await probe(adapter, timeout_s=source.timeout_s + PROBE_GRACE_S)
    return ProbeResult(label, source.system, health, (time.perf_counter() - started) * 1000)
