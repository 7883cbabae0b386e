"""The registry: services come from their folders (or from modules the configuration names), and the shared code
learns of them only there. A service defined in a test folder (`tests/sources/early_help/`) is picked up end to end
from configuration alone: settings, display rules, adapter, schema type, sandbox system, the answer over HTTP."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.app import create_app
from gateway.demo import demo_config
from gateway.server import serve_in_process
from gateway.settings import ConfigError, parse_authority
from sandbox.runner import start_sandbox
from schema.export import sdl
from sources.display_rules import DisplayRules, not_applicable
from sources.model import Service
from sources.registry import RegistryError, ServiceRegistry, builtin_registry, load_registry

PLUGIN = "tests.sources.early_help.service"


def test_every_folder_of_sources_services_is_a_registered_service() -> None:
    folders = sorted(
        p.name
        for p in (Path(__file__).resolve().parents[2] / "sources" / "services").iterdir()
        if (p / "service.py").exists()
    )
    assert sorted(d.key for d in builtin_registry()) == folders
    assert builtin_registry().services == (
        Service.ADULT_SOCIAL_CARE,
        Service.POLICE,
        Service.HOUSING,
        Service.SCHOOL,
        Service.YOUTH_OFFENDING,
    )
    assert set(builtin_registry().kind_names()) == {
        "adult_social_care_rest",
        "police_csv",
        "housing_rest",
        "school_sql",
        "youth_offending_rest",
    }


def test_a_module_named_in_config_adds_its_service_and_nothing_else_changes() -> None:
    registry = load_registry((PLUGIN,))
    assert Service.EARLY_HELP in registry and Service.EARLY_HELP not in builtin_registry()
    assert [d.service for d in registry][:5] == list(builtin_registry().services)
    # The built-in schema (docs/schema.graphql) does not gain a type a configuration loads.
    assert "EarlyHelpInvolvement" not in sdl()
    rules = DisplayRules.from_mapping({"early_help": {"max_age": 11}}, registry)
    assert rules.early_help.max_age == 11
    with pytest.raises(ValueError, match="early_help is not a known service"):
        DisplayRules.from_mapping({"early_help": {}})


def test_a_bad_module_or_a_second_definition_is_refused() -> None:
    with pytest.raises(RegistryError, match="cannot be imported"):
        load_registry(("tests.sources.no_such_service",))
    with pytest.raises(RegistryError, match="has no DEFINITION"):
        load_registry(("tests.sources.early_help",))
    with pytest.raises(RegistryError, match="defined twice"):
        ServiceRegistry([*builtin_registry(), *builtin_registry()])


def _config(sandbox_config: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**sandbox_config, "services": {"modules": [PLUGIN]}, **changes}


def test_without_its_module_the_service_cannot_be_configured() -> None:
    config = {
        "authority": {"name": "A"},
        "cms": {"system": "LCS", "kind": "cms_rest", "url": "http://127.0.0.1:9"},
        "sources": [{"service": "EARLY_HELP", "system": "EH", "kind": "early_help_rest", "url": "http://x"}],
    }
    with pytest.raises(ConfigError, match=r"sources\[0\].service must be one of"):
        parse_authority(config)
    settings = parse_authority({**config, "services": {"modules": [PLUGIN]}})
    assert [s.service for s in settings.sources] == [Service.EARLY_HELP]
    assert Service.EARLY_HELP in settings.services
    rules = DisplayRules.from_mapping({}, settings.services)
    today = datetime.date(2026, 6, 1)
    adult = not_applicable(rules, Service.EARLY_HELP, datetime.date(2000, 1, 1), today)
    assert adult is not None
    assert adult.rule_explanation == "Not applicable: early help records are shown for ages 0 to 17"
    assert not_applicable(rules, Service.EARLY_HELP, datetime.date(2020, 1, 1), today) is None


QUERY = """query($cmsId: ID!) { child(cmsId: $cmsId) { dateOfBirth
  serviceChecks(services: [EARLY_HELP, YOUTH_OFFENDING]) { service outcome explanation
    involvements { organisation practitioner { name } ... on EarlyHelpInvolvement { planStart } } } } }"""


async def test_a_service_from_a_test_folder_answers_end_to_end(tmp_path: Path) -> None:
    registry = load_registry((PLUGIN,))
    async with start_sandbox(tmp_path, seed=5, households=60, services=registry) as sandbox:
        assert "early_help" in sandbox.urls  # its simulated system started with the others
        config = _config(demo_config(sandbox, timeout_s=1.0, services=registry))
        assert any(s["service"] == "EARLY_HELP" for s in config["sources"])
        app = create_app(parse_authority(config))
        population = sandbox.population
        today = population.reference_date
        young = next(c for c in population.children if c.age_on(today) < 12)
        older = next(c for c in population.children if c.age_on(today) >= 12 and c.age_on(today) <= 17)
        cms_of = {p.person_id: ids[0] for p in population.ground_truth.people.values() if (ids := p.records.get("cms"))}
        async with serve_in_process(app) as served, aiohttp.ClientSession() as http:

            async def ask(person_id: str) -> dict[str, Any]:
                async with http.post(
                    f"{served.url}/graphql",
                    json={"query": QUERY, "variables": {"cmsId": cms_of[person_id]}},
                    headers={"X-Purpose": "ASSESSMENT"},
                ) as response:
                    assert response.status == 200
                    body: dict[str, Any] = await response.json()
                    return body

            known = await ask(young.person_id)
            assert "errors" not in known, known
            checks = {c["service"]: c for c in known["data"]["child"]["serviceChecks"]}
            check = checks["EARLY_HELP"]
            assert check["outcome"] == "INVOLVED"
            assert check["explanation"] == "Known to early help"
            (involvement,) = check["involvements"]
            assert (
                involvement
                == {
                    "organisation": "Early Help Hub (test)",
                    "practitioner": {"name": "Robin Keyworker"},
                    "planStart": involvement["planStart"],
                }
                and involvement["planStart"]
            )
            not_known = await ask(older.person_id)
            assert {c["service"]: c["outcome"] for c in not_known["data"]["child"]["serviceChecks"]}[
                "EARLY_HELP"
            ] == "NOT_KNOWN"

            await sandbox.set_fault("early_help", "down")
            try:
                down = await ask(young.person_id)
            finally:
                sandbox.clear_fault("early_help")
            outcomes = {c["service"]: c["outcome"] for c in down["data"]["child"]["serviceChecks"]}
            assert outcomes["EARLY_HELP"] == "UNAVAILABLE"
            assert [e["extensions"]["service"] for e in down["errors"]] == ["EARLY_HELP"]
