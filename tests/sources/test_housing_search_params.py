"""The housing search's query string (`sources/services/housing/adapter.py`): dates as the provider writes them."""

from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from linkage.blocking import candidate_keys
from linkage.demographics import Demographics
from sources.services.housing.adapter import search_params, uk_date


@given(st.dates(min_value=datetime.date(1000, 1, 1)))
def test_a_date_is_written_dd_mm_yyyy(day: datetime.date) -> None:
    assert uk_date(day) == day.strftime("%d/%m/%Y")


def test_every_tolerated_date_of_birth_is_sent() -> None:
    person = Demographics(given_name="Amy", family_name="Smith", date_of_birth=datetime.date(2011, 3, 4))
    sent = [value for name, value in search_params(person) if name == "dob"]
    assert sent == [d.strftime("%d/%m/%Y") for d in candidate_keys(person).dates_of_birth]
    assert "04/03/2011" in sent
