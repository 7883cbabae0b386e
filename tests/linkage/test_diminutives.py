import pytest

from linkage.diminutives import are_diminutives


@pytest.mark.parametrize(
    ("name", "diminutive"),
    [
        ("robert", "bob"),
        ("catherine", "kate"),
        ("william", "bill"),
        ("margaret", "peggy"),
        ("john", "jack"),
        ("john", "jon"),
        # From the UK supplement.
        ("alfred", "alf"),
        ("gary", "gaz"),
        ("amelia", "millie"),
        ("elizabeth", "libby"),
    ],
)
def test_diminutives_are_found_in_both_directions(name: str, diminutive: str) -> None:
    assert are_diminutives(name, diminutive)
    assert are_diminutives(diminutive, name)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("jack", "jake"),
        ("olivia", "amelia"),
        ("amelia", "emily"),  # related by the package, distinct in UK use
        ("aaron", "erin"),
        ("alexander", "alexandra"),  # share "alex", but are not diminutives of each other
        ("robert", "robert"),
    ],
)
def test_different_names_are_not_diminutives(first: str, second: str) -> None:
    assert not are_diminutives(first, second)
