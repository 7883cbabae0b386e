"""The access policy's table: roles to classes, narrowing per service, purposes, case-linked reach."""

from __future__ import annotations

import dataclasses

import pytest

from auth.field_classes import FieldClass
from auth.policy import AccessPolicy, Allowed, Denied
from auth.principal import Principal, Purpose, Role
from auth.settings import AccessSettings, Narrowing
from sources.model import Practitioner, Service

EVERY_CLASS = [c for c in FieldClass if c is not FieldClass.SELF]
DEFAULT_GRANTS = {
    Role.SOCIAL_WORKER: {FieldClass.BASIC, FieldClass.FLAG, FieldClass.DETAIL, FieldClass.LINKAGE},
    Role.TEAM_MANAGER: {FieldClass.BASIC, FieldClass.FLAG, FieldClass.DETAIL, FieldClass.LINKAGE, FieldClass.AUDIT},
    Role.INTEGRATION: {FieldClass.BASIC, FieldClass.FLAG},
    Role.AUDITOR: {FieldClass.AUDIT},
    Role.ADMIN: {FieldClass.OPERATIONS},
}


def principal(*roles: Role, purpose: Purpose | None = Purpose.ASSESSMENT, **changes: object) -> Principal:
    base = Principal(id="u1", name="A User", roles=frozenset(roles), purpose=purpose)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("field_class", EVERY_CLASS)
def test_the_default_table(role: Role, field_class: FieldClass) -> None:
    decision = AccessPolicy(AccessSettings()).decide(principal(role), field_class)
    assert isinstance(decision, Allowed) == (field_class in DEFAULT_GRANTS[role])
    if isinstance(decision, Denied):
        assert decision.code == "FORBIDDEN"
        assert field_class.label in decision.message


def test_everyone_signed_in_sees_themselves_and_no_role_sees_nothing_else() -> None:
    policy = AccessPolicy(AccessSettings())
    nobody = principal()
    assert isinstance(policy.decide(nobody, FieldClass.SELF), Allowed)
    assert all(isinstance(policy.decide(nobody, c), Denied) for c in EVERY_CLASS)


def test_details_need_a_purpose_by_default() -> None:
    policy = AccessPolicy(AccessSettings())
    decision = policy.decide(principal(Role.SOCIAL_WORKER, purpose=None), FieldClass.DETAIL, Service.HOUSING)
    assert isinstance(decision, Denied)
    assert decision.code == "PURPOSE_REQUIRED"
    assert "X-Purpose" in decision.message
    assert isinstance(policy.decide(principal(Role.SOCIAL_WORKER, purpose=None), FieldClass.FLAG), Allowed)


def test_a_class_narrowed_per_service_by_purpose() -> None:
    settings = AccessSettings(
        narrowing={
            (Service.POLICE, FieldClass.DETAIL): Narrowing(
                purposes=frozenset({Purpose.CHILD_PROTECTION_ENQUIRY, Purpose.MASH_TRIAGE})
            )
        }
    )
    policy = AccessPolicy(settings)
    assessment = principal(Role.SOCIAL_WORKER, purpose=Purpose.ASSESSMENT)
    enquiry = principal(Role.SOCIAL_WORKER, purpose=Purpose.CHILD_PROTECTION_ENQUIRY)
    police_for_assessment = policy.decide(assessment, FieldClass.DETAIL, Service.POLICE)
    assert isinstance(police_for_assessment, Denied)
    assert police_for_assessment.code == "FORBIDDEN"
    assert "CHILD_PROTECTION_ENQUIRY" in police_for_assessment.message
    assert isinstance(policy.decide(assessment, FieldClass.DETAIL, Service.HOUSING), Allowed)
    assert isinstance(policy.decide(enquiry, FieldClass.DETAIL, Service.POLICE), Allowed)
    no_purpose = policy.decide(principal(Role.SOCIAL_WORKER, purpose=None), FieldClass.DETAIL, Service.POLICE)
    assert isinstance(no_purpose, Denied) and no_purpose.code == "PURPOSE_REQUIRED"


def test_a_class_narrowed_per_service_by_role() -> None:
    settings = AccessSettings(
        narrowing={(Service.POLICE, FieldClass.FLAG): Narrowing(roles=frozenset({Role.TEAM_MANAGER}))}
    )
    policy = AccessPolicy(settings)
    assert isinstance(policy.decide(principal(Role.SOCIAL_WORKER), FieldClass.FLAG, Service.POLICE), Denied)
    assert isinstance(policy.decide(principal(Role.TEAM_MANAGER), FieldClass.FLAG, Service.POLICE), Allowed)
    assert isinstance(policy.decide(principal(Role.SOCIAL_WORKER), FieldClass.FLAG, Service.HOUSING), Allowed)


def test_search_is_refused_in_a_case_linked_authority() -> None:
    worker = principal(Role.SOCIAL_WORKER)
    assert isinstance(AccessPolicy(AccessSettings()).may_search(worker), Allowed)
    assert isinstance(AccessPolicy(AccessSettings(), access_mode="case_linked").may_search(worker), Denied)
    assert isinstance(AccessPolicy(AccessSettings()).may_search(principal(Role.AUDITOR)), Denied)


def test_case_linked_reach_is_the_allocated_worker_or_their_team() -> None:
    policy = AccessPolicy(AccessSettings(), access_mode="case_linked")
    allocated = Practitioner(name="Jo Bloggs", team="Assessment Team 2", email="Jo.Bloggs@example.gov.uk")
    me = principal(Role.SOCIAL_WORKER, email="jo.bloggs@example.gov.uk", team="Other Team")
    colleague = principal(Role.SOCIAL_WORKER, email="sam@example.gov.uk", team="assessment team 2")
    manager = principal(Role.TEAM_MANAGER, team="Assessment Team 2")
    stranger = principal(Role.SOCIAL_WORKER, email="sam@example.gov.uk", team="Children in Care Team")
    no_claims = principal(Role.SOCIAL_WORKER)
    assert policy.reaches_child(me, allocated)
    assert policy.reaches_child(colleague, allocated)
    assert policy.reaches_child(manager, allocated)
    assert not policy.reaches_child(stranger, allocated)
    assert not policy.reaches_child(no_claims, allocated)
    assert not policy.reaches_child(me, None)  # an unallocated child is in nobody's caseload


def test_machine_clients_are_not_held_to_a_caseload() -> None:
    policy = AccessPolicy(AccessSettings(), access_mode="case_linked")
    assert not policy.held_to_caseload(principal(Role.INTEGRATION, machine=True))
    assert policy.held_to_caseload(principal(Role.SOCIAL_WORKER))
    assert not AccessPolicy(AccessSettings()).held_to_caseload(principal(Role.SOCIAL_WORKER))
