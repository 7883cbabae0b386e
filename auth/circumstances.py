"""Why a request is made: its `X-Purpose`, `X-Case-Reference` and `X-Break-Glass-Reason` headers, checked.

A header that is present but malformed is refused with a message saying what is expected (the HTTP layer answers
400 `BAD_USER_INPUT`); it is never silently dropped, so a worker who typed a purpose never runs without one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

from auth.principal import Principal, Purpose

PURPOSE_HEADER = "x-purpose"
CASE_REFERENCE_HEADER = "x-case-reference"
BREAK_GLASS_HEADER = "x-break-glass-reason"

CASE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 /._-]{0,63}$")
MAX_BREAK_GLASS_CHARS = 1000

BAD_PURPOSE = "X-Purpose must be one of: {allowed}."
BAD_CASE_REFERENCE = "X-Case-Reference must be 1 to 64 letters, digits, spaces or / . _ - (e.g. CR-000123)."
SHORT_BREAK_GLASS = "X-Break-Glass-Reason must say why in at least {minimum} characters."
LONG_BREAK_GLASS = f"X-Break-Glass-Reason must be at most {MAX_BREAK_GLASS_CHARS} characters."


class BadCircumstances(ValueError):
    """A purpose, case reference or break-glass header that is present but malformed; the message is safe."""


@dataclass(frozen=True, kw_only=True)
class Circumstances:
    purpose: Purpose | None = None
    case_reference: str | None = None
    break_glass_reason: str | None = None

    def apply_to(self, principal: Principal) -> Principal:
        return dataclasses.replace(
            principal,
            purpose=self.purpose,
            case_reference=self.case_reference,
            break_glass_reason=self.break_glass_reason,
        )


def read_circumstances(headers: Mapping[str, str], *, break_glass_min_chars: int) -> Circumstances:
    purpose = None
    raw_purpose = headers.get(PURPOSE_HEADER, "").strip()
    if raw_purpose:
        purpose = Purpose.__members__.get(raw_purpose.upper().replace("-", "_").replace(" ", "_"))
        if purpose is None:
            raise BadCircumstances(BAD_PURPOSE.format(allowed=", ".join(Purpose.__members__)))
    case_reference = headers.get(CASE_REFERENCE_HEADER, "").strip() or None
    if case_reference is not None and not CASE_REFERENCE.match(case_reference):
        raise BadCircumstances(BAD_CASE_REFERENCE)
    reason = " ".join(headers.get(BREAK_GLASS_HEADER, "").split()) or None
    if reason is not None:
        if len(reason) < break_glass_min_chars:
            raise BadCircumstances(SHORT_BREAK_GLASS.format(minimum=break_glass_min_chars))
        if len(reason) > MAX_BREAK_GLASS_CHARS:
            raise BadCircumstances(LONG_BREAK_GLASS)
    return Circumstances(purpose=purpose, case_reference=case_reference, break_glass_reason=reason)
