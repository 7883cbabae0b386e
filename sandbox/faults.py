"""Fault knobs and the request counter shared by every simulated HTTP system.

`install_faults(app, settings)` adds a middleware and the `/_sandbox/...` routes to an aiohttp app:

* every request except `/_sandbox/...` is counted under its route name, then delayed by `latency_ms`, then
  answered according to the mode: `down` (503), `slow` (never answers), `garbage` (200 with a body that is not
  the promised JSON), `error_rate` (that fraction of 500s, seeded), `throttle` (429 with Retry-After);
* `GET /_sandbox/stats`, `POST /_sandbox/reset` and `POST /_sandbox/faults` read and set the knobs at run time;
* `POST /_sandbox/record` keeps every request from then on (method, path with query, body, content type, when it
  arrived and when it was answered, on the machine's monotonic clock), and `GET /_sandbox/recorded` hands them over
  and stops: the benchmarks replay a query's upstream calls directly (`benchmarks/family_context.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal, get_args

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from sandbox.request_bodies import json_object, reject

FaultMode = Literal["none", "down", "slow", "garbage", "error_rate", "throttle"]
FAULT_MODES: tuple[FaultMode, ...] = get_args(FaultMode)

SLOW_SECONDS = 3600.0  # "never answers": long past any client's timeout
DOWN_TEXT = "503 Service Unavailable: the system is down for maintenance"
ERROR_TEXT = "500 Internal Server Error"
THROTTLE_TEXT = "429 Too Many Requests"
# Two kinds of garbage: JSON cut off mid-body under a JSON content type, and an HTML error page from a proxy.
TRUNCATED_JSON = '{"results": [{"ref": "0", "people": [{"id": "C0000'
HTML_PAGE = "<html><head><title>Gateway Timeout</title></head><body><h1>504 Gateway Timeout</h1></body></html>"


@dataclass(frozen=True, kw_only=True)
class FaultSettings:
    """How one system misbehaves. `error_rate` is used only in mode `error_rate`."""

    mode: FaultMode = "none"
    latency_ms: int = 0
    error_rate: float = 0.0

    def __post_init__(self) -> None:
        if self.mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {self.mode!r}; expected one of {', '.join(FAULT_MODES)}")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "latency_ms": self.latency_ms, "error_rate": self.error_rate}


class SystemFaults:
    """One system's current fault settings and request counts."""

    def __init__(self, settings: FaultSettings | None = None, *, seed: int = 0) -> None:
        self.settings = settings or FaultSettings()
        self.requests: Counter[str] = Counter()
        self._seed = seed
        self._rng = random.Random(seed)
        self._garbage_served = 0
        self._wake_sleepers = asyncio.Event()
        self.shutting_down = False
        self.recorded: list[dict[str, Any]] | None = None  # the requests kept while recording, else None

    def set(self, settings: FaultSettings) -> None:
        """Change the settings; requests held by `slow` wake up and are answered normally."""
        self.settings = settings
        self._rng = random.Random(self._seed)  # the same error pattern after every change: reproducible runs
        self._wake_sleepers.set()
        self._wake_sleepers = asyncio.Event()

    def release_all(self) -> None:
        """Wake every held request with a 503: the system is shutting down."""
        self.shutting_down = True
        self._wake_sleepers.set()

    def stats(self) -> dict[str, Any]:
        return {"requests": dict(self.requests), "total": sum(self.requests.values())}

    def reset(self) -> None:
        self.requests.clear()

    async def hold(self) -> None:
        """Never answer: wait an hour, or until the settings change or the system shuts down."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake_sleepers.wait(), SLOW_SECONDS)

    def next_error(self) -> bool:
        return self._rng.random() < self.settings.error_rate

    def next_garbage(self) -> web.Response:
        self._garbage_served += 1
        if self._garbage_served % 2:
            return web.Response(status=200, text=TRUNCATED_JSON, content_type="application/json")
        return web.Response(status=200, text=HTML_PAGE, content_type="text/html")


FAULTS_KEY = web.AppKey("faults", SystemFaults)


def _fault_middleware(faults: SystemFaults) -> Middleware:
    @web.middleware
    async def apply_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/_sandbox/"):
            return await handler(request)
        faults.requests[request.match_info.route.name or "unmatched"] += 1
        if faults.recorded is not None:
            return await _recorded(faults, faults.recorded, request, handler)
        return await _faulty(faults, request, handler)

    return apply_faults


async def _recorded(
    faults: SystemFaults, recorded: list[dict[str, Any]], request: web.Request, handler: Handler
) -> web.StreamResponse:
    """The request answered as usual, and kept: what was asked, when it arrived, when it was answered."""
    entry: dict[str, Any] = {
        "method": request.method,
        "path": request.path_qs,
        "arrived": time.monotonic(),
        "body": (await request.read()).decode("utf-8", "replace"),  # read once: aiohttp keeps it for the handler
        "contentType": request.content_type if request.body_exists else None,
    }
    recorded.append(entry)
    try:
        return await _faulty(faults, request, handler)
    finally:
        entry["answered"] = time.monotonic()


async def _faulty(faults: SystemFaults, request: web.Request, handler: Handler) -> web.StreamResponse:
    """The request delayed and answered as the system's fault settings say."""
    settings = faults.settings
    if settings.latency_ms:
        await asyncio.sleep(settings.latency_ms / 1000)
    mode = settings.mode
    if mode == "slow":
        await faults.hold()
        if faults.shutting_down:
            return web.Response(status=503, text=DOWN_TEXT)
        mode = faults.settings.mode if faults.settings.mode != "slow" else "none"
    if mode == "down":
        return web.Response(status=503, text=DOWN_TEXT)
    if mode == "garbage":
        return faults.next_garbage()
    if mode == "error_rate" and faults.next_error():
        return web.Response(status=500, text=ERROR_TEXT)
    if mode == "throttle":
        return web.Response(status=429, text=THROTTLE_TEXT, headers={"Retry-After": "1"})
    return await handler(request)


async def _stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[FAULTS_KEY].stats())


async def _record(request: web.Request) -> web.Response:
    request.app[FAULTS_KEY].recorded = []
    return web.json_response({"status": "recording"})


async def _recorded_requests(request: web.Request) -> web.Response:
    faults = request.app[FAULTS_KEY]
    recorded, faults.recorded = faults.recorded or [], None
    return web.json_response({"requests": recorded})


async def _reset(request: web.Request) -> web.Response:
    request.app[FAULTS_KEY].reset()
    return web.json_response({"status": "ok"})


async def _set_faults(request: web.Request) -> web.Response:
    body = await json_object(request)
    try:
        settings = FaultSettings(
            mode=body.get("mode", "none"),
            latency_ms=int(body.get("latency_ms", 0)),
            error_rate=float(body.get("error_rate", 0.0)),
        )
    except (TypeError, ValueError) as error:
        reject(str(error))
    request.app[FAULTS_KEY].set(settings)
    return web.json_response(settings.to_json())


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _release_held_requests(app: web.Application) -> None:
    app[FAULTS_KEY].release_all()


def install_faults(app: web.Application, settings: FaultSettings | None = None, *, seed: int = 0) -> SystemFaults:
    """Give `app` the fault middleware, `/health` and the `/_sandbox/...` routes; return its knobs."""
    faults = SystemFaults(settings, seed=seed)
    app[FAULTS_KEY] = faults
    app.middlewares.append(_fault_middleware(faults))
    app.router.add_get("/health", _health, name="health")
    app.router.add_get("/_sandbox/stats", _stats)
    app.router.add_post("/_sandbox/reset", _reset)
    app.router.add_post("/_sandbox/faults", _set_faults)
    app.router.add_post("/_sandbox/record", _record)
    app.router.add_get("/_sandbox/recorded", _recorded_requests)
    # Held `slow` requests must not keep the server from shutting down.
    app.on_shutdown.append(_release_held_requests)
    return faults
