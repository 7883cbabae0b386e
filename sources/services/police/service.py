"""Police (a researcher's nightly CSV extract): how the gateway reads it, its display rule, its sandbox file.

Adapter `adapter.py` (reading the file with `extract.py`), mapper `mapper.py` and the Home Office-style offence
classification `offence_categories.py` beside this file; display rule `sources/display_rules/police.py`; the
practitioner contact is the extract's named contact (e.g. the MASH police researcher). The simulated extract is
`sandbox/police.py` (its records are part of the sandbox's population and ground truth).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sources.definition import DisplayPolicy, RulesSpec, SandboxSystem, ServiceDefinition, SourceKind
from sources.display_rules import police as rule
from sources.display_rules.config import count
from sources.model import PoliceFacts, Service
from sources.services.police.rules import PoliceRules


def _build(settings: Any, session: Any, observer: Any) -> Any:
    from sources.services.police.adapter import PoliceCsvAdapter

    return PoliceCsvAdapter(settings, observer=observer)


def _involvement_type() -> type:
    from sources.services.police.graphql import PoliceInvolvement

    return PoliceInvolvement


def _sandbox() -> SandboxSystem:
    from sandbox.police import EXTRACT_FILENAME, write_extract

    def demo_source(path: str, timeout_s: float) -> dict[str, Any]:
        return {
            "service": "POLICE",
            "system": "Police researcher extract (simulated)",
            "kind": "police_csv",
            "organisation": "Greater Manchester Police",
            "path": path,
            "timeout_s": timeout_s,
            "refresh_s": 60,
            "coverage": {
                "area": "Demo Borough",
                "explanation": "Offences recorded in the force area; refreshed nightly.",
            },
        }

    return SandboxSystem(
        write_file=lambda population, workdir: write_extract(population, Path(workdir) / EXTRACT_FILENAME),
        file_kind="csv",
        demo_source=demo_source,
    )


DEFINITION = ServiceDefinition(
    service=Service.POLICE,
    key="police",
    kinds=(SourceKind(name="police_csv", needs="path", build=_build),),
    rules=RulesSpec(
        defaults=PoliceRules(),
        parsers={
            "min_age": count,
            "conviction_window_years": count,
            "suspect_window_years": count,
            "max_safeguarding_offences": count,
        },
    ),
    policy=DisplayPolicy(
        facts_type=PoliceFacts,
        ages=lambda rules: (rules.min_age, None),
        involvements=rule.police_involvements,
        messages=rule.police_messages,
    ),
    involvement_type=_involvement_type,
    sandbox=_sandbox,
)
