"""The page logs nothing personal either: with every logger at DEBUG, a worker's journey through the page (search
by name, date of birth and postcode; family; details; the practitioner sheet) leaves no name, date of birth,
postcode or search term in any log record (the page's in-process calls, httpx2, Jinja2, uvicorn)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.demo import demo_stack
from tests.e2e.test_no_personal_data_in_logs import REQUEST_LOG, EveryRecord, Forbidden
from tests.webapp.pages import PLAIN_HTTP_APP, browser, post_form, sign_in, state_purpose

CHILD = "C000001"


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[EveryRecord]:
    """Every record at DEBUG, from the root logger and from the loggers that keep theirs (as tests/e2e does)."""
    caplog.set_level(logging.DEBUG)
    handler = EveryRecord()
    handler.attach()
    try:
        yield handler
    finally:
        handler.detach()


async def test_the_page_journey_logs_nothing_personal(tmp_path: Path, logged: EveryRecord) -> None:
    forbidden = Forbidden()
    async with demo_stack(tmp_path, sign_in="demo", households=20, extra_config=PLAIN_HTTP_APP) as (sandbox, served):
        logged.attach()  # uvicorn configures its loggers when it starts
        population = sandbox.population
        forbidden.household_of(population, CHILD)
        child = population.cms.people[CHILD].identity
        assert child.date_of_birth is not None and child.address is not None
        async with browser(served.url) as client:
            await sign_in(client)
            await state_purpose(client)
            born = child.date_of_birth
            found = await post_form(
                client,
                "/app/search",
                {
                    "family_name": f"{child.family_name.upper()}, {child.given_name}",
                    "dob_day": str(born.day),
                    "dob_month": str(born.month),
                    "dob_year": str(born.year),
                    "postcode": child.address.postcode or "",
                },
            )
            assert "Search results" in found.text
            family = await client.get(f"/app/child/{CHILD}")
            assert family.status_code == 200
            for link in family.text.split('href="')[1:]:
                if link.startswith(f"/app/child/{CHILD}/details?"):
                    await client.get(link.split('"', 1)[0].replace("&amp;", "&"))
            await client.get(f"/app/child/{CHILD}/sheet")
    assert any(REQUEST_LOG.search(text) for _, text in logged.lines), "the capture saw the gateway's request log"
    assert len(forbidden.terms) > 10
    leaks = forbidden.found_in(logged.lines)
    assert not leaks, "\n".join(leaks)
