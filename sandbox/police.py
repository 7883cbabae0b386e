"""The police extract: a CSV file a police researcher prepares nightly, one row per offence-person."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sandbox.police_records import POLICE_AREA
from sandbox.population import Population
from sources.services.police.mapper import COLUMNS

EXTRACT_FILENAME = "police_extract.csv"
HEADER = COLUMNS  # the extract's columns, as the gateway reads them (sources/services/police/mapper.py)


def extract_text(population: Population) -> str:
    """The whole extract as CSV text (header row first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    extracted_at = population.police_extracted_at.isoformat()
    for record in population.police:
        identity = record.identity
        # Forenames as the custody record holds them: middle names included on about half the records.
        with_middles = bool(identity.middle_names) and int(record.record_id[-1]) % 2 == 0
        forenames = " ".join((identity.given_name, *identity.middle_names)) if with_middles else identity.given_name
        dob = identity.date_of_birth.strftime("%d/%m/%Y") if identity.date_of_birth else ""
        postcode = identity.address.postcode if identity.address else ""
        for offence in record.offences:
            writer.writerow(
                (
                    record.record_id,
                    forenames,
                    identity.family_name.upper(),
                    dob,
                    postcode,
                    offence.offence_date.isoformat(),
                    offence.description,
                    offence.role,
                    offence.outcome,
                    POLICE_AREA,
                    extracted_at,
                )
            )
    return buffer.getvalue()


def write_extract(population: Population, path: Path) -> Path:
    """Write the extract to `path` (UTF-8) and return the path."""
    path.write_text(extract_text(population), encoding="utf-8")
    return path
