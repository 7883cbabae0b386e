"""The social worker's journey in a real browser against the demo stack: sign in, state the purpose, search,
open a family, show details, print view; a source down; a refused role. Every page and state is checked with
axe-core for WCAG 2.2 AA and saved as a screenshot (.screenshots/, or FC_SCREENSHOTS_DIR); the journey is also
done by keyboard alone, and without JavaScript."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from gateway.demo import demo_stack
from tests.webapp.browser import SCREENSHOTS, axe_violations, check_page, chromium_path

CHILD = "C000001"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_path()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable)
        try:
            yield launched
        finally:
            await launched.close()


async def new_page(browser: Browser, **options: object) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport={"width": 1100, "height": 900}, **options)  # type: ignore[arg-type]
    return context, await context.new_page()


async def sign_in_as(page: Page, base: str, role: str = "SOCIAL_WORKER", purpose: str = "ASSESSMENT") -> None:
    await page.goto(f"{base}/app/")
    await page.check(f"#role-{role}")
    await page.click("button:has-text('Sign in')")
    await page.check(f"#purpose-{purpose}")
    await page.fill("#case_reference", "CR-000123")
    await page.click("button:has-text('Continue')")
    await expect(page).to_have_url(re.compile(r"/app/search$"))


async def test_journey_every_page_accessible_with_screenshots(browser: Browser, tmp_path: Path) -> None:
    async with demo_stack(tmp_path, sign_in="demo", households=40) as (sandbox, served):
        base = served.url
        family_name = sandbox.population.cms.people[CHILD].identity.family_name
        context, page = await new_page(browser, bypass_csp=True)
        await page.goto(f"{base}/app/")
        await expect(page.locator("h1")).to_have_text("Sign in as")
        await check_page(page, "01-sign-in")
        await page.click("button:has-text('Sign in')")  # no role chosen
        await expect(page.locator(".govuk-error-summary")).to_be_visible()
        await check_page(page, "02-sign-in-error")
        await page.check("#role-SOCIAL_WORKER")
        await page.click("button:has-text('Sign in')")

        await expect(page.locator("h1")).to_have_text("Why are you looking?")
        await check_page(page, "03-purpose")
        await page.click("button:has-text('Continue')")
        await expect(page.locator(".govuk-error-summary")).to_be_visible()
        await check_page(page, "04-purpose-errors")
        await page.check("#purpose-ASSESSMENT")
        await page.fill("#case_reference", "CR-000123")
        await page.click("button:has-text('Continue')")

        await expect(page.locator("h1")).to_have_text("Find a child")
        await check_page(page, "05-search")
        await page.fill("#dob_day", "31")
        await page.fill("#dob_month", "2")
        await page.fill("#dob_year", "2015")
        await page.click("button:has-text('Search')")
        await expect(page.locator(".govuk-error-summary")).to_be_visible()
        await check_page(page, "06-search-errors")
        await page.fill("#dob_day", "")
        await page.fill("#dob_month", "")
        await page.fill("#dob_year", "")
        await page.fill("#family_name", family_name.upper())
        await page.click("button:has-text('Search')")

        await expect(page.locator("h1")).to_have_text("Search results")
        await check_page(page, "07-results")
        await page.click(f"a[href='/app/child/{CHILD}']")

        await expect(page.locator(".govuk-caption-l")).to_have_text("Family context")
        await expect(page.locator("h2", has_text="Household")).to_be_visible()
        await check_page(page, "08-family")
        # The README's picture (docs/app-family.png): the child, then the services checked and the household.
        await page.set_viewport_size({"width": 1100, "height": 1700})
        await page.screenshot(path=str(SCREENSHOTS / "08-family-top.png"))
        await page.set_viewport_size({"width": 1100, "height": 900})
        await page.locator("a", has_text="Show details").first.click()

        await expect(page.locator("h1")).to_contain_text("details")
        await check_page(page, "09-details")
        await page.click("a.govuk-back-link")
        await page.click("a.app-print-link")

        await expect(page.locator(".govuk-caption-m")).to_have_text("Practitioner sheet")
        await check_page(page, "10-sheet")
        await page.emulate_media(media="print")
        await expect(page.locator(".govuk-service-navigation")).to_be_hidden()  # the print stylesheet applies
        await expect(page.locator("table.app-sheet__contacts")).to_be_visible()
        await page.screenshot(path=str(SCREENSHOTS / "11-sheet-print.png"))
        pdf = await page.pdf(format="A4")
        assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1  # every contact on one printed page
        await page.emulate_media(media="screen")

        await page.goto(f"{base}/app/child/C999999")
        await expect(page.locator("h1")).to_have_text("Child not found")
        await check_page(page, "12-not-found")

        await page.click("button:has-text('Sign out')")
        await expect(page.locator("h1")).to_have_text("You have signed out")
        await check_page(page, "13-signed-out")
        await context.close()


async def test_keyboard_alone_from_sign_in_to_details(browser: Browser, tmp_path: Path) -> None:
    """Tab, Space, Enter and typing only; the page's own CSP in force (no script it refuses)."""
    async with demo_stack(tmp_path, sign_in="demo", households=20) as (_, served):
        context, page = await new_page(browser)
        refused: list[str] = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        await page.goto(f"{served.url}/app/")
        # The progressive enhancement ran under the page's own CSP (GOV.UK Frontend's module from the gateway).
        await expect(page.locator("body")).to_have_class(re.compile(r"govuk-frontend-supported"))
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"

        async def tab_to(selector: str, limit: int = 40) -> None:
            for _ in range(limit):
                await page.keyboard.press("Tab")
                if await page.evaluate("(s) => document.activeElement.matches(s)", selector):
                    return
            raise AssertionError(f"{selector} cannot be reached with Tab")

        await tab_to("#role-SOCIAL_WORKER")
        await page.keyboard.press("Space")
        await tab_to("button[type=submit]")
        await page.keyboard.press("Enter")
        await expect(page.locator("h1")).to_have_text("Why are you looking?")
        await tab_to("input[name=purpose]")
        await page.keyboard.press("Space")
        await tab_to("#case_reference")
        await page.keyboard.type("CR-000123")
        await page.keyboard.press("Enter")
        await expect(page.locator("h1")).to_have_text("Find a child")
        await tab_to("details summary")
        await page.keyboard.press("Enter")  # open "I know the child's CMS id"
        await tab_to("#cms_id")
        await page.keyboard.type(CHILD)
        await page.keyboard.press("Enter")
        await expect(page.locator(".govuk-caption-l")).to_have_text("Family context")
        await tab_to("a[href*='/details?']", limit=80)
        focused = await page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + s.boxShadow }"
        )
        assert focused.strip() != "none"  # a visible focus indicator
        await page.keyboard.press("Enter")
        await expect(page.locator("h1")).to_contain_text("details")
        assert refused == []
        await context.close()


async def test_the_journey_works_without_javascript(browser: Browser, tmp_path: Path) -> None:
    async with demo_stack(tmp_path, sign_in="demo", households=20) as (_, served):
        context, page = await new_page(browser, java_script_enabled=False)
        await sign_in_as(page, served.url)
        await page.click("summary")
        await page.fill("#cms_id", CHILD)
        await page.click("button:has-text('Search')")
        await expect(page.locator(".govuk-caption-l")).to_have_text("Family context")
        await page.locator("a", has_text="Show details").first.click()
        await expect(page.locator("h1")).to_contain_text("details")
        await context.close()


async def test_a_source_down_is_could_not_check_and_the_household_incomplete(browser: Browser, tmp_path: Path) -> None:
    async with demo_stack(tmp_path, sign_in="demo", households=20, faults={"housing": "down"}) as (_, served):
        context, page = await new_page(browser, bypass_csp=True)
        await sign_in_as(page, served.url)
        await page.goto(f"{served.url}/app/child/{CHILD}")
        await expect(page.locator(".app-incomplete")).to_contain_text("This household may be incomplete")
        await expect(page.locator(".app-incomplete")).to_contain_text("Housing")
        could_not = page.locator("tr.app-check--unavailable").first
        await expect(could_not.locator(".govuk-tag")).to_have_text("Could not check")
        await expect(could_not).to_contain_text("Ask the service directly")
        await check_page(page, "14-family-source-down")
        await context.close()


async def test_a_refused_role_sees_why(browser: Browser, tmp_path: Path) -> None:
    async with demo_stack(tmp_path, sign_in="demo", households=20) as (_, served):
        context, page = await new_page(browser, bypass_csp=True)
        await sign_in_as(page, served.url, role="AUDITOR", purpose="AUDIT")
        await page.goto(f"{served.url}/app/child/{CHILD}")
        await expect(page.locator("h1")).to_have_text("You do not have access")
        await check_page(page, "15-refused-role")
        await context.close()


async def test_the_accessibility_check_finds_a_violation(browser: Browser) -> None:
    """The check above can fail: an unlabelled input and a low-contrast text are reported."""
    context, page = await new_page(browser, bypass_csp=True)
    await page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main>'
        '<input type="text"><p style="color:#bbb;background:#fff">faint</p></main></body></html>'
    )
    found = {v["id"] for v in await axe_violations(page)}
    assert {"label", "color-contrast"} <= found
    await context.close()
