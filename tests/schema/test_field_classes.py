"""Every field of the schema declares its class, and the declarations are ones the access guard can enforce."""

from __future__ import annotations

from functools import cache

from graphql import (
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)

from auth.field_classes import FieldClass
from schema.access import HELD, Declared, field_classes
from schema.build import build_schema


@cache
def _schema() -> GraphQLSchema:
    return build_schema()._schema


def test_every_field_declares_its_class() -> None:
    missing = sorted(f"{t}.{f}" for (t, f), declared in field_classes(_schema()).items() if declared is None)
    assert not missing, f"fields without a class (declare one in schema/): {missing}"


def _returning(schema: GraphQLSchema, type_name: str) -> list[tuple[str, str]]:
    """Every (type, field) whose named return type is `type_name`, or an interface or union it belongs to."""
    named = schema.type_map[type_name]
    targets = {type_name}
    if hasattr(named, "interfaces"):
        targets |= {i.name for i in named.interfaces}
    targets |= {
        u.name for u in schema.type_map.values() if hasattr(u, "types") and any(t.name == type_name for t in u.types)
    }
    found = []
    for owner in schema.type_map.values():
        if owner.name.startswith("__") or not isinstance(owner, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for name, graphql_field in owner.fields.items():
            if get_named_type(graphql_field.type).name in targets:
                found.append((owner.name, name))
    return found


def _effective(schema: GraphQLSchema, type_name: str, seen: frozenset[str] = frozenset()) -> set[Declared]:
    """The classes a value of this type is reached under: a held field's class is its holder's."""
    table = field_classes(schema)
    classes: set[Declared] = set()
    for owner, name in _returning(schema, type_name):
        declared = table[(owner, name)]
        assert declared is not None
        if declared is HELD:
            if owner not in seen:
                classes |= _effective(schema, owner, seen | {type_name})
        else:
            classes.add(declared)
    return classes


def test_a_non_null_field_is_never_withheld_alone() -> None:
    """A withheld non-null field would null its parent. So a non-null field has the class its object is reached
    under (the guard of that field already granted it), or is held by its object."""
    schema = _schema()
    problems = []
    for (type_name, field_name), declared in field_classes(schema).items():
        named: GraphQLNamedType = schema.type_map[type_name]
        graphql_field = named.fields[field_name]  # type: ignore[attr-defined]
        if not isinstance(graphql_field.type, GraphQLNonNull) or declared is HELD:
            continue
        if type_name == "Query":  # a withheld non-null root field would null the whole answer
            # Federation's spec makes `_entities: [_Entity]!`; a router sends it alone in its own request, so a
            # refusal nulls only that fetch of the router's plan.
            if declared is not FieldClass.SELF and field_name != "_entities":
                problems.append(f"Query.{field_name} is non-null but may be withheld ({declared})")
            continue
        reached_under = _effective(schema, type_name)
        if reached_under and reached_under != {declared}:
            problems.append(f"{type_name}.{field_name} is {declared} but {type_name} is reached under {reached_under}")
    assert not problems, problems


def test_details_flags_and_linkage_are_where_the_domain_puts_them() -> None:
    table = field_classes(_schema())
    expected = {
        ("PoliceInvolvement", "safeguardingOffences"): FieldClass.DETAIL,
        ("PoliceInvolvement", "hasNonSafeguardingRecords"): FieldClass.DETAIL,
        ("HousingInvolvement", "antiSocialBehaviour"): FieldClass.DETAIL,
        ("HousingInvolvement", "rentArrears"): FieldClass.DETAIL,
        ("AdultSocialCareInvolvement", "startDate"): FieldClass.DETAIL,
        ("AdultSocialCareInvolvement", "lastContact"): FieldClass.DETAIL,
        ("SchoolInvolvement", "admissionType"): FieldClass.DETAIL,
        ("SchoolInvolvement", "practitioner"): FieldClass.FLAG,
        ("ServiceCheck", "outcome"): FieldClass.FLAG,
        ("SourceRecord", "recordId"): FieldClass.LINKAGE,
        ("SourceRecord", "match"): FieldClass.LINKAGE,
        ("Person", "links"): FieldClass.LINKAGE,
        ("Child", "dateOfBirth"): FieldClass.BASIC,
        ("Child", "household"): FieldClass.BASIC,
        ("Household", "members"): FieldClass.BASIC,
        ("Query", "sources"): FieldClass.OPERATIONS,
        ("Query", "me"): FieldClass.SELF,
    }
    assert {key: table[key] for key in expected} == expected
