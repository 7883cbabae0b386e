"""The police extract held in memory: people by record id, a blocking index for candidate look-ups, its time."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Mapping
from dataclasses import dataclass

from linkage.blocking import BlockingIndex
from linkage.demographics import Demographics
from sources.extract_file import MALFORMED_EXTRACT, ExtractUnreadable, FileVersion
from sources.mappers.native import MalformedRecord, iso_datetime
from sources.model import SourceRecord
from sources.services.police.mapper import COLUMNS, person_record


@dataclass(frozen=True)
class PoliceExtract:
    version: FileVersion
    as_of: datetime.datetime | None
    records: Mapping[str, SourceRecord]
    index: BlockingIndex[SourceRecord]

    def candidates(self, person: Demographics) -> list[SourceRecord]:
        return [record for _, record in self.index.candidates(person)]


def parse_extract(content: bytes, version: FileVersion, *, system: str) -> PoliceExtract:
    """The CSV extract (UTF-8, header row, one row per offence-person). Raises `ExtractUnreadable`."""
    try:
        reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))
        if reader.fieldnames is None or not set(COLUMNS) <= set(reader.fieldnames):
            raise ExtractUnreadable(MALFORMED_EXTRACT)
        rows_by_person: dict[str, list[dict[str, str]]] = {}
        for row in reader:
            if None in row or any(value is None for value in row.values()):
                raise ExtractUnreadable(MALFORMED_EXTRACT)  # a row with too many or too few fields
            rows_by_person.setdefault(row["record_id"].strip(), []).append(row)
        times = {
            stamp for rows in rows_by_person.values() for row in rows if (stamp := iso_datetime(row, "extracted_at"))
        }
        as_of = max(times) if times else _mtime(version)
        records = {
            record_id: person_record(rows, system=system, as_of=as_of) for record_id, rows in rows_by_person.items()
        }
    except (UnicodeDecodeError, csv.Error, MalformedRecord):
        raise ExtractUnreadable(MALFORMED_EXTRACT) from None
    index = BlockingIndex((record.person, record) for record in records.values())
    return PoliceExtract(version=version, as_of=as_of, records=records, index=index)


def _mtime(version: FileVersion) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(version.mtime_ns / 1e9, tz=datetime.UTC)
