"""School (Synergy-like, an SQL database): how the gateway reads it, its display rule, its sandbox database.

Adapter `sources/school.py` (SQL in `sources/school_sql.py`), mapper `sources/mappers/school.py`, display rule
`sources/display_rules/school.py`; the practitioner contact is the school's designated safeguarding lead. The
simulated database is `sandbox/school.py` (its records are part of the sandbox's population and ground truth).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sources.definition import DisplayPolicy, RulesSpec, SandboxSystem, ServiceDefinition, SourceKind
from sources.display_rules import school as rule
from sources.display_rules.config import InvalidDisplayRules, count
from sources.model import SchoolFacts, Service
from sources.services.school.rules import SchoolRules


def _build(settings: Any, session: Any, observer: Any) -> Any:
    from sources.school import SchoolSqlAdapter

    return SchoolSqlAdapter(settings, observer=observer)


def _involvement_type() -> type:
    from sources.services.school.graphql import SchoolInvolvement

    return SchoolInvolvement


def _check(path: str, rules: SchoolRules) -> None:
    if rules.min_age > rules.max_age:
        raise InvalidDisplayRules(f"{path}.min_age must not be greater than {path}.max_age")


def _sandbox() -> SandboxSystem:
    from sandbox.school import DATABASE_FILENAME, write_database

    def demo_source(path: str, timeout_s: float) -> dict[str, Any]:
        return {
            "service": "SCHOOL",
            "system": "Synergy (simulated)",
            "kind": "school_sql",
            "organisation": "Demo Borough Council Education",
            "path": path,
            "timeout_s": timeout_s,
            "coverage": {"area": "Demo Borough", "explanation": "Pupils on roll at maintained schools and academies."},
        }

    return SandboxSystem(
        write_file=lambda population, workdir: write_database(population, Path(workdir) / DATABASE_FILENAME),
        file_kind="sqlite",
        demo_source=demo_source,
    )


DEFINITION = ServiceDefinition(
    service=Service.SCHOOL,
    key="school",
    kinds=(SourceKind(name="school_sql", needs="path", build=_build),),
    rules=RulesSpec(defaults=SchoolRules(), parsers={"min_age": count, "max_age": count}, check=_check),
    policy=DisplayPolicy(
        facts_type=SchoolFacts,
        ages=lambda rules: (rules.min_age, rules.max_age),
        involvements=rule.school_involvements,
        messages=lambda rules: (rule.involved, rule.NOT_KNOWN),
    ),
    involvement_type=_involvement_type,
    sandbox=_sandbox,
)
