"""Adult social care (Care First-like, REST): how the gateway reaches it, its display rule, its sandbox system.

Adapter `adapter.py` and mapper `mapper.py` beside this file; display rule `sources/display_rules/adult_social_care.py`;
the practitioner contact is each support plan's keyworker. The simulated system is `sandbox/adult_social_care.py`
(its records are part of the sandbox's population and ground truth).
"""

from __future__ import annotations

from typing import Any

from sources.definition import DisplayPolicy, RulesSpec, SandboxSystem, ServiceDefinition, SourceKind
from sources.display_rules import adult_social_care as rule
from sources.display_rules.config import count, statuses
from sources.model import AdultSocialCareFacts, Service
from sources.services.adult_social_care.rules import AdultSocialCareRules


def _build(settings: Any, session: Any, observer: Any) -> Any:
    from sources.services.adult_social_care.adapter import AdultSocialCareAdapter

    return AdultSocialCareAdapter(settings, session, observer=observer)


def _involvement_type() -> type:
    from sources.services.adult_social_care.graphql import AdultSocialCareInvolvement

    return AdultSocialCareInvolvement


def _sandbox() -> SandboxSystem:
    from sandbox.adult_social_care import create_app

    def demo_source(url: str, timeout_s: float) -> dict[str, Any]:
        return {
            "service": "ADULT_SOCIAL_CARE",
            "system": "Care First (simulated)",
            "kind": "adult_social_care_rest",
            "organisation": "Demo Borough Council Adult Social Care",
            "url": url,
            "timeout_s": timeout_s,
            "max_batch_size": 50,
            "max_concurrency": 16,
            "coverage": {"area": "Demo Borough", "explanation": "Adults with a support plan since 2012."},
        }

    return SandboxSystem(
        create_app=lambda population, faults, seed: create_app(population, faults, seed=seed),
        demo_source=demo_source,
    )


DEFINITION = ServiceDefinition(
    service=Service.ADULT_SOCIAL_CARE,
    key="adult_social_care",
    kinds=(SourceKind(name="adult_social_care_rest", needs="url", build=_build),),
    rules=RulesSpec(defaults=AdultSocialCareRules(), parsers={"min_age": count, "excluded_plan_statuses": statuses}),
    policy=DisplayPolicy(
        facts_type=AdultSocialCareFacts,
        ages=lambda rules: (rules.min_age, None),
        involvements=rule.adult_social_care_involvements,
        messages=lambda rules: (rule.involved, rule.NOT_KNOWN),
    ),
    involvement_type=_involvement_type,
    sandbox=_sandbox,
)
