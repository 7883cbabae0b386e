"""`sources`: every service the authority knows about, connected or not, with coverage, freshness and health."""

from __future__ import annotations

import asyncio

from resolvers.context import RequestContext
from resolvers.views import SourceView
from sources.adapter import SourceAdapter
from sources.model import Service, SourceHealth

HEALTH_PROBE_TIMEOUT_S = 2.0


async def sources(ctx: RequestContext) -> list[SourceView]:
    adapters = ctx.runtime.adapters
    connected = list(adapters.items())
    healths = await asyncio.gather(*(probe(adapter) for _, adapter in connected))
    health_by_service = {service: health for (service, _), health in zip(connected, healths, strict=True)}
    views = []
    for service in Service:
        adapter = adapters.get(service)
        if adapter is None:
            views.append(
                SourceView(
                    service=service,
                    system=None,
                    organisation=None,
                    connected=False,
                    as_of=None,
                    coverage=None,
                    health=SourceHealth.NOT_CONNECTED,
                )
            )
            continue
        info = adapter.info
        views.append(
            SourceView(
                service=service,
                system=info.system,
                organisation=info.organisation,
                connected=True,
                as_of=info.as_of,
                coverage=info.coverage,
                health=health_by_service[service],
            )
        )
    return views


async def probe(adapter: SourceAdapter | object, timeout_s: float = HEALTH_PROBE_TIMEOUT_S) -> SourceHealth:
    """A source's health, DOWN if the probe itself fails or hangs."""
    check = getattr(adapter, "check_health", None)
    if check is None:
        return SourceHealth.DOWN
    try:
        async with asyncio.timeout(timeout_s):
            health: SourceHealth = await check()
            return health
    except Exception:
        return SourceHealth.DOWN
