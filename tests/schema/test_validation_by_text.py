"""schema/build.py `ValidationByText`: a query is validated once per schema, looked up by its text; the answer is
the same as validating it again, errors included, and one schema's answers are never another's."""

from __future__ import annotations

from typing import Any

import pytest

from schema import build
from schema.build import build_schema

VALID = '{ child(cmsId: "C1") { name { full } } }'
UNKNOWN_FIELD = '{ child(cmsId: "C1") { shoeSize } }'
INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The query texts validated, in order (every call of strawberry's validation from the extension)."""
    seen: list[str] = []
    validate = build.validate_document

    def counted(schema: Any, document: Any, rules: Any) -> Any:
        seen.append(document.loc.source.body)
        return validate(schema, document, rules)

    monkeypatch.setattr(build, "validate_document", counted)
    return seen


def messages(result: Any) -> list[str]:
    return [error.message for error in result.errors or []]


async def test_a_query_is_validated_once_and_its_errors_come_back_each_time(validations: list[str]) -> None:
    schema = build_schema()
    first, again = [await schema.execute(UNKNOWN_FIELD) for _ in range(2)]
    assert messages(first) == messages(again) and "shoeSize" in messages(first)[0]
    await schema.execute(VALID)
    await schema.execute(VALID)
    assert validations == [UNKNOWN_FIELD, VALID]


async def test_each_schema_validates_by_its_own_rules(validations: list[str]) -> None:
    # Introspection allowed in one schema and refused in the other: the second must not take the first's answer.
    open_schema, closed_schema = build_schema(introspection=True), build_schema(introspection=False)
    assert not messages(await open_schema.execute(INTROSPECTION))
    assert "introspection" in " ".join(messages(await closed_schema.execute(INTROSPECTION))).lower()
    assert validations == [INTROSPECTION, INTROSPECTION]


async def test_the_cache_is_bounded(validations: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "DOCUMENT_CACHE_SIZE", 2)
    schema = build_schema()
    texts = [f'{{ child(cmsId: "C{n}") {{ name {{ full }} }} }}' for n in range(3)]
    for text in [*texts, texts[0]]:
        await schema.execute(text)
    # Full after two: emptied for the third, so the first is validated again.
    assert validations == [*texts, texts[0]]
