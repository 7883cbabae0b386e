"""The ASGI application: `create_app(settings)`.

Routes: `POST /graphql`; `POST /graphql/neighbour` (with `[federation] neighbour_field`: the subgraph through
which a federation router adds this authority's checks to another authority's people); `GET /healthz` (the
process is up); `GET /readyz` (the case-management system answers;
each source's health listed when `[operations] readiness_detail`); `GET /metrics` (Prometheus text format, when
`[operations] metrics`); `GET /graphiql` with its vendored scripts under `/graphiql/static` (when `[graphiql]
enabled`); the social worker's page under `/app` and GOV.UK Frontend's fonts under `/assets` (when `[app] enabled`,
`webapp/`). With `[operations] listen`, `/metrics` and the detailed `/readyz` move to a second app served on that
address (`operations_app_of(app)`); the main app keeps `/healthz` and a `/readyz` without detail.

Production (`auth.mode = "oidc"`) defaults every extra off: no introspection, no "Did you mean ...?", no GraphiQL,
no metrics or readiness detail on the API's port (see `SurfaceSettings`).

`/graphql` runs behind admission control (`gateway/admission.py`, `[limits] max_concurrent_requests` and
`max_queued_requests`): beyond its queue, a 503 with `Retry-After` at once. The other routes are never queued.

Every response carries one `X-Request-Id` and the security headers (`gateway/request_id.py`,
`gateway/security_headers.py`); CORS only for the configured origins (`gateway/cors.py`).
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from http import HTTPStatus

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry import Schema

from auth.sign_in import open_verifier
from auth.verifier import TokenVerifier
from gateway.admission import AdmissionControl
from gateway.audit.keys import load_key
from gateway.clients import ClientLabels
from gateway.cors import cors_middleware
from gateway.error_responses import error_response
from gateway.graphiql import STATIC_DIR, GraphiQLPage
from gateway.graphql_endpoint import GraphQLEndpoint
from gateway.last_resort import LastResortMiddleware
from gateway.logs import hold_data_echoing_loggers
from gateway.metrics import Metrics
from gateway.operations import create_operations_app, healthz, metrics_endpoint, readiness
from gateway.persisted import PersistedOperations
from gateway.request_id import RequestIdMiddleware
from gateway.running import Running, RunningHolder
from gateway.runtime_factory import check_rules, open_http_session, open_runtime
from gateway.security_headers import SecurityHeadersMiddleware
from gateway.settings import AuthoritySettings
from gateway.tracing import configure as configure_tracing
from resolvers.audit_trail import AuditTrail
from resolvers.errors import BAD_USER_INPUT, NOT_FOUND
from resolvers.runtime import uk_today
from schema.build import build_schema
from sources.registry import ServiceRegistry
from webapp.app import webapp_routes
from webapp.demo_sign_in import DemoIdentity

NOT_FOUND_MESSAGE = "Nothing here: the API is POST /graphql."
METHOD_NOT_ALLOWED = "This method is not allowed here."


def create_app(
    settings: AuthoritySettings,
    *,
    verifier: TokenVerifier | None = None,
    today: Callable[[], datetime.date] = uk_today,
    graphiql_headers: Mapping[str, str] | None = None,
    audit_trail: AuditTrail | None = None,
    app_demo_identities: Sequence[DemoIdentity] | None = None,
) -> Starlette:
    """The gateway for one authority. `verifier` replaces the configured sign-in (tests); `graphiql_headers`
    are the request headers GraphiQL opens with (the demo's token and purpose); `audit_trail` replaces the
    configured audit store (tests and benchmarks only: the TOML cannot reach it; the caller opens and closes it);
    `app_demo_identities` are who the demo's sign-in page offers (`[app]`, demo sign-in only)."""
    check_rules(settings)  # a bad config fails here, at start-up, not on the first request
    load_key(settings.audit)  # likewise a missing audit key (from the environment or a file, never the TOML)
    hold_data_echoing_loggers()
    metrics = Metrics()
    holder = RunningHolder()
    surface = settings.surface

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The process's one HTTP session: the sources and the identity provider's keys (JWKS) share it.
        async with open_http_session(settings) as session:
            chosen = verifier if verifier is not None else await open_verifier(settings.auth, session)
            async with open_runtime(settings, session, metrics, today=today, audit_trail=audit_trail) as runtime:
                holder.start(Running(runtime=runtime, verifier=chosen))
                try:
                    yield
                finally:
                    holder.stop()

    limits = settings.limits
    configure_tracing(settings.tracing)
    client_labels = ClientLabels(settings.clients.max_metric_labels)

    def served(schema: Schema, persisted: PersistedOperations | None = None) -> AdmissionControl:
        """A GraphQL endpoint for `schema` with the authority's limits, behind admission control of its own."""
        endpoint = GraphQLEndpoint(
            schema,
            metrics,
            holder.get,
            max_body_bytes=limits.max_body_bytes,
            max_tokens=limits.max_tokens,
            max_variable_depth=limits.max_variable_depth,
            persisted=persisted,
            client_labels=client_labels,
        )
        return AdmissionControl(
            endpoint,
            max_concurrent=limits.max_concurrent_requests,
            max_queued=limits.max_queued_requests,
            queue_timeout_s=limits.request_timeout_s,
            on_refused=metrics.observe_request,
        )

    admitted = served(_schema(settings, services=settings.services), PersistedOperations(settings.persisted_operations))
    separate_operations = surface.operations_listen is not None
    routes: list[BaseRoute] = [
        Route("/graphql", admitted),  # every method: the endpoint answers anything but POST with a JSON 405
        *_neighbour_route(settings, served),
        Route("/healthz", healthz),
        Route("/readyz", readiness(holder, detail=surface.readiness_detail and not separate_operations)),
    ]
    if surface.metrics and not separate_operations:
        routes.append(Route("/metrics", metrics_endpoint(metrics)))
    if surface.graphiql:
        routes += [
            Route("/graphiql", GraphiQLPage(default_headers=graphiql_headers).respond),
            Mount("/graphiql/static", app=StaticFiles(directory=STATIC_DIR), name="graphiql-static"),
            Route("/", lambda request: RedirectResponse("/graphiql")),
        ]
    if settings.app.enabled:  # the social worker's page under /app (webapp/)
        routes += webapp_routes(settings, demo_identities=app_demo_identities)
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[*_common_middleware(), *cors_middleware(surface.cors_origins)],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.metrics = metrics
    app.state.operations_app = (
        create_operations_app(
            holder,
            metrics,
            metrics_on=surface.metrics,
            detail=surface.readiness_detail,
            middleware=_common_middleware(),
        )
        if separate_operations
        else None
    )
    return app


def _schema(
    settings: AuthoritySettings, *, services: ServiceRegistry | None = None, neighbour_field: str | None = None
) -> Schema:
    """The schema with the authority's limits and surface: the gateway's, or with `neighbour_field` the neighbour
    subgraph's."""
    limits = settings.limits
    return build_schema(
        max_depth=limits.max_query_depth,
        max_aliases=limits.max_aliases,
        max_tokens=limits.max_tokens,
        introspection=settings.surface.introspection,
        suggestions=settings.surface.suggestions,
        services=services,
        neighbour_field=neighbour_field,
    )


def _neighbour_route(settings: AuthoritySettings, served: Callable[[Schema], AdmissionControl]) -> list[BaseRoute]:
    """`/graphql/neighbour` when `[federation] neighbour_field` is set: the same guards, audit and limits (its
    admission control is its own, with the same bounds)."""
    field_name = settings.federation.neighbour_field
    if field_name is None:
        return []
    # Persisted operations are not enforced here: its only caller is a federation router, which writes its own
    # operations (enforce the list at the router).
    return [Route("/graphql/neighbour", served(_schema(settings, neighbour_field=field_name)))]


def operations_app_of(app: Starlette) -> Starlette | None:
    """The app to serve on `[operations] listen`, or None when the operations endpoints stay on the main app."""
    operations: Starlette | None = app.state.operations_app
    return operations


def _common_middleware() -> list[Middleware]:
    """Outermost first: every response, a preflight or a crash included, gets the id and the security headers."""
    return [Middleware(RequestIdMiddleware), Middleware(SecurityHeadersMiddleware), Middleware(LastResortMiddleware)]


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (404, 405, ...), in the gateway's one error shape instead of plain text."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    headers = exc.headers if isinstance(exc, HTTPException) else None
    if status == 404:
        return error_response(404, NOT_FOUND_MESSAGE, NOT_FOUND, headers=headers)
    message = METHOD_NOT_ALLOWED if status == 405 else f"{HTTPStatus(status).phrase}."
    return error_response(status, message, BAD_USER_INPUT, headers=headers)
