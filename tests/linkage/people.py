"""Small builders for the people the linkage tests compare."""

from __future__ import annotations

import datetime
from typing import Any

from linkage import Demographics

ROBERT = Demographics(
    given_name="Robert",
    family_name="Smith",
    date_of_birth=datetime.date(2012, 3, 4),
    gender="MALE",
    postcode="LS1 4AB",
)


def like(person: Demographics, **changes: Any) -> Demographics:
    """`person` with some fields changed, as another system might record them."""
    fields = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": person.date_of_birth,
        "gender": person.gender,
        "postcode": person.postcode,
        "other_family_names": person.other_family_names,
        "previous_postcodes": person.previous_postcodes,
    }
    return Demographics(**(fields | changes))
