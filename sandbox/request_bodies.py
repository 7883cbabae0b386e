"""Reading and checking JSON request bodies; a bad body is HTTP 400 with a JSON error, as a real API does."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from aiohttp import web

from sandbox.candidates import SOUNDEX_CODE, CandidateQuery, surname_key

BODY_NOT_JSON_OBJECT = "request body must be a JSON object"
T = TypeVar("T")


class TooManyItems(web.HTTPClientError):
    """HTTP 413 for a batch over its limit (aiohttp's own 413 class is about byte sizes and needs them)."""

    status_code = 413


def reject(message: str, status: type[web.HTTPException] = web.HTTPBadRequest) -> NoReturn:
    """Answer the request with `status` and a JSON error body."""
    raise status(text=json.dumps({"error": message}), content_type="application/json")


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or HTTP 400."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        reject(BODY_NOT_JSON_OBJECT)
    if not isinstance(body, dict):
        reject(BODY_NOT_JSON_OBJECT)
    return body


def list_of(
    body: dict[str, Any],
    key: str,
    item: type[T],
    *,
    limit: int | None = None,
    too_many: type[web.HTTPException] = web.HTTPBadRequest,
) -> list[T]:
    """`body[key]` as a list of `item`; HTTP 400 if malformed, `too_many` if longer than `limit`."""
    value = body.get(key)
    if not isinstance(value, list) or not all(isinstance(v, item) and not isinstance(v, bool) for v in value):
        reject(f"'{key}' must be a list of {item.__name__}")
    if limit is not None and len(value) > limit:
        reject(f"at most {limit} items in '{key}'", too_many)
    return value


def candidate_query(query: Any) -> tuple[str, CandidateQuery]:
    """`{"ref", "surnames", "datesOfBirth", "birthYears", "surnameSounds", "forenameSounds"}` (ISO dates; every
    key but `ref` optional) as a ref and a `CandidateQuery`."""
    if not isinstance(query, dict) or not isinstance(query.get("ref"), str):
        reject("each query must be an object with a string 'ref'")
    query = {"surnames": [], "datesOfBirth": [], "birthYears": [], "surnameSounds": [], "forenameSounds": [], **query}
    return query["ref"], CandidateQuery(
        surnames=frozenset(surname_key(s) for s in list_of(query, "surnames", str)),
        dates_of_birth=frozenset(parse_each(list_of(query, "datesOfBirth", str), datetime.date.fromisoformat)),
        birth_years=frozenset(list_of(query, "birthYears", int)),
        surname_sounds=sound_codes(list_of(query, "surnameSounds", str)),
        forename_sounds=sound_codes(list_of(query, "forenameSounds", str)),
    )


def sound_codes(values: list[str]) -> frozenset[str]:
    """Soundex codes (a letter and three digits, either case), or HTTP 400 naming the first that is not one."""
    for value in values:
        if not SOUNDEX_CODE.fullmatch(value.upper()):
            reject(f"not a Soundex code: {value!r}")
    return frozenset(value.upper() for value in values)


def parse_each(values: list[str], parse: Callable[[str], T]) -> list[T]:
    """Parse every value, or HTTP 400 naming the one that failed."""
    parsed = []
    for value in values:
        try:
            parsed.append(parse(value))
        except ValueError:
            reject(f"not a valid date: {value!r}")
    return parsed
