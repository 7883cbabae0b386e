"""SIGTERM to `family-context serve` under load: what is in flight finishes, nothing new gets in, the process ends.

A real `serve` process (as an operator or an orchestrator runs it) in front of the simulated systems, which answer
every request after `LATENCY_MS`, so a family-context query takes about a second (three dependent levels). The
gateway admits `RUNNING` requests at a time and queues more; `IN_FLIGHT` requests are sent, so some run and some
wait in the queue when SIGTERM arrives. Then:

* every one of them is answered 200 with the child whole (no error, no check `UNAVAILABLE`), within the request
  deadline (`request_timeout_s`) of being sent, queue wait included;
* a new connection is refused while they are still being answered (uvicorn closes its listening socket first);
* the process exits within the deadline plus a margin, by SIGTERM as uvicorn re-raises it once it has shut down,
  and its log shows the shutdown completing (`Application shutdown complete`), with no traceback and no ERROR.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from benchmarks.audit_overhead import free_port, wait_healthy
from benchmarks.load_answers import judge, verdict
from gateway.demo import demo_config, write_config
from gateway.graphiql import EXAMPLE_QUERY
from gateway.settings import Limits
from sandbox.runner import RunningSandbox, start_sandbox

ROOT = Path(__file__).resolve().parents[2]
LATENCY_MS = 300  # every simulated HTTP request: about a second per family-context query
RUNNING = 4
IN_FLIGHT = 8  # RUNNING run at once, the rest wait in the admission queue
DEADLINE_S = Limits().request_timeout_s
EXIT_MARGIN_S = 3.0


async def ask(session: aiohttp.ClientSession, url: str, cms_id: str) -> tuple[int, object, float]:
    started = time.perf_counter()
    request = {"query": EXAMPLE_QUERY, "variables": {"cmsId": cms_id}}
    async with session.post(f"{url}/graphql", json=request, headers={"X-Purpose": "ASSESSMENT"}) as response:
        body = json.loads(await response.read())
        return response.status, body, time.perf_counter() - started


async def connection_refused(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except ConnectionRefusedError:
        return True
    except ConnectionResetError:
        # Caught while the listening socket was closing: the connection was reset, not served. Not yet the
        # refusal the test waits for; the caller asks again.
        return False
    writer.close()
    await writer.wait_closed()
    return False


async def children_asked(sandbox: RunningSandbox) -> int:
    """How many child look-ups the CMS has received: each request that started running makes one."""
    return int((await sandbox.stats("cms"))["requests"].get("children_batch", 0))


async def test_sigterm_lets_requests_in_flight_finish_and_refuses_new_ones(tmp_path: Path) -> None:
    async with start_sandbox(tmp_path / "sandbox", seed=7, households=40, latency_ms=LATENCY_MS) as sandbox:
        config = demo_config(sandbox)  # development sign-in (loopback), source timeouts 2 s
        config["limits"] = {"max_concurrent_requests": RUNNING, "max_queued_requests": IN_FLIGHT}
        config_path = write_config(config, tmp_path / "authority.toml")
        port = free_port()
        log_path = tmp_path / "gateway.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "gateway.cli", "serve", "--config", str(config_path), "--port", str(port),
                "--log-level", "INFO",
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            await wait_healthy(url, process)
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=IN_FLIGHT + 4)) as session:
                await sandbox.reset_stats()  # the start-up probes are not requests
                requests = [asyncio.create_task(ask(session, url, f"C{i:06d}")) for i in range(1, IN_FLIGHT + 1)]
                async with asyncio.timeout(DEADLINE_S):  # the first ones are running, the rest queued
                    while await children_asked(sandbox) < RUNNING:
                        await asyncio.sleep(0.02)
                os.kill(process.pid, signal.SIGTERM)
                signalled = time.perf_counter()

                refused = False
                while not refused and time.perf_counter() - signalled < 1.0:
                    refused = await connection_refused(port)
                    await asyncio.sleep(0.02)
                still_answering = sum(not r.done() for r in requests)
                answers = await asyncio.gather(*requests)
                asked = await children_asked(sandbox)

            await asyncio.wait_for(process.wait(), DEADLINE_S + EXIT_MARGIN_S - (time.perf_counter() - signalled))
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    assert refused, "the gateway still accepted connections after SIGTERM"
    assert still_answering > 0, "nothing was in flight when new connections were refused"
    for status, body, seconds in answers:
        assert status == 200, body
        assert verdict(judge(status, body, None)) == "whole", body
        assert seconds < DEADLINE_S
    assert asked == IN_FLIGHT  # the queued ones ran too, after SIGTERM
    # uvicorn shuts down, then re-raises the signal it caught: the process ends as SIGTERM's default action ends it.
    assert process.returncode in (0, -signal.SIGTERM)
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Shutting down" in log_text
    assert "Application shutdown complete" in log_text
    assert "Traceback" not in log_text
    assert " ERROR " not in log_text
