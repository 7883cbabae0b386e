"""`make loop-trace`: every event-loop callback of a few family queries, in order, with what each one resumed.

    python -m benchmarks.loop_trace [--latency-ms 50] [--queries 3] [--query family|tiny]

Spans (`make timeline`) say how long each level of upstream calls took and how much time lies between them;
py-spy (`make profile`) says which functions the CPU went to, over many requests. Neither says what the loop was
doing at a given moment of one request: which task ran, for how long, and where the gaps are (the process idle,
waiting for a source, a thread or the disk). This does.

Starts the simulated systems (`benchmarks/sandbox_process.py`) and one gateway, each in its own process; the
gateway runs `family-context serve --loop asyncio` with a recorder around asyncio's callback runner
(`asyncio.events.Handle._run`, pure Python on asyncio's own loop; uvloop runs its callbacks in C, so the traced
gateway does not use it, and its figures are higher than `make bench`'s). After a warm-up the queries are sent one
at a time and each one's callbacks are written to `.prof/loop-trace.txt` (not committed): the offset from the
query's first callback, the callback's own time, and what it resumed: for a task, the chain of coroutines it was
suspended in (outermost first, each with the line it waits at); for anything else, the callback's name.

Labels are code names and line numbers only: no argument, value or `repr()` is read (a `repr` can run code; one of
aiohttp's caches its response's headers as missing when asked too early), so nothing personal is recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import asyncio.events
import collections
import contextlib
import itertools
import signal
import sys
import time
import types
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from benchmarks.audit_overhead import free_port, wait_healthy
from benchmarks.gateway_cpu import FAMILY_QUERY, TINY_QUERY, Code, must_answer, sandbox_process, write_config_for

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / ".prof" / "loop-trace.txt"
WORKDIR = ROOT / "benchmarks" / ".work" / "loop_trace"
WARM_UP = 20
MAX_CHAIN = 12  # coroutines named per task label, outermost first
KEPT = 50_000  # callbacks the recorder keeps (the newest)


@dataclass(frozen=True)
class Callback:
    start_ns: int  # time.perf_counter_ns(): CLOCK_MONOTONIC, the same clock in every process on Linux
    end_ns: int
    label: str


def label(handle: asyncio.Handle) -> str:
    """What a handle runs: 'task outer:line > inner:line ...' for a task's step, else the callback's name."""
    callback = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        chain: list[str] = []
        awaited: object = owner.get_coro()
        # Only real coroutines and generators are walked: other awaitables' attributes could run code.
        while isinstance(awaited, types.CoroutineType | types.GeneratorType) and len(chain) < MAX_CHAIN:
            frame = awaited.cr_frame if isinstance(awaited, types.CoroutineType) else awaited.gi_frame
            chain.append(awaited.__qualname__ + (f":{frame.f_lineno}" if frame is not None else ""))
            awaited = awaited.cr_await if isinstance(awaited, types.CoroutineType) else awaited.gi_yieldfrom
        return "task " + " > ".join(chain)
    name = getattr(callback, "__qualname__", None)
    return name if isinstance(name, str) else type(callback).__name__


class Recorder:
    """Wraps asyncio's `Handle._run` (every callback a pure-Python loop runs, task steps included) to note each
    callback's start, end and label; `remove()` puts the original back."""

    def __init__(self, kept: int = KEPT) -> None:
        self.callbacks: collections.deque[Callback] = collections.deque(maxlen=kept)
        self._original: Callable[[asyncio.Handle], None] | None = None

    def install(self) -> None:
        original = asyncio.events.Handle._run
        self._original = original
        callbacks = self.callbacks
        clock = time.perf_counter_ns

        def _run(handle: asyncio.Handle) -> None:
            what = label(handle)
            started = clock()
            try:
                original(handle)
            finally:
                callbacks.append(Callback(started, clock(), what))

        asyncio.events.Handle._run = _run  # type: ignore[method-assign, assignment]

    def remove(self) -> None:
        if self._original is not None:
            asyncio.events.Handle._run = self._original  # type: ignore[method-assign, assignment]
            self._original = None

    def write(self, path: Path) -> None:
        path.write_text("".join(f"{c.start_ns} {c.end_ns} {c.label}\n" for c in list(self.callbacks)))


def read(path: Path) -> list[Callback]:
    found = []
    for line in path.read_text().splitlines():
        start, end, what = line.split(" ", 2)
        found.append(Callback(int(start), int(end), what))
    return found


def between(callbacks: Iterable[Callback], start_ns: int, end_ns: int) -> list[Callback]:
    """The callbacks that started in [start_ns, end_ns), in order."""
    return sorted((c for c in callbacks if start_ns <= c.start_ns < end_ns), key=lambda c: c.start_ns)


def fit(text: str, width: int) -> str:
    """A label cut to `width`: a task's outermost coroutine and as many of the innermost as fit (where it waits)."""
    if len(text) <= width:
        return text
    head, _, rest = text.partition(" > ")
    tail = rest[-(width - len(head) - 5) :] if rest else ""
    return f"{head} > …{tail}" if rest and len(head) + 5 < width else text[:width]


def report(title: str, callbacks: Sequence[Callback], *, width: int = 220, longest: int = 12) -> str:
    """One query's callbacks: each with its offset and own time, then the totals, the longest callbacks and the
    idle gaps of a millisecond or more (the process waiting: for a source, a thread or the disk)."""
    if not callbacks:
        return f"## {title}\n\nno callbacks recorded\n"
    first = callbacks[0].start_ns
    wall_ms = (max(c.end_ns for c in callbacks) - first) / 1e6
    busy_ms = sum(c.end_ns - c.start_ns for c in callbacks) / 1e6
    lines = [
        f"## {title}",
        "",
        f"{len(callbacks)} callbacks; the loop busy {busy_ms:.2f} ms of {wall_ms:.2f} ms",
        "",
        "  offset ms   own us  what it resumed",
    ]
    for c in callbacks:
        lines.append(f"{(c.start_ns - first) / 1e6:10.3f} {(c.end_ns - c.start_ns) / 1e3:8.1f}  {fit(c.label, width)}")
    lines += ["", "longest:", ""]
    ranked = sorted(callbacks, key=lambda c: c.start_ns - c.end_ns)[:longest]
    lines += [
        f"{(c.end_ns - c.start_ns) / 1e3:8.1f} us at {(c.start_ns - first) / 1e6:8.3f} ms  {fit(c.label, width)}"
        for c in ranked
    ]
    gaps = [
        (before.end_ns, after.start_ns)
        for before, after in itertools.pairwise(callbacks)
        if after.start_ns - before.end_ns >= 1_000_000
    ]
    lines += ["", "idle a millisecond or more:", ""]
    lines += [f"{(a - first) / 1e6:10.3f} to {(b - first) / 1e6:10.3f} ms ({(b - a) / 1e6:.2f} ms)" for a, b in gaps]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the traced gateway (a process of its own)


def serve_traced(out: Path, serve_args: list[str]) -> None:
    """`family-context serve` with the recorder installed; SIGUSR1 writes what it recorded to `out`."""
    recorder = Recorder()
    recorder.install()
    signal.signal(signal.SIGUSR1, lambda *_: recorder.write(out))
    from gateway.cli import main as cli_main  # imported here: the parent process never starts a gateway

    sys.argv = ["family-context", "serve", *serve_args]
    cli_main()


@contextlib.asynccontextmanager
async def traced_gateway(config: Path, out: Path) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    port = free_port()
    log = (WORKDIR / "gateway.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.loop_trace", "--serve-traced", str(out), "--",
        "--config", str(config), "--port", str(port), "--log-level", "WARNING", "--loop", "asyncio",
        cwd=ROOT, stdout=log, stderr=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url, process)
        yield url, process
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
        log.close()


async def run(args: argparse.Namespace) -> str:
    OUT.parent.mkdir(exist_ok=True)
    WORKDIR.mkdir(parents=True, exist_ok=True)
    recorded = WORKDIR / "callbacks.txt"
    recorded.unlink(missing_ok=True)
    query = {"family": FAMILY_QUERY, "tiny": TINY_QUERY}[args.query]
    code = Code("this", ROOT, sys.executable)
    windows: list[tuple[str, int, int]] = []
    async with sandbox_process(WORKDIR / "sandbox", 300, args.latency_ms) as where:
        config = await write_config_for(code, where, WORKDIR / "authority.toml")
        async with traced_gateway(config, recorded) as (url, process), aiohttp.ClientSession() as session:
            for i in range(WARM_UP):
                await must_answer(session, url, query, {"cmsId": f"C{i + 1:06d}"})
            for i in range(args.queries):
                cms_id = f"C{WARM_UP + i + 1:06d}"
                await asyncio.sleep(0.2)  # the process idle between queries, as one worker's queries would find it
                started = time.perf_counter_ns()
                await must_answer(session, url, query, {"cmsId": cms_id})
                windows.append((f"{args.query} query {i + 1} of {args.queries}", started, time.perf_counter_ns()))
            process.send_signal(signal.SIGUSR1)
            for _ in range(100):  # the file is written by the gateway's signal handler
                await asyncio.sleep(0.05)
                if recorded.exists() and recorded.stat().st_size:
                    break
    callbacks = read(recorded)
    head = (
        f"# Event-loop callbacks, {args.latency_ms} ms upstream latency (`make loop-trace`, asyncio's loop: "
        "uvloop's figures are lower)\n\n"
    )
    return head + "\n".join(report(title, between(callbacks, start, end)) for title, start, end in windows)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--serve-traced":
        rest = sys.argv[3:]
        serve_traced(Path(sys.argv[2]), rest[1:] if rest[:1] == ["--"] else rest)
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--queries", type=int, default=3)
    parser.add_argument("--query", choices=("family", "tiny"), default="family")
    args = parser.parse_args()
    text = asyncio.run(run(args))
    OUT.write_text(text)
    print(text[:6000])
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
