"""Adult social care: only plans with an assigned caseworker; "planned" and "cancelled" plans never count."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from sources.model import (
    AdultSocialCareFacts,
    AdultSocialCareInvolvement,
    CarePlan,
    Involvement,
    InvolvementStatus,
    Service,
    SourceRef,
)
from sources.services.adult_social_care.rules import AdultSocialCareRules

# What was found: an open plan, or only ended ones (the dates themselves are details).
INVOLVED_OPEN = "Open to {organisation}: a care plan with an assigned caseworker"
INVOLVED_CLOSED = "Known to {organisation} in the past: a care plan with an assigned caseworker, now ended"
ADULT_SOCIAL_CARE = "adult social care"
NOT_KNOWN = "No adult social care involvement with an assigned caseworker found"


def involved(found: Sequence[Involvement]) -> str:
    said = [
        (INVOLVED_OPEN if i.status is InvolvementStatus.CURRENT else INVOLVED_CLOSED).format(
            organisation=i.organisation or ADULT_SOCIAL_CARE
        )
        for i in found
    ]
    return "; ".join(dict.fromkeys(said))


def counted_plans(rules: AdultSocialCareRules, facts: AdultSocialCareFacts) -> list[CarePlan]:
    """The plans that count as involvement: a caseworker assigned, status not excluded."""
    return [
        plan
        for plan in facts.plans
        if plan.keyworker is not None and plan.status.lower() not in rules.excluded_plan_statuses
    ]


def adult_social_care_involvements(
    rules: AdultSocialCareRules, facts: AdultSocialCareFacts, source: SourceRef, today: datetime.date
) -> tuple[AdultSocialCareInvolvement, ...]:
    """One involvement per record: current if a counted plan has no end date; the start of the last (most
    recently started) plan, the latest contact, and the caseworker of the current (else the last) plan."""
    plans = counted_plans(rules, facts)
    if not plans:
        return ()
    open_plans = [plan for plan in plans if plan.end_date is None]
    by_start = sorted(plans, key=lambda plan: plan.start_date or datetime.date.min)
    last = by_start[-1]
    lead = sorted(open_plans, key=lambda plan: plan.start_date or datetime.date.min)[-1] if open_plans else last
    contacts = [plan.last_contact for plan in plans if plan.last_contact is not None]
    ends = [plan.end_date for plan in plans if plan.end_date is not None]
    return (
        AdultSocialCareInvolvement(
            service=Service.ADULT_SOCIAL_CARE,
            status=InvolvementStatus.CURRENT if open_plans else InvolvementStatus.HISTORIC,
            organisation=facts.organisation,
            practitioner=lead.keyworker,
            start_date=last.start_date,
            end_date=None if open_plans else max(ends, default=None),
            last_contact=max(contacts, default=None),
            source=source,
        ),
    )
