"""The page's routes under /app, and the GOV.UK assets under /assets (where GOV.UK Frontend's CSS looks for its
fonts): `webapp_routes(settings, ...)` for the gateway to add when `[app] enabled`.

Every page is a plain HTML form or link (no JavaScript needed); every form posts a CSRF token that must match the
session's; every answer is `Cache-Control: no-store` with a CSP that allows only the gateway's own files.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path

from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from gateway.settings import AuthoritySettings
from webapp import words
from webapp.api import InProcessClient
from webapp.demo_sign_in import DEFAULT_IDENTITIES, DemoIdentity
from webapp.oidc import OidcSignIn
from webapp.pages import Pages
from webapp.sessions import SessionStore

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
GOVUK_ASSETS = STATIC_DIR / "govuk" / "assets"


def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=TEMPLATES_DIR)
    env = found.env
    env.globals.update(
        words=words,
        SERVICES=words.SERVICES,
        RELATIONSHIPS=words.RELATIONSHIPS,
        PURPOSES=words.PURPOSES,
        ROLES=words.ROLES,
    )
    env.filters.update(
        long_date=words.long_date,
        yes_no=words.yes_no,
        service=lambda value: words.word(words.SERVICES, value),
        relationship=lambda value: words.word(words.RELATIONSHIPS, value),
    )
    return found


def webapp_routes(
    settings: AuthoritySettings,
    *,
    demo_identities: Sequence[DemoIdentity] | None = None,
) -> list[BaseRoute]:
    """The /app and /assets mounts for `settings` (whose `[app]` is enabled)."""
    app_settings = settings.app
    sessions = SessionStore(
        idle=datetime.timedelta(minutes=app_settings.session_idle_minutes),
        lifetime=datetime.timedelta(hours=app_settings.session_max_hours),
    )
    oidc = OidcSignIn(app_settings.oidc) if settings.auth.mode == "oidc" and app_settings.oidc else None
    demo_key = settings.auth.demo_key_file if settings.auth.mode == "demo" else None
    pages = Pages(
        authority=settings.name,
        sessions=sessions,
        templates=templates(),
        secure_cookie=app_settings.secure_cookie,
        oidc=oidc,
        demo_key_file=demo_key,
        demo_identities=tuple(demo_identities or DEFAULT_IDENTITIES) if demo_key else (),
        client=InProcessClient(),
    )
    router = Router(
        routes=[
            Route("/", pages.start),
            Route("/sign-in", pages.sign_in, methods=["GET", "POST"]),
            Route("/auth/callback", pages.callback),
            Route("/sign-out", pages.sign_out, methods=["POST"]),
            Route("/signed-out", pages.signed_out),
            Route("/purpose", pages.purpose, methods=["GET", "POST"]),
            Route("/search", pages.search, methods=["GET", "POST"]),
            Route("/search/results", pages.results),
            Route("/child/{cms_id}", pages.family),
            Route("/child/{cms_id}/details", pages.details),
            Route("/child/{cms_id}/sheet", pages.sheet),
            Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="app-static"),
        ]
    )
    return [
        Route("/app", lambda request: RedirectResponse("/app/", status_code=307)),
        Mount("/app", app=router),
        Mount("/assets", app=StaticFiles(directory=GOVUK_ASSETS), name="govuk-assets"),
    ]
