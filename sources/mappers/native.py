"""Reading native values safely: the shared vocabulary of every mapper.

Each reader either returns a clean value or raises `MalformedRecord` naming the field (never its value: values are
personal data). Empty strings read as None; names that arrive in upper case are shown in title case.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping, Sequence

from sources.digits import whole_number


class MalformedRecord(ValueError):
    """A native record we cannot read. The message names the field only, never its value."""

    def __init__(self, field: str, problem: str = "unreadable") -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


def as_object(value: object, field: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise MalformedRecord(field, "not an object")
    return value


def as_list(value: object, field: str) -> Sequence[object]:
    if not isinstance(value, list):
        raise MalformedRecord(field, "not a list")
    return value


def optional_object(record: Mapping[str, object], key: str) -> Mapping[str, object] | None:
    value = record.get(key)
    return None if value is None else as_object(value, key)


def object_list(record: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    """A list of objects; a missing key or null reads as empty."""
    value = record.get(key)
    if value is None:
        return []
    return [as_object(item, key) for item in as_list(value, key)]


def text(record: Mapping[str, object], key: str) -> str | None:
    """A string field, stripped; absent, null and empty read as None."""
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedRecord(key, "not a string")
    value = value.strip()
    return value or None


def required_text(record: Mapping[str, object], key: str) -> str:
    value = text(record, key)
    if value is None:
        raise MalformedRecord(key, "missing")
    return value


def text_list(record: Mapping[str, object], key: str) -> tuple[str, ...]:
    value = record.get(key)
    if value is None:
        return ()
    items = as_list(value, key)
    if not all(isinstance(item, str) for item in items):
        raise MalformedRecord(key, "not a list of strings")
    return tuple(item.strip() for item in items if isinstance(item, str) and item.strip())


def iso_date(record: Mapping[str, object], key: str) -> datetime.date | None:
    """`YYYY-MM-DD`; empty reads as None."""
    value = text(record, key)
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise MalformedRecord(key, "not an ISO date") from None


def uk_date(record: Mapping[str, object], key: str) -> datetime.date | None:
    """`dd/mm/yyyy`; empty reads as None."""
    value = text(record, key)
    if value is None:
        return None
    try:
        return _uk_date(value)
    except ValueError:
        raise MalformedRecord(key, "not a dd/mm/yyyy date") from None


@functools.lru_cache(maxsize=4096)
def _uk_date(value: str) -> datetime.date:
    # strptime costs several microseconds and housing answers repeat the same dates (birth dates, tenancy starts):
    # remembered, bounded. A value that does not parse raises every time (exceptions are not cached).
    return datetime.datetime.strptime(value, "%d/%m/%Y").date()


def iso_datetime(record: Mapping[str, object], key: str) -> datetime.datetime | None:
    value = text(record, key)
    if value is None:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise MalformedRecord(key, "not an ISO date-time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=datetime.UTC)


def yes_no(record: Mapping[str, object], key: str) -> bool | None:
    """`"Y"`/`"N"` (any case); empty reads as None."""
    value = text(record, key)
    if value is None:
        return None
    flag = value.upper()
    if flag not in ("Y", "N"):
        raise MalformedRecord(key, "not Y or N")
    return flag == "Y"


def boolean(record: Mapping[str, object], key: str) -> bool | None:
    value = record.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise MalformedRecord(key, "not a boolean")


def decimal(record: Mapping[str, object], key: str) -> float | None:
    """A number, or a string holding one ("7.5"); empty reads as None."""
    value = record.get(key)
    if isinstance(value, bool):
        raise MalformedRecord(key, "not a number")
    if isinstance(value, int | float):
        return float(value)
    raw = text(record, key)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        raise MalformedRecord(key, "not a number") from None


def display_name(value: str | None) -> str | None:
    """Names shouted in upper case ('O'NEIL-SMITH') shown as 'O'Neil-Smith'; mixed case is left as given.

    Linkage compares names case-insensitively, so this changes nothing for matching.
    """
    if value is None:
        return None
    if value.isupper():
        return value.title()
    return value


def answers_by_ref(body: object, results_key: str, items_key: str, count: int) -> list[Sequence[object]]:
    """A batch answer `{results_key: [{"ref": "0", items_key: [...]}, ...]}` for refs "0".."count-1", in order.

    Every ref must be answered exactly once; an unknown or missing ref is malformed.
    """
    answers: list[Sequence[object] | None] = [None] * count
    for result in as_list(as_object(body, "response").get(results_key), results_key):
        answer = as_object(result, results_key)
        ref = required_text(answer, "ref")
        position = whole_number(ref, max_digits=len(str(count)))
        if position is None or position >= count or answers[position] is not None:
            raise MalformedRecord("ref", "not one we sent")
        answers[position] = as_list(answer.get(items_key), items_key)
    if any(answer is None for answer in answers):
        raise MalformedRecord("ref", "unanswered")
    return [answer for answer in answers if answer is not None]
