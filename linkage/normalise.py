"""Cleaning names, postcodes and genders into the forms linkage compares.

Source systems disagree on case, accents, punctuation, spacing, hyphens and whether a title belongs in the name
field ("Mrs Peggy O'Neil-Smith", "PEGGY ONEIL SMITH"). Everything here maps those spellings to one form:
lower-case ASCII tokens for comparison, and the upper-case A-Z `surname_key` the source systems' candidate search
uses.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

# Letters that Unicode does not decompose into an ASCII base letter plus an accent.
_UNDECOMPOSABLE = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "þ": "th",
     "Þ": "TH", "ð": "d", "Ð": "D", "œ": "oe", "Œ": "OE", "\u0131": "i"}
)  # fmt: skip

# Honorifics and generational suffixes that systems put in a name field but that are not part of the name.
TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "master", "dr", "prof", "professor", "rev", "revd", "sir", "dame", "lady",
     "lord", "fr", "sr", "jr", "jnr", "snr", "junior", "senior"}
)  # fmt: skip

_APOSTROPHES = re.compile(r"['\u2018\u2019`]")
_NOT_LETTER = re.compile(r"[^a-z]+")
_NOT_UPPER_LETTER = re.compile(r"[^A-Z]+")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")

Gender = Literal["F", "M"]


def strip_accents(text: str) -> str:
    """`"Zoë Çelik"` → `"Zoe Celik"`: drop combining marks and spell out letters that have no ASCII base."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSABLE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_tokens(name: str | None) -> tuple[str, ...]:
    """The words of a name, lower-case ASCII letters only, without titles.

    Apostrophes join ("O'Neil" → `oneil`); hyphens, spaces and other punctuation separate
    ("Mary-Jane" → `mary`, `jane`). A title is dropped only when something else is left, so that a person
    genuinely called "Miss" still has a name.

    >>> name_tokens("  Mrs  Zoë O'Neil-Smith ")
    ('zoe', 'oneil', 'smith')
    """
    if not name:
        return ()
    text = _APOSTROPHES.sub("", strip_accents(name).lower())
    tokens = tuple(token for token in _NOT_LETTER.split(text) if token)
    untitled = tuple(token for token in tokens if token not in TITLES)
    return untitled or tokens


def surname_key(name: str) -> str:
    """The key the source systems' candidate search compares: upper case, letters A-Z only, accents stripped.

    >>> surname_key("O'Neil-Smith")
    'ONEILSMITH'
    """
    return _NOT_UPPER_LETTER.sub("", strip_accents(name).upper())


def postcode_key(postcode: str | None) -> str | None:
    """`"sw1a 1aa"` → `"SW1A1AA"`; None for a blank postcode."""
    if not postcode:
        return None
    return _NOT_ALNUM.sub("", strip_accents(postcode).upper()) or None


def gender_key(gender: str | None) -> Gender | None:
    """`"F"` or `"M"`; None for a missing, unknown or other gender, which linkage does not compare."""
    if not gender:
        return None
    initial = gender.strip().upper()[:1]
    if initial == "F":
        return "F"
    if initial == "M":
        return "M"
    return None
