"""The app of one worker process of `family-context serve --workers N`.

uvicorn starts each worker as a fresh process and calls `worker_app()` in it (`factory=True`): the parent passes
what `serve` was given through the environment (`ENV_CONFIG`, `ENV_LOG_LEVEL`, `ENV_GC`), because uvicorn hands a
worker only its own settings. Each worker has everything of its own: sources' connections, caches, breakers,
rate-limit windows (unless in Redis), metrics (so `/metrics` answers for the worker that took the request).
"""

from __future__ import annotations

import os
import sys

from uvicorn.config import STARTUP_FAILURE

from gateway.gc_tuning import GC_MODES, ASGIApp, prepare
from gateway.last_resort import log_crash
from gateway.logs import configure_logging

ENV_CONFIG = "FAMILY_CONTEXT_SERVE_CONFIG"
ENV_LOG_LEVEL = "FAMILY_CONTEXT_SERVE_LOG_LEVEL"
ENV_GC = "FAMILY_CONTEXT_SERVE_GC"
FACTORY = "gateway.workers:worker_app"


def worker_app() -> ASGIApp:
    from gateway.app import create_app
    from gateway.settings import BAD_CONFIGURATION, ConfigError, load_authority

    configure_logging(os.environ.get(ENV_LOG_LEVEL, "INFO"))
    mode = os.environ.get(ENV_GC, "tuned")
    try:
        app = create_app(load_authority(os.environ[ENV_CONFIG]))
    except ConfigError as exc:  # an audit key readable by others, say: the parent does not make the app itself
        print(BAD_CONFIGURATION.format(error=exc), file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    except Exception as error:
        # Any other failure to make the app would come back on every restart too. Exiting as uvicorn does for a
        # failed start makes the parent stop every worker instead of starting them forever (`gateway/supervisor.py`).
        # Logged by type and frames only, as every crash is: a message can hold the data being read.
        log_crash("a worker making its app", error)
        sys.exit(STARTUP_FAILURE)
    return prepare(mode if mode in GC_MODES else "tuned", app)
