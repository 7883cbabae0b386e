"""The loop-trace tool's recorder and report (no gateway runs): what a callback is labelled with, that the recorder
sees task steps and plain callbacks on asyncio's own loop and puts the runner back, and what the report shows."""

from __future__ import annotations

import asyncio
import asyncio.events
from pathlib import Path

from benchmarks.loop_trace import Callback, Recorder, between, fit, label, read, report


class _Touchy:
    """A callback owner whose repr must never be asked for (aiohttp's response is one)."""

    def __repr__(self) -> str:
        raise AssertionError("repr() was called")

    def poke(self) -> None:
        pass


async def _inner() -> None:
    await asyncio.sleep(0.001)


async def _outer() -> None:
    await _inner()


def test_the_recorder_sees_task_steps_and_callbacks_and_puts_the_runner_back(tmp_path: Path) -> None:
    original = asyncio.events.Handle._run
    recorder = Recorder()
    recorder.install()
    try:

        async def scenario() -> None:
            asyncio.get_running_loop().call_soon(_Touchy().poke)
            await asyncio.create_task(_outer(), name="traced")

        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(scenario())
        finally:
            loop.close()
    finally:
        recorder.remove()
    assert asyncio.events.Handle._run is original

    labels = [c.label for c in recorder.callbacks]
    assert "_Touchy.poke" in labels
    # The task's first step starts its coroutine; its second resumes it where it waits, inside _inner.
    steps = [x for x in labels if x.startswith("task _outer")]
    assert steps[0] == "task _outer" or steps[0].startswith("task _outer:")
    assert any(" > _inner:" in x for x in steps)
    assert all(c.end_ns >= c.start_ns for c in recorder.callbacks)

    path = tmp_path / "callbacks.txt"
    recorder.write(path)
    assert read(path) == list(recorder.callbacks)


def test_a_label_never_asks_for_a_repr() -> None:
    loop = asyncio.new_event_loop()
    try:
        handle = loop.call_soon(_Touchy().poke)
        assert label(handle) == "_Touchy.poke"
        handle.cancel()
    finally:
        loop.close()


def test_the_report_orders_the_window_and_shows_the_longest_callbacks_and_the_idle_gaps() -> None:
    ms = 1_000_000
    callbacks = [
        Callback(5 * ms, 5 * ms + 200_000, "task later"),
        Callback(0, 100_000, "task first"),
        Callback(60 * ms, 61 * ms, "task after the window"),
        Callback(1 * ms, 1 * ms + 50_000, "callback"),
    ]
    window = between(callbacks, 0, 50 * ms)
    assert [c.label for c in window] == ["task first", "callback", "task later"]

    text = report("one query", window)

    assert "3 callbacks; the loop busy 0.35 ms of 5.20 ms" in text
    assert "     5.000    200.0  task later" in text
    longest = text.split("longest:")[1].split("idle")[0]
    assert longest.index("task later") < longest.index("task first") < longest.index("callback")
    assert "1.050 to      5.000 ms (3.95 ms)" in text
    assert "0.100 to" not in text.split("idle a millisecond or more:")[1]  # 0.9 ms: under a millisecond


def test_a_long_task_label_keeps_its_outermost_coroutine_and_where_it_waits() -> None:
    text = "task outer:1 > " + " > ".join(f"middle{n}:2" for n in range(30)) + " > innermost:9"
    cut = fit(text, 80)
    assert len(cut) <= 80 and cut.startswith("task outer:1 > …") and cut.endswith(" > innermost:9")
    assert fit("task short:1", 80) == "task short:1"
