"""Every record of a sandbox population as the gateway's mappers read it: what a model is trained on.

The CMS's people and every record of adult social care, housing, police, school and youth offending, each through
the gateway's own mapper from the native shape the simulated system serves (as `records` does for the evaluation).
No labels: the ground truth stays out of training.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import linkage
from benchmarks.linkage_eval.records import (
    adult_social_care_clients,
    cms_subjects,
    housing_tenants,
    police_extract,
    school_pupils,
)
from sandbox.population import Population
from sources.services.youth_offending.mapper import young_person_record
from sources.services.youth_offending.simulation import young_people, young_person_json


def sandbox_records(population: Population) -> list[linkage.Demographics]:
    """The demographics of every record of every system of `population`, CMS first."""
    records = [record.demographics for record in cms_subjects(population)]
    records += [record.demographics for record, _ in adult_social_care_clients(population)]
    records += [record.demographics for record, _ in housing_tenants(population)]
    records += [record.demographics for record in police_extract(population)[1].values()]
    with tempfile.TemporaryDirectory() as workdir:
        records += [record.demographics for record, _ in school_pupils(population, Path(workdir))]
    records += [
        young_person_record(young_person_json(young), system="youth_offending", as_of=None).person
        for young in young_people(population)
    ]
    return records
