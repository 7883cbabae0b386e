"""Healthy load at one concurrency, and the soak: the gateway's answers, latency, CPU and memory while every source
is healthy.

A level runs `concurrency` clients (each its own user) for `seconds` and records, besides the answers
(`benchmarks.load_summary`), the gateway process's VmRSS before and after and its CPU time, and the CPU time of
this process (the simulated systems and the load generator): on a small machine the three share the cores, and a
load generator short of CPU would flatter the gateway's latency.

The soak is one long level whose VmRSS is sampled every `rss_every_s` seconds: memory that keeps growing under a
steady load is a leak, memory that levels off is caches and allocator pools filling up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from benchmarks.load_answers import Picture
from benchmarks.load_client import Client, client_session, drive
from benchmarks.load_summary import Summary, summarise
from benchmarks.serve_process import ServedGateway


@dataclass(frozen=True)
class LevelResult:
    concurrency: int
    seconds: float  # the window clients asked in
    wall_s: float  # until the last answer came back
    summary: Summary
    rss_before_mib: float
    rss_after_mib: float
    gateway_cpu: float  # cores used on average (1.0 = one core busy all the time)
    load_cpu: float  # this process: the simulated systems and the clients
    rss_samples: Sequence[tuple[float, float]] = ()  # (seconds since start, MiB), the soak only
    log_problems: Sequence[str] = ()


async def run_level(
    gateway: ServedGateway,
    clients: Sequence[Client],
    children: Sequence[str],
    baselines: Mapping[str, Picture],
    *,
    seconds: float,
    seed: int = 1,
    rss_every_s: float = 0.0,
) -> LevelResult:
    """`clients` asking for `seconds`; with `rss_every_s`, VmRSS is also sampled that often (the soak)."""
    log_mark = gateway.log_size()
    rss_before = gateway.rss_mib()
    cpu_before, own_before = gateway.cpu_seconds(), time.process_time()
    began = time.perf_counter()
    samples: list[tuple[float, float]] = []

    async def sample_rss() -> None:
        while (elapsed := time.perf_counter() - began) < seconds:
            samples.append((elapsed, gateway.rss_mib()))
            await asyncio.sleep(min(rss_every_s, seconds - elapsed))
        samples.append((time.perf_counter() - began, gateway.rss_mib()))

    async with client_session(len(clients)) as session:
        asking = drive(session, gateway.url, clients, children, baselines, seconds=seconds, seed=seed, began=began)
        if rss_every_s > 0:
            answers, _ = await asyncio.gather(asking, sample_rss())
        else:
            answers = await asking
    wall = time.perf_counter() - began
    return LevelResult(
        concurrency=len(clients),
        seconds=seconds,
        wall_s=wall,
        summary=summarise(answers, seconds),
        rss_before_mib=rss_before,
        rss_after_mib=gateway.rss_mib(),
        gateway_cpu=(gateway.cpu_seconds() - cpu_before) / wall,
        load_cpu=(time.process_time() - own_before) / wall,
        rss_samples=samples,
        log_problems=gateway.log_problems(log_mark),
    )


@dataclass(frozen=True)
class Growth:
    """The soak's memory over time (MiB): at the start, after the first minute, at the end, the highest, and the
    least-squares slope after the first minute (MiB per minute)."""

    start: float
    after_first_minute: float
    end: float
    highest: float
    slope_after_first_minute: float


def growth(samples: Sequence[tuple[float, float]]) -> Growth:
    settled = [(t, m) for t, m in samples if t >= 60.0] or list(samples)
    after_minute = settled[0][1]
    return Growth(
        start=samples[0][1],
        after_first_minute=after_minute,
        end=samples[-1][1],
        highest=max(m for _, m in samples),
        slope_after_first_minute=_slope(settled) * 60.0,
    )


def _slope(points: Sequence[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / len(points)
    mean_m = sum(m for _, m in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    return sum((t - mean_t) * (m - mean_m) for t, m in points) / spread if spread else 0.0
