"""Native records exactly as sandbox/README.md shows them, for mapper and adapter tests."""

from __future__ import annotations

import copy
from typing import Any

ASC_CLIENT: dict[str, Any] = {
    "clientId": "ASC-004512",
    "firstName": "Robert",
    "lastName": "Smith",
    "formerLastNames": ["Jones"],
    "dob": "1970-02-01",
    "gender": "Male",
    "address": {"line1": "12 Mill Lane", "line2": None, "town": "Stockport", "postcode": "SK1 2AB"},
    "organisation": "Stockport Council Adult Social Care",
    "supportPlans": [
        {
            "planId": "SP-1",
            "status": "active",
            "startDate": "2023-05-01",
            "endDate": None,
            "lastContactDate": "2024-09-30",
            "keyworker": {
                "name": "Pat Keyworker",
                "role": "Social Worker",
                "team": "Older People East",
                "phone": "0161 474 000",  # one digit short: kept as given
            },
        }
    ],
}

HOUSING_TENANT: dict[str, Any] = {
    "PERSON_REF": "H0001234",
    "FORENAME": "ROBERT",
    "SURNAME": "O'NEIL-SMITH",
    "PREVIOUS_SURNAMES": ["JONES"],
    "DOB": "01/02/1970",
    "GENDER": "M",
    "ADDRESS": {"LINE_1": "12 MILL LANE", "LINE_2": "", "TOWN": "STOCKPORT", "POSTCODE": "SK1 2AB"},
    "PROVIDER": "Stockport Homes",
    "TENANCY": {
        "TENANCY_REF": "T000321",
        "ROLE": "LEAD",
        "START_DATE": "03/04/2015",
        "END_DATE": "",
        "CURRENT": "Y",
        "ARREARS_WEEKS": "7.5",
        "OFFICER": {"NAME": "Sam Officer", "PHONE": "0161 000 0000", "EMAIL": ""},
    },
    "ASB_CASES": [{"CASE_REF": "ASB-77", "ROLE": "PERPETRATOR", "OPENED": "05/06/2021", "CLOSED": ""}],
    "NSP": [{"CASE_REF": "NSP-3", "SERVED": "01/09/2024", "CLOSED": ""}],
    "EVICTIONS": [{"CASE_REF": "EV-1", "STARTED": "01/10/2024", "CLOSED": ""}],
}

POLICE_HEADER = (
    "record_id,forenames,surname,date_of_birth,postcode,offence_date,offence_description,role,outcome,"
    "police_area,extracted_at"
)
POLICE_ROWS = (
    "PN-000123,Robert James,SMITH,01/02/1970,SK1 2AB,2023-11-04,Assault occasioning actual bodily harm,offender,"
    "convicted,Greater Manchester Police,2026-11-26T02:00:00+00:00",
    "PN-000123,Robert James,SMITH,01/02/1970,SK2 6XY,2021-01-04,Shoplifting,offender,"
    "cautioned,Greater Manchester Police,2026-11-26T02:00:00+00:00",
    "PN-000456,Sarah,JONES,21/07/1988,SK1 2AB,2026-05-01,Harassment,victim,"
    "under investigation,Greater Manchester Police,2026-11-26T02:00:00+00:00",
)
POLICE_CSV = "\n".join((POLICE_HEADER, *POLICE_ROWS)) + "\n"

CMS_CHILD: dict[str, Any] = {
    "id": "C000001",
    "caseReference": "CR-000001",
    "forename": "Amelia",
    "surname": "Smith",
    "dateOfBirth": "2014-03-09",
    "gender": "F",
    "address": {"line1": "12 Mill Lane", "line2": None, "town": "Stockport", "postcode": "SK1 2AB"},
    "previousAddresses": [{"line1": "3 Old Road", "line2": None, "town": "Stockport", "postcode": "sk4 1aa"}],
    "allocatedWorker": {
        "name": "Jo Bloggs",
        "role": "Social Worker",
        "team": "Assessment Team 2",
        "phone": "0161 474 0000",
        "email": "jo.bloggs@example.gov.uk",
    },
}

CMS_RELATIONSHIP: dict[str, Any] = {
    "personId": "P000017",
    "relationship": "MOTHER",
    "livesWith": True,
    "forename": "Sarah",
    "surname": "Smith",
    "dateOfBirth": "1988-07-21",
    "gender": "F",
    "address": None,
}


def cms_person(child: dict[str, Any] = CMS_CHILD) -> dict[str, Any]:
    person = copy.deepcopy(child)
    person.pop("caseReference")
    person.pop("allocatedWorker")
    return person
