"""The search form's rules: what a worker must type, in words they can act on (the API checks again)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

CMS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
POSTCODE = re.compile(r"[A-Za-z0-9 ]{2,10}")
EARLIEST_BIRTH = datetime.date(1900, 1, 1)


def search_errors(values: Mapping[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if values["cms_id"]:
        if not CMS_ID.match(values["cms_id"]):
            errors["cms_id"] = "CMS id must be letters and numbers, like C000123"
        return errors
    if not any(ch.isalpha() for ch in values["family_name"]):
        errors["family_name"] = "Enter a family name, or a CMS id"
    elif len(values["family_name"]) > 100:
        errors["family_name"] = "Family name must be 100 characters or fewer"
    if len(values["given_name"]) > 100:
        errors["given_name"] = "Given name must be 100 characters or fewer"
    parts = (values["dob_day"], values["dob_month"], values["dob_year"])
    if any(parts):
        born = date_of_birth(values)
        if born is None:
            errors["dob"] = "Date of birth must be a real date, like 27 3 2016"
        elif not EARLIEST_BIRTH <= born <= datetime.date.today():
            errors["dob"] = "Date of birth must be in the past"
    if values["postcode"] and not POSTCODE.fullmatch(values["postcode"]):
        errors["postcode"] = "Enter a postcode, like SK1 3XE"
    return errors


def date_of_birth(values: Mapping[str, str]) -> datetime.date | None:
    try:
        return datetime.date(int(values["dob_year"]), int(values["dob_month"]), int(values["dob_day"]))
    except (KeyError, ValueError):
        return None
