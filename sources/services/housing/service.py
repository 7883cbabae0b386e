"""Housing (Stockport Homes/Academy-like, REST): how the gateway reaches it, its display rule, its sandbox system.

Adapter `adapter.py` and mapper `mapper.py` beside this file; display rule `sources/display_rules/housing.py`; the
practitioner contact is the tenancy's housing officer. Housing places its tenants at their address by tenancy. The
simulated system is `sandbox/housing.py` (its records are part of the sandbox's population and ground truth).
"""

from __future__ import annotations

from typing import Any

from sources.definition import DisplayPolicy, RulesSpec, SandboxSystem, ServiceDefinition, SourceKind
from sources.display_rules import housing as rule
from sources.display_rules.config import count, date, number
from sources.model import HousingFacts, Service
from sources.services.housing.rules import HousingRules

SAME_TENANCY = "same tenancy"


def _build(settings: Any, session: Any, observer: Any) -> Any:
    from sources.services.housing.adapter import HousingAdapter

    return HousingAdapter(settings, session, observer=observer)


def _involvement_type() -> type:
    from sources.services.housing.graphql import HousingInvolvement

    return HousingInvolvement


def _sandbox() -> SandboxSystem:
    from sandbox.housing import create_app

    def demo_source(url: str, timeout_s: float) -> dict[str, Any]:
        return {
            "service": "HOUSING",
            "system": "Demo Homes (simulated)",
            "kind": "housing_rest",
            "organisation": "Demo Homes",
            "url": url,
            "timeout_s": timeout_s,
            # No batch endpoint: one call per person or address, so `children` for 500 ids makes about fifteen
            # hundred. Sized for that (benchmarks.gateway_cpu: 16 put a 4.9 s floor under it, 64 2.5 s), while one
            # request holds at most 112 at once, leaving 16 for everyone else.
            "max_concurrency": 128,
            "max_concurrency_per_request": 112,
            "coverage": {"area": "Demo Borough", "explanation": "Council tenancies and anti-social behaviour cases."},
        }

    return SandboxSystem(
        create_app=lambda population, faults, seed: create_app(population, faults, seed=seed),
        demo_source=demo_source,
    )


DEFINITION = ServiceDefinition(
    service=Service.HOUSING,
    key="housing",
    kinds=(SourceKind(name="housing_rest", needs="url", build=_build),),
    rules=RulesSpec(
        defaults=HousingRules(),
        parsers={
            "min_age": count,
            "notice_window_months": count,
            "arrears_over_weeks": number,
            "asb_perpetrator_since": date,
        },
    ),
    policy=DisplayPolicy(
        facts_type=HousingFacts,
        ages=lambda rules: (rules.min_age, None),
        involvements=rule.housing_involvements,
        messages=rule.housing_messages,
    ),
    involvement_type=_involvement_type,
    residence_basis=SAME_TENANCY,
    sandbox=_sandbox,
)
