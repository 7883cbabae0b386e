"""Each system's records as the gateway sees them: the native shape the sandbox serves, through the gateway's mapper.

A `LinkRecord` keeps the record's id and its true person (from the ground truth) beside the `Demographics` the
mapper makes of it, so that the evaluation measures what the gateway compares.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import linkage
from sandbox.adult_social_care import client_json
from sandbox.cms import person_json
from sandbox.ground_truth import GroundTruth, System
from sandbox.housing import tenant_json
from sandbox.identity_copies import Identity
from sandbox.police import extract_text
from sandbox.population import Population
from sandbox.school import write_database
from sources.extract_file import FileVersion
from sources.mappers import cms as cms_mapper
from sources.mappers.school import pupil_record
from sources.school_sql import PUPIL_COLUMNS
from sources.services.adult_social_care.mapper import client_record
from sources.services.housing.mapper import tenant_record
from sources.services.police.extract import PoliceExtract, parse_extract

TARGETS: tuple[System, ...] = ("adult_social_care", "housing", "police", "school")


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """One system's record: its id, its true person, and the demographics the gateway's mapper makes of it."""

    system: System
    record_id: str
    person_id: str
    demographics: linkage.Demographics


def _record(truth: GroundTruth, system: System, record_id: str, demographics: linkage.Demographics) -> LinkRecord:
    person_id = truth.person_of(system, record_id)
    if person_id is None:
        raise LookupError(f"{system} record {record_id} is not in the ground truth")
    return LinkRecord(system, record_id, person_id, demographics)


def cms_subjects(population: Population) -> list[LinkRecord]:
    """Every CMS person, through the CMS mapper (as the gateway reads `/api/v1/people/batch`)."""
    truth = population.ground_truth
    return [
        _record(truth, "cms", cms_id, cms_mapper.person(person_json(p), system="cms").demographics)
        for cms_id, p in population.cms.people.items()
    ]


def adult_social_care_clients(population: Population) -> list[tuple[LinkRecord, Identity]]:
    """Every client as the service serves it in JSON, with the identity the simulated service indexes."""
    truth = population.ground_truth
    return [
        (
            _record(
                truth,
                "adult_social_care",
                client.client_id,
                client_record(client_json(client), system="adult_social_care", as_of=None).person,
            ),
            client.identity,
        )
        for client in population.adult_social_care
    ]


def housing_tenants(population: Population) -> list[tuple[LinkRecord, Identity]]:
    """Every tenant as the service serves it in JSON, with the identity the simulated service indexes."""
    truth = population.ground_truth
    return [
        (
            _record(
                truth,
                "housing",
                tenant.person_ref,
                tenant_record(tenant_json(tenant), system="housing", as_of=None).person,
            ),
            tenant.identity,
        )
        for tenant in population.housing
    ]


def police_extract(population: Population) -> tuple[PoliceExtract, dict[str, LinkRecord]]:
    """The extract as the sandbox writes it, parsed by the gateway's own reader; its records by id."""
    truth = population.ground_truth
    extract = parse_extract(extract_text(population).encode("utf-8"), FileVersion(0, 0, 0), system="police")
    records = {
        record_id: _record(truth, "police", record_id, record.person) for record_id, record in extract.records.items()
    }
    return extract, records


def school_pupils(population: Population, workdir: Path) -> list[tuple[LinkRecord, dict[str, Any]]]:
    """The database as the sandbox writes it, read as the school adapter reads it; each row with its record."""
    truth = population.ground_truth
    path = write_database(population, workdir / "school.sqlite")
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        rows = [dict(row) for row in db.execute(f"SELECT {PUPIL_COLUMNS} FROM pupil p ORDER BY p.upn")]
    return [
        (_record(truth, "school", str(row["upn"]), pupil_record(row, [], system="school", as_of=None).person), row)
        for row in rows
    ]
