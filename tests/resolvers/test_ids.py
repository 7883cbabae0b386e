"""Global ids: opaque, round-trip, and never a way in for a malformed string."""

from __future__ import annotations

import pytest

from resolvers import ids


def test_ids_round_trip_and_hold_no_plain_text() -> None:
    for global_id, expected in [
        (ids.child_id("C000001"), ids.NodeRef("Child", "CMS", "C000001")),
        (ids.household_id("C000001"), ids.NodeRef("Household", "CMS", "C000001")),
        (ids.person_id("HOUSING", "H:0001"), ids.NodeRef("Person", "HOUSING", "H:0001")),
    ]:
        assert ids.decode(global_id) == expected
        assert "C000001" not in global_id and "=" not in global_id


@pytest.mark.parametrize("bad", ["", "not base64!", "Q2hpbGQ", "Zm9vOmJhcjpiYXo", "x" * 500, "////"])
def test_anything_else_is_an_invalid_id(bad: str) -> None:
    with pytest.raises(ids.InvalidId):
        ids.decode(bad)
