"""Benchmark: what the social worker's page adds to the family-context query it is built on.

    python -m benchmarks.webapp_page [--households 300] [--children 60] [--no-write]

The demo stack (simulated systems on loopback, the demo's sign-in, the page on), one signed-in worker with a
purpose. For the first N children, alternately (the order swapping child by child, so a shared machine's drift falls
on both alike):

* the page: `GET /app/child/{cmsId}`, the whole family page as a browser gets it (session look-up, the in-process
  call to `/graphql`, the templates), over HTTP;
* the API alone: `POST /graphql` with the page's own `FamilyContext` operation, token, purpose and case reference.

Both send the same query through the same gateway, so the difference is the page's own work. Reported: p50 and p95
of each, the ratio of the p50s, and the page's size. All numbers come from one run on one machine; the report is
printed and written as the "The social worker's page" section of docs/benchmarks.md (other sections kept).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx2

from auth.demo_issuer import KEY_FILENAME, mint_token
from auth.principal import Role
from benchmarks.report_file import publish
from benchmarks.stats import percentile
from gateway.demo import demo_stack, demo_worker
from sandbox.runner import RunningSandbox
from webapp.operations import operation

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def run(households: int, children: int) -> str:
    with tempfile.TemporaryDirectory(prefix="fc-bench-page-") as workdir:
        config = {"app": {"enabled": True, "secure_cookie": False}}
        async with (
            demo_stack(Path(workdir), sign_in="demo", households=households, extra_config=config) as (sandbox, served),
            httpx2.AsyncClient(base_url=served.url, follow_redirects=True, timeout=60) as page,
            httpx2.AsyncClient(base_url=served.url, timeout=60) as api,
        ):
            form = await page.get("/app/sign-in")
            await page.post("/app/sign-in", data={"csrf_token": _csrf(form.text), "role": "SOCIAL_WORKER"})
            form = await page.get("/app/purpose")
            await page.post(
                "/app/purpose",
                data={"csrf_token": _csrf(form.text), "purpose": "ASSESSMENT", "case_reference": "BENCH-1"},
            )
            token = _demo_token(Path(workdir), sandbox)
            ids = [p for p in sandbox.population.cms.people if p.startswith("C")][:children]
            op = operation("FamilyContext")
            headers = {
                "Authorization": f"Bearer {token}",
                "X-Purpose": "ASSESSMENT",
                "X-Case-Reference": "BENCH-1",
                "Content-Type": "application/json",
            }

            async def via_page(cms_id: str) -> tuple[float, int]:
                started = time.perf_counter()
                response = await page.get(f"/app/child/{cms_id}")
                assert response.status_code == 200, response.status_code
                return time.perf_counter() - started, len(response.content)

            async def via_api(cms_id: str) -> tuple[float, int]:
                body = {"query": op.document, "operationName": op.name, "variables": {"cmsId": cms_id}}
                started = time.perf_counter()
                response = await api.post("/graphql", content=json.dumps(body), headers=headers)
                assert response.status_code == 200 and "errors" not in response.json(), response.text[:200]
                return time.perf_counter() - started, len(response.content)

            for cms_id in ids[:5]:  # warm both paths
                await via_page(cms_id)
                await via_api(cms_id)
            page_s: list[float] = []
            api_s: list[float] = []
            sizes: list[int] = []
            for index, cms_id in enumerate(ids):
                order = (via_page, via_api) if index % 2 == 0 else (via_api, via_page)
                for measure in order:
                    seconds, size = await measure(cms_id)
                    (page_s if measure is via_page else api_s).append(seconds)
                    if measure is via_page:
                        sizes.append(size)
    return _report(households, len(ids), page_s, api_s, sizes)


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def _demo_token(workdir: Path, sandbox: RunningSandbox) -> str:
    """The demo worker's own token, as the page holds it after signing in."""
    worker = demo_worker(sandbox.population)
    return mint_token(workdir / KEY_FILENAME, role=Role.SOCIAL_WORKER, user_id=worker.user_id, name=worker.name)


def _report(households: int, n: int, page_s: list[float], api_s: list[float], sizes: list[int]) -> str:
    def ms(values: list[float], q: float) -> float:
        return percentile(values, q) * 1000

    ratio = percentile(page_s, 0.5) / percentile(api_s, 0.5)
    return (
        "## The social worker's page\n\n"
        f"`python -m benchmarks.webapp_page`: the family page (`GET /app/child/{{cmsId}}`, over HTTP, signed in with a "
        f"purpose) against the same `FamilyContext` operation sent straight to `POST /graphql`, for {n} children of a "
        f"{households}-household demo population, alternating child by child; no latency added to the simulated "
        f"systems. {platform.python_implementation()} {platform.python_version()}, {platform.machine()}.\n\n"
        "| path | p50 ms | p95 ms |\n|---|---|---|\n"
        f"| the page (session, in-process API call, templates) | {ms(page_s, 0.5):.1f} | {ms(page_s, 0.95):.1f} |\n"
        f"| the API alone | {ms(api_s, 0.5):.1f} | {ms(api_s, 0.95):.1f} |\n\n"
        f"Page p50 / API p50: **{ratio:.2f}**. The page's HTML: median {percentile(sizes, 0.5) / 1024:.0f} KiB "
        "(before compression).\n"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--children", type=int, default=60)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    report = asyncio.run(run(args.households, args.children))
    publish(DOCS, report, write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
