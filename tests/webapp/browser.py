"""Headless Debian `chromium` driven by Playwright's Python client (the system browser: nothing is downloaded),
with axe-core (vendored in tests/webapp/axe/) to check each page against WCAG 2.2 AA.

Without chromium the browser tests skip and say why; with FC_REQUIRE_CHROMIUM=1 (CI) they fail instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page

AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("FC_SCREENSHOTS_DIR", Path(__file__).resolve().parents[2] / ".screenshots"))
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def chromium_path() -> str:
    """The system chromium, or a skip (a failure when FC_REQUIRE_CHROMIUM=1) saying what is missing."""
    found = os.environ.get("FC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "browser tests need Debian's chromium (apt-get install -y chromium); not found on PATH"
    if os.environ.get("FC_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"FC_REQUIRE_CHROMIUM=1: {reason}")
    pytest.skip(reason)


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 A and AA violations on the page as it is now (the page's context must bypass CSP:
    axe is injected as an inline script, which the page's own CSP rightly refuses)."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = await page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_22_AA,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


async def check_page(page: Page, name: str) -> None:
    """No WCAG 2.2 AA violation on the page; a full-page screenshot kept for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    violations = await axe_violations(page)
    assert violations == [], f"{name}: {violations}"
