"""One family across two authorities, for the federation demo and its end-to-end test.

A child known to authority A's children's social care has a parent A's case-management system records; that
parent has since moved to authority B, where they are a council tenant and have an active adult social care
support plan. Authority B's population is its own (another seed); planting puts the parent's identity, as A's CMS
holds it, on one of B's tenants with a current tenancy and on one of B's adult social care clients with an active
plan, at the tenant's address in B. Nothing else of B's population changes, and A's is left as it was.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sandbox.asc_records import AscClient
from sandbox.housing_records import Tenant
from sandbox.identity_copies import Identity
from sandbox.people import Address
from sandbox.population import Population


@dataclass(frozen=True, kw_only=True)
class PlantedFamily:
    child_cms_id: str  # in authority A
    parent_cms_id: str  # the parent, in A's CMS
    parent: Identity  # as A's CMS records them
    tenant_ref: str  # the parent's housing record in B
    asc_client_id: str  # the parent's adult social care record in B


def plant_across(home: Population, away: Population) -> tuple[Population, PlantedFamily]:
    """`away` with the parent of one of `home`'s children planted as a tenant and adult social care client."""
    cms = home.cms
    found = next(
        (
            (child_id, parent)
            for child_id, relationships in cms.relationships.items()
            for r in relationships
            if r.person_id.startswith("P") and r.relationship in ("MOTHER", "FATHER", "PARENT")
            if (parent := cms.people.get(r.person_id)) is not None
            and parent.identity.date_of_birth is not None
            and parent.identity.family_name
        ),
        None,
    )
    if found is None:  # pragma: no cover - every generated population has children with recorded parents
        raise ValueError("no child in the home population has a recorded parent")
    child_id, parent = found
    tenant = next(t for t in away.housing if t.tenancy is not None and t.tenancy.end_date is None)
    client = next(c for c in away.adult_social_care if any(p.status == "active" for p in c.support_plans))
    moved = dataclasses.replace(
        parent.identity, address=tenant.identity.address, previous_addresses=_previous(parent.identity)
    )
    housing: list[Tenant] = [dataclasses.replace(t, identity=moved) if t is tenant else t for t in away.housing]
    asc: list[AscClient] = [
        dataclasses.replace(c, identity=moved) if c is client else c for c in away.adult_social_care
    ]
    planted = dataclasses.replace(away, housing=tuple(housing), adult_social_care=tuple(asc))
    family = PlantedFamily(
        child_cms_id=child_id,
        parent_cms_id=parent.id,
        parent=parent.identity,
        tenant_ref=tenant.person_ref,
        asc_client_id=client.client_id,
    )
    return planted, family


def _previous(identity: Identity) -> tuple[Address, ...]:
    return ((identity.address,) if identity.address else ()) + identity.previous_addresses
