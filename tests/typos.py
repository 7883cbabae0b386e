"""Family names typed wrong the way a new user types them, built from real records so that tests stay stable."""

from __future__ import annotations

from linkage.sound_keys import soundex

# One vowel for another ("Rice" -> "Ryce", "Curtis" -> "Cartis"): one edit, and the same Soundex code.
_OTHER_VOWEL = {"a": "e", "e": "a", "i": "y", "o": "u", "u": "o", "y": "i"}


def vowel_typo(name: str) -> str | None:
    """`name` with its first vowel after the initial swapped for another; None when it has none to swap or is too
    short for linkage to call one edit a typo (under four letters a different name is likelier)."""
    if len(name) < 4 or not name.isalpha():
        return None
    for at in range(1, len(name)):
        swapped = _OTHER_VOWEL.get(name[at].lower())
        if swapped:
            typed = name[:at] + (swapped.upper() if name[at].isupper() else swapped) + name[at + 1 :]
            assert soundex(typed) == soundex(name)
            return typed
    return None
