"""The page over real HTTP against the demo stack, as a browser without JavaScript uses it: sign-in, purpose
first, find, family, details (recorded in the audit trail), the practitioner sheet; sessions, CSRF and refusals."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from auth.demo_issuer import KEY_FILENAME, mint_token
from auth.principal import Role
from gateway.demo import demo_stack, demo_worker
from gateway.server import ServedApp
from sandbox.runner import RunningSandbox
from tests.webapp.pages import PLAIN_HTTP_APP, audit_events, browser, csrf_of, post_form, sign_in, state_purpose
from webapp.operations import MANIFEST
from webapp.pages import PAGE_SIZE

Stack = tuple[RunningSandbox, ServedApp, Path]


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with demo_stack(tmp_path, sign_in="demo", households=30, extra_config=PLAIN_HTTP_APP) as (sandbox, served):
        yield sandbox, served, tmp_path


async def test_pages_need_sign_in_then_a_purpose(stack: Stack) -> None:
    _, served, _ = stack
    async with browser(served.url) as client:
        first = await client.get("/app/child/C000001")
        assert first.url.path == "/app/sign-in"
        assert "Sign in as" in first.text and "Social worker" in first.text
        after_sign_in = await sign_in(client)
        assert after_sign_in.url.path == "/app/purpose"
        # Nothing personal before a purpose and case reference are given.
        still = await client.get("/app/child/C000001")
        assert still.url.path == "/app/purpose"
        searched = await client.get("/app/search")
        assert searched.url.path == "/app/purpose"


async def test_purpose_form_says_what_is_missing(stack: Stack) -> None:
    _, served, _ = stack
    async with browser(served.url) as client:
        await sign_in(client)
        refused = await post_form(client, "/app/purpose", {"case_reference": "<script>"})
        assert refused.status_code == 400
        assert "Select why you are looking" in refused.text
        assert "Case reference must be" in refused.text
        assert "<script>" not in refused.text  # echoed escaped, never as markup
        done = await state_purpose(client)
        assert done.url.path == "/app/search"
        assert "Purpose: <strong>Assessment</strong>" in done.text and "CR-000123" in done.text


async def test_session_cookie_is_http_only_same_site_and_holds_only_an_id(tmp_path: Path) -> None:
    async with (
        demo_stack(tmp_path, sign_in="demo", households=10) as (_, served),
        httpx2.AsyncClient(base_url=served.url) as client,
    ):
        page = await client.get("/app/sign-in")
        cookie = page.headers["set-cookie"]
        assert cookie.startswith("__Host-fc_session=")
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "secure", "samesite=lax", "path=/"} <= attributes
        value = cookie.split(";", 1)[0].split("=", 1)[1]
        assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", value)  # a random id, nothing readable
        assert page.headers["cache-control"] == "no-store"
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp


async def test_every_form_refuses_a_missing_or_wrong_csrf_token(stack: Stack) -> None:
    _, served, _ = stack
    async with browser(served.url) as client:
        await client.get("/app/sign-in")
        forged = await client.post("/app/sign-in", data={"role": "SOCIAL_WORKER", "csrf_token": "forged"})
        assert forged.status_code == 403 and "out of date" in forged.text
        missing = await client.post("/app/sign-in", data={"role": "SOCIAL_WORKER"})
        assert missing.status_code == 403
        await sign_in(client)
        refused = await client.post(
            "/app/purpose", data={"purpose": "ASSESSMENT", "case_reference": "CR-1", "csrf_token": "wrong"}
        )
        assert refused.status_code == 403
        assert (await client.get("/app/search")).url.path == "/app/purpose"  # the purpose was not set
        await state_purpose(client)
        for path, form in [("/app/search", {"family_name": "Rice"}), ("/app/sign-out", {})]:
            refused = await client.post(path, data={**form, "csrf_token": "wrong"})
            assert refused.status_code == 403, path
        assert (await client.get("/app/search")).url.path == "/app/search"  # still signed in


async def test_signing_in_renews_the_session_id(stack: Stack) -> None:
    _, served, _ = stack
    async with browser(served.url) as client:
        await client.get("/app/sign-in")
        before = client.cookies.get("fc_session")
        await sign_in(client)
        after = client.cookies.get("fc_session")
        assert before and after and before != after  # a planted id is worthless after sign-in


async def test_find_family_details_and_sheet_with_the_audit_trail(stack: Stack) -> None:
    sandbox, served, workdir = stack
    child = sandbox.population.cms.people["C000001"]
    worker = demo_worker(sandbox.population).user_id
    async with browser(served.url) as client:
        await sign_in(client)
        await state_purpose(client, "CHILD_PROTECTION_ENQUIRY", "CP-2026-17")
        results = await post_form(client, "/app/search", {"family_name": child.identity.family_name.upper()})
        assert results.status_code == 200
        assert "Search results" in results.text
        assert 'href="/app/child/C000001"' in results.text
        assert re.search(r"(Certain|Probable|Possible) match", results.text)
        assert not re.search(r"\d\.\d{6,}", results.text)  # no raw scores to 16 digits

        family = await client.get("/app/child/C000001")
        assert family.status_code == 200
        text = family.text
        assert child.identity.family_name in text and "Household" in text and "Where the link comes from" in text
        assert "Where this comes from" in text  # the freshness and coverage table
        for tag in ("Involved", "Not applicable", "Not connected"):
            assert f">{tag}</strong>" in text
        # The services without a connection, together in one row: named as a social worker writes them.
        assert re.search(r"GP, [^<]*Probation</th>", text) and not re.search(
            r"Youth offending, [^<]*Probation</th>", text
        )
        assert "Demo Borough Council has no connection to these services&#39; records yet." in text
        details_links = re.findall(r'href="(/app/child/C000001/details\?[^"]+)"', text)
        assert details_links, "an involved service offers its details"

        events_before = await audit_events(served.url, workdir, worker)
        details = await client.get(details_links[0].replace("&amp;", "&"))
        assert details.status_code == 200 and "details" in details.text
        events = await audit_events(served.url, workdir, worker)
        new = events[: len(events) - len(events_before)]
        viewed = [e for e in new if e["action"] == "VIEWED_SERVICE_DETAILS"]
        assert viewed, new
        assert all(e["purpose"] == "CHILD_PROTECTION_ENQUIRY" and e["caseReference"] == "CP-2026-17" for e in new)
        actions = {e["action"] for e in events}
        assert {"SEARCHED", "VIEWED_RESULTS", "VIEWED_BASIC_DETAILS"} <= actions

        sheet = await client.get("/app/child/C000001/sheet")
        assert sheet.status_code == 200 and "Practitioner sheet" in sheet.text and "Who to call" in sheet.text
        assert "CP-2026-17" in sheet.text


async def test_search_paging_and_errors(stack: Stack) -> None:
    _, served, _ = stack
    async with browser(served.url) as client:
        await sign_in(client)
        await state_purpose(client)
        empty = await post_form(client, "/app/search", {"family_name": ""})
        assert empty.status_code == 400 and "Enter a family name, or a CMS id" in empty.text
        assert 'class="govuk-error-summary"' in empty.text and "<title>Error: " in empty.text
        bad_date = await post_form(client, "/app/search", {"family_name": "Smith", "dob_day": "31", "dob_month": "2"})
        assert bad_date.status_code == 400 and "real date" in bad_date.text
        by_id = await post_form(client, "/app/search", {"cms_id": "C000002"})
        assert by_id.url.path == "/app/child/C000002"
        missing = await client.get("/app/child/C999999")
        assert missing.status_code == 404 and "no child with CMS id C999999" in missing.text
        surname_first = await post_form(client, "/app/search", {"family_name": "SMITH, John"})
        assert surname_first.status_code == 200 and "Search results" in surname_first.text


async def test_results_are_paged_ten_at_a_time(tmp_path: Path) -> None:
    async with demo_stack(tmp_path, sign_in="demo", households=120, extra_config=PLAIN_HTTP_APP) as (sandbox, served):
        names = Counter(p.identity.family_name for p in sandbox.population.cms.people.values())
        common, _ = names.most_common(1)[0]
        async with browser(served.url) as client:
            await sign_in(client)
            await state_purpose(client)
            first = await post_form(client, "/app/search", {"family_name": common})
            total = int(re.search(r"(\d+) people match", first.text).group(1))  # type: ignore[union-attr]
            assert total > PAGE_SIZE and f"Page 1 of {-(-total // PAGE_SIZE)}" in first.text
            rows = re.findall(r'<tr class="govuk-table__row">\s*<td', first.text)
            assert len(rows) == PAGE_SIZE and 'rel="next"' in first.text and 'rel="prev"' not in first.text
            second = await client.get("/app/search/results?page=2")
            assert "Page 2 of" in second.text and 'rel="prev"' in second.text
            again = await client.get("/app/search/results?page=1")
            assert _names(again.text) == _names(first.text)
            assert _names(second.text) and not set(_names(second.text)) & set(_names(first.text))


def _names(html: str) -> list[str]:
    """Each result row's name and date of birth, in order."""
    rows = re.findall(r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell">(.*?)</tr>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


async def test_a_role_without_access_to_children_is_refused_in_words(stack: Stack) -> None:
    _, served, _ = stack
    async with browser(served.url) as client:
        await sign_in(client, "AUDITOR")
        await state_purpose(client, "AUDIT", "AUD-1")
        refused = await client.get("/app/child/C000001")
        assert refused.status_code == 403
        assert "You do not have access" in refused.text and "Traceback" not in refused.text


async def test_sign_out_ends_the_session(stack: Stack) -> None:
    _, served, _ = stack
    async with browser(served.url) as client:
        await sign_in(client)
        await state_purpose(client)
        page = await client.get("/app/search")
        out = await client.post("/app/sign-out", data={"csrf_token": csrf_of(page.text)})
        assert out.url.path == "/app/signed-out" and "You have signed out" in out.text
        assert (await client.get("/app/child/C000001")).url.path == "/app/sign-in"


async def test_the_page_is_off_unless_enabled(tmp_path: Path) -> None:
    async with (
        demo_stack(tmp_path, sign_in="development", households=10) as (_, served),
        httpx2.AsyncClient(base_url=served.url) as client,
    ):
        assert (await client.get("/app/")).status_code == 404
        assert (await client.get("/assets/fonts/bold-b542beb274-v2.woff2")).status_code == 404


async def test_details_narrowed_to_another_purpose_are_withheld_in_words(tmp_path: Path) -> None:
    """An authority shows school details only for child protection enquiries: asked for an assessment, the
    details page says so (the API's own words) instead of sending the worker round to the purpose page."""
    narrowed = {
        **PLAIN_HTTP_APP,
        "access": {"services": {"SCHOOL": {"detail": {"purposes": ["CHILD_PROTECTION_ENQUIRY"]}}}},
    }
    async with (
        demo_stack(tmp_path, sign_in="demo", households=30, extra_config=narrowed) as (_, served),
        browser(served.url) as client,
    ):
        await sign_in(client)
        await state_purpose(client, "ASSESSMENT")
        family = await client.get("/app/child/C000001")
        link = re.search(r'href="(/app/child/C000001/details\?[^"]+service=SCHOOL)"', family.text)
        assert link, "the school check offers its details"
        details = await client.get(link.group(1).replace("&amp;", "&"))
        assert details.url.path.endswith("/details") and details.status_code == 200
        assert "govuk-warning-text" in details.text and "CHILD_PROTECTION_ENQUIRY" in details.text
        assert "Registration" not in details.text  # the school's details themselves are not shown


async def test_the_page_runs_on_persisted_operations_alone(tmp_path: Path) -> None:
    """With `[persisted_operations] require`, the page still works (its operations are the allow-list), and an
    operation that is not listed is refused."""
    required = {"persisted_operations": {"file": str(MANIFEST), "require": True}}
    async with demo_stack(tmp_path, sign_in="demo", households=30, extra_config={**PLAIN_HTTP_APP, **required}) as (
        sandbox,
        served,
    ):
        child = sandbox.population.cms.people["C000001"]
        async with browser(served.url) as client:
            await sign_in(client)
            await state_purpose(client)
            results = await post_form(client, "/app/search", {"family_name": child.identity.family_name})
            assert 'href="/app/child/C000001"' in results.text
            family = await client.get("/app/child/C000001")
            assert family.status_code == 200 and child.identity.family_name in family.text
            details = re.findall(r'href="(/app/child/C000001/details\?[^"]+)"', family.text)
            assert details and (await client.get(details[0].replace("&amp;", "&"))).status_code == 200
        token = mint_token(tmp_path / KEY_FILENAME, role=Role.SOCIAL_WORKER, user_id="sw-1", name="Sam Worker")
        refused = await client_post(served.url, token, {"query": "{ me { userId } }"})
        assert refused["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"


async def client_post(base_url: str, token: str, body: dict[str, object]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": "ASSESSMENT"}
    async with httpx2.AsyncClient(base_url=base_url, timeout=30) as client:
        response = await client.post("/graphql", json=body, headers=headers)
    answer: dict[str, Any] = response.json()
    return answer
