"""The gateway's upstream outcomes per source, read from its `/metrics`, and what they say about circuit breakers.

The gateway does not export its breakers' states; what it exports is every upstream call's outcome
(`family_context_upstream_requests_total{source, operation, outcome}`), and a call refused by an open breaker is
counted as `outcome="circuit_open"` without reaching the source. So, sampled once a second during a scenario:

* a breaker is open in an interval when calls were refused `circuit_open` in it;
* it opened at the first such interval, and was closed again after the fault cleared from the first interval with
  no `circuit_open` that is followed by none (and, for an HTTP source, with calls answered `ok`);
* a healthy source's breaker never opens: its `circuit_open` count must not move.

A re-opening right after a failed half-open trial leaves no closed interval between, so an "opening" here is an
episode of consecutive open intervals, and the count of trials is not visible; the sandbox's own request counts
(calls that reached the failing system) say how much the breaker spared it.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiohttp

UPSTREAM = "family_context_upstream_requests_total"
CIRCUIT_OPEN = "circuit_open"
OK = "ok"

Outcomes = Counter[tuple[str, str]]  # (source system, outcome) -> calls, over every operation


def upstream_outcomes(text: str) -> Outcomes:
    """Parse the Prometheus text: upstream calls per (source, outcome)."""
    counts: Outcomes = Counter()
    for line in text.splitlines():
        if not line.startswith(UPSTREAM + "{"):
            continue
        labels_text, value = line[len(UPSTREAM) + 1 :].rsplit("} ", 1)
        labels = dict(_label(part) for part in labels_text.split('",') if "=" in part)
        counts[(labels.get("source", ""), labels.get("outcome", ""))] += int(float(value))
    return counts


def _label(part: str) -> tuple[str, str]:
    name, _, value = part.partition("=")
    return name.strip(), value.strip().strip('"')


async def scrape(session: aiohttp.ClientSession, url: str) -> Outcomes:
    async with session.get(f"{url}/metrics") as response:
        return upstream_outcomes(await response.text())


@dataclass(frozen=True)
class Sample:
    at: float  # seconds since the scenario began
    outcomes: Outcomes


async def sample_every(
    session: aiohttp.ClientSession, url: str, began: float, until: float, interval_s: float = 1.0
) -> list[Sample]:
    """Scrape `/metrics` every `interval_s` from `began` until `until` (`time.perf_counter()` readings)."""
    samples = []
    while True:
        now = time.perf_counter()
        samples.append(Sample(now - began, await scrape(session, url)))
        if now >= until:
            return samples
        await asyncio.sleep(min(interval_s, max(0.0, until - now)))


@dataclass(frozen=True)
class BreakerStory:
    """One source's breaker over a scenario, as the outcome counts tell it (see the module docstring)."""

    source: str
    refused: int  # calls refused circuit_open
    episodes: int  # runs of consecutive intervals with refusals
    first_open_s: float | None  # since the scenario began
    closed_after_clear_s: float | None  # since the fault cleared; None if refusals went on to the end
    calls: Mapping[str, int]  # outcome -> calls, circuit_open included


def breaker_story(source: str, samples: Sequence[Sample], cleared_at: float) -> BreakerStory:
    deltas = [
        (later.at, _delta(later.outcomes, earlier.outcomes, source)) for earlier, later in itertools.pairwise(samples)
    ]
    open_at = [at for at, delta in deltas if delta[CIRCUIT_OPEN] > 0]
    episodes = sum(
        1
        for i, (_, delta) in enumerate(deltas)
        if delta[CIRCUIT_OPEN] > 0 and (i == 0 or not deltas[i - 1][1][CIRCUIT_OPEN])
    )
    closed_after: float | None = 0.0
    if open_at and open_at[-1] >= cleared_at:
        last = open_at[-1]
        closed_after = last - cleared_at if last < deltas[-1][0] else None
    total: Counter[str] = Counter()
    for _, delta in deltas:
        total.update(delta)
    return BreakerStory(
        source=source,
        refused=total[CIRCUIT_OPEN],
        episodes=episodes,
        first_open_s=open_at[0] if open_at else None,
        closed_after_clear_s=closed_after if open_at else None,
        calls={k: v for k, v in total.items() if v},
    )


def _delta(later: Outcomes, earlier: Outcomes, source: str) -> Counter[str]:
    delta: Counter[str] = Counter()
    for (system, outcome), count in later.items():
        if system == source:
            delta[outcome] = count - earlier.get((system, outcome), 0)
    return delta
