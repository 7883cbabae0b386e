"""Driving the page over real HTTP as a browser without JavaScript does: forms, redirects, the session cookie."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import aiohttp
import httpx2

from auth.demo_issuer import KEY_FILENAME, mint_token
from auth.principal import Role

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PLAIN_HTTP_APP = {"app": {"enabled": True, "secure_cookie": False}}  # httpx sends no Secure cookie over http

AUDIT_EVENTS = """query($filter: AuditFilter) {
  auditEvents(filter: $filter, first: 200) { edges { action purpose caseReference services subjectIds searchTerms } }
}"""


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the form"
    return found.group(1)


def browser(base_url: str) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(base_url=base_url, follow_redirects=True, timeout=30)


async def post_form(client: httpx2.AsyncClient, path: str, form: Mapping[str, str]) -> httpx2.Response:
    """GET the page, then POST its form with the CSRF token the page carries."""
    page = await client.get(path)
    return await client.post(path, data={"csrf_token": csrf_of(page.text), **form})


async def sign_in(client: httpx2.AsyncClient, role: str = "SOCIAL_WORKER") -> httpx2.Response:
    return await post_form(client, "/app/sign-in", {"role": role})


async def state_purpose(
    client: httpx2.AsyncClient, purpose: str = "ASSESSMENT", case_reference: str = "CR-000123"
) -> httpx2.Response:
    return await post_form(client, "/app/purpose", {"purpose": purpose, "case_reference": case_reference})


async def audit_events(base_url: str, workdir: Path, actor_id: str) -> list[dict[str, object]]:
    """The actor's audit events, read back through the API as an auditor (newest first)."""
    token = mint_token(workdir / KEY_FILENAME, role=Role.AUDITOR, user_id="auditor-test", name="Test Auditor")
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": "AUDIT"}
    body = {"query": AUDIT_EVENTS, "variables": {"filter": {"actorId": actor_id}}}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{base_url}/graphql", json=body, headers=headers) as response,
    ):
        answer = await response.json()
    assert "errors" not in answer, answer
    edges: list[dict[str, object]] = answer["data"]["auditEvents"]["edges"]
    return edges
