"""Police extract rows (one per offence-person) → one `SourceRecord` per person with `PoliceFacts`.

Quirks: `forenames` may hold middle names (the first is the given name); surnames in UPPER CASE; DOB
`dd/mm/yyyy`, offence dates ISO; free-text offence descriptions classified by `offence_categories`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from sources.mappers.native import MalformedRecord, display_name, iso_date, required_text, text, uk_date
from sources.mappers.person import demographics_of
from sources.model import Address, OffenceRecord, PoliceFacts, Service, SourceRecord
from sources.services.police.offence_categories import classify

COLUMNS = (
    "record_id",
    "forenames",
    "surname",
    "date_of_birth",
    "postcode",
    "offence_date",
    "offence_description",
    "role",
    "outcome",
    "police_area",
    "extracted_at",
)
ROLES = frozenset({"offender", "suspect", "victim"})
CONVICTED = "convicted"

Row = Mapping[str, str]


def person_record(rows: Sequence[Row], *, system: str, as_of: datetime.datetime | None) -> SourceRecord:
    """All rows sharing one `record_id` → one person. Raises `MalformedRecord`."""
    if not rows:
        raise MalformedRecord("record_id", "no rows")
    first = rows[0]
    record_id = required_text(first, "record_id")
    offences = tuple(_offence(row) for row in rows)
    # The postcode of the most recent offence is the best guess at where the person lives now.
    latest_first = sorted(rows, key=lambda row: iso_date(row, "offence_date") or datetime.date.min, reverse=True)
    postcodes = list(dict.fromkeys(p.upper() for row in latest_first if (p := text(row, "postcode"))))
    addresses = tuple(
        Address(line1=None, postcode=postcode, current=index == 0, system=system)
        for index, postcode in enumerate(postcodes)
    )
    forenames = text(first, "forenames")
    return SourceRecord(
        service=Service.POLICE,
        system=system,
        record_id=record_id,
        person=demographics_of(
            given_name=display_name(forenames.split()[0]) if forenames else None,
            family_name=display_name(text(first, "surname")),
            date_of_birth=uk_date(first, "date_of_birth"),
            gender=None,
            addresses=addresses,
        ),
        addresses=addresses,
        as_of=as_of,
        facts=PoliceFacts(police_area=text(first, "police_area"), offences=offences),
    )


def _offence(row: Row) -> OffenceRecord:
    role = required_text(row, "role").lower()
    if role not in ROLES:
        raise MalformedRecord("role", "unknown role")
    outcome = (text(row, "outcome") or "").lower()
    description = required_text(row, "offence_description")
    return OffenceRecord(
        offence_date=iso_date(row, "offence_date"),
        description=description,
        category=classify(description),
        role=role,
        outcome=outcome,
        convicted=outcome == CONVICTED,
    )
