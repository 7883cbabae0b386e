"""The ASGI application: `create_app(settings)`.

Routes: `POST /graphql`; `GET /graphiql` (with its vendored scripts under `/graphiql/static`); `GET /healthz`
(the process is up); `GET /readyz` (the case-management system answers; every source's health listed);
`GET /metrics` (Prometheus text format).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from auth.verifier import DenyAll, DevelopmentVerifier, TokenVerifier
from gateway.graphiql import STATIC_DIR, GraphiQLPage
from gateway.graphql_endpoint import GraphQLEndpoint
from gateway.logs import hold_data_echoing_loggers
from gateway.metrics import CONTENT_TYPE, Metrics
from gateway.runtime_factory import check_rules, open_runtime
from gateway.settings import AuthoritySettings
from resolvers.runtime import GatewayRuntime, uk_today
from resolvers.source_status import probe
from schema.build import build_schema
from sources.model import SourceHealth


def verifier_for(settings: AuthoritySettings) -> TokenVerifier:
    if settings.auth.mode == "development":
        dev = settings.auth.development
        return DevelopmentVerifier(user_id=dev.user_id, name=dev.name, roles=dev.roles, team=dev.team)
    return DenyAll()


def create_app(
    settings: AuthoritySettings,
    *,
    verifier: TokenVerifier | None = None,
    today: Callable[[], datetime.date] = uk_today,
) -> Starlette:
    check_rules(settings)  # a bad config fails here, at start-up, not on the first request
    hold_data_echoing_loggers()
    metrics = Metrics()
    holder: dict[str, GatewayRuntime] = {}

    def running() -> GatewayRuntime:
        try:
            return holder["runtime"]
        except KeyError:
            raise RuntimeError("the gateway's lifespan has not started") from None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_runtime(settings, metrics, today=today) as runtime:
            holder["runtime"] = runtime
            try:
                yield
            finally:
                holder.pop("runtime", None)

    limits = settings.limits
    schema = build_schema(
        max_depth=limits.max_query_depth, max_aliases=limits.max_aliases, max_tokens=limits.max_tokens
    )
    graphql = GraphQLEndpoint(
        schema, verifier or verifier_for(settings), metrics, running, max_body_bytes=limits.max_body_bytes
    )

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        runtime = running()
        named = [(runtime.cms.system, runtime.cms), *((a.info.system, a) for a in runtime.adapters.values())]
        healths = await asyncio.gather(*(probe(adapter) for _, adapter in named))
        report = {system: health.value for (system, _), health in zip(named, healths, strict=True)}
        ready = healths[0] is not SourceHealth.DOWN  # without the CMS there is no child to answer about
        return JSONResponse({"status": "ready" if ready else "not ready", "sources": report}, 200 if ready else 503)

    async def metrics_endpoint(request: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    routes: list[Route | Mount] = [
        Route("/graphql", graphql, methods=["POST", "GET"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint),
    ]
    if settings.graphiql:
        routes += [
            Route("/graphiql", GraphiQLPage().respond),
            Mount("/graphiql/static", app=StaticFiles(directory=STATIC_DIR), name="graphiql-static"),
            Route("/", lambda request: RedirectResponse("/graphiql")),
        ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.metrics = metrics
    return app
