"""Addresses with plausible Stockport postcodes (SK1-SK8), and a few just outside the borough."""

from __future__ import annotations

import random

from sandbox.people import Address

# Postcode district -> (post town, localities). A locality goes in line 2, as many council systems do.
_STOCKPORT_DISTRICTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "SK1": ("Stockport", ("Town Centre", "Portwood", "Heaviley")),
    "SK2": ("Stockport", ("Offerton", "Woodsmoor", "Great Moor")),
    "SK3": ("Stockport", ("Edgeley", "Cheadle Heath", "Adswood")),
    "SK4": ("Stockport", ("Heaton Moor", "Heaton Chapel", "Heaton Mersey")),
    "SK5": ("Stockport", ("Reddish", "Brinnington")),
    "SK6": ("Stockport", ("Marple", "Bredbury", "Romiley")),
    "SK7": ("Stockport", ("Bramhall", "Hazel Grove")),
    "SK8": ("Cheadle", ("Cheadle Hulme", "Gatley", "Heald Green")),
}
# Where absent parents and grandparents often live: neighbouring authorities, outside the borough's records.
_NEIGHBOURING_DISTRICTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "M19": ("Manchester", ("Levenshulme", "Burnage")),
    "M20": ("Manchester", ("Didsbury", "Withington")),
    "M14": ("Manchester", ("Fallowfield", "Rusholme")),
    "SK9": ("Wilmslow", ("Handforth",)),
    "SK14": ("Hyde", ("Gee Cross",)),
    "OL6": ("Ashton-under-Lyne", ("Hurst",)),
}
_STREET_SUFFIXES = (
    "Road",
    "Street",
    "Lane",
    "Close",
    "Avenue",
    "Drive",
    "Grove",
    "Way",
    "Crescent",
    "Gardens",
    "Terrace",
    "Walk",
    "Court",
    "Place",
    "Mews",
)
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # Royal Mail never uses C, I, K, M, O, V in the inward code


class AddressBook:
    """Hands out distinct addresses, so that two households never share one by accident."""

    def __init__(self, rng: random.Random, street_stems: tuple[str, ...]) -> None:
        self._rng = rng
        self._stems = street_stems
        self._used: set[tuple[str, str]] = set()

    def new_address(self, *, in_borough: bool = True) -> Address:
        """A fresh address in Stockport, or (in_borough=False) in a neighbouring town."""
        rng = self._rng
        districts = _STOCKPORT_DISTRICTS if in_borough else _NEIGHBOURING_DISTRICTS
        while True:
            district = rng.choice(list(districts))
            town, localities = districts[district]
            street = f"{rng.choice(self._stems)} {rng.choice(_STREET_SUFFIXES)}"
            if rng.random() < 0.12:
                line1 = f"Flat {rng.randint(1, 24)}, {rng.randint(1, 60)} {street}"
            else:
                line1 = f"{rng.randint(1, 180)} {street}"
            postcode = f"{district} {rng.randint(1, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
            if (line1, postcode) in self._used:
                continue
            self._used.add((line1, postcode))
            line2 = rng.choice(localities) if rng.random() < 0.35 else None
            return Address(line1=line1, line2=line2, town=town, postcode=postcode)
