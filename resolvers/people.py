"""Building the `Individual` views from what each system holds about a person."""

from __future__ import annotations

import datetime

from resolvers import ids
from resolvers.views import IndividualView
from sources.cms_model import CmsChild, CmsPerson, CmsRelationship
from sources.model import Name, SourceRecord

CHILD_ID_PREFIX = "C"


def age_on(date_of_birth: datetime.date | None, today: datetime.date) -> int | None:
    if date_of_birth is None or date_of_birth > today:
        return None
    before_birthday = (today.month, today.day) < (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - int(before_birthday)


def from_cms(person: CmsPerson | CmsRelationship, today: datetime.date) -> IndividualView:
    """A person the children's case-management system holds: a child, or someone recorded around a child."""
    # The CMS gives children with a case their own kind of id; a related person may be such a child (a sibling).
    is_child = isinstance(person, CmsChild) or person.person_id.startswith(CHILD_ID_PREFIX)
    addresses = person.addresses if isinstance(person, CmsPerson) else tuple(a for a in (person.address,) if a)
    return IndividualView(
        id=ids.child_id(person.person_id) if is_child else ids.person_id("CMS", person.person_id),
        kind="child" if is_child else "person",
        home="CMS",
        cms_id=person.person_id if is_child else None,
        name=person.name,
        other_names=(),
        date_of_birth=person.date_of_birth,
        age=age_on(person.date_of_birth, today),
        gender=person.gender,
        addresses=addresses,
        demographics=person.demographics,
        allocated_worker=person.allocated_worker if isinstance(person, CmsChild) else None,
        allocated_worker_known=isinstance(person, CmsChild),
    )


def from_source_record(record: SourceRecord, today: datetime.date) -> IndividualView:
    """A person known only to a service's system, e.g. an adult found on the child's tenancy."""
    d = record.person
    other_names = tuple(Name(given=d.given_name, family=f) for f in d.other_family_names)
    return IndividualView(
        id=ids.person_id(record.service.value, record.record_id),
        kind="person",
        home=record.service.value,
        cms_id=None,
        name=Name(given=d.given_name, family=d.family_name),
        other_names=other_names,
        date_of_birth=d.date_of_birth,
        age=age_on(d.date_of_birth, today),
        gender=record.gender,
        addresses=record.addresses,
        demographics=d,
    )
