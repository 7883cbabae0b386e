"""The workers each system names as a person's contact: social workers, keyworkers, housing officers."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sandbox.names import NamePools, Sex


@dataclass(frozen=True, kw_only=True)
class Practitioner:
    name: str
    role: str
    team: str
    phone: str | None
    email: str | None


def practitioner_pool(
    rng: random.Random,
    pools: NamePools,
    *,
    count: int,
    roles: tuple[str, ...],
    teams: tuple[str, ...],
    email_domain: str,
    phone_prefix: str,
) -> tuple[Practitioner, ...]:
    """`count` distinct practitioners with council-style phone numbers and e-mail addresses."""
    workers: list[Practitioner] = []
    used: set[str] = set()
    while len(workers) < count:
        sex: Sex = rng.choice(("F", "M"))
        given = pools.given_name(rng, "british", sex, child=False)
        family = pools.family_name(rng, "british")
        name = f"{given} {family}"
        if name in used:
            continue
        used.add(name)
        local = f"{given}.{family}".lower().replace(" ", "").replace("'", "")
        workers.append(
            Practitioner(
                name=name,
                role=rng.choice(roles),
                team=rng.choice(teams),
                phone=f"{phone_prefix} {rng.randint(0, 9999):04d}",
                email=f"{local}@{email_domain}",
            )
        )
    return tuple(workers)


def with_wrong_digit_count(phone: str, rng: random.Random) -> str:
    """The phone number with a digit dropped or doubled, as keyed in a hurry."""
    digits = [i for i, ch in enumerate(phone) if ch.isdigit()]
    at = rng.choice(digits[1:])
    if rng.random() < 0.5:
        return phone[:at] + phone[at + 1 :]
    return phone[:at] + phone[at] + phone[at:]
