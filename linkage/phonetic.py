"""Sound-alike keys for names, so that "Steven"/"Stephen" and "Catherine"/"Katharine" meet.

Metaphone compares spellings in scoring; NYSIIS, designed for surnames, groups family names in blocking.
Both come from jellyfish and are cached, because the same few thousand names recur across millions of pairs.
"""

from __future__ import annotations

import functools

import jellyfish


@functools.lru_cache(maxsize=65_536)
def metaphone(token: str) -> str:
    """The Metaphone key of a lower-case name token (`"stephen"` → `"STFN"`)."""
    return str(jellyfish.metaphone(token))


@functools.lru_cache(maxsize=65_536)
def nysiis(token: str) -> str:
    """The NYSIIS key of a lower-case name token (`"smith"` → `"SNAT"`); the token itself if it has no key."""
    return str(jellyfish.nysiis(token)) or token.upper()
