"""Households of true people: children and the adults around them, with names, dates of birth and moves.

Family shapes follow what children's social care sees: two parents, a single parent with the other parent living
elsewhere, a parent's new partner or a step-parent, kinship care by grandparents, adult siblings, lodgers.
Names follow UK practice: a married mother often takes the father's name (keeping her maiden name as a former
name), children may carry either parent's name or both, hyphenated.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Literal

from sandbox.ground_truth import GroundTruthLedger
from sandbox.names import Culture, NamePools, Sex, pick_culture
from sandbox.people import Address, Household, Kinship, Person, RelationshipType, Role, TrueGender
from sandbox.places import AddressBook

Structure = Literal[
    "two_parents",
    "single_mother",
    "mother_and_partner",
    "mother_and_step_parent",
    "single_father",
    "kinship_grandparents",
    "same_sex_parents",
]
_STRUCTURE_WEIGHTS: dict[Structure, int] = {
    "two_parents": 33,
    "single_mother": 28,
    "mother_and_partner": 12,
    "mother_and_step_parent": 9,
    "single_father": 7,
    "kinship_grandparents": 7,
    "same_sex_parents": 4,
}
_YEAR = 365.25


@dataclass
class _Draft:
    """A person being put together; frozen into a `Person` once the household is complete."""

    role: Role
    sex: Sex
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    resident: bool = True
    middle_names: tuple[str, ...] = ()
    former_family_names: tuple[str, ...] = ()
    gender: TrueGender | None = None
    address: Address | None = None
    previous_addresses: tuple[Address, ...] = ()
    # Relationship to each child, when it is not the role's usual one (a step-father's own child calls him FATHER).
    relationship_to: dict[int, RelationshipType] = field(default_factory=dict)
    children_of: frozenset[int] | None = None  # a parent living elsewhere relates only to his or her own children
    twin_of: _Draft | None = None
    half_sibling: bool = False  # the couple's own child in a step-family
    person_id: str = ""


class HouseholdGenerator:
    """Generates one household at a time, deterministically from the random generator it is given."""

    def __init__(
        self,
        rng: random.Random,
        pools: NamePools,
        addresses: AddressBook,
        today: datetime.date,
        ledger: GroundTruthLedger,
    ) -> None:
        self._rng = rng
        self._pools = pools
        self._addresses = addresses
        self._today = today
        self._ledger = ledger
        self._next_person = 1

    def household(self, number: int) -> tuple[Household, list[Person]]:
        """Household number `number` (1-based) and its people, children first in age order."""
        rng = self._rng
        culture = pick_culture(rng)
        structure = rng.choices(list(_STRUCTURE_WEIGHTS), weights=list(_STRUCTURE_WEIGHTS.values()))[0]
        children = self._children(culture)
        adults = self._adults(structure, culture, children)
        self._add_extended_family(culture, children, adults)
        household_id = f"HH{number:06d}"
        address = self._addresses.new_address()
        moves = rng.choices((0, 1, 2), weights=(55, 35, 10))[0]
        previous = tuple(self._addresses.new_address(in_borough=rng.random() < 0.8) for _ in range(moves))
        moved_in = self._today - datetime.timedelta(
            days=rng.randint(60, 6 * 365) if moves else rng.randint(2 * 365, 15 * 365)
        )
        drafts = children + adults
        self._place(drafts, address, previous)
        for draft in drafts:
            draft.person_id = f"person-{self._next_person:06d}"
            self._next_person += 1
        self._plant_household_near_duplicates(children, adults)
        people = [self._freeze(d, household_id) for d in drafts]
        household = Household(
            household_id=household_id,
            address=address,
            previous_addresses=previous,
            moved_in=moved_in,
            member_ids=tuple(d.person_id for d in drafts),
            kinships=self._kinships(children, adults),
        )
        return household, people

    # ---------------------------------------------------------------- people

    def _dob(self, age: int) -> datetime.date:
        return self._today - datetime.timedelta(days=int(age * _YEAR) + self._rng.randint(1, 364))

    def _given(self, culture: Culture, sex: Sex, *, child: bool) -> str:
        return self._pools.given_name(self._rng, culture, sex, child=child)

    def _middle_names(self, culture: Culture, sex: Sex, given: str, *, child: bool) -> tuple[str, ...]:
        count = self._rng.choices((0, 1, 2), weights=(30, 60, 10))[0]
        names = {self._given(culture, sex, child=child) for _ in range(count)} - {given}
        return tuple(sorted(names))

    def _sex(self) -> Sex:
        return "F" if self._rng.random() < 0.5 else "M"

    def _children(self, culture: Culture) -> list[_Draft]:
        rng = self._rng
        count = rng.choices((1, 2, 3, 4), weights=(55, 30, 11, 4))[0]
        age = rng.randint(count - 1, 17)
        children: list[_Draft] = []
        for _ in range(count):
            sex = self._sex()
            given = self._given(culture, sex, child=True)
            while any(c.given_name == given for c in children):
                given = self._given(culture, sex, child=True)
            child = _Draft(role="child", sex=sex, given_name=given, family_name="", date_of_birth=self._dob(age))
            child.middle_names = self._middle_names(culture, sex, given, child=True)
            if rng.random() < 0.01 and age >= 12:
                child.gender = "X"
            children.append(child)
            age = max(0, age - rng.choices((1, 2, 3, 4), weights=(20, 40, 25, 15))[0])
        if count >= 2 and rng.random() < 0.05:
            # Twins: same date of birth, same address, different given names.
            children[1].date_of_birth = children[0].date_of_birth
            children[1].twin_of = children[0]
        if rng.random() < 0.12:
            sex = self._sex()
            given = self._given(culture, sex, child=False)
            adult_child = _Draft(
                role="adult_sibling",
                sex=sex,
                given_name=given,
                family_name="",
                date_of_birth=self._dob(rng.randint(18, 23)),
                resident=rng.random() < 0.8,
            )
            adult_child.middle_names = self._middle_names(culture, sex, given, child=False)
            children.insert(0, adult_child)
        return children

    def _adult(
        self, role: Role, sex: Sex, culture: Culture, family_name: str, age: int, *, resident: bool = True
    ) -> _Draft:
        given = self._given(culture, sex, child=False)
        draft = _Draft(
            role=role,
            sex=sex,
            given_name=given,
            family_name=family_name,
            date_of_birth=self._dob(age),
            resident=resident,
        )
        draft.middle_names = self._middle_names(culture, sex, given, child=False)
        return draft

    def _adults(self, structure: Structure, culture: Culture, children: list[_Draft]) -> list[_Draft]:
        rng = self._rng
        pools = self._pools
        eldest_age = (self._today - min(c.date_of_birth for c in children)).days // 365
        mother_age = eldest_age + rng.randint(17, 38)
        father_age = mother_age + rng.randint(-3, 8)
        father_name = pools.family_name(rng, culture)
        maiden_name = pools.family_name(rng, culture)
        own = frozenset(range(len(children)))
        adults: list[_Draft] = []

        def name_children(surname: str) -> None:
            for child in children:
                child.family_name = surname

        if structure == "two_parents":
            mother = self._adult("mother", "F", culture, maiden_name, mother_age)
            father = self._adult("father", "M", culture, father_name, father_age)
            if rng.random() < 0.55:  # married; most mothers take the husband's name
                if rng.random() < 0.75:
                    mother.family_name, mother.former_family_names = father_name, (maiden_name,)
                name_children(father_name)
            else:
                choice = rng.random()
                name_children(
                    father_name if choice < 0.6 else maiden_name if choice < 0.82 else f"{maiden_name}-{father_name}"
                )
            adults += [mother, father]
        elif structure in ("single_mother", "mother_and_partner", "mother_and_step_parent"):
            mother = self._adult("mother", "F", culture, maiden_name, mother_age)
            father = self._adult("father", "M", culture, father_name, father_age, resident=False)
            father.children_of = own
            name_children(father_name if rng.random() < 0.55 else maiden_name)
            if rng.random() < 0.3:
                # Separated after marriage: she went back to her maiden name, the children kept his.
                mother.former_family_names = (father_name,)
                name_children(father_name)
            adults.append(mother)
            if rng.random() < 0.75:  # otherwise the father is unknown or out of the picture
                adults.append(father)
            if structure == "mother_and_partner":
                partner_sex: Sex = "M" if rng.random() < 0.9 else "F"
                partner_culture = culture if rng.random() < 0.8 else pick_culture(rng)
                adults.append(
                    self._adult(
                        "parents_partner",
                        partner_sex,
                        partner_culture,
                        pools.family_name(rng, partner_culture),
                        mother_age + rng.randint(-4, 8),
                    )
                )
            elif structure == "mother_and_step_parent":
                step_name = pools.family_name(rng, culture)
                step = self._adult("step_parent", "M", culture, step_name, mother_age + rng.randint(-2, 9))
                mother.former_family_names = (mother.family_name, *mother.former_family_names)
                mother.family_name = step_name
                youngest = children[-1]
                if len(children) >= 2 and youngest.role == "child" and rng.random() < 0.4:
                    # The couple's own child: his name, his child, a half-sibling to the others.
                    youngest.family_name, youngest.half_sibling = step_name, True
                    step.relationship_to[len(children) - 1] = "FATHER"
                    father.children_of = frozenset(range(len(children) - 1))
                for child in children:
                    if child.role == "child" and not child.half_sibling and rng.random() < 0.3:
                        # Renamed after the step-father: the school may still list the old name as former.
                        child.former_family_names, child.family_name = (child.family_name,), step_name
                adults.append(step)
        elif structure == "single_father":
            father = self._adult("father", "M", culture, father_name, father_age)
            name_children(father_name)
            adults.append(father)
            if rng.random() < 0.7:
                mother = self._adult("mother", "F", culture, maiden_name, mother_age, resident=False)
                mother.children_of = own
                adults.append(mother)
        elif structure == "kinship_grandparents":
            grandmother = self._adult("grandparent", "F", culture, maiden_name, mother_age + rng.randint(19, 30))
            grandmother.former_family_names = (pools.family_name(rng, culture),)
            adults.append(grandmother)
            if rng.random() < 0.5:
                adults.append(self._adult("grandparent", "M", culture, maiden_name, mother_age + rng.randint(20, 33)))
            name_children(maiden_name if rng.random() < 0.6 else father_name)
            if rng.random() < 0.7:
                mother = self._adult("mother", "F", culture, maiden_name, mother_age, resident=False)
                mother.children_of = own
                adults.append(mother)
        else:  # same_sex_parents
            sex: Sex = "F" if rng.random() < 0.8 else "M"
            first = self._adult("mother" if sex == "F" else "father", sex, culture, maiden_name, mother_age)
            second = self._adult(
                "parent", sex, culture, pools.family_name(rng, culture), mother_age + rng.randint(-5, 5)
            )
            if rng.random() < 0.5:
                second.former_family_names, second.family_name = (second.family_name,), maiden_name
            name_children(maiden_name)
            adults += [first, second]
        return adults

    def _add_extended_family(self, culture: Culture, children: list[_Draft], adults: list[_Draft]) -> None:
        rng = self._rng
        mother = next((a for a in adults if a.role == "mother"), None)
        has_grandparent = any(a.role == "grandparent" for a in adults)
        if mother is not None and not has_grandparent and rng.random() < 0.15:
            # The mother's mother; in the household (8% of households) or nearby.
            grandmother_name = mother.former_family_names[-1] if mother.former_family_names else mother.family_name
            age = (self._today - mother.date_of_birth).days // 365 + rng.randint(19, 32)
            grandmother = self._adult("grandparent", "F", culture, grandmother_name, age, resident=rng.random() < 0.3)
            grandmother.former_family_names = (self._pools.family_name(rng, culture),)
            adults.append(grandmother)
        if rng.random() < 0.05:
            lodger_culture = pick_culture(rng)
            adults.append(
                self._adult(
                    "lodger",
                    self._sex(),
                    lodger_culture,
                    self._pools.family_name(rng, lodger_culture),
                    rng.randint(19, 60),
                )
            )

    def _place(self, drafts: list[_Draft], address: Address, previous: tuple[Address, ...]) -> None:
        rng = self._rng
        for draft in drafts:
            if draft.resident and draft.role != "lodger":
                draft.address, draft.previous_addresses = address, previous
            elif draft.role == "lodger":
                draft.address, draft.previous_addresses = address, (self._addresses.new_address(),)
            else:
                draft.address = self._addresses.new_address(in_borough=rng.random() < 0.75)
                if draft.role in ("mother", "father") and rng.random() < 0.5:
                    # The parent who left used to live at the family home: an old address shared with the child.
                    draft.previous_addresses = (address,)

    def _plant_household_near_duplicates(self, children: list[_Draft], adults: list[_Draft]) -> None:
        minors = [c for c in children if c.role == "child"]
        for child in minors:
            if child.twin_of is not None:
                self._ledger.near_duplicate("twins", child.twin_of.person_id, child.person_id)
        father = next((a for a in adults if a.role == "father" and a.resident), None)
        if father is None or self._rng.random() >= 0.04:
            return
        son = next((c for c in minors if c.sex == "M" and c.family_name == father.family_name), None)
        if son is not None and all(c.given_name != father.given_name for c in minors):
            # Junior: same full name as his father; only the date of birth tells them apart.
            son.given_name, son.middle_names = father.given_name, father.middle_names
            self._ledger.near_duplicate("parent_child_same_name", father.person_id, son.person_id)

    def _freeze(self, draft: _Draft, household_id: str) -> Person:
        assert draft.address is not None
        return Person(
            person_id=draft.person_id,
            household_id=household_id,
            role=draft.role,
            given_name=draft.given_name,
            middle_names=draft.middle_names,
            family_name=draft.family_name,
            former_family_names=draft.former_family_names,
            date_of_birth=draft.date_of_birth,
            gender=draft.gender or draft.sex,
            address=draft.address,
            previous_addresses=draft.previous_addresses,
        )

    # ---------------------------------------------------------------- relationships

    def _kinships(self, children: list[_Draft], adults: list[_Draft]) -> tuple[Kinship, ...]:
        kinships: list[Kinship] = []
        for index, child in enumerate(children):
            if child.role != "child":
                continue
            for other in children:
                if other is child:
                    continue
                half = other.half_sibling != child.half_sibling
                kinships.append(
                    Kinship(
                        child_id=child.person_id,
                        relative_id=other.person_id,
                        relationship="HALF_SIBLING" if half else "SIBLING",
                        lives_with=other.resident,
                    )
                )
            for adult in adults:
                relationship = adult.relationship_to.get(index) or _USUAL_RELATIONSHIP[adult.role]
                if adult.children_of is not None and index not in adult.children_of:
                    continue
                kinships.append(
                    Kinship(
                        child_id=child.person_id,
                        relative_id=adult.person_id,
                        relationship=relationship,
                        lives_with=adult.resident,
                    )
                )
        return tuple(kinships)


_USUAL_RELATIONSHIP: dict[Role, RelationshipType] = {
    "mother": "MOTHER",
    "father": "FATHER",
    "parent": "PARENT",
    "step_parent": "STEP_PARENT",
    "parents_partner": "PARENTS_PARTNER",
    "grandparent": "GRANDPARENT",
    "adult_sibling": "SIBLING",
    "lodger": "OTHER_ADULT_IN_HOUSEHOLD",
    "child": "SIBLING",
}
