"""Name pools for the synthetic population: UK given and family names from several cultures, and diminutives.

Faker is consulted once per population to build the pools (its en_GB lists, plus seeded draws), never per person:
calling Faker for each of 100,000 people would take minutes, picking from a list takes microseconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from faker import Faker
from faker.providers.person.en_GB import Provider as EnGbNames

Culture = Literal["british", "irish", "south_asian", "polish", "west_african", "chinese", "arabic"]
Sex = Literal["F", "M"]

# Roughly the mix of a Greater Manchester borough; British names dominate as they do in the real records.
CULTURE_WEIGHTS: dict[Culture, int] = {
    "british": 72,
    "irish": 5,
    "south_asian": 9,
    "polish": 5,
    "west_african": 4,
    "chinese": 2,
    "arabic": 3,
}

# Formal given name -> diminutives that some systems hold as the given name (a known cause of split records).
DIMINUTIVES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby"),
    "William": ("Bill", "Will", "Billy"),
    "Elizabeth": ("Liz", "Beth", "Lizzie"),
    "Catherine": ("Kate", "Cathy", "Katie"),
    "Katherine": ("Kate", "Kathy", "Katie"),
    "Margaret": ("Maggie", "Peggy"),
    "Thomas": ("Tom", "Tommy"),
    "James": ("Jim", "Jamie"),
    "Jonathan": ("Jon", "Jonny"),
    "John": ("Jack", "Johnny"),
    "Michael": ("Mike", "Mick"),
    "Richard": ("Rich", "Dick"),
    "Anthony": ("Tony",),
    "Christopher": ("Chris",),
    "Daniel": ("Dan", "Danny"),
    "Samuel": ("Sam",),
    "Joseph": ("Joe", "Joey"),
    "Matthew": ("Matt",),
    "Nicholas": ("Nick",),
    "Alexander": ("Alex",),
    "Benjamin": ("Ben",),
    "Edward": ("Ed", "Eddie", "Ted"),
    "Henry": ("Harry", "Hal"),
    "Stephen": ("Steve",),
    "Andrew": ("Andy", "Drew"),
    "David": ("Dave",),
    "Patrick": ("Pat", "Paddy"),
    "Peter": ("Pete",),
    "Timothy": ("Tim",),
    "Frederick": ("Fred", "Freddie"),
    "Alfred": ("Alfie", "Alf"),
    "Archibald": ("Archie",),
    "Oliver": ("Ollie",),
    "Theodore": ("Theo", "Teddy"),
    "Jennifer": ("Jenny", "Jen"),
    "Rebecca": ("Becky", "Becca"),
    "Victoria": ("Vicky", "Tori"),
    "Samantha": ("Sam", "Sammy"),
    "Jessica": ("Jess",),
    "Deborah": ("Debbie", "Deb"),
    "Susan": ("Sue", "Susie"),
    "Patricia": ("Pat", "Trish"),
    "Alexandra": ("Alex", "Lexi"),
    "Charlotte": ("Charlie", "Lottie"),
    "Eleanor": ("Ellie", "Nell"),
    "Abigail": ("Abbie", "Abby"),
    "Natalie": ("Nat",),
    "Kimberley": ("Kim",),
    "Christine": ("Chris", "Chrissie"),
    "Amanda": ("Mandy",),
    "Joanne": ("Jo",),
    "Josephine": ("Jo", "Josie"),
    "Gillian": ("Gill",),
    "Isabella": ("Bella", "Izzy"),
    "Florence": ("Flo", "Florrie"),
    "Matilda": ("Tilly",),
    "Mohammed": ("Mo",),
    "Muhammad": ("Mo",),
    "Aleksander": ("Olek",),
    "Katarzyna": ("Kasia",),
    "Małgorzata": ("Gosia",),
    "Oluwaseun": ("Seun",),
}

# Popular recent first names (ONS top lists): Faker's en_GB lists skew to the parents' and grandparents' generation.
_MODERN_GIVEN: dict[Sex, tuple[str, ...]] = {
    "F": (
        "Olivia",
        "Amelia",
        "Isla",
        "Ava",
        "Mia",
        "Ivy",
        "Lily",
        "Isabella",
        "Rosie",
        "Sophia",
        "Grace",
        "Willow",
        "Freya",
        "Florence",
        "Emily",
        "Ella",
        "Poppy",
        "Evie",
        "Elsie",
        "Charlotte",
        "Evelyn",
        "Sienna",
        "Matilda",
        "Daisy",
        "Phoebe",
        "Harper",
        "Ruby",
        "Millie",
        "Eleanor",
        "Chloé",
        "Zoë",
        "Jessica",
        "Alice",
        "Elizabeth",
        "Catherine",
        "Rebecca",
        "Abigail",
        "Ellie",
        "Katie",
    ),
    "M": (
        "Muhammad",
        "Noah",
        "Oliver",
        "George",
        "Arthur",
        "Leo",
        "Harry",
        "Oscar",
        "Archie",
        "Henry",
        "Theodore",
        "Freddie",
        "Jack",
        "Charlie",
        "Theo",
        "Alfie",
        "Jacob",
        "Thomas",
        "Finley",
        "Arlo",
        "Lucas",
        "Isaac",
        "Tommy",
        "Edward",
        "Joshua",
        "James",
        "William",
        "Samuel",
        "Robert",
        "Benjamin",
        "Alexander",
        "Daniel",
        "Joseph",
        "Frederick",
        "Alfred",
        "Archibald",
        "Matthew",
        "Jonathan",
        "Riley",
    ),
}

_OTHER_CULTURES: dict[Culture, dict[str, tuple[str, ...]]] = {
    "irish": {
        "F": ("Siobhan", "Niamh", "Aoife", "Róisín", "Ciara", "Orla", "Saoirse", "Sinead", "Aisling"),
        "M": ("Sean", "Ciaran", "Padraig", "Declan", "Eoin", "Cian", "Oisin", "Patrick", "Conor"),
        "family": (
            "O'Brien",
            "O'Neill",
            "McCarthy",
            "O'Connor",
            "Murphy",
            "Kelly",
            "Byrne",
            "McLaughlin",
            "O'Sullivan",
            "Doyle",
            "Gallagher",
            "Ní Bhriain",
            "Mac Giolla",
        ),
    },
    "south_asian": {
        "F": (
            "Aisha",
            "Fatima",
            "Priya",
            "Ananya",
            "Zara",
            "Amara",
            "Sana",
            "Noor",
            "Hira",
            "Simran",
            "Maryam",
            "Ayesha",
            "Anjali",
        ),
        "M": (
            "Muhammad",
            "Mohammed",
            "Ali",
            "Omar",
            "Arjun",
            "Rohan",
            "Imran",
            "Hassan",
            "Zain",
            "Ibrahim",
            "Aarav",
            "Bilal",
            "Harpreet",
        ),
        "family": (
            "Khan",
            "Patel",
            "Hussain",
            "Ahmed",
            "Ali",
            "Begum",
            "Shah",
            "Iqbal",
            "Singh",
            "Kaur",
            "Sharma",
            "Rahman",
            "Mahmood",
            "Akhtar",
            "Chaudhry",
        ),
    },
    "polish": {
        "F": ("Zofia", "Maja", "Natalia", "Agnieszka", "Katarzyna", "Magdalena", "Joanna", "Małgorzata"),
        "M": ("Jakub", "Kacper", "Piotr", "Tomasz", "Krzysztof", "Michał", "Łukasz", "Aleksander"),
        # Surnames without diacritics: most UK systems strip them at entry, and a surname key keeps only A-Z.
        "family": (
            "Nowak",
            "Kowalski",
            "Wisniewski",
            "Wojcik",
            "Kowalczyk",
            "Lewandowski",
            "Zielinski",
            "Kaminski",
            "Dabrowski",
            "Mazur",
        ),
    },
    "west_african": {
        "F": ("Chiamaka", "Adaeze", "Ngozi", "Folake", "Abena", "Amara", "Yetunde", "Ama", "Efua"),
        "M": ("Chinedu", "Oluwaseun", "Tunde", "Kwame", "Emeka", "Kofi", "Babajide", "Kwabena", "Ikenna"),
        "family": (
            "Okafor",
            "Adeyemi",
            "Mensah",
            "Okonkwo",
            "Boateng",
            "Owusu",
            "Adebayo",
            "Eze",
            "Asante",
            "Oyelaran-Smith",
        ),
    },
    "chinese": {
        "F": ("Mei", "Xin", "Jia", "Ying", "Lin", "Hui"),
        "M": ("Wei", "Jun", "Hao", "Ming", "Jian", "Bo"),
        "family": ("Wang", "Li", "Zhang", "Chen", "Liu", "Wong", "Cheung", "Lam", "Ng"),
    },
    "arabic": {
        "F": ("Layla", "Mariam", "Yasmin", "Amira", "Nour", "Huda", "Salma"),
        "M": ("Ahmed", "Youssef", "Khalid", "Tariq", "Omar", "Karim", "Sami"),
        "family": ("Al-Hassan", "Abdullah", "Haddad", "Mansour", "El-Sayed", "Al-Rashid", "Nasser", "Hamdan"),
    },
}


def _kept_surname(word: str) -> str:
    return "".join(ch for ch in word if ch.isalpha() or ch in "'- ")


@dataclass(frozen=True)
class NamePools:
    """Every name the population draws from, fixed for one seed."""

    adult_given: dict[Culture, dict[Sex, tuple[str, ...]]]
    child_given: dict[Culture, dict[Sex, tuple[str, ...]]]
    family: dict[Culture, tuple[str, ...]]
    street_stems: tuple[str, ...]

    def given_name(self, rng: random.Random, culture: Culture, sex: Sex, *, child: bool) -> str:
        pool = (self.child_given if child else self.adult_given)[culture][sex]
        return rng.choice(pool)

    def family_name(self, rng: random.Random, culture: Culture) -> str:
        name = rng.choice(self.family[culture])
        if culture == "british" and rng.random() < 0.025:
            # Double-barrelled and hyphenated names, the bane of exact-match linkage.
            other = rng.choice(self.family["british"])
            if other != name:
                name = f"{name}-{other}" if rng.random() < 0.7 else f"{name} {other}"
        return name


def build_name_pools(seed: int) -> NamePools:
    """Build the name pools once for a population, from Faker's en_GB lists and a seeded Faker."""
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    british_female = tuple(EnGbNames.first_names_female)
    british_male = tuple(EnGbNames.first_names_male)
    british_family = tuple(_kept_surname(name) for name in EnGbNames.last_names)
    adult_given: dict[Culture, dict[Sex, tuple[str, ...]]] = {
        # Formal names that have diminutives count twice, so the nickname discrepancy has people to apply to.
        "british": {
            "F": british_female + tuple(d for d in DIMINUTIVES if d in british_female),
            "M": british_male + tuple(d for d in DIMINUTIVES if d in british_male),
        },
    }
    child_given: dict[Culture, dict[Sex, tuple[str, ...]]] = {
        "british": {"F": _MODERN_GIVEN["F"] * 3 + british_female, "M": _MODERN_GIVEN["M"] * 3 + british_male},
    }
    family: dict[Culture, tuple[str, ...]] = {"british": british_family}
    for culture, names in _OTHER_CULTURES.items():
        adult_given[culture] = {"F": names["F"], "M": names["M"]}
        child_given[culture] = {"F": names["F"] + _MODERN_GIVEN["F"][:8], "M": names["M"] + _MODERN_GIVEN["M"][:8]}
        family[culture] = names["family"]
    street_stems = tuple(sorted({_kept_surname(fake.last_name()).replace("'", "") for _ in range(400)}))
    return NamePools(adult_given=adult_given, child_given=child_given, family=family, street_stems=street_stems)


def pick_culture(rng: random.Random) -> Culture:
    """A household's naming culture, weighted like a Greater Manchester borough."""
    cultures = list(CULTURE_WEIGHTS)
    return rng.choices(cultures, weights=[CULTURE_WEIGHTS[c] for c in cultures])[0]
