"""Youth offending, registered: its adapter kind, display rule, schema type and sandbox system in one object.

The practitioner contact is the YOT case worker of the open intervention (else of the one closed last).
"""

from __future__ import annotations

from typing import Any

from sources.definition import DisplayPolicy, RulesSpec, SandboxSystem, ServiceDefinition, SourceKind
from sources.display_rules.config import InvalidDisplayRules, count
from sources.model import Service
from sources.services.youth_offending import display_rule
from sources.services.youth_offending.adapter import KIND, YouthOffendingAdapter
from sources.services.youth_offending.model import YouthOffendingFacts
from sources.services.youth_offending.rules import YouthOffendingRules


def _build(settings: Any, session: Any, observer: Any) -> Any:
    return YouthOffendingAdapter(settings, session, observer=observer)


def _check(path: str, rules: YouthOffendingRules) -> None:
    if rules.min_age > rules.max_age:
        raise InvalidDisplayRules(f"{path}.min_age must not be greater than {path}.max_age")


def _involvement_type() -> type:
    from sources.services.youth_offending.graphql import YouthOffendingInvolvement

    return YouthOffendingInvolvement


def _sandbox() -> SandboxSystem:
    from sources.services.youth_offending.simulation import create_app

    def demo_source(url: str, timeout_s: float) -> dict[str, Any]:
        return {
            "service": "YOUTH_OFFENDING",
            "system": "ChildView YOT (simulated)",
            "kind": KIND,
            "organisation": "Demo Borough Youth Justice Service",
            "url": url,
            "timeout_s": timeout_s,
            "max_batch_size": 50,
            "coverage": {
                "area": "Demo Borough",
                "explanation": "Young people aged 10 to 17 with a youth offending team intervention.",
            },
        }

    return SandboxSystem(create_app=create_app, demo_source=demo_source)


DEFINITION = ServiceDefinition(
    service=Service.YOUTH_OFFENDING,
    key="youth_offending",
    kinds=(SourceKind(name=KIND, needs="url", build=_build),),
    rules=RulesSpec(
        defaults=YouthOffendingRules(),
        parsers={"min_age": count, "max_age": count, "closed_within_years": count},
        check=_check,
    ),
    policy=DisplayPolicy(
        facts_type=YouthOffendingFacts,
        ages=lambda rules: (rules.min_age, rules.max_age),
        involvements=display_rule.youth_offending_involvements,
        messages=display_rule.youth_offending_messages,
    ),
    involvement_type=_involvement_type,
    sandbox=_sandbox,
)
