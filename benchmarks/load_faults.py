"""Fault scenarios under load: a source breaks while clients keep asking, then recovers.

Each scenario runs the clients for `fault_s + recovery_s` seconds: the fault is set (`RunningSandbox.set_fault`)
as they start and cleared after `fault_s`; a flapping scenario switches it on and off every `flap_s` until then.
Measured, per scenario:

* answers asked during the fault, judged with the failing sources as the excuse (`benchmarks.load_answers`):
  whole, only the failing sources' part missing, anything else missing; p99 against the request deadline;
* the breakers, from `/metrics` sampled every second (`benchmarks.upstream_metrics`): when the failing source's
  opened, how many calls it refused and how many reached the source (the sandbox's own count for an HTTP system),
  when it let calls through again after the clearing; and that no healthy source's breaker refused anything;
* how long after the clearing every answer was whole again. Besides the load's clients, one probe client (a user
  of its own, one question every `PROBE_PAUSE_S`) asks throughout: load clients that used up their rate limit
  while the fault made answers fast may wait out a long `Retry-After`, and the recovery is still observed;
* the gateway's log lines with a traceback or an ERROR record during the scenario.

Before each scenario the gateway must answer whole three times in a row (`settle`), so that one scenario's
recovery does not spill into the next one's figures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiohttp

from benchmarks.load_answers import SOURCES, Picture, verdict
from benchmarks.load_client import Answer, Client, ask, drive
from benchmarks.load_summary import Summary, summarise, whole_again_after
from benchmarks.serve_process import ServedGateway
from benchmarks.upstream_metrics import BreakerStory, Sample, breaker_story, sample_every
from sandbox.ground_truth import HTTP_SYSTEMS
from sandbox.runner import RunningSandbox

MODES = ("down", "slow", "garbage")
PROBE_PAUSE_S = 0.5
SETTLE_TIMEOUT_S = 30.0
EXAMPLES = 3  # answers kept per scenario that lost more than the failing part, to see what they lost


@dataclass(frozen=True)
class Scenario:
    name: str
    faults: tuple[tuple[str, str], ...]  # (sandbox system, mode)
    flap_s: float = 0.0  # > 0: on for flap_s, off for flap_s, ... until the fault window ends

    @property
    def failing(self) -> tuple[str, ...]:
        return tuple(system for system, _ in self.faults)


SCENARIOS: tuple[Scenario, ...] = (
    *(Scenario(f"{s} {m}", ((s, m),)) for s in ("adult_social_care", "housing") for m in MODES),
    Scenario("cms slow", (("cms", "slow"),)),
    *(Scenario(f"{s} {m}", ((s, m),)) for s in ("police", "school") for m in MODES),
    Scenario("housing flapping (3 s down, 3 s up)", (("housing", "down"),), flap_s=3.0),
    Scenario("adult_social_care down + housing slow", (("adult_social_care", "down"), ("housing", "slow"))),
)


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    concurrency: int
    fault_s: float
    recovery_s: float
    during: Summary
    after: Summary
    whole_again_s: float | None
    breakers: Mapping[str, BreakerStory]  # sandbox system -> its breaker's story
    reached: Mapping[str, int]  # failing HTTP system -> requests it received during the fault
    log_problems: Sequence[str]
    examples: Sequence[Answer]  # a few answers during the fault that lost more than the failing part

    def healthy_refusals(self) -> dict[str, int]:
        """Calls refused `circuit_open` by the breakers of sources that were not failing: must be none."""
        return {s: b.refused for s, b in self.breakers.items() if s not in self.scenario.failing and b.refused}


async def set_faults(sandbox: RunningSandbox, faults: Sequence[tuple[str, str]]) -> None:
    for system, mode in faults:
        # An HTTP system keeps the sandbox-wide latency: only the fault changes.
        await sandbox.set_fault(system, mode, latency_ms=sandbox.latency_ms if system in HTTP_SYSTEMS else 0)


def clear_faults(sandbox: RunningSandbox, faults: Sequence[tuple[str, str]]) -> None:
    for system, _ in faults:
        sandbox.clear_fault(system)


async def http_requests(sandbox: RunningSandbox) -> dict[str, int]:
    return {system: int((await sandbox.stats(system))["total"]) for system in HTTP_SYSTEMS}


async def run_scenario(
    scenario: Scenario,
    *,
    sandbox: RunningSandbox,
    gateway: ServedGateway,
    session: aiohttp.ClientSession,
    clients: Sequence[Client],
    children: Sequence[str],
    baselines: Mapping[str, Picture],
    fault_s: float,
    recovery_s: float,
    seed: int = 1,
) -> ScenarioResult:
    log_mark = gateway.log_size()
    total_s = fault_s + recovery_s
    at_start = await http_requests(sandbox)
    began = time.perf_counter()

    async def control() -> dict[str, int]:
        try:
            await set_faults(sandbox, scenario.faults)
            if scenario.flap_s > 0:
                on = True
                while (left := began + fault_s - time.perf_counter()) > 0:
                    await asyncio.sleep(min(scenario.flap_s, left))
                    if time.perf_counter() >= began + fault_s:
                        break
                    on = not on
                    if on:
                        await set_faults(sandbox, scenario.faults)
                    else:
                        clear_faults(sandbox, scenario.faults)
            else:
                await asyncio.sleep(max(0.0, began + fault_s - time.perf_counter()))
            return await http_requests(sandbox)
        finally:
            clear_faults(sandbox, scenario.faults)

    answers, samples, at_clear = await asyncio.gather(
        drive(session, gateway.url, clients, children, baselines, seconds=total_s, seed=seed, began=began),
        sample_every(session, gateway.url, began, began + total_s + 1.0),
        control(),
    )
    load = sum(1 for client in clients if client.pause_s == 0)
    return _result(scenario, load, fault_s, recovery_s, answers, samples, at_start, at_clear, gateway, log_mark)


def _result(
    scenario: Scenario,
    concurrency: int,
    fault_s: float,
    recovery_s: float,
    answers: Sequence[Answer],
    samples: Sequence[Sample],
    at_start: Mapping[str, int],
    at_clear: Mapping[str, int],
    gateway: ServedGateway,
    log_mark: int,
) -> ScenarioResult:
    during = [a for a in answers if a.started < fault_s]
    after = [a for a in answers if a.started >= fault_s]
    failing = scenario.failing
    examples = [a for a in during if verdict(a.judgement, failing) in ("other_missing", "child_null")][:EXAMPLES]
    return ScenarioResult(
        scenario=scenario,
        concurrency=concurrency,
        fault_s=fault_s,
        recovery_s=recovery_s,
        during=summarise(during, fault_s, failing),
        after=summarise(after, recovery_s, failing),
        whole_again_s=whole_again_after(answers, fault_s, fault_s + recovery_s),
        breakers={system: breaker_story(SOURCES[system][1], samples, fault_s) for system in SOURCES},
        reached={s: at_clear[s] - at_start[s] for s in failing if s in at_clear},
        log_problems=gateway.log_problems(log_mark),
        examples=examples,
    )


async def settle(
    session: aiohttp.ClientSession,
    url: str,
    probe: Client,
    children: Sequence[str],
    baselines: Mapping[str, Picture],
    *,
    in_a_row: int = 3,
    timeout_s: float = SETTLE_TIMEOUT_S,
) -> float | None:
    """Ask one child after another until `in_a_row` answers are whole: the seconds it took, None if it never was."""
    began = time.perf_counter()
    whole = 0
    for i in range(10_000):
        if time.perf_counter() - began > timeout_s:
            return None
        cms_id = children[i % len(children)]
        judgement, _ = await ask(session, url, probe, cms_id, baselines.get(cms_id))
        whole = whole + 1 if verdict(judgement) == "whole" else 0
        if whole >= in_a_row:
            return time.perf_counter() - began
        await asyncio.sleep(probe.pause_s if whole == 0 else 0.0)
    return None


def chosen(names: str) -> list[Scenario]:
    """`all`, `none`, or a comma-separated list of scenario names or their first words (`housing,cms slow`)."""
    if names.strip() == "all":
        return list(SCENARIOS)
    if names.strip() in ("", "none"):
        return []
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    picked = [s for s in SCENARIOS if any(s.name == w or s.name.startswith(w + " ") for w in wanted)]
    unknown = [w for w in wanted if not any(s.name == w or s.name.startswith(w + " ") for s in SCENARIOS)]
    if unknown:
        raise ValueError(f"unknown fault scenarios {unknown}; known: {', '.join(s.name for s in SCENARIOS)}")
    return picked
