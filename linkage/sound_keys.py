"""Sound-alike keys for candidate searches, so that a family name typed wrong still finds its person.

A source system's candidate search compares keys, not names: "Rise" or "Ryce" misses the exact surname key of
Donald Rice. Soundex keeps the initial and codes the consonants in six classes, ignoring vowels, H, W, Y and
repeated codes, so the common typos keep it (Rice, Rise, Ryce: R200). Measured on the search benchmark's typo
generator (a dropped letter or two neighbours swapped, never the initial) over the sandbox's family names, among the
typos that linkage still accepts, Soundex was unchanged for 72%, Metaphone for 56% and NYSIIS for 31%. Soundex is
also the code that database engines ship (SQL Server's and Oracle's `SOUNDEX()`, PostgreSQL's `fuzzystrmatch`), so
a real source can index it.

A Soundex code is a far weaker key than the surname (Rice, Rose, Ross and Rees are all R200), so a record found
only by it must also have a forename that sounds like the one searched for: the Soundex of each given name and of
each of its diminutives and spelling variants in linkage's table (Bob finds Robert, Milly finds Millie). That keeps a
sound-alike block to a few records even at 100,000 people.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import jellyfish

from linkage.diminutives import diminutives_of

__all__ = ["forename_sounds", "soundex", "surname_sounds"]


@functools.lru_cache(maxsize=65_536)
def soundex(letters: str) -> str:
    """The Soundex code of a name written in letters A-Z, either case (`"Rice"` → `"R200"`); "" for no letters."""
    return str(jellyfish.soundex(letters)) if letters.isalpha() and letters.isascii() else ""


def surname_sounds(surname_keys: Iterable[str]) -> tuple[str, ...]:
    """The Soundex codes of surname keys (`surname_key` forms), each once, in order.

    >>> surname_sounds(["ONEILSMITH", "ONEIL", "SMITH"])
    ('O542', 'O540', 'S530')
    """
    return tuple(dict.fromkeys(code for key in surname_keys if (code := soundex(key))))


@functools.lru_cache(maxsize=65_536)
def forename_sounds(given_tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The Soundex codes a record's forename may have to be the person searched for, each once, sorted.

    `given_tokens` are the lower-case words of the given name (`name_tokens`). Every word counts (a source may hold
    the first or a middle name) with its diminutives and spelling variants. A given name of initials only ("D")
    gives no codes: an initial cannot say how the forename sounds, so it restricts nothing.

    >>> forename_sounds(("bob",))
    ('B100', 'B630', 'R100', 'R163')
    """
    if all(len(token) < 2 for token in given_tokens):
        return ()
    names = {name for token in given_tokens if len(token) >= 2 for name in (token, *diminutives_of(token))}
    return tuple(sorted({code for name in names if (code := soundex(name))}))
