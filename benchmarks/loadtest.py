"""Load test: the family-context query under healthy load, under failing sources, and over a long run.

    python -m benchmarks.loadtest [--seconds 60] [--concurrency 8,32,128] [--faults all] [--fault-seconds 20]
                                  [--recovery-seconds 15] [--fault-concurrency 32] [--soak 0] [--no-faults]

Loopback only. The simulated systems (`sandbox.runner.start_sandbox`: 300 households, the demo's seed, 50 ms
injected into every simulated HTTP request) run in this process with the load generator; the gateway runs as
`family-context serve` in its own process (`benchmarks/serve_process.py`) with the demo's sign-in: every simulated
client is a social worker of their own with a token from the demo's key (`mint_token`), so per-principal rate
limits apply as they would to that many people, and asks with `X-Purpose: ASSESSMENT`. The query is the one
GraphiQL opens with (`gateway.graphiql.EXAMPLE_QUERY`), for children drawn at random (seeded) from every child of
the CMS. The configuration is the demo's (`gateway.demo.demo_config`: source timeouts 2 s, the default `[limits]`:
a 5 s request deadline, 64 requests running and 128 queued per process) except that the police extract is checked
every 5 s instead of 60 s, so that a broken extract is noticed within a scenario.

First every child's answer is fetched once with every source healthy (the baseline each answer is compared with).
Then:

1. healthy load at each concurrency for `--seconds`: answers by status, non-coded errors, `child: null`, answers
   that are not whole, p50/p95/p99 of the 200s, throughput, the gateway's VmRSS before and after;
2. fault scenarios (`benchmarks/load_faults.py`) at `--fault-concurrency` clients: each source down, slow,
   garbage; housing flapping; two at once; the CMS slow;
3. with `--soak SECONDS`, a fresh gateway under `--soak-concurrency` clients for that long, VmRSS every 10 s.

The report is printed and written to benchmarks/.work/loadtest/report.md (docs/reliability.md holds one run's
report with what it means). The exit status is 1 when a promise was broken: under healthy load a non-coded or
INTERNAL error, a `child: null` or a 200 that is not whole; in a fault scenario a non-coded or INTERNAL error, an
answer that lost more than the failing sources' part, a p99 over the request deadline, or a healthy source's
breaker refusing a call.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from auth.demo_issuer import write_demo_keys
from benchmarks.family_context import WORKDIR
from benchmarks.load_client import client_session, demo_clients, fetch_baselines
from benchmarks.load_faults import PROBE_PAUSE_S, SETTLE_TIMEOUT_S, ScenarioResult, chosen, run_scenario, settle
from benchmarks.load_levels import LevelResult, run_level
from benchmarks.load_report import breakers_table, fault_notes, faults_table, level_notes, levels_table, soak_lines
from benchmarks.serve_process import serve_gateway
from gateway.demo import demo_auth, demo_config, write_config
from gateway.settings import Limits
from sandbox.runner import RunningSandbox, start_sandbox

LOADTEST_DIR = WORKDIR / "loadtest"
REPORT = LOADTEST_DIR / "report.md"
POLICE_REFRESH_S = 5.0
BASELINE_CLIENTS = 8


def positive_ints(text: str) -> list[int]:
    """`8,32,128`; `none` for no healthy levels (a soak or the fault scenarios alone)."""
    if text.strip() == "none":
        return []
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive whole numbers separated by commas; got {text!r}")
    return values


def gateway_config(sandbox: RunningSandbox, key_file: Path, jwks_file: Path) -> Path:
    config = demo_config(sandbox, auth=demo_auth(key_file, jwks_file))
    for source in config["sources"]:
        if source["kind"] == "police_csv":
            source["refresh_s"] = POLICE_REFRESH_S
    return write_config(config, sandbox.workdir / "authority.toml")


def cms_children(sandbox: RunningSandbox) -> list[str]:
    return sorted(p.id for p in sandbox.population.cms.people.values() if p.is_child)


async def run(args: argparse.Namespace) -> tuple[list[LevelResult], list[ScenarioResult], LevelResult | None, float]:
    started = time.perf_counter()
    LOADTEST_DIR.mkdir(parents=True, exist_ok=True)
    async with start_sandbox(
        LOADTEST_DIR, seed=args.seed, households=args.households, latency_ms=args.latency_ms
    ) as sandbox:
        key_file, jwks_file = write_demo_keys(LOADTEST_DIR.resolve())
        config_path = gateway_config(sandbox, key_file, jwks_file)
        children = cms_children(sandbox)
        levels: list[LevelResult] = []
        faults: list[ScenarioResult] = []
        async with serve_gateway(config_path, LOADTEST_DIR / "gateway.log", log_level=args.log_level) as gateway:
            async with client_session(BASELINE_CLIENTS) as session:
                baseline_clients = demo_clients(key_file, BASELINE_CLIENTS, "lt-baseline")
                baselines = await fetch_baselines(session, gateway.url, baseline_clients, children)
            print(f"baselines: {len(baselines)} children, {time.perf_counter() - started:.0f} s", flush=True)
            for concurrency in args.concurrency:
                clients = demo_clients(key_file, concurrency, f"lt-c{concurrency}")
                level = await run_level(gateway, clients, children, baselines, seconds=args.seconds, seed=args.seed)
                levels.append(level)
                print("\n".join(levels_table([level])[2:]), flush=True)
            for n, scenario in enumerate(chosen(args.faults)):
                probe = demo_clients(key_file, 1, f"lt-f{n}-probe", pause_s=PROBE_PAUSE_S)
                clients = demo_clients(key_file, args.fault_concurrency, f"lt-f{n}") + probe
                async with client_session(len(clients)) as session:
                    settled = await settle(session, gateway.url, probe[0], children, baselines)
                    if settled is None:
                        print(f"before {scenario.name}: answers not whole for {SETTLE_TIMEOUT_S:g} s", flush=True)
                    result = await run_scenario(
                        scenario,
                        sandbox=sandbox,
                        gateway=gateway,
                        session=session,
                        clients=clients,
                        children=children,
                        baselines=baselines,
                        fault_s=args.fault_seconds,
                        recovery_s=args.recovery_seconds,
                        seed=args.seed + n,
                    )
                faults.append(result)
                print("\n".join(faults_table([result], Limits().request_timeout_s)[2:]), flush=True)
        soak = None
        if args.soak > 0:
            soak_log = LOADTEST_DIR / "gateway-soak.log"
            async with serve_gateway(config_path, soak_log, log_level=args.log_level) as gateway:
                clients = demo_clients(key_file, args.soak_concurrency, "lt-soak")
                soak = await run_level(
                    gateway, clients, children, baselines, seconds=args.soak, seed=args.seed, rss_every_s=10.0
                )
    return levels, faults, soak, time.perf_counter() - started


def report(
    args: argparse.Namespace,
    levels: Sequence[LevelResult],
    faults: Sequence[ScenarioResult],
    soak: LevelResult | None,
    took_s: float,
) -> str:
    deadline = Limits().request_timeout_s
    lines = [
        "## Load test",
        "",
        f"Run on {datetime.date.today().isoformat()} by `{args.command}` on {platform.machine()} with "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, in "
        f"{took_s / 60:.1f} min. {args.households} households (seed {args.seed}), {args.latency_ms} ms injected into "
        "every simulated HTTP request.",
        "",
    ]
    if levels:
        lines += [
            f"### Healthy load, {args.seconds:g} s per level",
            "",
            *levels_table(levels),
            "",
            *level_notes(levels),
        ]
        lines.append("")
    if faults:
        lines += [
            f"### Fault scenarios, {args.fault_concurrency} clients, {args.fault_seconds:g} s of fault then "
            f"{args.recovery_seconds:g} s recovered",
            "",
            *faults_table(faults, deadline),
            "",
            *breakers_table(faults),
            "",
            *fault_notes(faults),
            "",
        ]
    if soak is not None:
        lines += [
            f"### Soak, {args.soak_concurrency} clients for {args.soak:g} s (a fresh gateway)",
            "",
            *levels_table([soak]),
            "",
            *soak_lines(soak),
            "",
        ]
    return "\n".join(lines)


def broken_promises(
    levels: Sequence[LevelResult], faults: Sequence[ScenarioResult], soak: LevelResult | None
) -> list[str]:
    broken = []
    for level in [*levels, *([soak] if soak else [])]:
        s = level.summary
        for what, count in (
            ("non-coded errors", s.non_coded),
            ("INTERNAL errors", s.internal),
            ("child: null", s.child_null),
            ("200s not whole", s.ok - s.verdicts["whole"]),
        ):
            if count:
                broken.append(f"{level.concurrency} healthy clients: {count} {what}")
    deadline = Limits().request_timeout_s
    for result in faults:
        name = result.scenario.name
        if result.healthy_refusals():
            broken.append(f"{name}: healthy breakers refused calls {result.healthy_refusals()}")
        for window, s in (("during the fault", result.during), ("after clearing", result.after)):
            if s.non_coded or s.internal:
                broken.append(f"{name}: {s.non_coded} non-coded and {s.internal} INTERNAL errors {window}")
            lost = s.verdicts["other_missing"] + s.verdicts["child_null"]
            if lost:
                broken.append(f"{name}: {lost} answers lost more than the failing part {window}")
        if result.during.p99_s > deadline:
            broken.append(f"{name}: p99 {result.during.p99_s:.1f} s over the {deadline:g} s deadline")
    return broken


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="per concurrency level (default 60)")
    parser.add_argument(
        "--concurrency", type=positive_ints, default=[8, 32, 128], help="levels (default 8,32,128; none)"
    )
    parser.add_argument("--faults", default="all", help="all, none, or scenario names (e.g. housing,cms slow)")
    parser.add_argument("--fault-seconds", type=float, default=20.0)
    parser.add_argument("--recovery-seconds", type=float, default=15.0)
    parser.add_argument("--fault-concurrency", type=int, default=32)
    parser.add_argument("--soak", type=float, default=0.0, metavar="SECONDS", help="e.g. 300; default off")
    parser.add_argument("--soak-concurrency", type=int, default=32)
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--log-level", default="WARNING", help="the gateway's (default WARNING)")
    parser.add_argument("--out", type=Path, default=REPORT, help=f"where the report goes (default {REPORT})")
    args = parser.parse_args(argv)
    given = list(sys.argv[1:] if argv is None else argv)
    args.command = " ".join(["python -m benchmarks.loadtest", *given])
    levels, faults, soak, took = asyncio.run(run(args))
    text = report(args, levels, faults, soak, took)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    broken = broken_promises(levels, faults, soak)
    for line in broken:
        print(f"BROKEN: {line}")
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
