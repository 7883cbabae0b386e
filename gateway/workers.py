"""The app of one worker process of `family-context serve --workers N`.

uvicorn starts each worker as a fresh process and calls `worker_app()` in it (`factory=True`): the parent passes
what `serve` was given through the environment (`ENV_CONFIG`, `ENV_LOG_LEVEL`, `ENV_GC`), because uvicorn hands a
worker only its own settings. Each worker has everything of its own: sources' connections, caches, breakers,
rate-limit windows (unless in Redis), metrics (so `/metrics` answers for the worker that took the request).
"""

from __future__ import annotations

import os

from gateway.gc_tuning import GC_MODES, ASGIApp, prepare
from gateway.logs import configure_logging

ENV_CONFIG = "FAMILY_CONTEXT_SERVE_CONFIG"
ENV_LOG_LEVEL = "FAMILY_CONTEXT_SERVE_LOG_LEVEL"
ENV_GC = "FAMILY_CONTEXT_SERVE_GC"
FACTORY = "gateway.workers:worker_app"


def worker_app() -> ASGIApp:
    from gateway.app import create_app
    from gateway.settings import load_authority

    configure_logging(os.environ.get(ENV_LOG_LEVEL, "INFO"))
    mode = os.environ.get(ENV_GC, "tuned")
    app = create_app(load_authority(os.environ[ENV_CONFIG]))
    return prepare(mode if mode in GC_MODES else "tuned", app)
