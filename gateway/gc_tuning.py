"""The garbage collector of a serving process: thresholds for a request-heavy process, a freeze after start-up,
and every collection's pause measured.

Why: a family query allocates tens of thousands of short-lived objects (graphql-core's execution, the adapters'
records, JSON), nearly all freed by reference counting, yet each 700 allocations more than deallocations start
a young-generation collection; measured before this module, 1.45 collections per request and 9-10% of the process's
CPU. The older generations then walk everything that survived start-up (the schema, the linkage model, the police
extract's index: hundreds of thousands of objects) again and again for nothing. So, in `family-context serve`:

* `tune()` raises the young generation's threshold (`GEN0_THRESHOLD`) so that collections are rarer, and each
  one's fixed cost is paid for more requests;
* `freeze()`, once the app has started (`AfterStartup`), collects once and moves everything alive into the
  permanent generation (`gc.freeze()`), which no collection walks again;
* `PAUSES` times every collection through `gc.callbacks`; `/metrics` exports it
  (`family_context_gc_pause_seconds{generation}`), and the benchmark reads it (collections per request, pause
  lengths).

Cycles are still collected: only how often changes, and objects frozen at start-up live as long as the process
anyway. `family-context serve --gc default` leaves Python's own settings, for comparison.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any, Literal

from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector

GcMode = Literal["tuned", "default"]
GC_MODES: tuple[GcMode, ...] = ("tuned", "default")

# Young-generation threshold: allocations minus deallocations between collections (Python's default: 700). Measured
# with the family query at zero latency (benchmarks.gateway_cpu, docs/benchmarks.md): at 700, 1.2 young collections
# per request of 0.3 ms each; at 5,000, 0.1 per request of 4.6 ms, and about half the time in collections per
# request; at 50,000, one in a hundred requests paid a 100 ms pause for no further saving. Most of a young
# collection's time was then freeing the requests' cyclic garbage; since requests make none (schema/executor.py),
# collections are rarer and shorter at the same threshold (docs/benchmarks.md).
GEN0_THRESHOLD = 5000
GEN1_THRESHOLD = 10  # young collections per generation-1 collection (Python's default)
GEN2_THRESHOLD = 10  # generation-1 collections per full collection (Python's default)

PAUSE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25)


def tune() -> None:
    """The thresholds for a serving process (see the module's docstring)."""
    gc.set_threshold(GEN0_THRESHOLD, GEN1_THRESHOLD, GEN2_THRESHOLD)


def freeze() -> None:
    """Collect once, then move every object alive now out of the collector's sight for good."""
    gc.collect()
    gc.freeze()


class GcPauses(Collector):
    """Every collection's pause, per generation, as a Prometheus histogram (one per process; any number of
    registries may export it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started: float | None = None
        self._counts = {g: [0] * (len(PAUSE_BUCKETS) + 1) for g in range(3)}
        self._sums = dict.fromkeys(range(3), 0.0)
        self._installed = False

    def install(self) -> None:
        """Start timing collections (idempotent)."""
        with self._lock:
            if not self._installed:
                gc.callbacks.append(self._callback)
                self._installed = True

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        started = self._started
        if started is None:
            return
        pause = time.perf_counter() - started
        generation = int(info.get("generation", 0))
        counts = self._counts[min(generation, 2)]
        index = next((i for i, bound in enumerate(PAUSE_BUCKETS) if pause <= bound), len(PAUSE_BUCKETS))
        counts[index] += 1
        self._sums[min(generation, 2)] += pause

    def totals(self) -> dict[int, tuple[int, float]]:
        """Generation -> (collections, seconds paused) so far."""
        return {g: (sum(self._counts[g]), self._sums[g]) for g in range(3)}

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily(
            "family_context_gc_pause_seconds",
            "Time the process spent in each garbage collection, by generation.",
            labels=["generation"],
        )
        for generation in range(3):
            counts = list(self._counts[generation])
            cumulative = 0
            buckets = []
            for bound, count in zip([*map(str, PAUSE_BUCKETS), "+Inf"], counts, strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            family.add_metric([str(generation)], buckets, self._sums[generation])
        yield family


PAUSES = GcPauses()

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class AfterStartup:
    """Runs `then()` once the wrapped app has finished its lifespan start-up (sources opened, caches loaded), just
    after it tells the server so; everything else passes straight through."""

    def __init__(self, app: ASGIApp, then: Callable[[], None]) -> None:
        self.app = app
        self._then = then

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            await send(message)
            if message["type"] == "lifespan.startup.complete":
                self._then()

        await self.app(scope, receive, sending)


def prepare(mode: GcMode, app: ASGIApp) -> ASGIApp:
    """The serving process's collector for `mode`, and `app` as it is to be served: timed always; tuned, and
    frozen after start-up, unless `mode` is "default"."""
    PAUSES.install()
    if mode == "default":
        return app
    tune()
    return AfterStartup(app, freeze)
