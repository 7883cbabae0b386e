"""The operations endpoints: `/healthz` (the process is up), `/readyz` (the case-management system answers) and
`/metrics` (Prometheus text format).

Why they are switchable and can move: in production, which systems the gateway reaches and how they are doing
(`/readyz`'s detail, `/metrics`) is for the council's operators, not for every caller of the API. The authority
turns them on (`[operations] metrics`, `readiness_detail`) and can serve them on an address of their own
(`[operations] listen`, e.g. a port only the monitoring network reaches), a second small app next to the main one.
The main app always keeps `/healthz` and a `/readyz` that says only ready or not ready, for load balancers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.metrics import CONTENT_TYPE, Metrics
from gateway.running import RunningHolder
from resolvers.source_status import probe
from sources.model import SourceHealth

Endpoint = Callable[[Request], Awaitable[Response]]


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def readiness(holder: RunningHolder, *, detail: bool) -> Endpoint:
    """`/readyz`: 200 when the case-management system answers, else 503; each source's health when `detail`."""

    async def readyz(request: Request) -> Response:
        running = holder.current
        if running is None:
            return JSONResponse({"status": "not ready"}, 503)  # starting or stopping
        runtime = running.runtime
        named = [(runtime.cms.system, runtime.cms), *((a.info.system, a) for a in runtime.adapters.values())]
        healths = await asyncio.gather(*(probe(adapter) for _, adapter in named))
        ready = healths[0] is not SourceHealth.DOWN  # without the CMS there is no child to answer about
        body: dict[str, object] = {"status": "ready" if ready else "not ready"}
        if detail:
            body["sources"] = {system: health.value for (system, _), health in zip(named, healths, strict=True)}
        return JSONResponse(body, 200 if ready else 503)

    return readyz


def metrics_endpoint(metrics: Metrics) -> Endpoint:
    async def render(request: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    return render


def operations_routes(holder: RunningHolder, metrics: Metrics, *, metrics_on: bool, detail: bool) -> list[Route]:
    routes = [Route("/healthz", healthz), Route("/readyz", readiness(holder, detail=detail))]
    if metrics_on:
        routes.append(Route("/metrics", metrics_endpoint(metrics)))
    return routes


def create_operations_app(
    holder: RunningHolder, metrics: Metrics, *, metrics_on: bool, detail: bool, middleware: list[Middleware]
) -> Starlette:
    """The app served on `[operations] listen`. It has no lifespan: it reports on the main app's runtime."""
    return Starlette(
        routes=operations_routes(holder, metrics, metrics_on=metrics_on, detail=detail), middleware=middleware
    )
