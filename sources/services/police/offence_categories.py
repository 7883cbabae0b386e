"""Home Office-style offence descriptions → safeguarding offence categories (data, not logic).

`classify` looks a description up in `KNOWN_DESCRIPTIONS` (exact, case-insensitive), then tries `KEYWORDS` in
order, most specific first. Anything else is a non-safeguarding offence (None): those are only ever shown as a
yes/no flag.
"""

from __future__ import annotations

import re

from sources.model import SafeguardingOffenceCategory as Category

KNOWN_DESCRIPTIONS: dict[str, Category] = {
    # homicide
    "murder": Category.HOMICIDE,
    "manslaughter": Category.HOMICIDE,
    "infanticide": Category.HOMICIDE,
    "corporate manslaughter": Category.HOMICIDE,
    # Home Office counting rules put attempted murder under violence with injury.
    "attempted murder": Category.VIOLENCE_WITH_INJURY,
    # rape
    "rape of a female aged 16 or over": Category.RAPE,
    "rape of a male aged 16 or over": Category.RAPE,
    "rape of a female child under 16": Category.RAPE,
    "rape of a male child under 16": Category.RAPE,
    "rape of a female child under 13": Category.RAPE,
    "rape of a male child under 13": Category.RAPE,
    # other sexual offences
    "sexual assault on a female": Category.OTHER_SEXUAL_OFFENCES,
    "sexual assault on a male": Category.OTHER_SEXUAL_OFFENCES,
    "exposure and voyeurism": Category.OTHER_SEXUAL_OFFENCES,
    "sexual activity involving a child under 16": Category.OTHER_SEXUAL_OFFENCES,
    "sexual activity involving a child under 13": Category.OTHER_SEXUAL_OFFENCES,
    "sexual grooming": Category.OTHER_SEXUAL_OFFENCES,
    "abuse of children through sexual exploitation": Category.OTHER_SEXUAL_OFFENCES,
    "abuse of position of trust of a sexual nature": Category.OTHER_SEXUAL_OFFENCES,
    "incest or familial sexual offences": Category.OTHER_SEXUAL_OFFENCES,
    # robbery
    "robbery of personal property": Category.ROBBERY,
    "robbery of business property": Category.ROBBERY,
    # possession of weapons
    "possession of article with blade or point": Category.POSSESSION_OF_WEAPONS,
    "possession of firearms with intent": Category.POSSESSION_OF_WEAPONS,
    "possession of firearms offences": Category.POSSESSION_OF_WEAPONS,
    "possession of other weapons": Category.POSSESSION_OF_WEAPONS,
    "possession of offensive weapon": Category.POSSESSION_OF_WEAPONS,
    # violence with injury
    "assault occasioning actual bodily harm": Category.VIOLENCE_WITH_INJURY,
    "wounding with intent to do grievous bodily harm": Category.VIOLENCE_WITH_INJURY,
    "inflicting grievous bodily harm without intent": Category.VIOLENCE_WITH_INJURY,
    "assault with injury": Category.VIOLENCE_WITH_INJURY,
    "assault with intent to cause serious harm": Category.VIOLENCE_WITH_INJURY,
    # violence without injury
    "common assault and battery": Category.VIOLENCE_WITHOUT_INJURY,
    "assault without injury": Category.VIOLENCE_WITHOUT_INJURY,
    "harassment": Category.VIOLENCE_WITHOUT_INJURY,
    "stalking": Category.VIOLENCE_WITHOUT_INJURY,
    "threats to kill": Category.VIOLENCE_WITHOUT_INJURY,
    "malicious communications": Category.VIOLENCE_WITHOUT_INJURY,
    "controlling or coercive behaviour": Category.VIOLENCE_WITHOUT_INJURY,
}

# Checked in order: "rape" before "sexual", "without injury" before "with injury", and so on.
KEYWORDS: tuple[tuple[str, Category], ...] = (
    (r"\battempted murder\b", Category.VIOLENCE_WITH_INJURY),
    (r"\b(murder|manslaughter|infanticide|homicide)\b", Category.HOMICIDE),
    (r"\brape\b", Category.RAPE),
    (r"\b(sexual|sexually|voyeurism|indecent|indecency|grooming)\b", Category.OTHER_SEXUAL_OFFENCES),
    (r"\brobbery\b", Category.ROBBERY),
    (r"\b(blade|bladed|knife|weapons?|firearms?)\b", Category.POSSESSION_OF_WEAPONS),
    (r"\bwithout injury\b", Category.VIOLENCE_WITHOUT_INJURY),
    (r"\b(grievous|actual bodily harm|wounding|with injury)\b", Category.VIOLENCE_WITH_INJURY),
    (r"\b(common assault|battery|harassment|stalking|threats to kill)\b", Category.VIOLENCE_WITHOUT_INJURY),
)
_COMPILED = tuple((re.compile(pattern), category) for pattern, category in KEYWORDS)


def classify(description: str) -> Category | None:
    """The safeguarding category of an offence description, or None for a non-safeguarding offence.

    >>> classify("Possession of article with blade or point")
    <SafeguardingOffenceCategory.POSSESSION_OF_WEAPONS: 'POSSESSION_OF_WEAPONS'>
    """
    normalised = " ".join(description.lower().split())
    known = KNOWN_DESCRIPTIONS.get(normalised)
    if known is not None:
        return known
    for pattern, category in _COMPILED:
        if pattern.search(normalised):
            return category
    return None
