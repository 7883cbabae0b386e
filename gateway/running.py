"""What the app's lifespan opens and its endpoints use: the runtime (sources, policy) and the sign-in verifier.

Why a holder: routes are built when the app is created, but the runtime and the verifier exist only between the
lifespan's start and end (they need the event loop and the HTTP session). Endpoints ask the holder on each
request; the operations app, which has no lifespan of its own, asks the same holder.
"""

from __future__ import annotations

from dataclasses import dataclass

from auth.verifier import TokenVerifier
from resolvers.runtime import GatewayRuntime

NOT_STARTED = "the gateway's lifespan has not started"


@dataclass(frozen=True)
class Running:
    runtime: GatewayRuntime
    verifier: TokenVerifier


class RunningHolder:
    def __init__(self) -> None:
        self._current: Running | None = None

    @property
    def current(self) -> Running | None:
        """What is running, or None before the lifespan starts and after it ends."""
        return self._current

    def get(self) -> Running:
        if self._current is None:
            raise RuntimeError(NOT_STARTED)
        return self._current

    def start(self, running: Running) -> None:
        self._current = running

    def stop(self) -> None:
        self._current = None
